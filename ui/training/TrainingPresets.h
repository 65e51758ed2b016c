#pragma once
// The training dialog's presets: the engine's built-in ones ("Quick demo", "Paper
// setting") and the user's own, kept in QSettings as JSON (one ModelConfig each).
#include "model/ModelConfig.h"
#include "model/PaperSettings.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace momok::ui {

class TrainingPresets
{
public:
    // QSettings key holding {"name": {ModelConfig JSON}, ...}.
    static constexpr const char *kSettingsKey = "training/customPresets";

    static QStringList builtInNames();  // display names, in menu order
    static QStringList customNames();   // sorted
    static bool isBuiltIn(const QString &displayName);
    // The preset's full configuration: built-ins start from the defaults. The paper setting
    // is paperDataset's when there is one (see recognisePaperDataset), else its schedule on
    // the reference's defaults.
    static std::optional<ModelConfig> config(const QString &displayName,
                                             std::optional<PaperDataset> paperDataset = std::nullopt);
    // Whether the display name is the built-in paper setting.
    static bool isPaperSetting(const QString &displayName);
    // False with *error for an empty name or a built-in one.
    static bool save(const QString &displayName, const ModelConfig &config, QString *error);
    static bool remove(const QString &displayName);
    // The engine's preset key ("quick-demo") of a built-in display name, or empty.
    static QString engineKey(const QString &displayName);
};

} // namespace momok::ui
