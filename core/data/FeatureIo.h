#pragma once
// Feature matrices on disk: NumPy .npy and PyTorch/LibTorch .pt files holding one tensor.
#include <torch/torch.h>

#include <QString>

namespace momok {

class FeatureIo
{
public:
    // A 2-D float32 tensor, or an undefined one with *error = "file: reason".
    static torch::Tensor load(const QString &path, QString *error);
    // By extension (.npy or .pt), atomically.
    static bool save(const QString &path, const torch::Tensor &values, QString *error);
    static bool checkRowCount(const torch::Tensor &values, int64_t expected, const QString &path, QString *error);
};

} // namespace momok
