// NumPy .npy feature matrices through FeatureIo::load and the row-count check.
#include "FuzzSupport.h"

#include "data/FeatureIo.h"
#include "data/ModalityFeatures.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString path = fuzz::writeFile(fuzz::scratch(), QStringLiteral("features.npy"),
                                         QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size)));
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
