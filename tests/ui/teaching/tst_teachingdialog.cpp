// The "New teaching dataset" dialog: generates off the UI thread, reports success by signal
// and shows errors in place.
#include "teaching/TeachingDatasetDialog.h"

#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QtTest>

using momok::ui::TeachingDatasetDialog;

class TestTeachingDialog : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void generatesAndReportsTheFolder()
    {
        TeachingDatasetDialog dialog;
        dialog.findChild<QSpinBox *>("entities")->setValue(60);
        dialog.findChild<QSpinBox *>("seed")->setValue(4);
        const QString folder = m_dir.filePath("made");
        dialog.setOutputDirectory(folder);
        QSignalSpy generated(&dialog, &TeachingDatasetDialog::datasetGenerated);
        QSignalSpy finished(&dialog, &QDialog::finished);
        dialog.show();
        QTest::mouseClick(dialog.findChild<QPushButton *>("generate"), Qt::LeftButton);
        QVERIFY(dialog.isGenerating() || generated.count() == 1);
        QVERIFY(generated.wait(60000) || generated.count() == 1);
        QCOMPARE(generated.count(), 1);
        QCOMPARE(QFileInfo(generated.first().first().toString()).canonicalFilePath(), QFileInfo(folder).canonicalFilePath());
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(QFile::exists(QDir(folder).filePath("planted_modalities.tsv")));
        QCOMPARE(QDir(QDir(folder).filePath("images")).entryList(QDir::Files).size(), 60 + 6 + 3);
    }

    void showsErrorsInPlace()
    {
        // A folder that already holds files is refused; the dialog stays open and says why.
        const QString folder = m_dir.filePath("occupied");
        QDir().mkpath(folder);
        QFile f(QDir(folder).filePath("keep.txt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        TeachingDatasetDialog dialog;
        dialog.findChild<QSpinBox *>("entities")->setValue(60);
        dialog.setOutputDirectory(folder);
        QSignalSpy generated(&dialog, &TeachingDatasetDialog::datasetGenerated);
        dialog.show();
        dialog.generate();
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isGenerating(), 30000);
        QTRY_VERIFY(dialog.findChild<QLabel *>("status")->text().contains("not empty"));
        QCOMPARE(generated.count(), 0);
        QVERIFY(dialog.isVisible());
        QVERIFY(dialog.generatedDirectory().isEmpty());
        QCOMPARE(QDir(folder).entryList(QDir::Files), QStringList{"keep.txt"});
    }
};

QTEST_MAIN(TestTeachingDialog)
#include "tst_teachingdialog.moc"
