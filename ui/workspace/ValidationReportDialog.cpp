#include "workspace/ValidationReportDialog.h"

#include "domain/Plural.h"
#include "workspace/DatasetProblemModel.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace momok::ui {

ValidationReportDialog::ValidationReportDialog(const QString &directory, const QVector<DatasetProblem> &problems,
                                               bool accepted, QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("validationReportDialog"));
    int errors = 0;
    for (const DatasetProblem &p : problems)
        errors += p.severity == DatasetProblem::Error ? 1 : 0;
    setWindowTitle(errors > 0 ? pluralised(tr("Dataset check — %1: %2 error(s)"), errors)
                                    .arg(QDir(directory).dirName())
                                    .arg(errors)
                              : tr("Dataset check — %1").arg(QDir(directory).dirName()));
    auto *summary = new QLabel(this);
    summary->setWordWrap(true);
    summary->setText(accepted ? tr("<b>%1</b> was imported, with the warnings below. Check that they are expected.")
                                    .arg(QDir::toNativeSeparators(directory).toHtmlEscaped())
                              : tr("<b>%1</b> cannot be used. Fix the errors below in the named files and lines, then open the "
                                   "folder again. Nothing was added to the workspace.")
                                    .arg(QDir::toNativeSeparators(directory).toHtmlEscaped()));
    m_model = new DatasetProblemModel(this);
    m_model->setProblems(problems);
    m_table = new QTableView(this);
    m_table->setTabKeyNavigation(false); // Tab leaves the table; arrows move inside
    m_table->setObjectName(QStringLiteral("problemTable"));
    m_table->setModel(m_model);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(true);
    m_table->horizontalHeader()->setSectionResizeMode(DatasetProblemModel::ReasonColumn, QHeaderView::Stretch);
    m_table->resizeColumnToContents(DatasetProblemModel::SeverityColumn);
    m_table->resizeColumnToContents(DatasetProblemModel::FileColumn);
    m_table->resizeColumnToContents(DatasetProblemModel::LineColumn);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(summary);
    layout->addWidget(m_table, 1);
    layout->addWidget(buttons);
    resize(760, 420);
}

} // namespace momok::ui
