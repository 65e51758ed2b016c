#include "common/ExportActions.h"

#include "common/QCustomPlotInclude.h"

#include <QAbstractItemModel>
#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QPdfWriter>
#include <QPointer>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTableView>

#include <functional>

namespace momok::ui {

namespace {

constexpr double kPngScale = 2.0; // crisp on slides and HiDPI screens

QSize plotSize(const QCustomPlot *plot)
{
    // A plot that was never shown has no size yet; give it a sensible one.
    const QSize s = plot->size();
    return s.width() >= 50 && s.height() >= 50 ? s : QSize(800, 500);
}

bool fail(QString *error, const QString &text)
{
    if (error)
        *error = text;
    return false;
}

bool commit(QSaveFile &file, QString *error)
{
    if (!file.commit())
        return fail(error, QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(file.fileName()), file.errorString()));
    return true;
}

QString csvField(const QString &text)
{
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n'))
        && !text.contains(QLatin1Char('\r')))
        return text;
    QString quoted = text;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString suggestedPath(const QWidget *widget, const QString &suffix)
{
    QString name = widget->property("exportName").toString();
    if (name.isEmpty())
        name = widget->objectName();
    if (name.isEmpty())
        name = QStringLiteral("momok-export");
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    return QDir(dir).filePath(name + QLatin1Char('.') + suffix);
}

void showError(QWidget *parent, const QString &what, const QString &error)
{
    QMessageBox::warning(parent, QObject::tr("Export failed"),
                         QObject::tr("%1 could not be written.\n\n%2\n\nChoose another folder or file name and try again.")
                             .arg(what, error));
}

void addPlotAction(QCustomPlot *plot, const QString &text, const QString &suffix, const QString &filter,
                   const QString &objectName)
{
    auto *action = new QAction(text, plot);
    action->setObjectName(objectName);
    QPointer<QCustomPlot> guard(plot);
    QObject::connect(action, &QAction::triggered, plot, [guard, suffix, filter] {
        if (!guard)
            return;
        QString path = QFileDialog::getSaveFileName(guard, QObject::tr("Export plot"), suggestedPath(guard, suffix), filter);
        if (path.isEmpty())
            return;
        if (QFileInfo(path).suffix().isEmpty())
            path += QLatin1Char('.') + suffix;
        QString error;
        if (!exportPlot(guard, path, &error))
            showError(guard, QObject::tr("The plot"), error);
    });
    plot->addAction(action);
}

void addCsvAction(QWidget *widget, std::function<const QAbstractItemModel *()> model, const QString &text)
{
    widget->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto *action = new QAction(text, widget);
    action->setObjectName(QStringLiteral("exportCsvAction"));
    QPointer<QWidget> guard(widget);
    QObject::connect(action, &QAction::triggered, widget, [guard, model] {
        const QAbstractItemModel *m = model();
        if (!guard || !m)
            return;
        QString path = QFileDialog::getSaveFileName(guard, QObject::tr("Export table"), suggestedPath(guard, QStringLiteral("csv")),
                                                    QObject::tr("CSV table (*.csv)"));
        if (path.isEmpty())
            return;
        if (QFileInfo(path).suffix().isEmpty())
            path += QStringLiteral(".csv");
        QString error;
        if (!exportTableCsv(model(), path, &error))
            showError(guard, QObject::tr("The table"), error);
    });
    widget->addAction(action);
}

} // namespace

