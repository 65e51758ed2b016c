#include "analysis/Predictor.h"

#include "analysis/CandidateTypes.h"
#include "analysis/PredictionRanking.h"

#include "eval/Evaluator.h"
#include "train/RunContext.h"

#include <algorithm>
#include <cmath>

namespace momok {

void copyGates(const QueryOutput &out, int64_t row, PredictionResult *result)
{
    for (int m = 0; m < kModalityCount; ++m) {
        const auto &gates = out.adaptors[size_t(m)].gates;
        result->gates[size_t(m)].clear();
        if (!gates.defined())
            continue;
        auto g = gates[row].to(torch::kDouble).contiguous();
        for (int64_t k = 0; k < g.size(0); ++k)
            result->gates[size_t(m)] << g[k].item<double>();
    }
}

void rankCandidates(const std::array<torch::Tensor, kScoringDecoderCount> &deviceLogits, const RankingOptions &options,
                    PredictionResult *result)
{
    std::array<torch::Tensor, kScoringDecoderCount> logits; // read element by element below: host copies
    for (size_t d = 0; d < logits.size(); ++d)
        if (deviceLogits[d].defined())
            logits[d] = deviceLogits[d].to(torch::kCPU).contiguous();
    int64_t entities = 0;
    for (int d = 0; d < kScoringDecoderCount; ++d) {
        result->decoderActive[size_t(d)] = logits[size_t(d)].defined();
        if (logits[size_t(d)].defined())
            entities = logits[size_t(d)].size(0);
    }
    const torch::Tensor combined = Evaluator::combinedScores(logits).contiguous();
    const std::vector<int64_t> &removed = options.removed;
    // Sorting all E candidates once is cheap next to scoring; it gives every row its rank.
    auto order = std::get<1>(combined.sort(/*dim=*/0, /*descending=*/true));
    const int64_t *o = order.data_ptr<int64_t>();
    std::array<torch::Tensor, kScoringDecoderCount> sigmoid;
    for (int d = 0; d < kScoringDecoderCount; ++d)
        if (result->decoderActive[size_t(d)])
            sigmoid[size_t(d)] = torch::sigmoid(logits[size_t(d)]).contiguous();
    int rank = 0;
    for (int64_t i = 0; i < entities && result->rows.size() < options.topK; ++i) {
        PredictionRow row;
        row.entity = o[i];
        if (!removed.empty() && std::binary_search(removed.begin(), removed.end(), row.entity))
            continue;
        if (options.markKnown)
            options.markKnown(&row);
        if (options.hideKnown && row.known())
            continue;
        row.rank = ++rank;
        row.score = combined[row.entity].item<double>();
        for (int d = 0; d < kScoringDecoderCount; ++d) {
            if (!result->decoderActive[size_t(d)]) {
                row.decoderScore[size_t(d)] = std::nan("");
                row.decoderRank[size_t(d)] = std::nan("");
                continue;
            }
            const float *s = logits[size_t(d)].data_ptr<float>();
            const FilteredRank r = filteredRank(s, entities, row.entity, removed.data(), removed.data() + removed.size());
            row.decoderScore[size_t(d)] = sigmoid[size_t(d)][row.entity].item<double>();
            row.decoderRank[size_t(d)] = r.realistic();
        }
        result->rows << row;
    }
}

PredictionResult predict(RunContext &context, int64_t entity, int64_t relation, bool headPrediction, int topK,
                         bool hideKnown, const CandidateTypes *types)
{
    torch::NoGradGuard noGrad;
    MoMoKModel &model = context.model;
    model->eval();
    const int64_t relations = context.dataset.relationCount();
    const int64_t directed = headPrediction ? relation + relations : relation;

    PredictionResult result;
    result.entity = entity;
    result.relation = relation;
    result.headPrediction = headPrediction;
    const CandidateMatrices candidates = model->candidates();
    const QueryOutput out = model->forward(torch::tensor({entity}, torch::kLong), torch::tensor({directed}, torch::kLong));
    std::array<torch::Tensor, kScoringDecoderCount> logits;
    for (int d : model->activeDecoders())
        logits[size_t(d)] = out.vectors[size_t(d)].mm(candidates.matrices[size_t(d)].t()).squeeze(0).contiguous();
    copyGates(out, 0, &result);

    RankingOptions options;
    options.topK = topK;
    options.hideKnown = hideKnown;
    if (types && !types->isEmpty()) {
        options.removed = types->removed(relation, headPrediction);
        result.typeFiltered = true;
        result.removedByType = int64_t(options.removed.size());
    }
    options.markKnown = [&](PredictionRow *row) {
        row->knownTrain = context.trainKnown.contains(entity, directed, row->entity);
        row->knownValid = context.validKnown.contains(entity, directed, row->entity);
        row->knownTest = context.testKnown.contains(entity, directed, row->entity);
    };
    rankCandidates(logits, options, &result);
    return result;
}

} // namespace momok
