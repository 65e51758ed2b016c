#pragma once
// Ranked predictions for one query (entity, relation, direction): the joint decision's
// score beside each decoder's score and rank, the known-triple markers and the gates.
#include <QString>
#include <QVector>

#include <array>
#include <cstdint>

namespace momok {

class CandidateTypes;
class RunContext;

struct PredictionRow {
    int64_t entity = 0;
    int rank = 0;                 // by the joint decision, after optional filtering
    double score = 0;             // joint decision (mean of the active decoders' sigmoids)
    std::array<double, 4> decoderScore{};  // S, I, T, joint sigmoid scores (NaN if inactive)
    std::array<double, 4> decoderRank{};   // each decoder's own rank of this candidate (realistic)
    bool knownTrain = false, knownValid = false, knownTest = false;
    bool known() const { return knownTrain || knownValid || knownTest; }
};

struct PredictionResult {
    int64_t entity = 0, relation = 0;
    bool headPrediction = false;   // (?, r, entity) instead of (entity, r, ?)
    QVector<PredictionRow> rows;
    std::array<QVector<double>, 3> gates; // per modality (S, I, T): the query's expert weights; empty if unused
    std::array<bool, 4> decoderActive{};
    bool typeFiltered = false;  // candidates restricted to the relation's types (CandidateTypes)
    int64_t removedByType = 0;  // candidates that rule removed (they keep no rank)
};

// topK candidates; hideKnown drops answers already in train/valid/test (they keep no rank).
// With types, candidates of types the relation does not take in that position are left out
// of the joint ranking and of every decoder's rank.
PredictionResult predict(RunContext &context, int64_t entity, int64_t relation, bool headPrediction, int topK,
                         bool hideKnown, const CandidateTypes *types = nullptr);

} // namespace momok
