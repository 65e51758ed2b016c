#include "training/TrainingDialog.h"

#include "training/TrainingPresets.h"

#include "runtime/ComputeEnvironment.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSet>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <functional>

namespace momok::ui {

struct TrainingDialog::Field {
    enum Kind { Int, Real, Probability, Switch, Choice, Seed };
    const char *key;
    Kind kind;
    QString label;
    QString tip;
    int maximum = 1000000; // Int: wide on purpose, so the engine's own limits are explained, not silently clamped
};

namespace {

const char *kInvalidStyle = "border: 1px solid #D55E00; border-radius: 2px;";

QString realText(double v) { return QString::number(v, 'g', 8); }

QString capitalised(QString s)
{
    if (!s.isEmpty())
        s[0] = s[0].toUpper();
    return s;
}

void markInvalid(QWidget *w, bool invalid)
{
    if (!w)
        return;
    // Checkboxes get no border in most styles: colour their text instead.
    if (qobject_cast<QCheckBox *>(w))
        w->setStyleSheet(invalid ? QStringLiteral("color: #D55E00;") : QString());
    else
        w->setStyleSheet(invalid ? QString::fromLatin1(kInvalidStyle) : QString());
}

} // namespace

TrainingDialog::TrainingDialog(QWidget *parent) : QDialog(parent)
{
    setWindowTitle(tr("Train a model"));
    setObjectName(QStringLiteral("TrainingDialog"));

    auto *layout = new QVBoxLayout(this);

    auto *presetRow = new QHBoxLayout;
    presetRow->addWidget(new QLabel(tr("Preset:"), this));
    m_presetCombo = new QComboBox(this);
    m_presetCombo->setObjectName(QStringLiteral("presetCombo"));
    m_presetCombo->setMinimumContentsLength(18);
    m_presetCombo->setToolTip(tr("Fill every setting from a preset. Quick demo trains the bundled countries graph in "
                                 "under a minute; Paper setting is the published configuration (hours on large graphs)."));
    presetRow->addWidget(m_presetCombo);
    m_presetState = new QLabel(this);
    m_presetState->setObjectName(QStringLiteral("presetState"));
    presetRow->addWidget(m_presetState);
    presetRow->addStretch(1);
    auto *savePreset = new QPushButton(tr("Save as preset…"), this);
    savePreset->setObjectName(QStringLiteral("savePresetButton"));
    m_deletePreset = new QPushButton(tr("Delete preset"), this);
    m_deletePreset->setObjectName(QStringLiteral("deletePresetButton"));
    presetRow->addWidget(savePreset);
    presetRow->addWidget(m_deletePreset);
    layout->addLayout(presetRow);

    layout->addWidget(buildDataSection());

    using F = Field;
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("settingsTabs"));
    m_tabs->addTab(buildTab(tr("Model"),
                            {{"dim", F::Int, tr("Entity dimension d"), tr("Width of the structure and joint entity embeddings")},
                             {"relation_dim", F::Int, tr("Relation dimension"), tr("Width of the relation embeddings")},
                             {"max_feature_width", F::Int, tr("Max feature width"),
                              tr("Image and text features wider than this are average-pooled down")},
                             {"feature_layout", F::Choice, tr("Feature layout"),
                              tr("engine: unit rows pooled to the max width, for any dataset; reference: the authors' "
                                 "reshaping of their released features (MKG-W, MKG-Y, DB15K only)")},
                             {"fine_tune_features", F::Switch, tr("Fine-tune image/text tables"),
                              tr("On (reference): the tables start from the features and are trained. "
                                 "Off: they stay the features, so each decoder only sees its modality")},
                             {"experts", F::Int, tr("Experts per modality K"), tr("Number of experts in each modality's mixture")},
                             {"fusion_heads", F::Int, tr("Fusion heads"), tr("Attention heads of the adaptive modality fusion")},
                             {"input_dropout", F::Probability, tr("Input dropout"), {}},
                             {"hidden_dropout", F::Probability, tr("Hidden dropout"), tr("Dropout on each query's W_r")},
                             {"output_dropout", F::Probability, tr("Output dropout"), {}},
                             {"expert_dropout", F::Probability, tr("Expert dropout"), tr("Dropout inside each expert (reference: 0)")},
                             {"fusion_dropout", F::Probability, tr("Fusion dropout"), {}}}),
                   tr("Model"));
    m_tabs->addTab(buildTab(tr("Decoders"),
                            {{"use_structure", F::Switch, tr("Structure (S)"), tr("The structural decoder")},
                             {"use_image", F::Switch, tr("Image (I)"), tr("Needs image features (a feature file, or random features)")},
                             {"use_text", F::Switch, tr("Text (T)"), tr("Needs text features (a feature file, or random features)")},
                             {"use_joint", F::Switch, tr("Joint"), tr("The decoder over the fused modalities")},
                             {"decision", F::Choice, tr("Joint decision"),
                              tr("How predictions combine the decoders: the mean of their sigmoid scores")}},
                            tr("Ablations"),
                            {{"relation_temperature", F::Switch, tr("Relation-aware gate temperature"),
                              tr("Off: a plain softmax over the experts' gates")},
                             {"gate_noise", F::Switch, tr("Gate noise while training"), {}},
                             {"adaptive_fusion", F::Switch, tr("Adaptive modality fusion"), tr("Off: a uniform mean of the modalities")},
                             {"joint_training", F::Switch, tr("Joint training"),
                              tr("Off: the joint decoder is neither trained nor consulted")},
                             {"exid", F::Switch, tr("Expert disentanglement (ExID)"),
                              tr("The CLUB mutual-information loss between experts")}}),
                   tr("Modalities and ablations"));
    m_tabs->addTab(buildTab(tr("Optimisation"),
                            {{"epochs", F::Int, tr("Epochs"), tr("Upper bound: early stopping may end sooner")},
                             {"batch_size", F::Int, tr("Batch size"), tr("Queries per batch (1-to-N scoring)")},
                             {"learning_rate", F::Real, tr("Learning rate"), tr("Adam; e.g. 5e-4")},
                             {"lr_decay", F::Real, tr("Learning-rate decay γ"), tr("Exponential decay per epoch, in (0, 1]; 1 = none")},
                             {"label_smoothing", F::Probability, tr("Label smoothing"), {}},
                             {"mu", F::Real, tr("MI weight μ"), tr("Weight of the mutual-information upper bound")},
                             {"estimator_learning_rate", F::Real, tr("Estimator learning rate"),
                              tr("Adam for the CLUB estimators")},
                             {"shared_relation_mask", F::Switch, tr("Shared relation dropout mask"),
                              tr("Faster: one W_r dropout mask per relation and batch")}}),
                   tr("Optimisation"));
    m_tabs->addTab(buildTab(tr("Evaluation"),
                            {{"eval_every", F::Int, tr("Evaluate every (epochs)"),
                              tr("Validation MRR is measured this often; the best checkpoint is kept")},
                             {"patience", F::Int, tr("Patience (evaluations)"),
                              tr("Stop after this many validations without improvement")},
                             {"eval_batch_size", F::Int, tr("Evaluation batch size"), {}}}),
                   tr("Evaluation"));
    QWidget *devicePage = buildTab(tr("Device and threads"),
                                   {{"device", F::Choice, tr("Device"), tr("cpu, or cuda:N when a GPU build is installed")},
                                    {"threads", F::Int, tr("Threads"), tr("Compute threads; automatic uses one for small graphs (faster there) and the physical cores otherwise (shared among the processes)"), 1024}},
                                   tr("Seed"),
                                   {{"seed", F::Seed, tr("Random seed"),
                                     tr("The same seed and settings give the same run, bit for bit")}});
    // The process count belongs to the run, not to the model's configuration (presets keep it).
    m_processes = new QSpinBox(devicePage);
    m_processes->setObjectName(QStringLiteral("processesSpin"));
    m_processes->setRange(1, 64);
    m_processes->setToolTip(tr("Train in this many processes on this machine, each with its share of every batch "
                               "(data-parallel). The update is the one a single process makes; the others are "
                               "started as momok processes and end with the training."));
    if (auto *form = devicePage->findChild<QFormLayout *>())
        form->addRow(tr("Processes") + QLatin1Char(':'), m_processes);
    m_tabs->addTab(devicePage, tr("Device, threads and seed"));
    layout->addWidget(m_tabs, 1);

