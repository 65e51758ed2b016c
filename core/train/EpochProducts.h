#pragma once
// The matrix-product FLOPs of one training epoch, counted from the shapes alone: what
// `momok bench` divides by the epoch's time for the rate it achieved. Torch-free header.
//
// Every product the method makes in a step counts three times (the forward product and its
// two gradient products), as if every input were trained (the bench setting fine-tunes the
// feature tables, so there they all are). Element-wise work (losses, norms, softmaxes,
// the CLUB bound's sums) is not counted.
#include "domain/Vocabulary.h"
#include "model/ModelConfig.h"

#include <array>
#include <cstdint>

namespace momok {

struct EpochShape {
    ModelConfig config;
    int64_t entities = 0;
    int64_t directedRelations = 0; // relations and their reciprocals
    int64_t queries = 0;           // training queries an epoch
    int64_t batches = 0;           // steps an epoch
    std::array<int64_t, kModalityCount> widths{};          // entity width per modality, 0 when absent
    std::array<bool, kScoringDecoderCount> decoders{};     // decoders trained
};

// By the sections of `momok bench --profile`, so each can be set beside what the profile counts.
struct EpochProducts {
    double scoring = 0;   // x·Cᵀ against every entity, per decoder
    double core = 0;      // W_r = r·W and x·W_r (per distinct relation, or per query where fused)
    double experts = 0;   // the experts over every entity and over the batch's own entities, and the gates
    double fusion = 0;    // entity and relation fusion for the joint decoder
    double estimator = 0; // ExID: the CLUB bound, the estimators' fit, the experts recomputed for it
    double total() const { return scoring + core + experts + fusion + estimator; }
    // The count bench reported until fusion, the estimator, the batch's own experts, the gates and
    // the joint decoder's per-query W_r were added: scoring, x·W_r, W_r per distinct relation for
    // every decoder, and the experts over every entity. Kept so that figures stay comparable.
    double dominantOnly = 0;
};

EpochProducts countEpochProducts(const EpochShape &shape);

} // namespace momok
