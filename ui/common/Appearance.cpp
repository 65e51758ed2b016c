#include "common/Appearance.h"

#include "common/QCustomPlotInclude.h"

#include <QApplication>
#include <QPalette>
#include <QSettings>
#include <QStyle>
#include <QStyleFactory>

namespace momok::ui {

namespace {

const QString kSettingsAppearance = QStringLiteral("appearance/palette");

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x30), base(0x1e, 0x1f, 0x22), text(0xe6, 0xe6, 0xe6), mid(0x5a, 0x5d, 0x63);
    const QColor highlight(0x2f, 0x6f, 0xb3);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x27, 0x29, 0x2c));
    p.setColor(QPalette::ToolTipBase, QColor(0x3a, 0x3d, 0x41));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9d, 0xa3));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x35, 0x38, 0x3c));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x4a, 0x4d, 0x52));
    p.setColor(QPalette::Midlight, QColor(0x40, 0x43, 0x48));
    p.setColor(QPalette::Mid, mid);
    p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1b));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x6c, 0xb4, 0xff));
    p.setColor(QPalette::LinkVisited, QColor(0xb3, 0x8c, 0xff));
    for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, QColor(0x80, 0x83, 0x88));
    p.setColor(QPalette::Disabled, QPalette::Base, window);
    return p;
}

// Black, white and the greys close to them: QCustomPlot's defaults and the plots' neutral
// lines. Coloured series (modalities, runs) are left alone.
bool isNeutralExtreme(const QColor &c)
{
    return c.alpha() > 0 && c.hsvSaturation() < 40 && (c.value() < 80 || c.value() > 235);
}

} // namespace

QColor legibleColor(const QColor &color, const QPalette &palette)
{
    if (!isNeutralExtreme(color))
        return color;
    QColor text = palette.color(QPalette::WindowText);
    text.setAlpha(color.alpha());
    return text;
}

namespace {

QPen themedPen(QPen pen, const QPalette &palette)
{
    pen.setColor(legibleColor(pen.color(), palette));
    return pen;
}

void themeAxis(QCPAxis *axis, const QPalette &palette)
{
    const QColor text = palette.color(QPalette::WindowText);
    axis->setBasePen(QPen(text, 0));
    axis->setTickPen(QPen(text, 0));
    axis->setSubTickPen(QPen(text, 0));
    axis->setTickLabelColor(text);
    axis->setLabelColor(text);
    QColor grid = text;
    grid.setAlpha(60);
    axis->grid()->setPen(QPen(grid, 0, Qt::DotLine));
    grid.setAlpha(30);
    axis->grid()->setSubGridPen(QPen(grid, 0, Qt::DotLine));
    QColor zero = text;
    zero.setAlpha(110);
    axis->grid()->setZeroLinePen(axis->grid()->zeroLinePen().style() == Qt::NoPen ? Qt::NoPen : QPen(zero, 0));
}

void themeElement(QCPLayoutElement *element, const QPalette &palette)
{
    if (!element)
        return;
    const QColor text = palette.color(QPalette::WindowText);
    if (auto *rect = qobject_cast<QCPAxisRect *>(element)) {
        for (QCPAxis *axis : rect->axes())
            themeAxis(axis, palette);
    } else if (auto *scale = qobject_cast<QCPColorScale *>(element)) {
        themeAxis(scale->axis(), palette);
    } else if (auto *title = qobject_cast<QCPTextElement *>(element)) {
        title->setTextColor(legibleColor(title->textColor(), palette));
    } else if (auto *legend = qobject_cast<QCPLegend *>(element)) {
        legend->setTextColor(text);
        legend->setBrush(palette.color(QPalette::Base));
        legend->setBorderPen(QPen(palette.color(QPalette::Mid), 0));
        for (int i = 0; i < legend->itemCount(); ++i)
            if (legend->item(i))
                legend->item(i)->setTextColor(text);
        return; // its items are not layout elements worth descending into
    }
    for (QCPLayoutElement *child : element->elements(false))
        themeElement(child, palette);
}

class PlotThemer : public QObject
{
public:
    using QObject::QObject;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Polish || event->type() == QEvent::PaletteChange) {
            if (auto *plot = qobject_cast<QCustomPlot *>(watched)) {
                if (!plot->property("momokThemed").toBool()) {
                    plot->setProperty("momokThemed", true);
                    connect(plot, &QCustomPlot::beforeReplot, plot, [plot] { themePlot(plot); });
                }
                if (event->type() == QEvent::PaletteChange)
                    plot->replot(QCustomPlot::rpQueuedReplot);
            }
        }
        return false;
    }
};

} // namespace

QString appearanceKey(Appearance appearance)
{
    switch (appearance) {
    case Appearance::Light: return QStringLiteral("light");
    case Appearance::Dark: return QStringLiteral("dark");
    case Appearance::System: break;
    }
    return QStringLiteral("system");
}

Appearance appearanceFromKey(const QString &key)
{
    if (key == QLatin1String("light"))
        return Appearance::Light;
    if (key == QLatin1String("dark"))
        return Appearance::Dark;
    return Appearance::System;
}

Appearance savedAppearance()
{
    return appearanceFromKey(QSettings().value(kSettingsAppearance).toString());
}

void applyAppearance(Appearance appearance, bool save)
{
    // The system's style and palette, captured before the first change.
    static const QString systemStyle = QApplication::style()->name();
    static const QPalette systemPalette = QApplication::palette();
    switch (appearance) {
    case Appearance::System:
        QApplication::setStyle(QStyleFactory::create(systemStyle));
        QApplication::setPalette(systemPalette);
        break;
    case Appearance::Light:
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(QApplication::style()->standardPalette());
        break;
    case Appearance::Dark:
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(darkPalette());
        break;
    }
    if (save)
        QSettings().setValue(kSettingsAppearance, appearanceKey(appearance));
}

void installPlotTheming()
{
    static PlotThemer *themer = nullptr;
    if (themer)
        return;
    themer = new PlotThemer(qApp);
    qApp->installEventFilter(themer);
}

void themePlot(QCustomPlot *plot)
{
    const QPalette palette = plot->palette();
    plot->setBackground(palette.color(QPalette::Base));
    themeElement(plot->plotLayout(), palette);
    for (int i = 0; i < plot->plottableCount(); ++i) {
        QCPAbstractPlottable *p = plot->plottable(i);
        p->setPen(themedPen(p->pen(), palette));
        if (auto *graph = qobject_cast<QCPGraph *>(p)) {
            QCPScatterStyle scatter = graph->scatterStyle();
            if (!scatter.isNone()) {
                scatter.setPen(themedPen(scatter.pen(), palette));
                graph->setScatterStyle(scatter);
            }
        }
    }
    for (int i = 0; i < plot->itemCount(); ++i) {
        QCPAbstractItem *item = plot->item(i);
        if (item->property(kFixedColorProperty).toBool())
            continue;
        if (auto *label = qobject_cast<QCPItemText *>(item)) {
            label->setColor(legibleColor(label->color(), palette));
        } else if (auto *line = qobject_cast<QCPItemStraightLine *>(item)) {
            line->setPen(themedPen(line->pen(), palette));
        } else if (auto *segment = qobject_cast<QCPItemLine *>(item)) {
            segment->setPen(themedPen(segment->pen(), palette));
        }
    }
}

} // namespace momok::ui