    m_problems = new QLabel(this);
    m_problems->setObjectName(QStringLiteral("problemsLabel"));
    m_problems->setWordWrap(true);
    m_problems->setTextFormat(Qt::RichText);
    m_problems->setMinimumHeight(fontMetrics().height() * 2);
    layout->addWidget(m_problems);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Train"));
    m_buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("trainButton"));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        if (problems().isEmpty())
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    connect(m_presetCombo, &QComboBox::activated, this, [this](int index) {
        selectPreset(m_presetCombo->itemText(index));
    });
    connect(savePreset, &QPushButton::clicked, this, &TrainingDialog::savePresetInteractively);
    connect(m_deletePreset, &QPushButton::clicked, this, [this] {
        const QString name = m_presetCombo->currentText();
        if (QMessageBox::question(this, tr("Delete preset"), tr("Delete the preset '%1'?").arg(name))
            == QMessageBox::Yes)
            deletePreset(name);
    });

    proposeRunName(defaultRunName(QString()));
    refreshPresets(TrainingPresets::builtInNames().first());
    selectPreset(TrainingPresets::builtInNames().first());
    resize(720, sizeHint().height());
}

QWidget *TrainingDialog::buildDataSection()
{
    auto *box = new QGroupBox(tr("Data and run"), this);
    auto *form = new QFormLayout(box);
    auto withBrowse = [this](QLineEdit *edit, const std::function<void()> &browse) {
        auto *row = new QWidget(this);
        auto *h = new QHBoxLayout(row);
        h->setContentsMargins(0, 0, 0, 0);
        h->addWidget(edit, 1);
        auto *button = new QPushButton(tr("Browse…"), row);
        connect(button, &QPushButton::clicked, this, browse);
        h->addWidget(button);
        return row;
    };
    m_dataset = new QLineEdit(this);
    m_dataset->setObjectName(QStringLiteral("datasetEdit"));
    m_dataset->setPlaceholderText(tr("the dataset folder (train.txt, valid.txt, test.txt …)"));
    form->addRow(tr("Dataset:"), withBrowse(m_dataset, [this] { browseForFolder(m_dataset, tr("Dataset folder")); }));
    m_imageFeatures = new QLineEdit(this);
    m_imageFeatures->setObjectName(QStringLiteral("imageFeaturesEdit"));
    m_imageFeatures->setPlaceholderText(tr("optional: .npy or .pt, one row per entity"));
    form->addRow(tr("Image features:"),
                 withBrowse(m_imageFeatures, [this] { browseForFile(m_imageFeatures, tr("Image feature matrix")); }));
    m_textFeatures = new QLineEdit(this);
    m_textFeatures->setObjectName(QStringLiteral("textFeaturesEdit"));
    m_textFeatures->setPlaceholderText(tr("optional: .npy or .pt, one row per entity"));
    form->addRow(tr("Text features:"),
                 withBrowse(m_textFeatures, [this] { browseForFile(m_textFeatures, tr("Text feature matrix")); }));
    m_dropUnseen = new QCheckBox(tr("Drop valid/test triples whose entities never occur in train"), this);
    m_randomFeatures = new QCheckBox(tr("Use seeded random image and text features (benchmarks only)"), this);
    m_randomFeatures->setObjectName(QStringLiteral("randomFeaturesCheck"));
    form->addRow(QString(), m_dropUnseen);
    form->addRow(QString(), m_randomFeatures);
    m_runName = new QLineEdit(this);
    m_runName->setObjectName(QStringLiteral("runNameEdit"));
    form->addRow(tr("Run name:"), m_runName);
    m_runDir = new QLineEdit(this);
    m_runDir->setObjectName(QStringLiteral("runDirEdit"));
    m_runDir->setToolTip(tr("A new folder for the run's checkpoints and reports"));
    form->addRow(tr("Run folder:"), withBrowse(m_runDir, [this] {
        const QString parent = QFileDialog::getExistingDirectory(this, tr("Folder to create the run in"),
                                                                 QFileInfo(m_runDir->text()).path());
        if (!parent.isEmpty()) {
            m_runDirEdited = true;
            m_runDir->setText(QDir(parent).filePath(runName().isEmpty() ? QStringLiteral("run") : runName()));
        }
    }));

    for (QLineEdit *edit : {m_dataset, m_imageFeatures, m_textFeatures, m_runName, m_runDir})
        connect(edit, &QLineEdit::textChanged, this, &TrainingDialog::revalidate);
    for (QCheckBox *check : {m_dropUnseen, m_randomFeatures})
        connect(check, &QCheckBox::toggled, this, &TrainingDialog::revalidate);
    connect(m_runName, &QLineEdit::textEdited, this, [this] {
        m_runNameEdited = true;
        updateRunFolder();
    });
    // A dataset typed in by hand names the run too, until the user names it.
    connect(m_dataset, &QLineEdit::textEdited, this, [this](const QString &text) {
        if (m_runNameEdited)
            return;
        proposeRunName(defaultRunName(QDir::fromNativeSeparators(text.trimmed())));
    });
    connect(m_dataset, &QLineEdit::textEdited, this, &TrainingDialog::datasetChanged);
    connect(m_runDir, &QLineEdit::textEdited, this, [this] { m_runDirEdited = true; });
    return box;
}

