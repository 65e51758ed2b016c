#pragma once
// The one property set of a feature-matrix reader, shared by the .npy and .pt targets:
// FeatureIo::load and the row-count check on a file named `name` holding the input.
#include "FuzzSupport.h"

#include "data/FeatureIo.h"
#include "data/ModalityFeatures.h"

namespace fuzz {

inline int featureFileInput(const QString &name, const uint8_t *data, size_t size)
{
    const QString path = writeFile(scratch(), name, QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size)));
    QString error;
    const torch::Tensor values = momok::FeatureIo::load(path, &error);
    if (!values.defined()) {
        FUZZ_CHECK(error.startsWith(path + QStringLiteral(": ")) && error.size() > path.size() + 2,
                   "the error names the file and the reason: %s", qPrintable(error));
        return 0;
    }
    FUZZ_CHECK(values.dim() == 2 && values.scalar_type() == torch::kFloat && values.is_contiguous(), "a 2-D float matrix");
    // Every value comes from the file's data (4 or 8 bytes each): no amplification.
    FUZZ_CHECK(values.numel() * 4 <= int64_t(size), "no more values than the file holds");
    const momok::ModalityFeatures features = momok::loadModalityFeatures(path, values.size(0), &error);
    FUZZ_CHECK(features.values.defined() && features.values.sizes() == values.sizes(), "loads again, the same shape");
    return 0;
}

} // namespace fuzz
