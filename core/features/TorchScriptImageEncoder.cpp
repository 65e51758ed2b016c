#include "features/TorchScriptImageEncoder.h"

#include "features/ScriptConsent.h"

#include <QCryptographicHash>
#include <QFile>

#include <algorithm>
#include <sstream>

namespace momok {

bool TorchScriptImageEncoder::load(const QString &path, QString *error)
{
    m_loaded = false;
    // The bytes asked about are the bytes loaded: the file cannot change in between.
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error) *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    const QByteArray bytes = file.readAll();
    QString refusal;
    if (!askScriptConsent({path, QCryptographicHash::hash(bytes, QCryptographicHash::Sha256)}, &refusal)) {
        if (error)
            *error = QStringLiteral("%1: this TorchScript module was not run: %2").arg(path, refusal);
        return false;
    }
    try {
        std::istringstream stream(bytes.toStdString());
        m_module = torch::jit::load(stream, torch::kCPU);
        m_module.eval();
    } catch (const std::exception &e) {
        if (error)
            *error = QStringLiteral("%1: not a TorchScript module (%2)")
                         .arg(path, QString::fromUtf8(e.what()).section('\n', 0, 0));
        return false;
    }
    m_path = path;
    m_loaded = true;
    return true;
}

QString TorchScriptImageEncoder::signature() const
{
    return QStringLiteral("torchscript@%1 mean %2,%3,%4 std %5,%6,%7")
        .arg(m_options.inputSize)
        .arg(double(m_options.mean[0])).arg(double(m_options.mean[1])).arg(double(m_options.mean[2]))
        .arg(double(m_options.std[0])).arg(double(m_options.std[1])).arg(double(m_options.std[2]));
}

torch::Tensor TorchScriptImageEncoder::toTensor(const QImage &image, const Options &options)
{
    const int s = options.inputSize;
    const QImage scaled = image.convertToFormat(QImage::Format_ARGB32_Premultiplied)
                              .scaled(s, s, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    auto out = torch::empty({3, s, s}, torch::kFloat);
    float *r = out.data_ptr<float>(), *g = r + s * s, *b = g + s * s;
    for (int y = 0; y < s; ++y) {
        const QRgb *line = reinterpret_cast<const QRgb *>(scaled.constScanLine(y));
        for (int x = 0; x < s; ++x) {
            const QRgb p = line[x];
            const int white = 255 - qAlpha(p);
            const int i = y * s + x;
            r[i] = (std::min(255, qRed(p) + white) / 255.0f - options.mean[0]) / options.std[0];
            g[i] = (std::min(255, qGreen(p) + white) / 255.0f - options.mean[1]) / options.std[1];
            b[i] = (std::min(255, qBlue(p) + white) / 255.0f - options.mean[2]) / options.std[2];
        }
    }
    return out;
}

torch::Tensor TorchScriptImageEncoder::encode(const std::vector<QImage> &images, QString *error)
{
    if (!m_loaded) {
        if (error) *error = QStringLiteral("no TorchScript image encoder loaded");
        return {};
    }
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> rows;
    const size_t batch = size_t(std::max(1, m_options.batchSize));
    for (size_t start = 0; start < images.size(); start += batch) {
        std::vector<torch::Tensor> inputs;
        for (size_t i = start; i < std::min(images.size(), start + batch); ++i)
            inputs.push_back(toTensor(images[i], m_options));
        torch::Tensor output;
        try {
            const c10::IValue result = m_module.forward({torch::stack(inputs)});
            if (result.isTensor())
                output = result.toTensor();
            else if (result.isTuple() && !result.toTupleRef().elements().empty()
                     && result.toTupleRef().elements()[0].isTensor())
                output = result.toTupleRef().elements()[0].toTensor(); // e.g. (features, logits): take the first
        } catch (const std::exception &e) {
            if (error)
                *error = QStringLiteral("%1: the encoder failed on a batch of %2 images of %3×%3 (%4)")
                             .arg(m_path).arg(inputs.size()).arg(m_options.inputSize)
                             .arg(QString::fromUtf8(e.what()).section('\n', 0, 0));
            return {};
        }
        if (!output.defined() || output.dim() < 1 || output.size(0) != int64_t(inputs.size())) {
            if (error)
                *error = QStringLiteral("%1: the encoder must return a tensor with one row per image").arg(m_path);
            return {};
        }
        output = output.to(torch::kFloat).reshape({output.size(0), -1});
        if (!torch::isfinite(output).all().item<bool>()) {
            if (error) *error = QStringLiteral("%1: the encoder returned NaN or infinite values").arg(m_path);
            return {};
        }
        rows.push_back(output);
    }
    if (rows.empty())
        return torch::empty({0, 0});
    return torch::cat(rows).contiguous();
}

} // namespace momok
