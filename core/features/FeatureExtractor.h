#pragma once
// Makes image and text features for a dataset that has raw data but no feature files:
// the built-in image descriptor (or a user's TorchScript encoder) and hashed TF-IDF text
// features, one row per entity in id order, with a per-entity "really present" flag.
// Results are cached on disk, keyed by the content of the inputs (image bytes, texts) and
// the method's name, parameters and version, so opening the same data again is instant.
// Torch-free interface: run it on a worker thread; progress comes by callback.
#include "data/KgDataset.h"
#include "domain/Feedback.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace momok {

struct FeatureMatrix {
    int64_t rows = 0, cols = 0;
    std::vector<float> values;     // rows×cols, row-major; rows of entities without the modality are zero
    std::vector<uint8_t> present;  // 1 when the entity has real data for the modality
    QString extractor;             // the method's signature
    bool fromCache = false;
    bool isEmpty() const { return rows == 0 || cols == 0; }
    int64_t presentCount() const;
};

struct FeatureExtractionOptions {
    bool images = true;
    bool texts = true;
    QString imageEncoder;          // TorchScript module (.pt); empty = the built-in descriptor
    int encoderInputSize = 224;
    int encoderBatchSize = 16;
    int textWidth = 384;
    bool useCache = true;
    QString cacheDirectory;        // empty = FeatureExtractor::defaultCacheDirectory()
};

class FeatureExtractor
{
public:
    explicit FeatureExtractor(FeatureExtractionOptions options = {});

    // Fills *image / *text (either may be null: not wanted) for the modalities that have raw
    // data; a modality without any raw data is left empty. Progress (HashingInputs,
    // ExtractingImages, ExtractingTexts) goes to feedback, which is checked for cancellation
    // between chunks of entities; feedback may be null.
    Outcome extract(const KgDataset &dataset, FeatureMatrix *image, FeatureMatrix *text, Feedback *feedback,
                    QString *error);

    // Entities whose features the last extract() really computed (0 when all came from the cache).
    int64_t computedImageRows() const { return m_computedImages; }
    int64_t computedTextRows() const { return m_computedTexts; }

    static bool hasImages(const KgDataset &dataset);
    static bool hasTexts(const KgDataset &dataset);
    // The files describing an entity's look (its thumbnail if any, else its images), and its text (display name + description; empty without description).
    static QStringList imageSources(const EntityInfo &entity);
    static QString entityText(const EntityInfo &entity);

    // $MOMOK_CACHE_DIR if set, else <generic cache location>/momok/features (shared by the app and the CLI).
    static QString defaultCacheDirectory();

private:
    FeatureExtractionOptions m_options;
    int64_t m_computedImages = 0, m_computedTexts = 0;
};

} // namespace momok
