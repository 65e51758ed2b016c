#include "analysis/Predictor.h"

#include "analysis/CandidateTypes.h"

#include "eval/Evaluator.h"
#include "train/RunContext.h"

#include <algorithm>
#include <cmath>

namespace momok {

PredictionResult predict(RunContext &context, int64_t entity, int64_t relation, bool headPrediction, int topK,
                         bool hideKnown, const CandidateTypes *types)
{
    torch::NoGradGuard noGrad;
    MoMoKModel &model = context.model;
    model->eval();
    const int64_t relations = context.dataset.relationCount(), entities = context.dataset.entityCount();
    const int64_t directed = headPrediction ? relation + relations : relation;

    PredictionResult result;
    result.entity = entity;
    result.relation = relation;
    result.headPrediction = headPrediction;
    const CandidateMatrices candidates = model->candidates();
    const QueryOutput out = model->forward(torch::tensor({entity}, torch::kLong), torch::tensor({directed}, torch::kLong));
    std::array<torch::Tensor, kScoringDecoderCount> logits;
    for (int d : model->activeDecoders()) {
        logits[size_t(d)] = out.vectors[size_t(d)].mm(candidates.matrices[size_t(d)].t()).squeeze(0).contiguous();
        result.decoderActive[size_t(d)] = true;
    }
    const torch::Tensor combined = Evaluator::combinedScores(logits).contiguous();
    for (int m = 0; m < kModalityCount; ++m) {
        const auto &gates = out.adaptors[size_t(m)].gates;
        if (!gates.defined())
            continue;
        auto g = gates.squeeze(0).to(torch::kDouble).contiguous();
        for (int64_t k = 0; k < g.size(0); ++k)
            result.gates[size_t(m)] << g[k].item<double>();
    }

    std::vector<int64_t> removed; // by the type rule, ascending
    if (types && !types->isEmpty()) {
        removed = types->removed(relation, headPrediction);
        result.typeFiltered = true;
        result.removedByType = int64_t(removed.size());
    }
    auto isKnown = [&](const QueryIndex &index, int64_t candidate) { return index.contains(entity, directed, candidate); };
    // Sorting all E candidates once is cheap next to scoring; it gives every row its rank.
    auto order = std::get<1>(combined.sort(/*dim=*/0, /*descending=*/true));
    const int64_t *o = order.data_ptr<int64_t>();
    std::array<torch::Tensor, kScoringDecoderCount> sigmoid;
    for (int d : model->activeDecoders())
        sigmoid[size_t(d)] = torch::sigmoid(logits[size_t(d)]).contiguous();
    int rank = 0;
    for (int64_t i = 0; i < entities && result.rows.size() < topK; ++i) {
        PredictionRow row;
        row.entity = o[i];
        if (!removed.empty() && std::binary_search(removed.begin(), removed.end(), row.entity))
            continue;
        row.knownTrain = isKnown(context.trainKnown, row.entity);
        row.knownValid = isKnown(context.validKnown, row.entity);
        row.knownTest = isKnown(context.testKnown, row.entity);
        if (hideKnown && row.known())
            continue;
        row.rank = ++rank;
        row.score = combined[row.entity].item<double>();
        for (int d = 0; d < kScoringDecoderCount; ++d) {
            if (!result.decoderActive[size_t(d)]) {
                row.decoderScore[size_t(d)] = std::nan("");
                row.decoderRank[size_t(d)] = std::nan("");
                continue;
            }
            const float *s = logits[size_t(d)].data_ptr<float>();
            const FilteredRank r = filteredRank(s, entities, row.entity, removed.data(), removed.data() + removed.size());
            row.decoderScore[size_t(d)] = sigmoid[size_t(d)][row.entity].item<double>();
            row.decoderRank[size_t(d)] = r.realistic();
        }
        result.rows << row;
    }
    return result;
}

} // namespace momok
