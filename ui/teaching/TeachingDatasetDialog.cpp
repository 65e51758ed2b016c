#include "teaching/TeachingDatasetDialog.h"

#include "teaching/TeachingGraphGenerator.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace momok::ui {

TeachingDatasetDialog::TeachingDatasetDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("New teaching dataset"));
    const TeachingOptions defaults;

    auto *intro = new QLabel(tr("Generates a knowledge graph whose answer is known: colour, shape and pattern "
                                "show only in the images, material, origin and era only in the texts, and guilds "
                                "only in the graph. Each relation is planted in one modality; the table is saved "
                                "as planted_modalities.tsv."), this);
    intro->setWordWrap(true);

    m_seed = new QSpinBox(this);
    m_seed->setObjectName("seed");
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_seed->setValue(int(defaults.seed));
    m_entities = new QSpinBox(this);
    m_entities->setObjectName("entities");
    m_entities->setRange(TeachingGraphGenerator::kMinEntities, TeachingGraphGenerator::kMaxEntities);
    m_entities->setValue(defaults.entities);
    m_entities->setSuffix(tr(" objects"));
    m_noise = new QDoubleSpinBox(this);
    m_noise->setObjectName("noise");
    m_noise->setRange(0.0, TeachingGraphGenerator::kMaxNoise);
    m_noise->setSingleStep(0.01);
    m_noise->setDecimals(2);
    m_noise->setValue(defaults.noise);
    m_noise->setToolTip(tr("Fraction of attributes shown wrongly and of edges rewired at random"));
    m_folder = new QLineEdit(this);
    m_folder->setObjectName("folder");
    m_folder->setPlaceholderText(tr("an empty or new folder"));
    m_folder->setText(QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)).filePath("teaching-graph"));
    m_browse = new QPushButton(tr("Choose…"), this);
    connect(m_browse, &QPushButton::clicked, this, &TeachingDatasetDialog::chooseFolder);
    auto *folderRow = new QHBoxLayout;
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(m_browse);

    auto *form = new QFormLayout;
    form->addRow(tr("Seed:"), m_seed);
    form->addRow(tr("Size:"), m_entities);
    form->addRow(tr("Noise:"), m_noise);
    form->addRow(tr("Folder:"), folderRow);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName("progress");
    m_progress->setVisible(false);
    m_status = new QLabel(this);
    m_status->setObjectName("status");
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_generateButton = m_buttons->addButton(tr("Generate"), QDialogButtonBox::AcceptRole);
    m_generateButton->setObjectName("generate");
    m_generateButton->setDefault(true);
    connect(m_generateButton, &QPushButton::clicked, this, &TeachingDatasetDialog::generate);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &TeachingDatasetDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(m_buttons);

    connect(&m_watcher, &QFutureWatcher<GenerationResult>::finished, this, &TeachingDatasetDialog::generationFinished);
}

TeachingDatasetDialog::~TeachingDatasetDialog()
{
    // The worker only touches its own copies and the shared feedback: stop it and wait.
    if (m_feedback)
        m_feedback->cancel();
    m_watcher.waitForFinished();
}

void TeachingDatasetDialog::setOutputDirectory(const QString &directory) { m_folder->setText(directory); }

QString TeachingDatasetDialog::outputDirectory() const { return m_folder->text().trimmed(); }

bool TeachingDatasetDialog::isGenerating() const { return m_watcher.isRunning(); }

void TeachingDatasetDialog::chooseFolder()
{
    const QString chosen = QFileDialog::getExistingDirectory(this, tr("Folder for the teaching dataset"), outputDirectory());
    if (!chosen.isEmpty())
        m_folder->setText(chosen);
}

void TeachingDatasetDialog::setBusy(bool busy)
{
    m_seed->setEnabled(!busy);
    m_entities->setEnabled(!busy);
    m_noise->setEnabled(!busy);
    m_folder->setEnabled(!busy);
    m_browse->setEnabled(!busy);
    m_generateButton->setEnabled(!busy);
    m_progress->setVisible(busy);
}

void TeachingDatasetDialog::showError(const QString &text)
{
    m_status->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_status->setText(text);
}

void TeachingDatasetDialog::generate()
{
    if (isGenerating())
        return;
    TeachingOptions options;
    options.seed = quint64(m_seed->value());
    options.entities = m_entities->value();
    options.noise = m_noise->value();
    const QString folder = outputDirectory();
    if (folder.isEmpty()) {
        showError(tr("Choose a folder for the dataset."));
        return;
    }
    const QStringList problems = TeachingGraphGenerator::validate(options);
    if (!problems.isEmpty()) {
        showError(problems.join('\n'));
        return;
    }
    m_generated.clear();
    m_status->setStyleSheet(QString());
    m_status->setText(tr("Generating…"));
    m_progress->setRange(0, 0); // busy until the first progress report
    setBusy(true);
    QPointer<QProgressBar> bar = m_progress;
    m_feedback = std::make_shared<Feedback>([bar](const Progress &p) {
        // From the worker: hand the numbers to the UI thread.
        QMetaObject::invokeMethod(bar, [bar, p] {
            if (!bar) return;
            bar->setRange(0, int(p.total));
            bar->setValue(int(p.done));
        }, Qt::QueuedConnection);
    });
    std::shared_ptr<Feedback> feedback = m_feedback;
    m_watcher.setFuture(QtConcurrent::run([folder, options, feedback] {
        GenerationResult outcome;
        TeachingSummary summary;
        outcome.ok = TeachingGraphGenerator::generate(folder, options, &summary, &outcome.error, feedback.get());
        outcome.directory = summary.directory.isEmpty() ? folder : summary.directory;
        if (outcome.ok)
            outcome.summary = QObject::tr("%1 entities, %2 relations, %3 / %4 / %5 triples")
                                  .arg(summary.entityCount).arg(summary.relationCount)
                                  .arg(summary.train).arg(summary.valid).arg(summary.test);
        return outcome;
    }));
}

void TeachingDatasetDialog::generationFinished()
{
    const GenerationResult outcome = m_watcher.result();
    setBusy(false);
    if (!outcome.ok) {
        showError(m_feedback && m_feedback->isCancelled() ? tr("Cancelled; the folder may hold a partial dataset.")
                           : tr("Could not generate the dataset:\n%1").arg(outcome.error));
        return;
    }
    m_generated = outcome.directory;
    m_status->setStyleSheet(QString());
    m_status->setText(tr("Wrote %1 (%2).").arg(outcome.directory, outcome.summary));
    Q_EMIT datasetGenerated(outcome.directory);
    accept();
}

void TeachingDatasetDialog::reject()
{
    if (isGenerating()) {
        m_feedback->cancel(); // generationFinished reports the cancellation; the dialog stays open
        return;
    }
    QDialog::reject();
}

} // namespace momok::ui