QWidget *TrainingDialog::makeEditor(const Field &f)
{
    QWidget *editor = nullptr;
    switch (f.kind) {
    case Field::Int: {
        auto *spin = new QSpinBox(this);
        spin->setRange(0, f.maximum);
        if (QLatin1String(f.key) == QLatin1String("threads"))
            spin->setSpecialValueText(tr("automatic (physical cores)"));
        connect(spin, &QSpinBox::valueChanged, this, &TrainingDialog::revalidate);
        editor = spin;
        break;
    }
    case Field::Probability: {
        auto *spin = new QDoubleSpinBox(this);
        spin->setRange(0, 1);
        spin->setDecimals(3);
        spin->setSingleStep(0.05);
        connect(spin, &QDoubleSpinBox::valueChanged, this, &TrainingDialog::revalidate);
        editor = spin;
        break;
    }
    case Field::Real:
    case Field::Seed: {
        auto *edit = new QLineEdit(this);
        connect(edit, &QLineEdit::textChanged, this, &TrainingDialog::revalidate);
        editor = edit;
        break;
    }
    case Field::Switch: {
        auto *check = new QCheckBox(f.label, this);
        connect(check, &QCheckBox::toggled, this, &TrainingDialog::revalidate);
        editor = check;
        break;
    }
    case Field::Choice: {
        auto *combo = new QComboBox(this);
        if (QLatin1String(f.key) == QLatin1String("device")) {
            combo->setEditable(true);
            QStringList devices = currentComputeInfo().availableDevices;
            if (!devices.contains(QStringLiteral("cpu")))
                devices.prepend(QStringLiteral("cpu"));
            combo->addItems(devices);
            connect(combo, &QComboBox::currentTextChanged, this, &TrainingDialog::revalidate);
        } else if (QLatin1String(f.key) == QLatin1String("feature_layout")) {
            combo->addItems({QStringLiteral("engine"), QStringLiteral("reference")});
            connect(combo, &QComboBox::currentIndexChanged, this, &TrainingDialog::revalidate);
        } else {
            combo->addItem(QStringLiteral("mean"));
            connect(combo, &QComboBox::currentIndexChanged, this, &TrainingDialog::revalidate);
        }
        editor = combo;
        break;
    }
    }
    editor->setObjectName(QStringLiteral("field_") + QLatin1String(f.key));
    if (!f.tip.isEmpty())
        editor->setToolTip(f.tip);
    m_fields.insert(QLatin1String(f.key), editor);
    m_labels.insert(QLatin1String(f.key), f.label);
    return editor;
}

