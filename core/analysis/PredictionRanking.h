#pragma once
// The ranking step every prediction shares (a known entity's query or a new entity's): from
// each active decoder's logits over the E candidates to the joint decision's top rows, each
// with every decoder's score and rank. LibTorch side: used by Predictor and NewEntity.
#include "analysis/Predictor.h"
#include "model/MoMoKModel.h"

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace momok {

struct RankingOptions {
    int topK = 10;
    bool hideKnown = false;
    std::vector<int64_t> removed; // candidates left out (the type rule), ascending
    // Marks row's knownTrain/knownValid/knownTest for its candidate (row->entity).
    std::function<void(PredictionRow *row)> markKnown;
};

// logits: one E-vector per scoring decoder, undefined where inactive. Fills result's rows and
// decoderActive (and typeFiltered/removedByType when options.removed is used by the caller).
void rankCandidates(const std::array<torch::Tensor, kScoringDecoderCount> &logits, const RankingOptions &options,
                    PredictionResult *result);

// The query's gate weights per modality, from the adaptor outputs of row `row` of a batch.
void copyGates(const QueryOutput &out, int64_t row, PredictionResult *result);

} // namespace momok
