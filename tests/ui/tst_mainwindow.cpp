#include "MainWindow.h"

#include <QLabel>
#include <QMenuBar>
#include <QStatusBar>
#include <QtTest>

using namespace momok;

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
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
        // Opening a dataset reads it off the UI thread and then summarises it.
        window.openDataset(QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries"));
        auto *summary = window.findChild<QLabel *>("emptyStateLabel");
        QTRY_VERIFY_WITH_TIMEOUT(summary->text().contains("353 entities"), 10000);
        QVERIFY(summary->text().contains("7 relations"));
        window.openDataset(QStringLiteral("/nonexistent/dataset"));
        QTRY_VERIFY_WITH_TIMEOUT(summary->text().contains("cannot be used"), 10000);
        QVERIFY(window.close());
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