bool exportPlotPng(QCustomPlot *plot, const QString &path, QString *error)
{
    if (!plot)
        return fail(error, QStringLiteral("no plot to export"));
    const QSize size = plotSize(plot);
    const QPixmap pixmap = plot->toPixmap(size.width(), size.height(), kPngScale);
    if (pixmap.isNull())
        return fail(error, QStringLiteral("%1: the plot could not be rendered").arg(QDir::toNativeSeparators(path)));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(error, QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    if (!pixmap.save(&file, "PNG")) {
        file.cancelWriting();
        return fail(error, QStringLiteral("%1: PNG encoding failed").arg(QDir::toNativeSeparators(path)));
    }
    return commit(file, error);
}

bool exportPlotPdf(QCustomPlot *plot, const QString &path, QString *error)
{
    if (!plot)
        return fail(error, QStringLiteral("no plot to export"));
    const QSize size = plotSize(plot);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(error, QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    {
        // One page exactly the plot's size; 96 dpi so fonts keep their on-screen proportions.
        QPdfWriter writer(&file);
        writer.setCreator(QStringLiteral("MoMoK Studio"));
        writer.setTitle(plot->property("exportName").toString());
        writer.setResolution(96);
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        writer.setPageSize(QPageSize(QSizeF(size.width() * 72.0 / 96.0, size.height() * 72.0 / 96.0), QPageSize::Point));
        QCPPainter painter;
        if (!painter.begin(&writer)) {
            file.cancelWriting();
            return fail(error, QStringLiteral("%1: the PDF could not be started").arg(QDir::toNativeSeparators(path)));
        }
        painter.setMode(QCPPainter::pmVectorized);
        painter.setMode(QCPPainter::pmNoCaching);
        plot->toPainter(&painter, size.width(), size.height());
        painter.end();
    }
    return commit(file, error);
}

bool exportPlot(QCustomPlot *plot, const QString &path, QString *error)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("png"))
        return exportPlotPng(plot, path, error);
    if (suffix == QLatin1String("pdf"))
        return exportPlotPdf(plot, path, error);
    return fail(error, QStringLiteral("%1: unknown image type '%2' (use .png or .pdf)").arg(QDir::toNativeSeparators(path), suffix));
}

QString tableToCsv(const QAbstractItemModel *model)
{
    QString out;
    if (!model)
        return out;
    const int columns = model->columnCount();
    QStringList fields;
    for (int c = 0; c < columns; ++c)
        fields << csvField(model->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
    out += fields.join(QLatin1Char(',')) + QLatin1String("\r\n");
    for (int r = 0; r < model->rowCount(); ++r) {
        fields.clear();
        for (int c = 0; c < columns; ++c)
            fields << csvField(model->data(model->index(r, c), Qt::DisplayRole).toString());
        out += fields.join(QLatin1Char(',')) + QLatin1String("\r\n");
    }
    return out;
}

bool exportTableCsv(const QAbstractItemModel *model, const QString &path, QString *error)
{
    if (!model)
        return fail(error, QStringLiteral("no table to export"));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(error, QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    const QByteArray bytes = tableToCsv(model).toUtf8();
    if (file.write(bytes) != bytes.size()) {
        file.cancelWriting();
        return fail(error, QStringLiteral("%1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    }
    return commit(file, error);
}

void installPlotExport(QCustomPlot *plot)
{
    if (!plot)
        return;
    plot->setContextMenuPolicy(Qt::ActionsContextMenu);
    addPlotAction(plot, QObject::tr("Export as PNG…"), QStringLiteral("png"), QObject::tr("PNG image (*.png)"),
                  QStringLiteral("exportPngAction"));
    addPlotAction(plot, QObject::tr("Export as PDF…"), QStringLiteral("pdf"), QObject::tr("PDF document (*.pdf)"),
                  QStringLiteral("exportPdfAction"));
}

void addCsvExportAction(QWidget *widget, const QAbstractItemModel *model, const QString &text)
{
    if (!widget || !model)
        return;
    QPointer<const QAbstractItemModel> modelGuard(model);
    addCsvAction(widget, [modelGuard] { return modelGuard.data(); }, text);
}

void installTableExport(QTableView *view)
{
    if (!view)
        return;
    // The view's model when the user asks, so a later setModel() is honoured.
    QPointer<QTableView> guard(view);
    addCsvAction(view, [guard]() -> const QAbstractItemModel * { return guard ? guard->model() : nullptr; },
                 QObject::tr("Export table as CSV…"));
}

} // namespace momok::ui
