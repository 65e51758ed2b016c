#include "train/RunSpec.h"

#include "runtime/AtomicFile.h"
#include "runtime/JsonFile.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>

#include <array>
#include <iterator>

namespace momok {

namespace {
const char *const kSourceKinds[] = {"unknown", "none", "file", "extracted", "random"};
} // namespace

QString FeatureSource::kindKey(Kind kind) { return QString::fromLatin1(kSourceKinds[int(kind)]); }

QJsonObject FeatureSource::toJson() const
{
    QJsonObject o{{"kind", kindKey(kind)}};
    if (!detail.isEmpty())
        o.insert("detail", detail);
    return o;
}

FeatureSource FeatureSource::fromJson(const QJsonValue &v)
{
    FeatureSource s;
    const QJsonObject o = v.toObject();
    const QString kind = o.value("kind").toString();
    for (int i = 0; i < int(std::size(kSourceKinds)); ++i)
        if (kind == QLatin1String(kSourceKinds[i]))
            s.kind = Kind(i);
    s.detail = o.value("detail").toString();
    return s;
}

QJsonObject DatasetFingerprint::toJson() const
{
    return QJsonObject{{"entities", qint64(entities)}, {"relations", qint64(relations)}, {"graph_sha256", graphHash}};
}

DatasetFingerprint DatasetFingerprint::fromJson(const QJsonValue &value)
{
    DatasetFingerprint f;
    const QJsonObject o = value.toObject();
    if (o.isEmpty())
        return f;
    f.entities = o.value("entities").toInteger(-1);
    f.relations = o.value("relations").toInteger(-1);
    f.graphHash = o.value("graph_sha256").toString();
    return f;
}

namespace {

// The paths run.json stores twice: absolute, and relative to the run folder.
const char *const kMovablePaths[] = {"dataset", "image_features", "text_features", "image_encoder"};

// Spec is RunSpec or const RunSpec: the fields in kMovablePaths' order.
template <typename Spec>
auto movablePaths(Spec &s)
{
    return std::array{&s.datasetDir, &s.imageFeatures, &s.textFeatures, &s.imageEncoder};
}

} // namespace

QJsonObject RunSpec::toJson() const
{
    QJsonObject o{{"format_version", kFormatVersion}, {"run_dir", runDir}, {"dataset", datasetDir},
                  {"image_features", imageFeatures}, {"text_features", textFeatures},
                  {"random_features", randomFeatures}, {"extract_features", extractFeatures}, {"image_encoder", imageEncoder},
                  {"drop_unseen", dropUnseenEvaluationTriples}, {"config", config.toJson()}};
    if (imageSource.kind != FeatureSource::Kind::Unknown || textSource.kind != FeatureSource::Kind::Unknown)
        o.insert("feature_sources", QJsonObject{{"image", imageSource.toJson()}, {"text", textSource.toJson()}});
    if (!paperRow.isEmpty())
        o.insert("paper_row", paperRow);
    if (trackTest)
        o.insert("track_test", true);
    if (processes > 1)
        o.insert("processes", processes);
    if (datasetFingerprint.isSet())
        o.insert("dataset_fingerprint", datasetFingerprint.toJson());
    if (!runDir.isEmpty()) {
        QJsonObject relative;
        const auto paths = movablePaths(*this);
        for (int i = 0; i < int(std::size(kMovablePaths)); ++i) {
            const QString &path = *paths[size_t(i)];
            if (!path.isEmpty() && QDir::isAbsolutePath(path))
                relative.insert(QLatin1String(kMovablePaths[i]), QDir(QFileInfo(runDir).absoluteFilePath()).relativeFilePath(path));
        }
        if (!relative.isEmpty())
            o.insert("relative_to_run", relative);
    }
    return o;
}

RunSpec RunSpec::fromJson(const QJsonObject &o)
{
    RunSpec s;
    s.formatVersion = o.value("format_version").toInt(1);
    const QJsonObject sources = o.value("feature_sources").toObject();
    s.imageSource = FeatureSource::fromJson(sources.value("image"));
    s.textSource = FeatureSource::fromJson(sources.value("text"));
    s.runDir = o.value("run_dir").toString();
    s.datasetDir = o.value("dataset").toString();
    s.imageFeatures = o.value("image_features").toString();
    s.textFeatures = o.value("text_features").toString();
    s.randomFeatures = o.value("random_features").toBool();
    s.extractFeatures = o.value("extract_features").toBool(false);
    s.imageEncoder = o.value("image_encoder").toString();
    s.dropUnseenEvaluationTriples = o.value("drop_unseen").toBool();
    s.config = ModelConfig::fromJson(o.value("config").toObject());
    s.paperRow = o.value("paper_row").toString();
    s.trackTest = o.value("track_test").toBool();
    s.processes = std::max(1, o.value("processes").toInt(1));
    s.datasetFingerprint = DatasetFingerprint::fromJson(o.value("dataset_fingerprint"));
    return s;
}

bool RunSpec::save(QString *error) const
{
    if (!QDir().mkpath(runDir)) {
        if (error) *error = QStringLiteral("%1: cannot create the run folder").arg(runDir);
        return false;
    }
    return writeFileAtomically(QDir(runDir).filePath("run.json"), QJsonDocument(toJson()).toJson(),
                               QStringLiteral("the run's description"), error);
}

bool RunSpec::load(const QString &runDir, RunSpec *spec, QString *error)
{
    const QString descriptionPath = QDir(runDir).filePath("run.json");
    if (!QFileInfo::exists(descriptionPath)) {
        if (error) *error = QStringLiteral("%1: not a run folder (it has no run.json)").arg(runDir);
        return false;
    }
    QJsonDocument doc;
    if (!readJsonFile(descriptionPath, &doc, error))
        return false;
    if (!doc.isObject()) {
        if (error) *error = QStringLiteral("%1: not a run description (a JSON object is expected)").arg(descriptionPath);
        return false;
    }
    *spec = fromJson(doc.object());
    if (spec->formatVersion > kFormatVersion) {
        if (error)
            *error = QStringLiteral("%1: format version %2 was written by a newer MoMoK Studio (this one reads up to %3)")
                         .arg(descriptionPath).arg(spec->formatVersion).arg(kFormatVersion);
        return false;
    }
    spec->runDir = runDir;
    // Moved together with the run folder: the stored absolute path is gone, the relative one
    // (from where the run folder is now) exists.
    const QJsonObject relative = doc.object().value("relative_to_run").toObject();
    const auto paths = movablePaths(*spec);
    for (int i = 0; i < int(std::size(kMovablePaths)); ++i) {
        QString *path = paths[size_t(i)];
        const QString fromRun = relative.value(QLatin1String(kMovablePaths[i])).toString();
        if (path->isEmpty() || fromRun.isEmpty() || QFileInfo::exists(*path))
            continue;
        const QString moved = QDir::cleanPath(QDir(QFileInfo(runDir).absoluteFilePath()).filePath(fromRun));
        if (QFileInfo::exists(moved))
            *path = moved;
    }
    return true;
}

} // namespace momok