QWidget *TrainingDialog::buildTab(const QString &title, const QVector<Field> &fields, const QString &secondTitle,
                                  const QVector<Field> &secondFields)
{
    auto *page = new QWidget(this);
    auto *h = new QHBoxLayout(page);
    auto addGroup = [&](const QString &groupTitle, const QVector<Field> &groupFields) {
        // A tab holding one group needs no second title.
        auto *box = new QGroupBox(secondFields.isEmpty() ? QString() : groupTitle, page);
        auto *form = new QFormLayout(box);
        form->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
        for (const Field &f : groupFields) {
            QWidget *editor = makeEditor(f);
            m_tabOf.insert(QLatin1String(f.key), m_tabs->count());
            if (f.kind == Field::Switch)
                form->addRow(editor);
            else
                form->addRow(f.label + QLatin1Char(':'), editor);
            if (auto *edit = qobject_cast<QLineEdit *>(editor))
                edit->setMinimumWidth(fontMetrics().horizontalAdvance(QLatin1Char('0')) * 22);
        }
        h->addWidget(box, 1, Qt::AlignTop);
    };
    addGroup(title, fields);
    if (!secondFields.isEmpty())
        addGroup(secondTitle, secondFields);
    return page;
}

void TrainingDialog::setDatasetDir(const QString &directory)
{
    m_dataset->setText(QDir::toNativeSeparators(directory));
    m_runNameEdited = m_runDirEdited = false;
    proposeRunName(defaultRunName(directory));
    datasetChanged();
}

