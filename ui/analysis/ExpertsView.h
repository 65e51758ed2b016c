#pragma once
// The mixture of experts at work: a heatmap of the mean gate weight per relation (rows)
// and modality·expert (columns S·1 … T·K) from a run's latest test evaluation (else its
// best validation one), and the gates of one chosen relation as grouped bars.
#include <QString>
#include <QVector>
#include "analysis/RunReportView.h"

class QCheckBox;
class QComboBox;
class QCPBars;
class QCPBarsGroup;
class QCPColorMap;
class QCPColorScale;
class QCPItemRect;
class QCPTextElement;
class QCustomPlot;
class QLabel;
class QMouseEvent;
class QSplitter;
class QStackedWidget;

namespace momok::ui {

class GateTableModel;
struct RunReport;

class ExpertsView : public RunReportView
{
    Q_OBJECT
public:
    enum class SortMode { DatasetOrder, Name, ColumnWeight };

    explicit ExpertsView(QWidget *parent = nullptr);


    // Rows top to bottom; ColumnWeight sorts by the weight in gateColumn (0..3K-1), highest first.
    void setSortMode(SortMode mode, int gateColumn = 0);
    SortMode sortMode() const { return m_sortMode; }
    // The relation (index in the gate statistics) shown in heatmap row `row` (0 = top).
    int relationAtRow(int row) const { return m_order.value(row, -1); }
    // Shows the relation's gates as bars beside or below the heatmap; -1 clears.
    void selectRelation(int relation);
    int selectedRelation() const { return m_selected; }

    QString caption() const;
    QString cellToolTip(int row, int gateColumn) const;
    // What a screen reader says for the heatmap: the selected relation's gates.
    QString selectedRowDescription() const;
    QCustomPlot *heatmapPlot() const { return m_heatmap; }
    QCustomPlot *barsPlot() const { return m_bars; }
    // The heatmap and the bars side by side (true) in a wide, short view such as the bottom
    // dock of a wide window, else one above the other.
    bool panesSideBySide() const;
    QCPColorMap *colorMap() const { return m_map; }
    const GateTableModel *gateModel() const { return m_model; }

private:
    void apply(const RunReport &report) override;
    void clearContent() override;
    void rebuildOrder();
    void rebuildHeatmap();
    void rebuildBars();
    void arrangePanes(bool keepSizes);
    void updateSelectionFrame();
    int rowAt(const QPointF &pos, int *gateColumn) const;
    void onMouseMove(QMouseEvent *event);
    void onMousePress(QMouseEvent *event);
    bool eventFilter(QObject *watched, QEvent *event) override;

    QString m_runName, m_source;

    GateTableModel *m_model = nullptr;
    QVector<int> m_order;
    SortMode m_sortMode = SortMode::DatasetOrder;
    int m_sortColumn = 0;
    int m_selected = -1;

    QLabel *m_caption = nullptr;
    QLabel *m_note = nullptr;
    QComboBox *m_sortCombo = nullptr;
    QComboBox *m_columnCombo = nullptr;
    QCheckBox *m_fullScale = nullptr;
    QSplitter *m_splitter = nullptr;
    QCustomPlot *m_heatmap = nullptr;
    QCPColorMap *m_map = nullptr;
    QCPColorScale *m_scale = nullptr;
    QCPItemRect *m_selectionFrame = nullptr;
    QCustomPlot *m_bars = nullptr;
    QCPTextElement *m_barsTitle = nullptr;
    QCPBarsGroup *m_barsGroup = nullptr;
    QVector<QCPBars *> m_barSeries;
};

} // namespace momok::ui
