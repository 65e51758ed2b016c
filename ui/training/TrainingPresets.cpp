#include "training/TrainingPresets.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>

namespace momok::ui {

namespace {

struct BuiltIn {
    const char *display;
    const char *engineKey;
};
constexpr BuiltIn kBuiltIns[] = {{"Quick demo", "quick-demo"}, {"Teaching demo", "teaching"}, {"Paper setting", "paper"}};

QJsonObject storedPresets()
{
    const QByteArray text = QSettings().value(QLatin1String(TrainingPresets::kSettingsKey)).toByteArray();
    return QJsonDocument::fromJson(text).object();
}

void storePresets(const QJsonObject &presets)
{
    QSettings().setValue(QLatin1String(TrainingPresets::kSettingsKey),
                         QString::fromUtf8(QJsonDocument(presets).toJson(QJsonDocument::Compact)));
}

} // namespace

QStringList TrainingPresets::builtInNames()
{
    QStringList names;
    for (const BuiltIn &b : kBuiltIns)
        names << QString::fromLatin1(b.display);
    return names;
}

QStringList TrainingPresets::customNames()
{
    QStringList names = storedPresets().keys();
    names.sort(Qt::CaseInsensitive);
    return names;
}

bool TrainingPresets::isBuiltIn(const QString &displayName) { return !engineKey(displayName).isEmpty(); }

QString TrainingPresets::engineKey(const QString &displayName)
{
    for (const BuiltIn &b : kBuiltIns)
        if (displayName == QLatin1String(b.display))
            return QString::fromLatin1(b.engineKey);
    return {};
}

bool TrainingPresets::isPaperSetting(const QString &displayName) { return engineKey(displayName) == QLatin1String("paper"); }

std::optional<ModelConfig> TrainingPresets::config(const QString &displayName, std::optional<PaperDataset> paperDataset)
{
    if (isPaperSetting(displayName) && paperDataset)
        return paperConfig(*paperDataset);
    if (const QString key = engineKey(displayName); !key.isEmpty()) {
        ModelConfig c;
        ModelConfig::applyPreset(key, &c);
        return c;
    }
    const QJsonObject presets = storedPresets();
    if (!presets.contains(displayName))
        return std::nullopt;
    return ModelConfig::fromJson(presets.value(displayName).toObject());
}

bool TrainingPresets::save(const QString &displayName, const ModelConfig &config, QString *error)
{
    const QString name = displayName.trimmed();
    if (name.isEmpty()) {
        if (error) *error = QStringLiteral("Give the preset a name.");
        return false;
    }
    if (isBuiltIn(name)) {
        if (error) *error = QStringLiteral("'%1' is a built-in preset; choose another name.").arg(name);
        return false;
    }
    QJsonObject presets = storedPresets();
    presets.insert(name, config.toJson());
    storePresets(presets);
    return true;
}

bool TrainingPresets::remove(const QString &displayName)
{
    QJsonObject presets = storedPresets();
    if (!presets.contains(displayName))
        return false;
    presets.remove(displayName);
    storePresets(presets);
    return true;
}

} // namespace momok::ui
