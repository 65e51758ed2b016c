#pragma once
// A run's entity representations written for other tools:
// - the TensorFlow Embedding Projector ("projector"): one folder per representation
//   (structure, image, text, joint) holding tensors.tsv (one row per entity, in id order),
//   one metadata.tsv with a header (name, type, degree, best_decoder), sprite.png (the
//   entities' thumbnails in id order, square cells of 64 px or smaller so that the sheet
//   stays within 8,192 px, grey where an entity has no image) and projector_config.pbtxt
//   tying them together;
// - NumPy ("npy"): one float32 .npy matrix per representation plus entity2id.txt.
// Every file is written to a temporary name and renamed into place, so a cancelled or
// failed export leaves no half-written file. Torch-free.
#include "analysis/EntitySimilarity.h"
#include "data/KgDataset.h"
#include "domain/Feedback.h"
#include "eval/EvaluationReport.h"

#include <QString>
#include <QStringList>

namespace momok {

enum class EmbeddingFormat { Projector, Npy };
QString embeddingFormatKey(EmbeddingFormat format); // "projector", "npy"
std::optional<EmbeddingFormat> embeddingFormatFromKey(QStringView key);

// The folder/file stem of a representation: "structure", "image", "text", "joint".
QString representationKey(Decoder representation);

constexpr int kSpriteCellPixels = 64;
constexpr int kSpriteMaxPixels = 8192;
// The sprite's cell size for n entities: 64 px, or less so that ⌈√n⌉ cells fit in 8,192 px.
int spriteCellPixels(int64_t entities);

struct EmbeddingExportInput {
    const KgDataset *dataset = nullptr;
    const EntityEmbeddings *embeddings = nullptr;
    const EntityRankSums *testRanks = nullptr; // for best_decoder; may be null (column left empty)
};

struct EmbeddingExportResult {
    QStringList files;      // relative to the output folder, in the order written
    int spriteCell = 0;     // projector: the sprite's cell size in px
    int spriteSide = 0;     // projector: the sprite's width and height in px
    int64_t missingImages = 0; // projector: grey cells
};

// Writes into outDir (created if needed). Progress (ExportingSprite) goes to feedback, which
// is checked for cancellation between thumbnails; then it returns Cancelled and the files
// already renamed into place stay complete. feedback may be null.
Outcome exportEmbeddings(const EmbeddingExportInput &input, EmbeddingFormat format, const QString &outDir,
                         EmbeddingExportResult *result, Feedback *feedback, QString *error);

// The training-split degree of each entity (triples it is head or tail of).
std::vector<int64_t> trainingDegrees(const KgDataset &dataset);

} // namespace momok
