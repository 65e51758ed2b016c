#pragma once
// A user's own image encoder: a TorchScript module (saved by torch.jit.script/trace and
// torch.jit.save, or by LibTorch) loaded with LibTorch and applied to batches of images.
// Input: N×3×S×S float32 RGB in [0, 1], normalised per channel with (x − mean) / std
// (ImageNet's statistics by default); output: one row per image (extra dimensions flattened).
#include <torch/script.h>

#include <QImage>
#include <QString>

#include <array>
#include <vector>

namespace momok {

class TorchScriptImageEncoder
{
public:
    struct Options {
        int inputSize = 224;
        std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
        std::array<float, 3> std{0.229f, 0.224f, 0.225f};
        int batchSize = 16;
    };

    TorchScriptImageEncoder() = default;
    explicit TorchScriptImageEncoder(Options options) : m_options(options) {}

    bool load(const QString &path, QString *error);
    bool isLoaded() const { return m_loaded; }
    const Options &options() const { return m_options; }
    // The preprocessing parameters (the cache key adds the module file's content).
    QString signature() const;

    // One row per image (images must not be null); undefined with *error when the module fails.
    torch::Tensor encode(const std::vector<QImage> &images, QString *error);

    // 3×S×S, composited over white, resized (ignoring the aspect ratio) and normalised.
    static torch::Tensor toTensor(const QImage &image, const Options &options);

private:
    Options m_options;
    QString m_path;
    torch::jit::Module m_module;
    bool m_loaded = false;
};

} // namespace momok
