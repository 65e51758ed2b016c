// The UI's workspace service: opens off the UI thread, hands out connections that never
// migrate, and turns run changes made by other connections into signals.
#include "storage/Workspace.h"
#include "storage/WorkspaceSchema.h"
#include "workspace/WorkspaceService.h"

#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace momok;
using namespace momok::ui;

class TestWorkspaceService : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    static bool openAndWait(WorkspaceService &service, const QString &path)
    {
        QSignalSpy opened(&service, &WorkspaceService::workspaceOpened);
        QSignalSpy failed(&service, &WorkspaceService::openFailed);
        service.open(path);
        return QTest::qWaitFor([&] { return opened.count() + failed.count() > 0; }, 10000) && opened.count() == 1;
    }

private Q_SLOTS:
    void opensOffTheUiThread()
    {
        WorkspaceService service;
        const QString path = m_dir.filePath("new/momok.sqlite");
        QSignalSpy opened(&service, &WorkspaceService::workspaceOpened);
        service.open(path);
        // Created and migrated on the pool: nothing is open yet on this thread.
        QVERIFY(service.isOpening());
        QVERIFY(!service.isOpen());
        QCOMPARE(opened.count(), 0);
        QTRY_COMPARE(opened.count(), 1);
        QVERIFY(service.isOpen());
        QVERIFY(!service.isOpening());
        QCOMPARE(service.path(), QFileInfo(path).absoluteFilePath());
        QCOMPARE(service.workspace()->schemaVersion(), WorkspaceSchema::currentVersion());

        QSignalSpy closed(&service, &WorkspaceService::workspaceClosed);
        service.close();
        QCOMPARE(closed.count(), 1);
        QVERIFY(!service.workspace());
    }

    void connectionsNeverCreateOrMigrate()
    {
        QString error;
        QVERIFY(!WorkspaceService::openConnection(m_dir.filePath("missing.sqlite"), &error));
        QVERIFY(error.contains("no workspace"));
        QVERIFY(!QFileInfo::exists(m_dir.filePath("missing.sqlite")));
        // An empty SQLite file (schema version 0) would need a migration: refused, left as it is.
        const QString empty = m_dir.filePath("empty.sqlite");
        QFile(empty).open(QIODevice::WriteOnly);
        QVERIFY(!WorkspaceService::openConnection(empty, &error));
        QVERIFY2(error.contains("schema version 0"), qPrintable(error));
        QCOMPARE(QFileInfo(empty).size(), 0);
    }

    void failedOpenKeepsTheWorkspace()
    {
        WorkspaceService service;
        QVERIFY(openAndWait(service, m_dir.filePath("good.sqlite")));
        QFile junk(m_dir.filePath("junk.sqlite"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray(4096, 'x'));
        junk.close();
        QSignalSpy failed(&service, &WorkspaceService::openFailed);
        QVERIFY(!openAndWait(service, junk.fileName()));
        QCOMPARE(failed.count(), 1);
        QVERIFY(!failed.first().at(1).toString().isEmpty());
        QCOMPARE(service.path(), m_dir.filePath("good.sqlite"));
    }

    void runChangesOfOtherConnectionsBecomeSignals()
    {
        WorkspaceService service;
        const QString path = m_dir.filePath("runs.sqlite");
        QVERIFY(openAndWait(service, path));
        QSignalSpy changed(&service, &WorkspaceService::runsChanged);
        QSignalSpy added(&service, &WorkspaceService::runAdded);
        QSignalSpy status(&service, &WorkspaceService::runStatusChanged);
        QSignalSpy removed(&service, &WorkspaceService::runRemoved);

        // A writer with its own connection, as the trainer has.
        QString error;
        auto writer = Workspace::open(path, &error);
        QVERIFY2(writer, qPrintable(error));
        KgDataset dataset;
        dataset.directory = m_dir.filePath("tiny");
        qint64 datasetId = -1;
        QVERIFY2(writer->importDataset(dataset, QStringLiteral("hash"), &datasetId, &error), qPrintable(error));
        const qint64 run = writer->beginRun(datasetId, QStringLiteral("run"), QJsonObject(), &error);
        QVERIFY2(run >= 0, qPrintable(error));

        service.checkRuns();
        QCOMPARE(added.count(), 1);
        QCOMPARE(added.first().first().toLongLong(), run);
        QCOMPARE(changed.count(), 1);
        service.checkRuns(); // nothing new: no signal
        QCOMPARE(changed.count(), 1);

        QVERIFY(writer->setRunStatus(run, RunStatus::Finished, &error));
        service.checkRuns();
        QCOMPARE(status.count(), 1);
        QCOMPARE(status.first().at(0).toLongLong(), run);
        QCOMPARE(status.first().at(1).value<RunStatus>(), RunStatus::Finished);
        QCOMPARE(changed.count(), 2);

        QVERIFY2(service.deleteRun(run, &error), qPrintable(error));
        QCOMPARE(removed.count(), 1);
        QCOMPARE(removed.first().first().toLongLong(), run);
        QCOMPARE(changed.count(), 3);
        QVERIFY(!writer->run(run));
    }
};

QTEST_MAIN(TestWorkspaceService)
#include "tst_workspaceservice.moc"
