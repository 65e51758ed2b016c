#pragma once
// LibTorch side of analysis/NewEntity.h.
#include "analysis/CandidateTypes.h"
#include "analysis/NewEntity.h"

namespace momok {

class RunContext;

// False with *error naming the file and the reason when an input cannot be read.
bool predictNewEntity(RunContext &context, const CandidateTypes *types, const NewEntityInput &input,
                      const NewEntityOptions &options, NewEntityPrediction *out, QString *error);

} // namespace momok
