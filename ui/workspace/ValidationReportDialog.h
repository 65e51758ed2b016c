#pragma once
// What was wrong with a dataset folder, problem by problem (file, line, reason),
// and whether it could still be imported.
#include "data/DatasetReader.h"

#include <QDialog>

class QTableView;

namespace momok::ui {

class DatasetProblemModel;

class ValidationReportDialog : public QDialog
{
    Q_OBJECT
public:
    ValidationReportDialog(const QString &directory, const QVector<DatasetProblem> &problems, bool accepted,
                           QWidget *parent = nullptr);
    DatasetProblemModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }

private:
    DatasetProblemModel *m_model = nullptr;
    QTableView *m_table = nullptr;
};

} // namespace momok::ui