void TrainingDialog::setDatasetShape(const QString &directory, qint64 entities, qint64 relations)
{
    m_shapeDir = QDir::cleanPath(directory);
    m_shapeEntities = entities;
    m_shapeRelations = relations;
    datasetChanged();
}

std::optional<PaperDataset> TrainingDialog::paperDataset() const
{
    const QString dir = QDir::cleanPath(QDir::fromNativeSeparators(m_dataset->text().trimmed()));
    if (dir.isEmpty())
        return std::nullopt;
    const bool shapeKnown = dir == m_shapeDir;
    return recognisePaperDataset(QFileInfo(dir).fileName(), shapeKnown ? m_shapeEntities : -1,
                                 shapeKnown ? m_shapeRelations : -1);
}

// The paper setting depends on the dataset: while it is chosen and untouched, it follows.
void TrainingDialog::datasetChanged()
{
    const QString current = m_presetCombo->currentText();
    if (!TrainingPresets::isPaperSetting(current))
        return;
    // Untouched: the fields still hold the setting applied for the dataset chosen before.
    const std::optional<ModelConfig> applied = TrainingPresets::config(current, m_appliedPaperDataset);
    if (applied && applied->toJson() == config().toJson())
        selectPreset(current);
}

void TrainingDialog::setWorkspacePath(const QString &path)
{
    m_workspacePath = path;
    updateRunFolder();
}

QString TrainingDialog::defaultRunName(const QString &datasetDir, const QDateTime &when)
{
    QString dataset = QFileInfo(QDir::cleanPath(datasetDir)).fileName();
    if (dataset.isEmpty())
        dataset = QStringLiteral("run");
    return dataset + QLatin1Char('-') + when.toString(QStringLiteral("yyyyMMdd-HHmmss"));
}

QString TrainingDialog::defaultRunDir(const QString &workspacePath, const QString &runName)
{
    const QString base = workspacePath.isEmpty()
        ? QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)
        : QFileInfo(workspacePath).absolutePath();
    return QDir(base).filePath(QStringLiteral("runs/") + runName);
}

QString TrainingDialog::freeRunName(const QString &workspacePath, const QString &runName)
{
    QString name = runName;
    for (int n = 2; QFileInfo::exists(defaultRunDir(workspacePath, name)); ++n)
        name = runName + QLatin1Char('-') + QString::number(n);
    return name;
}

void TrainingDialog::proposeRunName(const QString &name)
{
    m_proposedRunName = name;
    // With a folder of the user's, updateRunFolder leaves everything be, so the name is shown
    // here as proposed; otherwise it shows the free name itself, set once.
    if (!m_runNameEdited && m_runDirEdited)
        m_runName->setText(name);
    updateRunFolder();
}

