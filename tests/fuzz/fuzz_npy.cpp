// NumPy .npy feature matrices through FeatureIo::load and the row-count check.
#include "FeatureFileTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz::featureFileInput(QStringLiteral("features.npy"), data, size);
}
