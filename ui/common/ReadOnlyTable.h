#pragma once
// The analysis views' tables: read-only, whole-row selection, compact rows, CSV export.
#include <QString>

class QTableView;
class QWidget;

namespace momok::ui {

// A table view named `name` (its object name and its export file name).
QTableView *makeReadOnlyTable(QWidget *parent, const QString &name);

} // namespace momok::ui
