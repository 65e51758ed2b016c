#pragma once
// "Train on": how much further a finished run trains, asked before it is resumed. A run
// that used all its epochs gets more; one that stopped early gets a larger patience (and,
// if it wants, more epochs). Everything else stays the run's own, and the learning rate
// keeps decaying from where it was. The trainer checks the answer (Trainer::resume) and
// names what is short; this dialog only proposes values that train further.
#include "storage/WorkspaceRecords.h"
#include "train/RunSpec.h"

#include <QDialog>

class QLabel;
class QSpinBox;

namespace momok::ui {

class TrainOnDialog : public QDialog
{
    Q_OBJECT
public:
    explicit TrainOnDialog(const RunRecord &run, QWidget *parent = nullptr);

    // The epochs and patience that differ from the run's record.
    ResumeChanges changes() const;

private:
    int m_epochs = 0, m_patience = 0;
    QSpinBox *m_epochsSpin = nullptr;
    QSpinBox *m_patienceSpin = nullptr;
};

} // namespace momok::ui
