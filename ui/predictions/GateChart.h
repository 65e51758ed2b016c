#pragma once
// One modality's expert gate weights for the current query as a small bar chart
// (QCustomPlot), in the modality's colour; says so when the modality is unused.
#include "common/QCustomPlotInclude.h"

namespace momok::ui {

class GateChart : public QCustomPlot
{
    Q_OBJECT
public:
    explicit GateChart(int modality, QWidget *parent = nullptr);

    // Empty weights: the modality has no experts in this run.
    void setGates(const QVector<double> &weights, const QString &caption = {});
    void clearGates(const QString &reason);
    int modality() const { return m_modality; }
    QVector<double> gates() const { return m_weights; }
    QCPBars *bars() const { return m_bars; }

    QSize sizeHint() const override { return {200, 120}; }

private:
    int m_modality;
    QVector<double> m_weights;
    QCPBars *m_bars = nullptr;
    QCPTextElement *m_title = nullptr;
};

} // namespace momok::ui
