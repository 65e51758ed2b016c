#pragma once
// Writes an extracted FeatureMatrix as a feature file (.npy or .pt, by extension), for
// callers that must not see LibTorch's headers (the `momok features` command).
#include "features/FeatureExtractor.h"

#include <QString>

namespace momok {

// Atomically, through FeatureIo::save; false with *error = "file: reason".
bool saveFeatureMatrix(const QString &path, const FeatureMatrix &matrix, QString *error);

} // namespace momok
