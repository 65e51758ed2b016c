// The training dialog: presets fill every field, custom presets persist, and bad
// values are refused with their reasons while Train stays disabled.
#include "training/TrainingDialog.h"
#include "training/TrainingPresets.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QtTest>

using namespace momok;
using namespace momok::ui;

namespace {

const QString kCountries = QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries");

ModelConfig preset(const QString &engineKey)
{
    ModelConfig c;
    ModelConfig::applyPreset(engineKey, &c);
    return c;
}

template <typename T>
T *fieldOf(TrainingDialog &d, const char *key)
{
    return qobject_cast<T *>(d.field(QLatin1String(key)));
}

bool problemsMention(const TrainingDialog &d, const QString &text)
{
    for (const QString &p : d.problems())
        if (p.contains(text))
            return true;
    return false;
}

void saveScreenshot(QWidget *w, const QString &name)
{
    QDir().mkpath(QStringLiteral("screenshots"));
    QVERIFY(w->grab().save(QStringLiteral("screenshots/") + name));
}

} // namespace

class TestTrainingDialog : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        // Custom presets go to a throw-away settings file, not the user's.
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.filePath("settings"));
        QCoreApplication::setOrganizationName(QStringLiteral("MoMoK Studio Tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_trainingdialog"));
    }

    void presetsFillEveryField()
    {
        TrainingDialog dialog;
        dialog.setWorkspacePath(m_dir.filePath("ws/workspace.momok"));
        dialog.setDatasetDir(kCountries);
        QCOMPARE(dialog.presetNames().mid(0, 3), (QStringList{"Quick demo", "Teaching demo", "Paper setting"}));
        QVERIFY(dialog.selectPreset(QStringLiteral("Paper setting")));
        QCOMPARE(dialog.config().toJson(), preset("paper").toJson());
        QCOMPARE(fieldOf<QSpinBox>(dialog, "epochs")->value(), preset("paper").epochs);
        QVERIFY(dialog.selectPreset(QStringLiteral("Quick demo")));
        QCOMPARE(dialog.config().toJson(), preset("quick-demo").toJson());
        QCOMPARE(fieldOf<QSpinBox>(dialog, "dim")->value(), preset("quick-demo").dim);
        QCOMPARE(fieldOf<QLineEdit>(dialog, "learning_rate")->text().toDouble(), preset("quick-demo").learningRate);
        QVERIFY(dialog.selectPreset(QStringLiteral("Teaching demo")));
        QCOMPARE(dialog.config().toJson(), preset("teaching").toJson());
        QVERIFY(!fieldOf<QCheckBox>(dialog, "fine_tune_features")->isChecked());
        QVERIFY(!dialog.selectPreset(QStringLiteral("no such preset")));
        // Every key of the configuration has an editor.
        for (const QString &key : ModelConfig().toJson().keys())
            QVERIFY2(dialog.field(key), qPrintable(key));

        // The run's name and folder default to the dataset and a time stamp, next to the workspace.
        QVERIFY2(dialog.runName().startsWith("countries-"), qPrintable(dialog.runName()));
        const RunSpec spec = dialog.runSpec();
        QCOMPARE(spec.runDir, QDir(m_dir.filePath("ws/runs")).filePath(dialog.runName()));
        QCOMPARE(spec.datasetDir, kCountries);
        QVERIFY2(dialog.problems().isEmpty(), qPrintable(dialog.problems().join('\n')));
        QVERIFY(dialog.findChild<QPushButton *>("trainButton")->isEnabled());
        dialog.resize(760, 640);
        saveScreenshot(&dialog, QStringLiteral("training-dialog.png"));
        auto *tabs = dialog.findChild<QTabWidget *>("settingsTabs");
        for (int t = 1; t < tabs->count(); ++t) {
            tabs->setCurrentIndex(t);
            saveScreenshot(&dialog, QStringLiteral("training-dialog-tab%1.png").arg(t + 1));
        }
    }

    // The paper setting follows the dataset: the authors' setting of a paper dataset (by its
    // folder's name, or by the counts the workspace knows), said beside the preset, recorded
    // in the run; other datasets get the schedule on the reference's defaults.
    void paperSettingFollowsTheDataset()
    {
        TrainingDialog dialog;
        dialog.setWorkspacePath(m_dir.filePath("ws/workspace.momok"));
        dialog.setDatasetDir(QStringLiteral(MOMOK_BENCHMARK_DATASETS "/MKG-Y"));
        QVERIFY(dialog.selectPreset(QStringLiteral("Paper setting")));
        auto *state = dialog.findChild<QLabel *>("presetState");
        QCOMPARE(dialog.config().dim, 300);
        QCOMPARE(dialog.config().learningRate, 5e-4);
        QVERIFY2(state->text().contains("MKG-Y"), qPrintable(state->text()));
        QCOMPARE(dialog.runSpec().paperRow, QStringLiteral("MKG-Y"));

        // Another dataset while the preset is untouched: the fields follow.
        dialog.setDatasetDir(QStringLiteral(MOMOK_BENCHMARK_DATASETS "/DB15K"));
        QCOMPARE(dialog.config().dim, 256);
        QCOMPARE(dialog.runSpec().paperRow, QStringLiteral("DB15K"));

        // A folder of another name with MKG-W's counts.
        const QString graph = m_dir.filePath("my-graph");
        QVERIFY(QDir().mkpath(graph));
        dialog.setDatasetDir(graph);
        QCOMPARE(dialog.config().dim, 256);
        QVERIFY2(state->text().contains("not one of the paper's datasets"), qPrintable(state->text()));
        QVERIFY(dialog.runSpec().paperRow.isEmpty());
        dialog.setDatasetShape(graph, 15000, 169);
        QCOMPARE(dialog.config().dim, 200);
        QCOMPARE(dialog.config().learningRate, 1e-3);
        QCOMPARE(dialog.runSpec().paperRow, QStringLiteral("MKG-W"));

        // Edited fields are the user's: a new dataset no longer resets them.
        fieldOf<QSpinBox>(dialog, "epochs")->setValue(300);
        dialog.setDatasetDir(QStringLiteral(MOMOK_BENCHMARK_DATASETS "/MKG-Y"));
        QCOMPARE(dialog.config().epochs, 300);
        QCOMPARE(dialog.config().dim, 200);
        QVERIFY2(state->text().contains("modified"), qPrintable(state->text()));
        QCOMPARE(dialog.runSpec().paperRow, QStringLiteral("MKG-Y"));
        dialog.resize(760, 640);
        saveScreenshot(&dialog, QStringLiteral("training-dialog-paper.png"));
    }

    void datasetTypedByHandNamesTheRun()
    {
        TrainingDialog dialog;
        dialog.setWorkspacePath(m_dir.filePath("ws/workspace.momok"));
        auto *dataset = dialog.findChild<QLineEdit *>("datasetEdit");
        QTest::keyClicks(dataset, kCountries);
        QVERIFY2(dialog.runName().startsWith("countries-"), qPrintable(dialog.runName()));
        QCOMPARE(dialog.runSpec().runDir, QDir(m_dir.filePath("ws/runs")).filePath(dialog.runName()));
        // A name chosen by the user stays, and the folder follows it.
        auto *name = dialog.findChild<QLineEdit *>("runNameEdit");
        name->selectAll();
        QTest::keyClicks(name, QStringLiteral("my-run"));
        QCOMPARE(dialog.runName(), QStringLiteral("my-run"));
        QCOMPARE(dialog.runSpec().runDir, QDir(m_dir.filePath("ws/runs")).filePath("my-run"));
        QTest::keyClick(dataset, Qt::Key_Backspace);
        QCOMPARE(dialog.runName(), QStringLiteral("my-run"));
        QVERIFY(problemsMention(dialog, "does not exist"));
    }

    // A run folder the user typed stays theirs, and a dataset typed afterwards still names the
    // run (the dialog then shows the proposal itself: it finds no folder for it).
    void runFolderTypedByHandStays()
    {
        TrainingDialog dialog;
        dialog.setWorkspacePath(m_dir.filePath("ws/workspace.momok"));
        auto *folder = dialog.findChild<QLineEdit *>("runDirEdit");
        const QString mine = m_dir.filePath("elsewhere/my-folder");
        folder->selectAll();
        QTest::keyClicks(folder, mine);
        QTest::keyClicks(dialog.findChild<QLineEdit *>("datasetEdit"), kCountries);
        QVERIFY2(dialog.runName().startsWith("countries-"), qPrintable(dialog.runName()));
        QCOMPARE(dialog.runSpec().runDir, mine);
    }

    // Proposed names count seconds. A dialog opened within the second a run took the proposed
    // folder (as a run started, finished and followed by another can be) proposes the next free
    // one, and Train stays enabled; a name the user typed is theirs.
    void proposedRunFolderIsFree()
    {
        const QString workspacePath = m_dir.filePath("taken/workspace.momok");
        const QDateTime now = QDateTime::currentDateTime();
        const QString runsDir = m_dir.filePath("taken/runs");
        // The proposal of this second and the next (the dialog below may open in either).
        for (const QDateTime &when : {now, now.addSecs(1)}) {
            const QString name = TrainingDialog::defaultRunName(kCountries, when);
            for (const QString &taken : {name, name + QStringLiteral("-2")}) {
                QVERIFY(QDir().mkpath(QDir(runsDir).filePath(taken)));
                QFile runJson(QDir(QDir(runsDir).filePath(taken)).filePath("run.json"));
                QVERIFY(runJson.open(QIODevice::WriteOnly));
                runJson.write("{}");
            }
        }
        const QString taken = TrainingDialog::defaultRunName(kCountries, now);
        QCOMPARE(TrainingDialog::freeRunName(workspacePath, taken), taken + QStringLiteral("-3"));
        QCOMPARE(TrainingDialog::freeRunName(workspacePath, QStringLiteral("unused")), QStringLiteral("unused"));

        TrainingDialog dialog;
        dialog.setWorkspacePath(workspacePath);
        dialog.setDatasetDir(kCountries);
        QVERIFY2(dialog.runName().endsWith(QStringLiteral("-3")), qPrintable(dialog.runName()));
        QVERIFY(!QFileInfo::exists(dialog.runSpec().runDir));
        QCOMPARE(dialog.runSpec().runDir, QDir(runsDir).filePath(dialog.runName()));
        QVERIFY(dialog.findChild<QPushButton *>("trainButton")->isEnabled());

        // A run takes the proposed folder while the dialog is open: the proposal moves on to the
        // next number of the same name, not a second suffix.
        const QString proposed = dialog.runName();
        QVERIFY(QDir().mkpath(QDir(runsDir).filePath(proposed)));
        dialog.setWorkspacePath(workspacePath);
        QCOMPARE(dialog.runName(), proposed.chopped(1) + QStringLiteral("4"));
        QCOMPARE(dialog.runSpec().runDir, QDir(runsDir).filePath(dialog.runName()));

        auto *name = dialog.findChild<QLineEdit *>("runNameEdit");
        name->selectAll();
        QTest::keyClicks(name, taken);
        QCOMPARE(dialog.runName(), taken);
        QVERIFY(problemsMention(dialog, "already holds a run"));
        QVERIFY(!dialog.findChild<QPushButton *>("trainButton")->isEnabled());
    }

    void customPresetsAreSavedAndDeleted()
    {
        {
            TrainingDialog dialog;
            dialog.selectPreset(QStringLiteral("Quick demo"));
            fieldOf<QSpinBox>(dialog, "epochs")->setValue(7);
            fieldOf<QCheckBox>(dialog, "gate_noise")->setChecked(false);
            QVERIFY(dialog.findChild<QLabel *>("presetState")->text().contains("modified"));
            QString error;
            QVERIFY(!dialog.saveCurrentAsPreset(QStringLiteral("Quick demo"), &error));
            QVERIFY2(error.contains("built-in"), qPrintable(error));
            QVERIFY(!dialog.saveCurrentAsPreset(QStringLiteral("  "), &error));
            QVERIFY2(dialog.saveCurrentAsPreset(QStringLiteral("Seven epochs"), &error), qPrintable(error));
            QVERIFY(dialog.presetNames().contains("Seven epochs"));
        }
        TrainingDialog again; // another dialog (and session) sees it: it is in the settings
        QVERIFY(again.presetNames().contains("Seven epochs"));
        QCOMPARE(fieldOf<QSpinBox>(again, "epochs")->value(), preset("quick-demo").epochs);
        QVERIFY(again.selectPreset(QStringLiteral("Seven epochs")));
        QCOMPARE(fieldOf<QSpinBox>(again, "epochs")->value(), 7);
        QCOMPARE(fieldOf<QCheckBox>(again, "gate_noise")->isChecked(), false);
        QCOMPARE(again.findChild<QPushButton *>("deletePresetButton")->isEnabled(), true);
        QVERIFY(again.deletePreset(QStringLiteral("Seven epochs")));
        QVERIFY(!again.presetNames().contains("Seven epochs"));
        QVERIFY(!TrainingPresets::config(QStringLiteral("Seven epochs")));
        QCOMPARE(again.findChild<QPushButton *>("deletePresetButton")->isEnabled(), false); // built-ins stay
    }

    void badValuesAreRefusedWithReasons()
    {
        TrainingDialog dialog;
        dialog.setWorkspacePath(m_dir.filePath("ws/workspace.momok"));
        dialog.setDatasetDir(kCountries);
        dialog.selectPreset(QStringLiteral("Quick demo"));
        auto *train = dialog.findChild<QPushButton *>("trainButton");
        auto *label = dialog.findChild<QLabel *>("problemsLabel");
        QVERIFY(train->isEnabled());

        fieldOf<QSpinBox>(dialog, "dim")->setValue(4096);
        QVERIFY(problemsMention(dialog, "Dim must be between 2 and 2048 (is 4096)"));
        QVERIFY(!train->isEnabled());
        QVERIFY2(label->text().contains("Model › Dim must be between 2 and 2048 (is 4096)"), qPrintable(label->text()));
        QVERIFY(!fieldOf<QSpinBox>(dialog, "dim")->styleSheet().isEmpty()); // the field is marked
        fieldOf<QSpinBox>(dialog, "dim")->setValue(64);
        QVERIFY(fieldOf<QSpinBox>(dialog, "dim")->styleSheet().isEmpty());
        QVERIFY(train->isEnabled());

        fieldOf<QLineEdit>(dialog, "learning_rate")->setText(QStringLiteral("fast"));
        QVERIFY(problemsMention(dialog, "'fast' is not a number"));
        QVERIFY(!train->isEnabled());
        fieldOf<QLineEdit>(dialog, "learning_rate")->setText(QStringLiteral("-1e-3"));
        QVERIFY(problemsMention(dialog, "Learning rate must be positive"));
        fieldOf<QLineEdit>(dialog, "learning_rate")->setText(QStringLiteral("5e-4"));
        QCOMPARE(dialog.config().learningRate, 5e-4);

        fieldOf<QDoubleSpinBox>(dialog, "output_dropout")->setValue(1.0);
        QVERIFY(problemsMention(dialog, "Output dropout must be in [0, 1)"));
        fieldOf<QDoubleSpinBox>(dialog, "output_dropout")->setValue(0.3);

        fieldOf<QSpinBox>(dialog, "experts")->setValue(1);
        QVERIFY(problemsMention(dialog, "ExID needs at least 2 experts"));
        fieldOf<QCheckBox>(dialog, "exid")->setChecked(false);
        QVERIFY(!problemsMention(dialog, "ExID"));

        for (const char *key : {"use_structure", "use_image", "use_text", "use_joint"})
            fieldOf<QCheckBox>(dialog, key)->setChecked(false);
        QVERIFY(problemsMention(dialog, "At least one decoder"));
        fieldOf<QSpinBox>(dialog, "epochs")->setValue(0);
        QVERIFY(problemsMention(dialog, "Epochs must be at least 1"));
        fieldOf<QLineEdit>(dialog, "seed")->setText(QStringLiteral("-5"));
        QVERIFY(problemsMention(dialog, "'-5' is not a whole number"));

        dialog.findChild<QLineEdit *>("datasetEdit")->setText(m_dir.filePath("missing-dataset"));
        QVERIFY(problemsMention(dialog, "does not exist"));
        dialog.findChild<QLineEdit *>("imageFeaturesEdit")->setText(m_dir.filePath("nope.npy"));
        QVERIFY(problemsMention(dialog, "Image features: the file"));
        QVERIFY(!train->isEnabled());
        dialog.resize(760, 720);
        saveScreenshot(&dialog, QStringLiteral("training-dialog-invalid.png"));

        // A folder that already holds a run is refused (resume it instead).
        const QString used = m_dir.filePath("used-run");
        QVERIFY(QDir().mkpath(used));
        QFile runJson(QDir(used).filePath("run.json"));
        QVERIFY(runJson.open(QIODevice::WriteOnly));
        runJson.write("{}");
        runJson.close();
        dialog.findChild<QLineEdit *>("runDirEdit")->setText(used);
        QVERIFY(problemsMention(dialog, "already holds a run"));
        dialog.findChild<QLineEdit *>("runNameEdit")->setText(QString());
        QVERIFY(problemsMention(dialog, "Give the run a name"));
    }
};

QTEST_MAIN(TestTrainingDialog)
#include "tst_trainingdialog.moc"
