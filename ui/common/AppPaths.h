#pragma once
// Where the app finds its bundled data and keeps its default workspace.
#include <QString>

namespace momok::ui {

// A bundled dataset: installed under ../share/momok-studio/datasets next to the
// executable, else the source tree's resources/datasets (running from a build).
QString bundledDatasetDir(const QString &name = QStringLiteral("countries"));
// AppDataLocation/momok.sqlite: the workspace used when none was opened before.
QString defaultWorkspacePath();

} // namespace momok::ui
