#include "training/TrainOnDialog.h"

#include "domain/Plural.h"
#include "model/ModelConfig.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace momok::ui {

TrainOnDialog::TrainOnDialog(const RunRecord &run, QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Train run %1 on").arg(run.id));
    const ModelConfig config = ModelConfig::fromJson(run.config.value(QStringLiteral("config")).toObject());
    m_epochs = config.epochs;
    m_patience = config.patience;
    const int done = run.epochCount;
    const bool stoppedEarly = done < config.epochs;

    auto *layout = new QVBoxLayout(this);
    auto *summary = new QLabel(this);
    summary->setObjectName(QStringLiteral("trainOnSummary"));
    summary->setWordWrap(true);
    summary->setText(
        stoppedEarly
            ? tr("Run %1 '%2' stopped early after epoch %3 of %4: validation MRR had not improved for %5. "
                 "A larger patience lets it go on.")
                  .arg(run.id).arg(run.name).arg(done).arg(config.epochs)
                  .arg(counted(config.patience, tr("evaluation(s)")))
            : pluralised(tr("Run %1 '%2' finished (its|all its) %3. More epochs train it on from there."), done)
                  .arg(run.id).arg(run.name).arg(counted(done, tr("epoch(s)"))));
    layout->addWidget(summary);

    auto *form = new QFormLayout;
    m_epochsSpin = new QSpinBox(this);
    m_epochsSpin->setObjectName(QStringLiteral("trainOnEpochs"));
    m_epochsSpin->setRange(done + 1, std::numeric_limits<int>::max());
    // Half as many again as it has done (at least one evaluation's worth), or its own end.
    m_epochsSpin->setValue(stoppedEarly ? config.epochs : done + std::max(config.evalEvery, done / 2));
    m_epochsSpin->setToolTip(tr("The epoch the run ends at; it continues after epoch %1").arg(done));
    form->addRow(tr("Train to epoch:"), m_epochsSpin);
    m_patienceSpin = new QSpinBox(this);
    m_patienceSpin->setObjectName(QStringLiteral("trainOnPatience"));
    m_patienceSpin->setRange(1, std::numeric_limits<int>::max());
    m_patienceSpin->setValue(stoppedEarly ? 2 * config.patience : config.patience);
    m_patienceSpin->setToolTip(tr("Validations without improvement before it stops (now %1)").arg(config.patience));
    form->addRow(tr("Patience (evaluations):"), m_patienceSpin);
    layout->addLayout(form);

    auto *note = new QLabel(tr("Its other settings stay as they are, the learning rate keeps decaying from where it "
                               "was, and the checkpoint kept is still the one best on validation."),
                            this);
    note->setWordWrap(true);
    layout->addWidget(note);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Train on"));
    buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("trainOnButton"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(std::max(sizeHint().width(), fontMetrics().averageCharWidth() * 70), sizeHint().height());
}

ResumeChanges TrainOnDialog::changes() const
{
    ResumeChanges changes;
    if (m_epochsSpin->value() != m_epochs)
        changes.epochs = m_epochsSpin->value();
    if (m_patienceSpin->value() != m_patience)
        changes.patience = m_patienceSpin->value();
    return changes;
}

} // namespace momok::ui
