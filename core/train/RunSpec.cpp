#include "train/RunSpec.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>

namespace momok {

QJsonObject RunSpec::toJson() const
{
    return {{"run_dir", runDir}, {"dataset", datasetDir}, {"image_features", imageFeatures}, {"text_features", textFeatures},
            {"random_features", randomFeatures}, {"extract_features", extractFeatures}, {"image_encoder", imageEncoder},
            {"drop_unseen", dropUnseenEvaluationTriples}, {"config", config.toJson()}};
}

RunSpec RunSpec::fromJson(const QJsonObject &o)
{
    RunSpec s;
    s.runDir = o.value("run_dir").toString();
    s.datasetDir = o.value("dataset").toString();
    s.imageFeatures = o.value("image_features").toString();
    s.textFeatures = o.value("text_features").toString();
    s.randomFeatures = o.value("random_features").toBool();
    s.extractFeatures = o.value("extract_features").toBool(false);
    s.imageEncoder = o.value("image_encoder").toString();
    s.dropUnseenEvaluationTriples = o.value("drop_unseen").toBool();
    s.config = ModelConfig::fromJson(o.value("config").toObject());
    return s;
}

bool RunSpec::save(QString *error) const
{
    if (!QDir().mkpath(runDir)) {
        if (error) *error = QStringLiteral("%1: cannot create the run folder").arg(runDir);
        return false;
    }
    QSaveFile file(QDir(runDir).filePath("run.json"));
    if (!file.open(QIODevice::WriteOnly)) {
        if (error) *error = QStringLiteral("%1: %2").arg(file.fileName(), file.errorString());
        return false;
    }
    file.write(QJsonDocument(toJson()).toJson());
    if (!file.commit()) {
        if (error) *error = QStringLiteral("%1: %2").arg(file.fileName(), file.errorString());
        return false;
    }
    return true;
}

bool RunSpec::load(const QString &runDir, RunSpec *spec, QString *error)
{
    QFile file(QDir(runDir).filePath("run.json"));
    if (!file.open(QIODevice::ReadOnly)) {
        if (error) *error = QStringLiteral("%1: not a run folder (%2)").arg(runDir, file.errorString());
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (!doc.isObject()) {
        if (error) *error = QStringLiteral("%1: %2").arg(file.fileName(), parseError.errorString());
        return false;
    }
    *spec = fromJson(doc.object());
    spec->runDir = runDir;
    return true;
}

} // namespace momok
