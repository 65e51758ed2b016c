#include "predictions/NewEntityDialog.h"

#include "common/EntityImages.h"
#include "common/ModalityPalette.h"
#include "predictions/GateChart.h"
#include "predictions/PredictionEngine.h"
#include "predictions/PredictionModel.h"
#include "predictions/PredictionTable.h"
#include "train/TrainedRun.h"

#include <QComboBox>
#include <QCompleter>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace momok::ui {

// A picture box that takes an image file dropped on it (or chosen with its button).
class ImageDropArea : public QLabel
{
public:
    explicit ImageDropArea(std::function<void(const QString &)> chosen, QWidget *parent)
        : QLabel(parent), m_chosen(std::move(chosen))
    {
        setAcceptDrops(true);
        setAlignment(Qt::AlignCenter);
        setMinimumSize(220, 150);
        setFrameShape(QFrame::StyledPanel);
        setText(NewEntityDialog::tr("Drop an image here\nor choose one below"));
    }

protected:
    void dragEnterEvent(QDragEnterEvent *event) override
    {
        if (event->mimeData()->hasUrls() && event->mimeData()->urls().first().isLocalFile())
            event->acceptProposedAction();
    }
    void dropEvent(QDropEvent *event) override
    {
        m_chosen(event->mimeData()->urls().first().toLocalFile());
        event->acceptProposedAction();
    }

private:
    std::function<void(const QString &)> m_chosen;
};

namespace {
struct NewEntityAnswer {
    bool ok = false;
    NewEntityPrediction prediction;
    QString error;
};
} // namespace

