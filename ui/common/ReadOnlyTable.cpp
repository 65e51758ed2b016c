#include "common/ReadOnlyTable.h"

#include "common/ExportActions.h"

#include <QHeaderView>
#include <QTableView>

namespace momok::ui {

QTableView *makeReadOnlyTable(QWidget *parent, const QString &name)
{
    auto *view = new QTableView(parent);
    view->setTabKeyNavigation(false); // Tab leaves the table; arrows move inside
    view->setObjectName(name);
    view->setProperty("exportName", name);
    view->setAlternatingRowColors(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->verticalHeader()->setVisible(false);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 8);
    view->horizontalHeader()->setHighlightSections(false);
    installTableExport(view);
    return view;
}

} // namespace momok::ui
