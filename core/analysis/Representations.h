#pragma once
// A trained model's entity representations copied out as plain data (see EntitySimilarity.h).
#include "analysis/EntitySimilarity.h"

namespace momok {

class RunContext;
struct CandidateMatrices;

// Every entity through the experts and the fusion in evaluation mode (no dropout, no gate
// noise): plain softmax gates, or the gates under σ(ε_r) of directedRelation when it is ≥ 0
// and the model learns relation temperatures.
EntityEmbeddings entityEmbeddings(RunContext &context, int64_t directedRelation = -1);
// MoMoKModel::representations' matrices as plain data (one per scoring decoder; undefined → empty).
EntityEmbeddings toEntityEmbeddings(const CandidateMatrices &representations, int64_t directedRelation = -1);

} // namespace momok
