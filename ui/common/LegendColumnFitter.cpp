#include "common/LegendColumnFitter.h"

#include "common/QCustomPlotInclude.h"

#include <algorithm>

namespace momok::ui {

LegendColumnFitter *LegendColumnFitter::attach(QCustomPlot *plot, int maxColumns)
{
    return new LegendColumnFitter(plot, maxColumns);
}

LegendColumnFitter::LegendColumnFitter(QCustomPlot *plot, int maxColumns)
    : QObject(plot), m_plot(plot), m_maxColumns(std::max(1, maxColumns))
{
    connect(plot, &QCustomPlot::beforeReplot, this, &LegendColumnFitter::fit);
}

int LegendColumnFitter::fittingColumns() const
{
    QCPLegend *legend = m_plot->legend;
    int widest = 0;
    for (int i = 0; i < legend->itemCount(); ++i)
        if (QCPAbstractLegendItem *item = legend->item(i))
            widest = std::max(widest, item->minimumOuterSizeHint().width());
    if (widest == 0)
        return m_maxColumns;
    // The legend's own margins and those of the layout cell it sits in both take width.
    int available = m_plot->width() - legend->margins().left() - legend->margins().right();
    if (auto *cell = qobject_cast<QCPLayoutGrid *>(legend->layout()); cell && cell != m_plot->plotLayout())
        available -= cell->margins().left() + cell->margins().right();
    const int spacing = legend->columnSpacing();
    return std::clamp((available + spacing) / (widest + spacing), 1, m_maxColumns);
}

void LegendColumnFitter::fit()
{
    const int columns = fittingColumns();
    QCPLegend *legend = m_plot->legend;
    if (columns == legend->wrap())
        return;
    legend->setWrap(columns);
    legend->setFillOrder(legend->fillOrder(), /*rearrange=*/true);
}

} // namespace momok::ui