void TrainingDialog::updateRunFolder()
{
    if (m_runDirEdited)
        return;
    QString name;
    if (m_runNameEdited) { // a typed name is the user's, refused if its folder is taken
        name = runName().isEmpty() ? defaultRunName(m_dataset->text()) : runName();
    } else {
        // The proposal moves on to a free folder, counted from the unsuffixed name: a folder
        // taken while the dialog is open gives -3 after -2, not -2-2.
        name = freeRunName(m_workspacePath, m_proposedRunName);
        if (name != runName())
            m_runName->setText(name);
    }
    m_runDir->setText(QDir::toNativeSeparators(defaultRunDir(m_workspacePath, name)));
}

QString TrainingDialog::runName() const { return m_runName->text().trimmed(); }

void TrainingDialog::browseForFolder(QLineEdit *edit, const QString &title)
{
    const QString dir = QFileDialog::getExistingDirectory(this, title, edit->text());
    if (dir.isEmpty())
        return;
    if (edit == m_dataset)
        setDatasetDir(dir);
    else
        edit->setText(QDir::toNativeSeparators(dir));
}

void TrainingDialog::browseForFile(QLineEdit *edit, const QString &title)
{
    const QString file = QFileDialog::getOpenFileName(this, title, QFileInfo(edit->text()).path(),
                                                      tr("Feature matrices (*.npy *.pt *.pth);;All files (*)"));
    if (!file.isEmpty())
        edit->setText(QDir::toNativeSeparators(file));
}

// ---- config <-> fields ----

void TrainingDialog::setConfig(const ModelConfig &config)
{
    const QJsonObject o = config.toJson();
    for (auto it = m_fields.cbegin(); it != m_fields.cend(); ++it) {
        const QJsonValue v = o.value(it.key());
        QWidget *w = it.value();
        const QSignalBlocker block(w);
        if (auto *spin = qobject_cast<QSpinBox *>(w))
            spin->setValue(v.toInt());
        else if (auto *dspin = qobject_cast<QDoubleSpinBox *>(w))
            dspin->setValue(v.toDouble());
        else if (auto *check = qobject_cast<QCheckBox *>(w))
            check->setChecked(v.toBool());
        else if (auto *combo = qobject_cast<QComboBox *>(w))
            combo->setCurrentText(v.toString());
        else if (auto *edit = qobject_cast<QLineEdit *>(w))
            edit->setText(v.isString() ? v.toString() : realText(v.toDouble()));
    }
    revalidate();
}

QJsonObject TrainingDialog::fieldValues(QStringList *parseProblems) const
{
    QJsonObject o;
    for (auto it = m_fields.cbegin(); it != m_fields.cend(); ++it) {
        const QWidget *w = it.value();
        if (auto *spin = qobject_cast<const QSpinBox *>(w)) {
            o.insert(it.key(), spin->value());
        } else if (auto *dspin = qobject_cast<const QDoubleSpinBox *>(w)) {
            o.insert(it.key(), dspin->value());
        } else if (auto *check = qobject_cast<const QCheckBox *>(w)) {
            o.insert(it.key(), check->isChecked());
        } else if (auto *combo = qobject_cast<const QComboBox *>(w)) {
            o.insert(it.key(), combo->currentText().trimmed());
        } else if (auto *edit = qobject_cast<const QLineEdit *>(w)) {
            const QString text = edit->text().trimmed();
            bool ok = false;
            if (it.key() == QLatin1String("seed")) {
                text.toULongLong(&ok);
                if (ok)
                    o.insert(it.key(), text);
                else if (parseProblems)
                    *parseProblems << it.key() + QLatin1Char('\t')
                            + tr("%1: '%2' is not a whole number from 0 to 18446744073709551615").arg(m_labels.value(it.key()), text);
            } else {
                const double v = QLocale::c().toDouble(text, &ok);
                if (ok)
                    o.insert(it.key(), v);
                else if (parseProblems)
                    *parseProblems << it.key() + QLatin1Char('\t')
                            + tr("%1: '%2' is not a number (write e.g. 0.0005 or 5e-4)").arg(m_labels.value(it.key()), text);
            }
        }
    }
    return o;
}

