#include "analysis/EmbeddingExportDialog.h"

#include "analysis/EmbeddingExport.h"
#include "predictions/PredictionEngine.h"
#include "train/TrainedRun.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace momok::ui {

namespace {
struct ExportAnswer {
    Outcome outcome = Outcome::Failed;
    EmbeddingExportResult result;
    QString error;
    qint64 entities = 0;
};
} // namespace

EmbeddingExportDialog::EmbeddingExportDialog(PredictionEngine *engine, const QString &suggestedFolder, QWidget *parent)
    : QDialog(parent), m_engine(engine)
{
    setWindowTitle(tr("Export embeddings"));
    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("exportFormat"));
    m_format->addItem(tr("Embedding Projector (TSV, metadata, sprite)"), embeddingFormatKey(EmbeddingFormat::Projector));
    m_format->addItem(tr("NumPy (.npy per representation, entity2id.txt)"), embeddingFormatKey(EmbeddingFormat::Npy));
    m_folder = new QLineEdit(suggestedFolder, this);
    m_folder->setObjectName(QStringLiteral("exportFolder"));
    auto *browse = new QToolButton(this);
    browse->setText(tr("…"));
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Export into folder"), m_folder->text());
        if (!dir.isEmpty())
            m_folder->setText(dir);
    });
    auto *folderRow = new QHBoxLayout;
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(browse);
    auto *form = new QFormLayout;
    form->addRow(tr("Format:"), m_format);
    form->addRow(tr("Folder:"), folderRow);
    auto *explain = new QLabel(tr("The structure, image, text and joint representations of every entity, as the "
                                  "Similar panel compares them. The Projector's metadata gives each entity's name, "
                                  "type, training degree and the decoder with the best MRR on its test queries."),
                               this);
    explain->setWordWrap(true);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("exportProgress"));
    m_progress->hide();
    m_result = new QLabel(this);
    m_result->setObjectName(QStringLiteral("exportResult"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_start = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    connect(m_start, &QPushButton::clicked, this, &EmbeddingExportDialog::startExport);
    connect(buttons, &QDialogButtonBox::rejected, this, &EmbeddingExportDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(explain);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_result);
    layout->addWidget(buttons);
    resize(560, sizeHint().height());
}

EmbeddingExportDialog::~EmbeddingExportDialog()
{
    if (m_feedback)
        m_feedback->cancel();
}

QString EmbeddingExportDialog::resultText() const { return m_result->text(); }

void EmbeddingExportDialog::reject()
{
    if (m_feedback) { // first Close cancels the running export
        m_feedback->cancel();
        return;
    }
    QDialog::reject();
}

void EmbeddingExportDialog::startExport()
{
    const QString folder = m_folder->text().trimmed();
    if (folder.isEmpty()) {
        m_result->setText(tr("Choose a folder to export into."));
        return;
    }
    const EmbeddingFormat format = *embeddingFormatFromKey(m_format->currentData().toString());
    QPointer<QProgressBar> progress(m_progress);
    m_feedback = std::make_shared<Feedback>([progress](const Progress &p) {
        QMetaObject::invokeMethod(progress, [progress, p] {
            if (!progress)
                return;
            progress->setMaximum(int(p.total));
            progress->setValue(int(p.done));
        }, Qt::QueuedConnection);
    });
    m_progress->setRange(0, 0); // busy until the sprite starts counting
    m_progress->show();
    m_start->setEnabled(false);
    m_result->setText(tr("Exporting…"));
    auto feedback = m_feedback;
    m_engine->submit(this, QStringLiteral("export"),
        [feedback, format, folder](RunAnalysis &analysis) {
            ExportAnswer answer;
            TrainedRun &run = analysis.run();
            answer.entities = run.dataset().entityCount();
            const EntityEmbeddings embeddings = run.embeddings();
            EntityRankSums testRanks;
            if (format == EmbeddingFormat::Projector)
                run.evaluate(Split::Test, &testRanks);
            answer.outcome = exportEmbeddings({&run.dataset(), &embeddings, &testRanks}, format, folder, &answer.result,
                                              feedback.get(), &answer.error);
            return answer;
        },
        [this, folder](const ExportAnswer &answer) {
            m_feedback.reset();
            m_start->setEnabled(true);
            m_progress->hide();
            QString message;
            if (answer.outcome == Outcome::Finished) {
                message = tr("Wrote %1 files for %2 entities to %3: %4.")
                              .arg(answer.result.files.size()).arg(answer.entities)
                              .arg(QDir::toNativeSeparators(folder), answer.result.files.join(QStringLiteral(", ")));
                if (answer.result.spriteSide > 0)
                    message += tr(" The sprite is %1×%1 px in cells of %2 px (%3 grey: no image).")
                                   .arg(answer.result.spriteSide).arg(answer.result.spriteCell).arg(answer.result.missingImages);
            } else {
                message = answer.outcome == Outcome::Cancelled ? tr("Cancelled: the files already written are complete; "
                                                                    "projector_config.pbtxt is written last.")
                                                               : tr("The export failed: %1").arg(answer.error);
            }
            m_result->setText(message);
            Q_EMIT exportFinished(answer.outcome == Outcome::Finished, message);
        });
}

} // namespace momok::ui
