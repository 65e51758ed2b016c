#pragma once
// Where the app finds its bundled data and keeps its default workspace.
#include <QString>

namespace momok::ui {

// A bundled dataset, looked up in this order: PREFIX/share/momok-studio/datasets for the
// program in PREFIX/libexec/momok-studio/ (an installed tree), the XDG data folders ($XDG_DATA_HOME, $XDG_DATA_DIRS:
// /usr/share/momok-studio/datasets for the Debian package), and the source tree's
// resources/datasets only for an executable inside the build tree. An installed app never
// reads the source tree. Returns the first that exists, else the installed location.
QString bundledDatasetDir(const QString &name = QStringLiteral("countries"));
// The workspace used when none was opened before: $XDG_DATA_HOME/MoMoK/MoMoK Studio/
// workspace.momok (the workspace file type's extension), or the momok.sqlite an older
// version left there.
QString defaultWorkspacePath();
// The workspace file name suggested for File → New workspace.
QString defaultWorkspaceFileName();
// The `momok` command beside this executable (installed together; in the build tree,
// build/app/momok): the other processes of a data-parallel training run it.
QString commandLineProgram();

} // namespace momok::ui
