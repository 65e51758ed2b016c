#include "cli/FeatureCommands.h"

#include "cli/CliCommands.h"
#include "cli/CliParsing.h"

#include "data/DatasetReader.h"
#include "features/FeatureExtractor.h"
#include "features/FeatureMatrixFile.h"
#include "teaching/TeachingGraphGenerator.h"

#include <QDir>
#include <QElapsedTimer>

namespace momok {

namespace {

// ---- features ----

int runFeatures(const QStringList &args, QTextStream &out, QTextStream &err)
{
    CommandLine commandLine(QStringLiteral("features"), QStringLiteral(
        "Extract image and text features from a dataset's images and texts and write them as\n"
        "image_features.npy and text_features.npy (one float32 row per entity in id order; rows of\n"
        "entities without that modality are zero, which the engine reads as missing).\n"
        "Images: a colour/layout/gradient descriptor, or a TorchScript module (--image-encoder).\n"
        "Texts (display name + description): hashed TF-IDF over word and character n-grams.\n"
        "Results are cached by content: $MOMOK_CACHE_DIR, else ") + FeatureExtractor::defaultCacheDirectory());
    commandLine.addPositional("DIR", "the dataset folder");
    commandLine.addOptions({{"out", "folder to write the .npy files into (default: DIR)", "OUTDIR"},
                            {"image-encoder", "TorchScript module (.pt) applied to the images", "FILE"},
                            {"encoder-size", "input size of the TorchScript encoder (default 224)", "PIXELS", "224"},
                            {"text-width", "width of the text features (default 384)", "N", "384"},
                            {"no-cache", "compute everything again and leave the cache alone"},
                            {"quiet", "print only the result"}});
    if (int code = 0; !commandLine.parse(args, out, err, &code))
        return code;
    const QString datasetDir = commandLine.positionalArguments().first();
    const DatasetLoadResult loaded = DatasetReader::read(datasetDir);
    if (!loaded.ok()) {
        err << "momok features: " << loaded.summary() << "\n";
        return 1;
    }
    FeatureExtractionOptions options;
    options.imageEncoder = commandLine.value("image-encoder");
    options.encoderInputSize = commandLine.value("encoder-size").toInt();
    options.textWidth = commandLine.value("text-width").toInt();
    options.useCache = !commandLine.isSet("no-cache");
    if (options.encoderInputSize < 8 || options.textWidth < 8) {
        err << "momok features: --encoder-size and --text-width must be at least 8\n";
        return kUsageError;
    }
    const bool quiet = commandLine.isSet("quiet");
    QElapsedTimer timer;
    timer.start();
    FeatureExtractor extractor(options);
    FeatureMatrix image, text;
    QString error;
    Feedback feedback(consoleProgress(err, quiet));
    const Outcome outcome = extractor.extract(*loaded.dataset, &image, &text, &feedback, &error);
    if (outcome != Outcome::Finished) {
        err << "momok features: " << error << "\n";
        return 1;
    }
    const double seconds = timer.elapsed() / 1000.0;
    const QString outDir = commandLine.isSet("out") ? commandLine.value("out") : datasetDir;
    if (!QDir().mkpath(outDir)) {
        err << "momok features: " << outDir << ": cannot create the folder\n";
        return 1;
    }
    auto write = [&](const FeatureMatrix &m, const QString &name, const QString &what) {
        if (m.isEmpty()) {
            out << QStringLiteral("%1: no raw data in the dataset, nothing written\n").arg(what);
            return true;
        }
        const QString path = QDir(outDir).filePath(name);
        if (!saveFeatureMatrix(path, m, &error)) {
            err << "momok features: " << error << "\n";
            return false;
        }
        out << QStringLiteral("%1: %2 × %3 (%4 of %5 entities present, %6) → %7\n")
                   .arg(what).arg(m.rows).arg(m.cols).arg(m.presentCount()).arg(m.rows)
                   .arg(m.fromCache ? QStringLiteral("from the cache") : m.extractor, path);
        return true;
    };
    if (!write(image, QStringLiteral("image_features.npy"), QStringLiteral("images"))
        || !write(text, QStringLiteral("text_features.npy"), QStringLiteral("texts")))
        return 1;
    out << QStringLiteral("extracted in %1 s\n").arg(seconds, 0, 'f', 2);
    return 0;
}

// ---- make-teaching ----

int runMakeTeaching(const QStringList &args, QTextStream &out, QTextStream &err)
{
    CommandLine commandLine(QStringLiteral("make-teaching"), QStringLiteral(
        "Generate a teaching graph: objects whose colour, shape and pattern only their images show,\n"
        "whose material, origin and era only their texts tell, and whose guild only the graph\n"
        "reveals. Each relation's answer is planted in one modality (or two); the table is written\n"
        "to planted_modalities.tsv beside the dataset, with a README.md describing it."));
    commandLine.addPositional("OUTDIR", "folder to create (must be empty or new)");
    const TeachingOptions defaults;
    commandLine.addOptions({{"seed", "random seed (default 1)", "N", QString::number(defaults.seed)},
                            {"entities", QStringLiteral("number of objects, %1–%2 (default %3)")
                                             .arg(TeachingGraphGenerator::kMinEntities).arg(TeachingGraphGenerator::kMaxEntities)
                                             .arg(defaults.entities), "N", QString::number(defaults.entities)},
                            {"noise", QStringLiteral("fraction of attributes shown wrongly and edges rewired, 0–%1 (default %2)")
                                          .arg(TeachingGraphGenerator::kMaxNoise).arg(defaults.noise), "P",
                             QString::number(defaults.noise)},
                            {"force", "write even if OUTDIR already holds files"}});
    if (int code = 0; !commandLine.parse(args, out, err, &code))
        return code;
    TeachingOptions options;
    bool okSeed = false, okEntities = false, okNoise = false;
    options.seed = commandLine.value("seed").toULongLong(&okSeed);
    options.entities = commandLine.value("entities").toInt(&okEntities);
    options.noise = commandLine.value("noise").toDouble(&okNoise);
    options.overwrite = commandLine.isSet("force");
    if (!okSeed || !okEntities || !okNoise) {
        err << "momok make-teaching: --seed, --entities and --noise take numbers\n";
        return kUsageError;
    }
    const QStringList problems = TeachingGraphGenerator::validate(options);
    if (!problems.isEmpty()) {
        err << "momok make-teaching: " << problems.join("; ") << "\n";
        return kUsageError;
    }
    TeachingSummary summary;
    QString error;
    Feedback feedback(consoleProgress(err, false));
    if (!TeachingGraphGenerator::generate(commandLine.positionalArguments().first(), options, &summary, &error, &feedback)) {
        err << "momok make-teaching: " << error << "\n";
        return 1;
    }
    out << QStringLiteral("wrote %1: %2 entities, %3 relations, %4 / %5 / %6 triples (train / valid / test)\n")
               .arg(summary.directory).arg(summary.entityCount).arg(summary.relationCount)
               .arg(summary.train).arg(summary.valid).arg(summary.test);
    out << "planted modalities (S structure, I image, T text):\n";
    for (const auto &p : summary.planted)
        out << QStringLiteral("  %1 %2\n").arg(p.first, -12).arg(p.second);
    return 0;
}

} // namespace

CliCommand featuresCommand()
{
    return {QStringLiteral("features"), QStringLiteral("extract image and text features from a dataset (cached)"), runFeatures,
            /*computesAtLength=*/true};
}

CliCommand makeTeachingCommand()
{
    return {QStringLiteral("make-teaching"), QStringLiteral("generate a teaching graph with a known answer"), runMakeTeaching};
}

} // namespace momok
