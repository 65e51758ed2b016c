#include "features/ImageDescriptor.h"

#include "data/EntityMetadataReader.h"

#include <QFileInfo>
#include <QImageReader>

#include <algorithm>
#include <array>
#include <cmath>

namespace momok {

namespace {

// Larger images are decoded at a reduced size: the descriptor works at 64×64 anyway.
constexpr int kMaxDecodeSide = 512;
// Chroma range covered by the a/b bins; values outside fall into the outer bins.
constexpr float kChromaMin = -90.0f, kChromaMax = 90.0f;
constexpr float kPi = 3.14159265358979323846f;

struct Lab {
    float L, a, b;
};

const std::array<float, 256> &linearTable()
{
    static const std::array<float, 256> table = [] {
        std::array<float, 256> t{};
        for (int i = 0; i < 256; ++i) {
            const double c = i / 255.0;
            t[size_t(i)] = float(c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4));
        }
        return t;
    }();
    return table;
}

float labF(float t)
{
    constexpr float kDelta = 6.0f / 29.0f;
    return t > kDelta * kDelta * kDelta ? std::cbrt(t) : t / (3 * kDelta * kDelta) + 4.0f / 29.0f;
}

// sRGB (D65) → CIELab.
Lab toLab(int r8, int g8, int b8)
{
    const auto &lin = linearTable();
    const float r = lin[size_t(r8)], g = lin[size_t(g8)], b = lin[size_t(b8)];
    const float x = (0.4124564f * r + 0.3575761f * g + 0.1804375f * b) / 0.95047f;
    const float y = 0.2126729f * r + 0.7151522f * g + 0.0721750f * b;
    const float z = (0.0193339f * r + 0.1191920f * g + 0.9503041f * b) / 1.08883f;
    const float fx = labF(x), fy = labF(y), fz = labF(z);
    return {116.0f * fy - 16.0f, 500.0f * (fx - fy), 200.0f * (fy - fz)};
}

// Soft assignment of a value to two neighbouring bins (linear interpolation between bin centres).
struct SoftBin {
    int lo, hi;
    float wLo, wHi;
};

SoftBin softBin(float value, float min, float max, int bins)
{
    const float width = (max - min) / bins;
    float u = (value - min) / width - 0.5f;
    u = std::clamp(u, 0.0f, float(bins - 1));
    const int lo = std::min(int(std::floor(u)), bins - 1);
    const int hi = std::min(lo + 1, bins - 1);
    const float frac = u - lo;
    return {lo, hi, 1.0f - frac, frac};
}

void normalise(float *v, int n)
{
    double sum = 0;
    for (int i = 0; i < n; ++i)
        sum += double(v[i]) * v[i];
    if (sum <= 0)
        return;
    const float inv = float(1.0 / std::sqrt(sum));
    for (int i = 0; i < n; ++i)
        v[i] *= inv;
}

} // namespace

QString ImageDescriptor::signature()
{
    return QStringLiteral("lab-hist%1x%2x%2+thumb%3+hog%4x%5@%6/v%7")
        .arg(kLightnessBins).arg(kChromaBins).arg(kThumbnailSize).arg(kCells).arg(kOrientations)
        .arg(kWorkingSize).arg(kVersion);
}

