#include "predictions/GateChart.h"

#include "common/ModalityPalette.h"

namespace momok::ui {

namespace {
QString modalityName(int m)
{
    return decoderLabel(Decoder(m));
}
} // namespace

GateChart::GateChart(int modality, QWidget *parent) : QCustomPlot(parent), m_modality(modality)
{
    setObjectName(QStringLiteral("gateChart%1").arg(decoderKey(Decoder(modality))));
    setMinimumSize(120, 90);
    plotLayout()->insertRow(0);
    m_title = new QCPTextElement(this, modalityName(modality));
    QFont titleFont = font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setTextColor(modalityColor(modality));
    plotLayout()->addElement(0, 0, m_title);
    m_bars = new QCPBars(xAxis, yAxis);
    m_bars->setWidth(0.6);
    m_bars->setPen(Qt::NoPen);
    m_bars->setBrush(modalityColor(modality));
    yAxis->setRange(0, 1);
    yAxis->ticker()->setTickCount(2);
    yAxis->setTickLabelFont(QFont(font().family(), std::max(6, font().pointSize() - 2)));
    xAxis->setTickLabelFont(yAxis->tickLabelFont());
    xAxis->grid()->setVisible(false);
    axisRect()->setMargins(QMargins(2, 2, 2, 2));
    setInteractions({});
    setAccessibleName(tr("%1 expert gates").arg(modalityName(modality)));
    clearGates(tr("no query yet"));
}

void GateChart::setGates(const QVector<double> &weights, const QString &caption)
{
    m_weights = weights;
    if (weights.isEmpty()) {
        clearGates(tr("not used by this run"));
        return;
    }
    QVector<double> keys;
    QVector<QString> labels;
    for (int k = 0; k < weights.size(); ++k) {
        keys << k + 1;
        labels << QStringLiteral("E%1").arg(k + 1);
    }
    m_bars->setData(keys, weights, true);
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    ticker->addTicks(keys, labels);
    xAxis->setTicker(ticker);
    xAxis->setRange(0.4, weights.size() + 0.6);
    // Gates sum to one: a fixed 0..1 axis keeps modalities and queries comparable.
    yAxis->setRange(0, 1);
    m_title->setText(caption.isEmpty() ? modalityName(m_modality) : QStringLiteral("%1 · %2").arg(modalityName(m_modality), caption));
    m_title->setTextColor(modalityColor(m_modality));
    QString tip = tr("%1 experts' gate weights for this query:").arg(modalityName(m_modality));
    for (int k = 0; k < weights.size(); ++k)
        tip += QStringLiteral("\nE%1: %2").arg(k + 1).arg(weights[k], 0, 'f', 3);
    setToolTip(tip);
    setAccessibleDescription(tip);
    replot(QCustomPlot::rpQueuedReplot);
}

void GateChart::clearGates(const QString &reason)
{
    m_weights.clear();
    m_bars->data()->clear();
    m_title->setText(QStringLiteral("%1 · %2").arg(modalityName(m_modality), reason));
    m_title->setTextColor(QColor(0x90, 0x90, 0x90));
    setToolTip(QString());
    setAccessibleDescription(QStringLiteral("%1: %2").arg(modalityName(m_modality), reason));
    replot(QCustomPlot::rpQueuedReplot);
}

} // namespace momok::ui
