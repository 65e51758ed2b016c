#pragma once
// Teaching graphs: small generated multi-modal knowledge graphs whose answer is known.
// Every object has hidden visual attributes (colour, shape, pattern) that only its image
// shows, hidden textual attributes (material, origin, era) that only its text tells, and a
// community (guild) that only the graph reveals. Each relation is planted in one modality
// (or two), and the generator writes that table beside the dataset, so the per-modality
// analysis has an oracle. Same seed and knobs, same files, byte for byte.
// Torch-free: the UI's dialog runs it on a worker thread.
#include "domain/Feedback.h"

#include <QPair>
#include <QString>
#include <QStringList>
#include <QVector>

#include <cstdint>

namespace momok {

struct TeachingOptions {
    quint64 seed = 1;
    int entities = 300;     // objects (attribute and guild entities come on top)
    double noise = 0.05;    // fraction of attributes shown wrongly and of edges rewired at random
    bool overwrite = false; // allow writing into a folder that already holds files
};

struct TeachingSummary {
    QString directory;
    int entityCount = 0, relationCount = 0;
    int train = 0, valid = 0, test = 0;
    QVector<QPair<QString, QString>> planted; // relation → modalities ("I", "T", "S", "I+T", …)
};

class TeachingGraphGenerator
{
public:
    static constexpr int kMinEntities = 60;
    static constexpr int kMaxEntities = 20000;
    static constexpr double kMaxNoise = 0.5;
    static constexpr int kImageSize = 64;

    // Empty when the options are usable; otherwise one reason per line.
    static QStringList validate(const TeachingOptions &options);

    // Writes the dataset into outDir (created). Progress (DrawingImages: the slow part, after
    // the text files) goes to feedback, which is checked between images; on cancellation it returns false
    // with *error "cancelled". feedback may be null.
    static bool generate(const QString &outDir, const TeachingOptions &options, TeachingSummary *summary,
                         QString *error, Feedback *feedback = nullptr);

    // The planted table as written to planted_modalities.tsv.
    static QVector<QPair<QString, QString>> plantedModalities();
};

} // namespace momok
