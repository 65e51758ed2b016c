#pragma once
// A run's model in memory behind a torch-free interface, for front ends that must not see
// LibTorch's headers (the `momok` CLI): evaluate it, query it, read its shapes. It owns
// the RunContext that holds the model.
#include "analysis/CandidateTypes.h"
#include "analysis/EntitySimilarity.h"
#include "analysis/NewEntity.h"
#include "analysis/Predictor.h"
#include "data/KgDataset.h"
#include "eval/EvaluationReport.h"
#include "train/RunSpec.h"

#include <QString>
#include <QVector>

#include <memory>

namespace momok {

class RunContext;

class TrainedRun
{
public:
    // RUNDIR's spec, data and the weights of its selected checkpoint (RunContext::open);
    // null with *error when it cannot be read.
    static std::unique_ptr<TrainedRun> open(const QString &runDir, QString *error);
    // A freshly initialised model for spec, as training starts (RunContext::create): its
    // shapes, without weights worth evaluating.
    static std::unique_ptr<TrainedRun> create(const RunSpec &spec, QString *error);
    ~TrainedRun();

    const RunSpec &spec() const;
    const KgDataset &dataset() const;
    int checkpointEpoch() const;  // epochs completed by the loaded checkpoint (open() only)
    int64_t trainQueryCount() const;

    QVector<Decoder> activeDecoders() const;   // those the model computes
    bool modalityPresent(Modality modality) const;
    int64_t modalityWidth(Modality modality) const; // 0 when the modality is absent

    // Filtered link prediction on split with the run's evaluation batch size (Evaluator).
    EvaluationReport evaluate(Split split, EntityRankSums *perEntity = nullptr) const;
    // See analysis/Predictor.h. typed: keep only candidates of the relation's types (candidateTypes()).
    PredictionResult predict(int64_t entity, int64_t relation, bool headPrediction, int topK, bool hideKnown,
                             bool typed = false);
    // The type rule for candidates, built from the training split on first use.
    const CandidateTypes &candidateTypes();
    // Every entity's representations (analysis/Representations.h): relation-independent, or
    // under the temperature of relation (headDirection: its inverse, for (?, r, t) queries).
    EntityEmbeddings embeddings(int64_t relation = -1, bool headDirection = false);
    // What-if predictions for an entity not in the graph (analysis/NewEntity.h); false with
    // *error when an input cannot be read.
    bool predictNewEntity(const NewEntityInput &input, const NewEntityOptions &options, NewEntityPrediction *out,
                          QString *error);

private:
    explicit TrainedRun(std::unique_ptr<RunContext> context);

    std::unique_ptr<RunContext> m_context;
    std::unique_ptr<CandidateTypes> m_candidateTypes;
};

} // namespace momok