ModelConfig TrainingDialog::config() const { return ModelConfig::fromJson(fieldValues(nullptr)); }

RunSpec TrainingDialog::runSpec() const
{
    RunSpec spec;
    spec.datasetDir = QDir::fromNativeSeparators(m_dataset->text().trimmed());
    spec.imageFeatures = QDir::fromNativeSeparators(m_imageFeatures->text().trimmed());
    spec.textFeatures = QDir::fromNativeSeparators(m_textFeatures->text().trimmed());
    spec.randomFeatures = m_randomFeatures->isChecked();
    spec.dropUnseenEvaluationTriples = m_dropUnseen->isChecked();
    spec.runDir = QDir::fromNativeSeparators(m_runDir->text().trimmed());
    spec.config = config();
    spec.processes = m_processes->value();
    if (TrainingPresets::isPaperSetting(m_presetCombo->currentText()))
        if (const auto paper = paperDataset())
            spec.paperRow = paperDatasetKey(*paper);
    return spec;
}

QStringList TrainingDialog::problems() const
{
    QStringList keyed; // "key\treason"
    const ModelConfig c = ModelConfig::fromJson(fieldValues(&keyed));
    for (const ConfigProblem &problem : c.validate())
        keyed << problem.setting + QLatin1Char('\t') + capitalised(problem.message) + QLatin1Char('.');

    const RunSpec spec = runSpec();
    if (spec.datasetDir.isEmpty())
        keyed << QStringLiteral("\t") + tr("Choose the dataset folder.");
    else if (!QFileInfo(spec.datasetDir).isDir())
        keyed << QStringLiteral("\t") + tr("The dataset folder %1 does not exist.").arg(QDir::toNativeSeparators(spec.datasetDir));
    for (auto [label, path] : {std::pair{tr("Image features"), spec.imageFeatures}, {tr("Text features"), spec.textFeatures}})
        if (!path.isEmpty() && !QFileInfo(path).isFile())
            keyed << QStringLiteral("\t") + tr("%1: the file %2 does not exist.").arg(label, QDir::toNativeSeparators(path));
    if (runName().isEmpty())
        keyed << QStringLiteral("\t") + tr("Give the run a name.");
    if (spec.runDir.isEmpty())
        keyed << QStringLiteral("\t") + tr("Choose a folder for the run.");
    else if (QFileInfo::exists(QDir(spec.runDir).filePath(QStringLiteral("run.json"))))
        keyed << QStringLiteral("\t")
                + tr("%1 already holds a run: choose another folder, or resume that run from the Training panel.")
                      .arg(QDir::toNativeSeparators(spec.runDir));
    return keyed;
}

