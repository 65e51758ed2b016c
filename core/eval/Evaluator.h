#pragma once
// Filtered link-prediction evaluation (DESIGN.md §3): every test (or valid) triple is
// asked in both directions; the true entity is ranked among all entities after
// removing the other known answers (train ∪ valid ∪ test), for each decoder and for
// the joint decision, with optimistic, pessimistic and realistic tie handling.
#include "data/KgDataset.h"
#include "eval/EvaluationReport.h"
#include "eval/RankCounter.h"
#include "model/MoMoKModel.h"
#include "train/QueryIndex.h"
#include "domain/Feedback.h"


namespace momok {

class Evaluator
{
public:
    Evaluator(MoMoKModel model, const KgDataset &dataset, const QueryIndex &allKnown);

    // Reports Evaluating progress (queries done, with `epoch`) to feedback and stops when it is
    // cancelled: then the report is empty (no split). feedback may be null. perEntity (may be
    // null) receives each query entity's reciprocal-rank sums.
    EvaluationReport evaluate(Split split, int64_t batchSize, Feedback *feedback = nullptr, int epoch = 0,
                              EntityRankSums *perEntity = nullptr);

    // The joint decision over the active decoders' B×E logits: mean of their sigmoids.
    static torch::Tensor combinedScores(const std::array<torch::Tensor, kScoringDecoderCount> &logits);

private:
    MoMoKModel m_model;
    const KgDataset &m_dataset;
    const QueryIndex &m_known;
};

// Metrics of a set of filtered ranks (MRR and Hits@k in %).
RankMetricsTriple metricsOf(const std::vector<FilteredRank> &ranks);

} // namespace momok