std::vector<float> ImageDescriptor::describe(const QImage &image)
{
    if (image.isNull())
        return {};
    constexpr int n = kWorkingSize;
    // Area-averaging downscale in premultiplied ARGB, then composite over white.
    const QImage small = image.convertToFormat(QImage::Format_ARGB32_Premultiplied)
                             .scaled(n, n, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    std::vector<Lab> lab(size_t(n * n));
    for (int y = 0; y < n; ++y) {
        const QRgb *line = reinterpret_cast<const QRgb *>(small.constScanLine(y));
        for (int x = 0; x < n; ++x) {
            const QRgb p = line[x];
            const int white = 255 - qAlpha(p);
            lab[size_t(y * n + x)] = toLab(std::min(255, qRed(p) + white), std::min(255, qGreen(p) + white),
                                           std::min(255, qBlue(p) + white));
        }
    }

    std::vector<float> out(size_t(width()), 0.0f);
    float *colour = out.data();
    float *thumb = colour + colourWidth();
    float *grad = thumb + thumbnailWidth();

    // Colour histogram, index ((a·B + b)·L + l): neighbouring lightness bins are adjacent.
    for (const Lab &p : lab) {
        const SoftBin l = softBin(p.L, 0.0f, 100.0f, kLightnessBins);
        const SoftBin a = softBin(p.a, kChromaMin, kChromaMax, kChromaBins);
        const SoftBin b = softBin(p.b, kChromaMin, kChromaMax, kChromaBins);
        const int ai[2] = {a.lo, a.hi}, bi[2] = {b.lo, b.hi}, li[2] = {l.lo, l.hi};
        const float aw[2] = {a.wLo, a.wHi}, bw[2] = {b.wLo, b.wHi}, lw[2] = {l.wLo, l.wHi};
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 2; ++j)
                for (int k = 0; k < 2; ++k)
                    colour[(ai[i] * kChromaBins + bi[j]) * kLightnessBins + li[k]] += aw[i] * bw[j] * lw[k];
    }
    // Hellinger-style: square roots of the frequencies, so large uniform areas do not swamp the rest.
    for (int i = 0; i < colourWidth(); ++i)
        colour[i] = std::sqrt(colour[i] / float(n * n));
    normalise(colour, colourWidth());

    // Thumbnail, channel-major then row-major; lightness centred on mid-grey.
    constexpr int block = n / kThumbnailSize;
    for (int ty = 0; ty < kThumbnailSize; ++ty) {
        for (int tx = 0; tx < kThumbnailSize; ++tx) {
            double sl = 0, sa = 0, sb = 0;
            for (int y = ty * block; y < (ty + 1) * block; ++y)
                for (int x = tx * block; x < (tx + 1) * block; ++x) {
                    const Lab &p = lab[size_t(y * n + x)];
                    sl += p.L;
                    sa += p.a;
                    sb += p.b;
                }
            const double count = block * block;
            const int cell = ty * kThumbnailSize + tx;
            constexpr int plane = kThumbnailSize * kThumbnailSize;
            thumb[cell] = float((sl / count - 50.0) / 50.0);
            thumb[plane + cell] = float(sa / count / 100.0);
            thumb[2 * plane + cell] = float(sb / count / 100.0);
        }
    }
    normalise(thumb, thumbnailWidth());

    // Gradient orientations of the lightness, unsigned, soft-binned over orientation;
    // index (orientation · cells² + cell) so that pooling merges cells, not orientations.
    constexpr int cellSide = n / kCells;
    for (int y = 0; y < n; ++y) {
        for (int x = 0; x < n; ++x) {
            const float gx = lab[size_t(y * n + std::min(x + 1, n - 1))].L - lab[size_t(y * n + std::max(x - 1, 0))].L;
            const float gy = lab[size_t(std::min(y + 1, n - 1) * n + x)].L - lab[size_t(std::max(y - 1, 0) * n + x)].L;
            const float magnitude = std::sqrt(gx * gx + gy * gy);
            if (magnitude <= 0)
                continue;
            float angle = std::atan2(gy, gx);
            if (angle < 0)
                angle += kPi;
            if (angle >= kPi)
                angle -= kPi;
            const float u = angle / kPi * kOrientations - 0.5f;
            const int o0 = int(std::floor(u));
            const float frac = u - o0;
            const int lo = (o0 + kOrientations) % kOrientations, hi = (o0 + 1) % kOrientations;
            const int cell = (y / cellSide) * kCells + x / cellSide;
            constexpr int cells = kCells * kCells;
            grad[lo * cells + cell] += magnitude * (1.0f - frac);
            grad[hi * cells + cell] += magnitude * frac;
        }
    }
    // Lowe's clipping: no single strong edge dominates the block.
    normalise(grad, gradientWidth());
    for (int i = 0; i < gradientWidth(); ++i)
        grad[i] = std::min(grad[i], 0.2f);
    normalise(grad, gradientWidth());

    normalise(out.data(), width());
    return out;
}

bool ImageDescriptor::readImage(const QString &path, QImage *image, QString *error)
{
    // The dataset check's limits (EntityMetadataReader), checked before decoding: a file or
    // a header claiming a huge image (a decompression bomb) is refused before any allocation.
    const qint64 bytes = QFileInfo(path).size();
    if (bytes > EntityMetadataReader::kMaxImageFileBytes) {
        if (error)
            *error = QStringLiteral("%1: image file of %2 MiB, over the limit of %3 MiB")
                         .arg(path).arg(bytes >> 20).arg(EntityMetadataReader::kMaxImageFileBytes >> 20);
        return false;
    }
    QImageReader reader(path);
    reader.setAutoTransform(true);
    reader.setAllocationLimit(EntityMetadataReader::kImageAllocationLimitMiB);
    const QSize size = reader.size();
    if (size.isValid() && qint64(size.width()) * size.height() > EntityMetadataReader::kMaxImagePixels) {
        if (error)
            *error = QStringLiteral("%1: image of %2×%3 pixels, over the limit of %4 megapixels")
                         .arg(path).arg(size.width()).arg(size.height())
                         .arg(EntityMetadataReader::kMaxImagePixels / 1000000);
        return false;
    }
    if (size.isValid() && std::max(size.width(), size.height()) > kMaxDecodeSide)
        reader.setScaledSize(size.scaled(kMaxDecodeSide, kMaxDecodeSide, Qt::KeepAspectRatio));
    QImage decoded = reader.read();
    if (decoded.isNull()) {
        if (error)
            *error = QStringLiteral("%1: cannot read the image (%2)").arg(path, reader.errorString());
        return false;
    }
    *image = std::move(decoded);
    return true;
}

bool ImageDescriptor::describeFiles(const QStringList &paths, std::vector<float> *out, QString *error)
{
    std::vector<float> sum;
    for (const QString &path : paths) {
        QImage image;
        if (!readImage(path, &image, error))
            return false;
        const std::vector<float> d = describe(image);
        if (sum.empty())
            sum.assign(d.size(), 0.0f);
        for (size_t i = 0; i < d.size(); ++i)
            sum[i] += d[i];
    }
    if (!sum.empty())
        normalise(sum.data(), int(sum.size()));
    *out = std::move(sum);
    return true;
}

} // namespace momok