NewEntityDialog::NewEntityDialog(PredictionEngine *engine, std::shared_ptr<const KgDataset> dataset, QWidget *parent)
    : QDialog(parent), m_engine(engine), m_dataset(std::move(dataset))
{
    setWindowTitle(tr("New entity — what would the model say?"));
    setObjectName(QStringLiteral("newEntityDialog"));

    // ---- the entity: picture, name, description, known triples ----
    m_image = new ImageDropArea([this](const QString &path) { setImageFile(path); }, this);
    auto *choose = new QPushButton(tr("Choose image…"), this);
    connect(choose, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("Image of the new entity"), QString(),
                                                          tr("Images (*.png *.jpg *.jpeg *.webp *.svg *.bmp *.gif)"));
        if (!file.isEmpty())
            setImageFile(file);
    });
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("newEntityName"));
    m_name->setPlaceholderText(tr("Name"));
    m_description = new QPlainTextEdit(this);
    m_description->setObjectName(QStringLiteral("newEntityDescription"));
    m_description->setPlaceholderText(tr("Description: what a text about it would say"));
    m_tripleRelation = new QComboBox(this);
    for (const QString &r : m_dataset->relationNames)
        m_tripleRelation->addItem(r);
    m_tripleDirection = new QComboBox(this);
    m_tripleDirection->addItem(tr("new → entity"), true);
    m_tripleDirection->addItem(tr("entity → new"), false);
    m_tripleOther = new QLineEdit(this);
    m_tripleOther->setPlaceholderText(tr("known entity"));
    QStringList names;
    for (const EntityInfo &e : m_dataset->entities)
        names << e.name;
    auto *completer = new QCompleter(names, m_tripleOther);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    m_tripleOther->setCompleter(completer);
    auto *add = new QPushButton(tr("Add"), this);
    connect(add, &QPushButton::clicked, this, [this] {
        if (!addTriple(m_tripleRelation->currentText(), m_tripleDirection->currentData().toBool(), m_tripleOther->text()))
            m_tripleOther->setStyleSheet(QStringLiteral("color: #b00020"));
        else
            m_tripleOther->clear();
    });
    connect(m_tripleOther, &QLineEdit::textEdited, m_tripleOther, [this] { m_tripleOther->setStyleSheet({}); });
    m_triples = new QListWidget(this);
    m_triples->setMaximumHeight(80);
    m_triples->setToolTip(tr("Delete removes the selected triple"));
    auto *remove = new QPushButton(tr("Remove"), this);
    connect(remove, &QPushButton::clicked, this, [this] {
        const int row = m_triples->currentRow();
        if (row >= 0) {
            delete m_triples->takeItem(row);
            m_tripleList.remove(row);
        }
    });
    auto *tripleRow = new QHBoxLayout;
    tripleRow->addWidget(m_tripleRelation, 1);
    tripleRow->addWidget(m_tripleDirection);
    auto *otherRow = new QHBoxLayout;
    otherRow->addWidget(m_tripleOther, 1);
    otherRow->addWidget(add);
    auto *triplesBox = new QGroupBox(tr("Known triples (optional: they let the structure decoder speak)"), this);
    auto *triplesLayout = new QVBoxLayout(triplesBox);
    triplesLayout->addLayout(tripleRow);
    triplesLayout->addLayout(otherRow);
    triplesLayout->addWidget(m_triples);
    triplesLayout->addWidget(remove, 0, Qt::AlignRight);
    m_predict = new QPushButton(tr("Predict"), this);
    m_predict->setObjectName(QStringLiteral("newEntityPredict"));
    m_predict->setDefault(true);
    connect(m_predict, &QPushButton::clicked, this, &NewEntityDialog::predict);

    auto *inputPanel = new QWidget(this);
    auto *input = new QVBoxLayout(inputPanel);
    input->addWidget(m_image);
    input->addWidget(choose, 0, Qt::AlignLeft);
    input->addWidget(m_name);
    input->addWidget(m_description, 1);
    input->addWidget(triplesBox);
    input->addWidget(m_predict);

    // ---- the answer, as the predictions view shows a known entity's ----
    m_notes = new QLabel(tr("Give a picture and a description, then Predict."), this);
    m_notes->setObjectName(QStringLiteral("newEntityNotes"));
    m_notes->setWordWrap(true);
    m_similar = new QListWidget(this);
    m_similar->setObjectName(QStringLiteral("newEntitySimilar"));
    m_similar->setIconSize(QSize(32, 24));
    m_similar->setMaximumHeight(150);
    connect(m_similar, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        Q_EMIT entityActivated(item->data(Qt::UserRole).toLongLong());
    });
    m_relation = new QComboBox(this);
    m_relation->addItem(tr("all relations"), qint64(-1));
    for (int r = 0; r < m_dataset->relationNames.size(); ++r)
        m_relation->addItem(m_dataset->relationNames[r], qint64(r));
    m_direction = new QComboBox(this);
    m_direction->addItem(tr("tail: (new, r, ?)"), false);
    m_direction->addItem(tr("head: (?, r, new)"), true);
    m_topK = new QSpinBox(this);
    m_topK->setRange(1, 200);
    m_topK->setValue(10);
    m_topK->setPrefix(tr("top "));
    for (QObject *control : {static_cast<QObject *>(m_relation), static_cast<QObject *>(m_direction)})
        connect(static_cast<QComboBox *>(control), &QComboBox::currentIndexChanged, this, &NewEntityDialog::showResults);
    connect(m_topK, &QSpinBox::valueChanged, this, &NewEntityDialog::showResults);
    auto *controls = new QHBoxLayout;
    controls->addWidget(m_relation);
    controls->addWidget(m_direction);
    controls->addWidget(m_topK);
    controls->addStretch();
    m_model = new PredictionModel(this);
    m_model->setDataset(m_dataset);
    m_model->setKnownTrainLabel(tr("given"));
    m_table = makePredictionTable(m_model, this);
    m_table->setObjectName(QStringLiteral("newEntityPredictions"));
    connect(m_table, &QTableView::activated, this, [this](const QModelIndex &index) {
        Q_EMIT entityActivated(index.data(PredictionModel::EntityIdRole).toLongLong());
    });
    auto *gateRow = new QHBoxLayout;
    for (int m = 0; m < 3; ++m) {
        m_gates[m] = new GateChart(m, this);
        m_gates[m]->setFixedHeight(120);
        gateRow->addWidget(m_gates[m], 1);
    }
    auto *resultPanel = new QWidget(this);
    auto *result = new QVBoxLayout(resultPanel);
    result->addWidget(m_notes);
    result->addWidget(new QLabel(tr("<b>Similar known entities</b> (cosine, per representation)"), this));
    result->addWidget(m_similar);
    result->addWidget(new QLabel(tr("<b>Predictions</b> — joint decision = mean of the decoders' sigmoid scores"), this));
    result->addLayout(controls);
    result->addWidget(m_table, 1);
    result->addLayout(gateRow);

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(inputPanel);
    split->addWidget(resultPanel);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 5);
    split->setSizes({400, 780});
    split->setChildrenCollapsible(false);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(split);
    resize(1180, 760);
}

QString NewEntityDialog::notesText() const { return m_notes->text(); }

