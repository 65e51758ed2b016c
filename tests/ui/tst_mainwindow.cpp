#include "MainWindow.h"
#include "common/AppPaths.h"

#include <QDockWidget>
#include <QLabel>
#include <QMenuBar>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include "workspace/WorkspaceService.h"

#include <QtTest>

using namespace momok;

class TestMainWindow : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        // Never touch the user's settings or workspace.
        QStandardPaths::setTestModeEnabled(true);
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.filePath("settings"));
    }

    // The bundled datasets: from the XDG data folders (as installed under /usr/share), the
    // source tree only for a program inside the build tree; the default workspace file has
    // the workspace type's extension, unless an older momok.sqlite is already there.
    void appPathsFollowTheInstalledLayout()
    {
        QTemporaryDir data;
        QVERIFY(QDir().mkpath(data.filePath("momok-studio/datasets/demo")));
        const QByteArray saved = qgetenv("XDG_DATA_DIRS");
        qputenv("XDG_DATA_DIRS", data.path().toUtf8());
        const QString demo = ui::bundledDatasetDir(QStringLiteral("demo"));
        const QString countries = ui::bundledDatasetDir();
        qputenv("XDG_DATA_DIRS", saved);
        QCOMPARE(demo, data.filePath("momok-studio/datasets/demo"));
        // Not installed anywhere: this test program lies in the build tree.
        QCOMPARE(countries, QDir::cleanPath(QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries")));

        const QString workspace = ui::defaultWorkspacePath();
        QCOMPARE(QFileInfo(workspace).fileName(), QStringLiteral("workspace.momok"));
        const QString older = QFileInfo(workspace).absoluteDir().filePath("momok.sqlite");
        QVERIFY(QDir().mkpath(QFileInfo(older).absolutePath()));
        QFile file(older);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        QCOMPARE(ui::defaultWorkspacePath(), older);
        QVERIFY(QFile::remove(older));
        QCOMPARE(ui::defaultWorkspacePath(), workspace);
    }

    void constructsShowsAndCloses()
    {
        const ComputeInfo info = configureComputeEnvironment();
        ui::MainWindow window(info);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *compute = window.findChild<QLabel *>("computeLabel");
        QVERIFY(compute);
        QVERIFY2(compute->text().contains(QStringLiteral("%1 thread").arg(info.intraOpThreads)), qPrintable(compute->text()));
        QStringList menus;
        for (QAction *action : window.menuBar()->actions())
            menus << action->text().remove('&');
        QCOMPARE(menus, (QStringList{"File", "Dataset", "Model", "View", "Help"}));

        // The status bar names the workspace once one is open.
        const QString workspace = m_dir.filePath("ws/momok.sqlite");
        QSignalSpy workspaceChanged(&window, &ui::MainWindow::workspaceChanged);
        window.openWorkspace(workspace);
        QCOMPARE(workspaceChanged.count(), 0); // opened (and migrated) off the UI thread
        QTRY_COMPARE(workspaceChanged.count(), 1);
        QVERIFY(window.workspaceService()->workspace());
        QCOMPARE(workspaceChanged.first().first().toString(), workspace);
        auto *workspaceLabel = window.findChild<QLabel *>("workspaceLabel");
        QVERIFY(workspaceLabel->text().contains(QDir::toNativeSeparators(workspace)));
        QCOMPARE(QSettings().value("workspace/last").toString(), workspace);

        // The bottom dock holds nothing of its own: it appears when a view is added and goes when none is left.
        QVERIFY(window.bottomTabs());
        QCOMPARE(window.bottomTabs()->count(), 0);
        QVERIFY(window.bottomDock()->isHidden());
        auto *tab = new QLabel("a view");
        window.bottomTabs()->addTab(tab, "View");
        QVERIFY(window.bottomDock()->isVisible());
        delete tab;
        QVERIFY(window.bottomDock()->isHidden());
        QVERIFY(window.close());
    }

    void unreadableWorkspaceKeepsThePreviousOne()
    {
        ui::MainWindow window(configureComputeEnvironment());
        QSignalSpy opened(&window, &ui::MainWindow::workspaceChanged);
        window.openWorkspace(m_dir.filePath("good.sqlite"));
        QTRY_COMPARE(opened.count(), 1);
        QFile junk(m_dir.filePath("junk.sqlite"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray(4096, 'x'));
        junk.close();
        QSignalSpy failed(&window, &ui::MainWindow::workspaceOpenFailed);
        bool done = false, ok = true;
        QString error;
        window.openWorkspace(junk.fileName(), [&](bool success, const QString &why) {
            done = true;
            ok = success;
            error = why;
        });
        QTRY_VERIFY(done);
        QVERIFY(!ok);
        QVERIFY(!error.isEmpty());
        QCOMPARE(failed.count(), 1);
        QCOMPARE(opened.count(), 1);
        QCOMPARE(window.workspacePath(), m_dir.filePath("good.sqlite"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