void TrainingDialog::revalidate()
{
    if (m_applyingPreset || !m_problems)
        return;
    QStringList keyed = problems();
    // In the order of the tabs, problems of the data and run last.
    std::stable_sort(keyed.begin(), keyed.end(), [this](const QString &a, const QString &b) {
        const int ta = m_tabOf.value(a.section(QLatin1Char('\t'), 0, 0), 99);
        const int tb = m_tabOf.value(b.section(QLatin1Char('\t'), 0, 0), 99);
        return ta < tb;
    });
    QSet<QString> badKeys;
    QSet<int> badTabs;
    QStringList lines;
    for (const QString &entry : keyed) {
        const QString key = entry.section(QLatin1Char('\t'), 0, 0);
        QString reason = entry.section(QLatin1Char('\t'), 1);
        if (!key.isEmpty()) {
            badKeys.insert(key);
            const int tab = m_tabOf.value(key, -1);
            if (tab >= 0) {
                badTabs.insert(tab);
                reason = m_tabs->tabText(tab) + QStringLiteral(" › ") + reason;
            }
        }
        lines << QStringLiteral("• ") + reason.toHtmlEscaped();
    }
    for (auto it = m_fields.cbegin(); it != m_fields.cend(); ++it)
        markInvalid(it.value(), badKeys.contains(it.key()));
    for (int t = 0; t < m_tabs->count(); ++t)
        m_tabs->tabBar()->setTabTextColor(t, badTabs.contains(t) ? QColor(0xD5, 0x5E, 0x00) : QColor());
    if (lines.isEmpty()) {
        m_problems->setText(tr("<span style='color:#009E73'>Ready to train.</span>"));
    } else {
        m_problems->setText(tr("<b>Fix these before training:</b><br>") + lines.join(QStringLiteral("<br>")));
    }
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(lines.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setToolTip(lines.isEmpty() ? QString() : tr("Some settings are invalid: see the list above."));

    // Say whether the fields still match the chosen preset, and which paper row the paper setting targets.
    const QString current = m_presetCombo->currentText();
    const std::optional<PaperDataset> paper = paperDataset();
    const std::optional<ModelConfig> preset = TrainingPresets::config(current, paper);
    const bool modified = !preset || preset->toJson() != config().toJson();
    QString state = modified ? tr("<i>(modified)</i>") : QString();
    if (TrainingPresets::isPaperSetting(current)) {
        const QString target = !paper ? tr("not one of the paper's datasets: its schedule on the reference's defaults")
                               : modified ? tr("for the paper's %1 row").arg(paperDatasetKey(*paper))
                                          : tr("the authors' %1 setting").arg(paperDatasetKey(*paper));
        state = state.isEmpty() ? target : state + QStringLiteral(" · ") + target;
    }
    m_presetState->setText(state);
}

// ---- presets ----

QStringList TrainingDialog::presetNames() const
{
    return TrainingPresets::builtInNames() + TrainingPresets::customNames();
}

void TrainingDialog::refreshPresets(const QString &select)
{
    const QSignalBlocker block(m_presetCombo);
    m_presetCombo->clear();
    m_presetCombo->addItems(TrainingPresets::builtInNames());
    const QStringList custom = TrainingPresets::customNames();
    if (!custom.isEmpty()) {
        m_presetCombo->insertSeparator(m_presetCombo->count());
        m_presetCombo->addItems(custom);
    }
    const int index = m_presetCombo->findText(select);
    m_presetCombo->setCurrentIndex(index >= 0 ? index : 0);
    m_deletePreset->setEnabled(!TrainingPresets::isBuiltIn(m_presetCombo->currentText()));
}

bool TrainingDialog::selectPreset(const QString &displayName)
{
    const std::optional<ModelConfig> preset = TrainingPresets::config(displayName, paperDataset());
    if (!preset)
        return false;
    m_appliedPaperDataset = paperDataset();
    refreshPresets(displayName);
    m_applyingPreset = true;
    setConfig(*preset);
    m_applyingPreset = false;
    revalidate();
    return true;
}

bool TrainingDialog::saveCurrentAsPreset(const QString &displayName, QString *error)
{
    if (!TrainingPresets::save(displayName, config(), error))
        return false;
    refreshPresets(displayName.trimmed());
    revalidate();
    return true;
}

bool TrainingDialog::deletePreset(const QString &displayName)
{
    if (!TrainingPresets::remove(displayName))
        return false;
    refreshPresets(TrainingPresets::builtInNames().first());
    revalidate();
    return true;
}

void TrainingDialog::savePresetInteractively()
{
    bool ok = false;
    const QString current = m_presetCombo->currentText();
    const QString name = QInputDialog::getText(this, tr("Save preset"), tr("Name of the new preset:"), QLineEdit::Normal,
                                               TrainingPresets::isBuiltIn(current) ? QString() : current, &ok);
    if (!ok)
        return;
    if (TrainingPresets::customNames().contains(name.trimmed())
        && QMessageBox::question(this, tr("Save preset"), tr("Replace the preset '%1'?").arg(name.trimmed()))
               != QMessageBox::Yes)
        return;
    QString error;
    if (!saveCurrentAsPreset(name, &error))
        QMessageBox::warning(this, tr("Save preset"), error);
}

} // namespace momok::ui
