#pragma once
// Export of every plot (PNG, PDF) and every table (CSV), callable from code and
// installed as context-menu actions. Files are written atomically: a failed export
// never leaves a truncated file behind.
#include <QString>

class QAbstractItemModel;
class QCustomPlot;
class QTableView;
class QWidget;

namespace momok::ui {

// By the file's suffix: .png (at twice the on-screen resolution) or .pdf (vector).
bool exportPlot(QCustomPlot *plot, const QString &path, QString *error);
bool exportPlotPng(QCustomPlot *plot, const QString &path, QString *error);
bool exportPlotPdf(QCustomPlot *plot, const QString &path, QString *error);

// RFC 4180: a header row from the horizontal header, then one row per model row, the
// display role of each cell; fields with commas, quotes or line breaks are quoted,
// lines end with CRLF, UTF-8.
QString tableToCsv(const QAbstractItemModel *model);
bool exportTableCsv(const QAbstractItemModel *model, const QString &path, QString *error);

// Context-menu actions "Export as PNG…" / "Export as PDF…" (a file dialog, then
// exportPlot; failures are shown in a message box). The suggested file name is the
// widget's "exportName" property, else its objectName.
void installPlotExport(QCustomPlot *plot);
// "Export table as CSV…" on the view's context menu (exports the view's model,
// i.e. rows in the order and filter the user sees).
void installTableExport(QTableView *view);
// The same action for a model shown by some other widget (e.g. the values behind a plot).
void addCsvExportAction(QWidget *widget, const QAbstractItemModel *model, const QString &text);

} // namespace momok::ui
