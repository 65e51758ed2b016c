#pragma once
// Feature matrices on disk: NumPy .npy and PyTorch/LibTorch .pt files holding one tensor.
#include <torch/torch.h>

#include <QString>

namespace momok {

class FeatureIo
{
public:
    // Limits on what load() reads (see README, "Limits on input files"). A file is read whole.
    static constexpr qint64 kMaxFileBytes = 4ll << 30;      // 4 GiB
    static constexpr qint64 kMaxNpyHeaderBytes = 1 << 20;  // NumPy's own headers are < 64 KiB

    // A 2-D float32 tensor, or an undefined one with *error = "file: reason". A .npy file's
    // shape must account for its data exactly; a .pt file is checked (checkTorchFile) before
    // LibTorch reads it.
    static torch::Tensor load(const QString &path, QString *error);
    // By extension (.npy or .pt), atomically.
    static bool save(const QString &path, const torch::Tensor &values, QString *error);
    static bool checkRowCount(const torch::Tensor &values, int64_t expected, const QString &path, QString *error);
};

} // namespace momok