void NewEntityDialog::setImageFile(const QString &path)
{
    m_imageFile = path;
    const QPixmap picture = entityImage(path);
    if (picture.isNull())
        m_image->setText(tr("%1\ncannot be read as an image").arg(QFileInfo(path).fileName()));
    else
        m_image->setPixmap(picture.scaled(m_image->size() - QSize(8, 8), Qt::KeepAspectRatio, Qt::SmoothTransformation));
    m_image->setToolTip(path);
}

bool NewEntityDialog::addTriple(const QString &relation, bool newIsHead, const QString &other)
{
    const int64_t r = m_dataset->relationId(relation), e = m_dataset->entityId(other.trimmed());
    if (r < 0 || e < 0)
        return false;
    m_tripleList << NewEntityTriple{r, newIsHead, e};
    const QString name = m_name->text().isEmpty() ? tr("new") : m_name->text();
    m_triples->addItem(newIsHead ? QStringLiteral("(%1, %2, %3)").arg(name, relation, other.trimmed())
                                 : QStringLiteral("(%1, %2, %3)").arg(other.trimmed(), relation, name));
    return true;
}

void NewEntityDialog::predict()
{
    NewEntityInput input;
    input.name = m_name->text().trimmed().isEmpty() ? tr("new entity") : m_name->text().trimmed();
    input.description = m_description->toPlainText().trimmed();
    input.imageFile = m_imageFile;
    input.triples = m_tripleList;
    NewEntityOptions options;
    options.topK = 200; // shown per relation and direction; the view cuts to its top k
    options.typed = true;
    m_predict->setEnabled(false);
    m_notes->setText(tr("Reading the picture and the text, and asking every relation…"));
    m_engine->submit(this, QStringLiteral("new-entity"),
        [input, options](RunAnalysis &analysis) {
            NewEntityAnswer answer;
            answer.ok = analysis.run().predictNewEntity(input, options, &answer.prediction, &answer.error);
            return answer;
        },
        [this](const NewEntityAnswer &answer) {
            m_predict->setEnabled(true);
            if (!answer.ok) {
                m_havePrediction = false;
                m_model->clear();
                m_notes->setText(tr("<b>Cannot predict:</b> %1").arg(answer.error.toHtmlEscaped()));
                return;
            }
            m_prediction = answer.prediction;
            m_havePrediction = true;
            QStringList notes;
            for (const QString &n : m_prediction.notes)
                notes << n.toHtmlEscaped();
            m_notes->setText(tr("<b>%1</b>, not in the graph. Candidates of other types are left out.<br>%2")
                                 .arg(m_prediction.name.toHtmlEscaped(), notes.join(QStringLiteral("<br>"))));
            m_similar->clear();
            for (Decoder d : kScoringDecoders)
                for (const SimilarEntity &s : m_prediction.similar[size_t(d)].mid(0, 3)) {
                    const EntityInfo &info = m_dataset->entities[int(s.entity)];
                    auto *item = new QListWidgetItem(
                        QIcon(entityThumbnailOrBlank(info.thumbnailPath.isEmpty() ? info.imagePaths : QStringList{info.thumbnailPath},
                                                     QSize(32, 24))),
                        tr("%1: %2 (%3)").arg(decoderLabel(d), info.displayName.isEmpty() ? info.name : info.displayName)
                            .arg(s.similarity, 0, 'f', 3),
                        m_similar);
                    item->setData(Qt::UserRole, qint64(s.entity));
                    item->setForeground(decoderColor(d).darker(130));
                }
            showResults();
        });
}

void NewEntityDialog::showResults()
{
    if (!m_havePrediction)
        return;
    const qint64 relation = m_relation->currentData().toLongLong();
    const bool head = m_direction->currentData().toBool();
    PredictionQuery query;
    query.relation = relation;
    query.headPrediction = head;
    query.topK = m_topK->value();
    QVector<PredictionResult> results;
    for (const PredictionResult &r : m_prediction.results)
        if (r.headPrediction == head && (relation < 0 || r.relation == relation))
            results << r;
    const PredictionAnswer answer = mergeResults(query, results);
    m_model->setAnswer(answer);
    m_table->setColumnHidden(PredictionModel::RelationColumn, relation >= 0);
    for (int m = 0; m < 3; ++m) {
        if (answer.gates[size_t(m)].isEmpty())
            m_gates[m]->clearGates(m_prediction.hasRow[size_t(m)] ? tr("no gates") : tr("no %1 row").arg(modalityLabel(Modality(m)).toLower()));
        else
            m_gates[m]->setGates(answer.gates[size_t(m)], relation >= 0 ? QString() : tr("mean"));
    }
    Q_EMIT predictionShown();
}

} // namespace momok::ui
