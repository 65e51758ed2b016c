#pragma once
// A hand-made image descriptor, deterministic and offline:
//   - a soft-binned colour histogram in CIELab (L 4 × a 6 × b 6 bins),
//   - an 8×8 thumbnail in Lab (the coarse layout),
//   - gradient-orientation histograms (9 unsigned orientations over 4×4 cells, HOG-like),
// each block normalised, weighted, concatenated and L2-normalised (width 144 + 192 + 144 = 480).
// Blocks are laid out so that the model's average pooling to a narrower width merges similar
// dimensions (neighbouring lightness bins, neighbouring thumbnail pixels, neighbouring cells of
// one orientation) rather than unrelated ones.
// Torch-free: usable from the UI and from worker threads (QImage is re-entrant).
#include <QImage>
#include <QString>
#include <QStringList>

#include <vector>

namespace momok {

class ImageDescriptor
{
public:
    static constexpr int kVersion = 1;
    static constexpr int kWorkingSize = 64;   // images are resampled to 64×64 first
    static constexpr int kLightnessBins = 4, kChromaBins = 6;
    static constexpr int kThumbnailSize = 8;
    static constexpr int kCells = 4, kOrientations = 9;

    static constexpr int colourWidth() { return kLightnessBins * kChromaBins * kChromaBins; }
    static constexpr int thumbnailWidth() { return 3 * kThumbnailSize * kThumbnailSize; }
    static constexpr int gradientWidth() { return kOrientations * kCells * kCells; }
    static constexpr int width() { return colourWidth() + thumbnailWidth() + gradientWidth(); }
    // Names the descriptor and its parameters (part of the feature cache key).
    static QString signature();

    // One unit-length vector of width(); transparent pixels are composited over white.
    // Empty for a null image.
    static std::vector<float> describe(const QImage &image);

    // Decodes a file (png, jpg, svg, … as Qt's image plugins allow). False with
    // *error = "path: reason" when it cannot be read.
    static bool readImage(const QString &path, QImage *image, QString *error);

    // Several images of one entity: the mean of their descriptors, re-normalised.
    // An empty list gives an empty vector (no image); false when a file cannot be read.
    static bool describeFiles(const QStringList &paths, std::vector<float> *out, QString *error);
};

} // namespace momok
