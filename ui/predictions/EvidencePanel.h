#pragma once
// "Why this answer?": the evidence for the selected prediction (h, r, t) from the training
// graph and the model's own similarity (analysis/Evidence.h): known (h', r, t) whose head
// resembles h, and (h, r, t') whose tail resembles t, per representation, most similar first.
#include "analysis/Evidence.h"
#include "data/KgDataset.h"

#include <QWidget>

#include <memory>

class QLabel;
class QListWidget;

namespace momok::ui {

class EvidencePanel : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kShownItems = 12;

    explicit EvidencePanel(QWidget *parent = nullptr);
    void setDataset(std::shared_ptr<const KgDataset> dataset);
    void showEvidence(const PredictionEvidence &evidence, bool knownInTraining);
    void showMessage(const QString &text);

    QListWidget *list() const { return m_list; }
    QString summaryText() const;

Q_SIGNALS:
    void entityActivated(qint64 entityId);

private:
    QString name(int64_t entity) const;

    std::shared_ptr<const KgDataset> m_dataset;
    QLabel *m_title = nullptr;
    QLabel *m_summary = nullptr;
    QListWidget *m_list = nullptr;
};

} // namespace momok::ui
