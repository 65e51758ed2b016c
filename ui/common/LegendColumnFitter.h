#pragma once

#include <QObject>

class QCustomPlot;

namespace momok::ui {

// Keeps a plot's row-wise legend as wide as the plot allows: before each replot it picks the
// number of columns from the plot's width and the widest entry, so that a narrow plot wraps
// its legend into more rows instead of cutting names off.
class LegendColumnFitter : public QObject
{
    Q_OBJECT
public:
    // Attaches to plot (and is owned by it); maxColumns caps the columns of a wide plot.
    static LegendColumnFitter *attach(QCustomPlot *plot, int maxColumns);

    // The column count the legend's entries fit into at the plot's current width.
    int fittingColumns() const;

private:
    LegendColumnFitter(QCustomPlot *plot, int maxColumns);
    void fit();

    QCustomPlot *m_plot;
    int m_maxColumns;
};

} // namespace momok::ui
