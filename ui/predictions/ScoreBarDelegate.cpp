#include "predictions/ScoreBarDelegate.h"

#include "common/Appearance.h"

#include <QApplication>
#include <QPainter>

#include <cmath>

namespace momok::ui {

ScoreBarDelegate::ScoreBarDelegate(int scoreRole, int colorRole, QObject *parent)
    : QStyledItemDelegate(parent), m_scoreRole(scoreRole), m_colorRole(colorRole)
{
}

void ScoreBarDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    const QString text = opt.text;
    opt.text.clear();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const QVariant scoreValue = index.data(m_scoreRole);
    const double score = scoreValue.isValid() ? scoreValue.toDouble() : std::nan("");
    painter->save();
    const QRect cell = option.rect.adjusted(3, 4, -3, -4);
    const QFontMetrics fm(option.font);
    const int textWidth = fm.horizontalAdvance(QStringLiteral("#0000"));
    const QRect track(cell.left(), cell.top(), std::max(8, cell.width() - textWidth - 4), cell.height());
    if (!std::isnan(score)) {
        QColor colour = index.data(m_colorRole).value<QColor>();
        if (!colour.isValid())
            colour = option.palette.color(QPalette::Highlight);
        colour = legibleColor(colour, option.palette); // the joint's near-black bar on a dark base
        QColor trackColour = colour;
        trackColour.setAlpha(35);
        painter->setPen(Qt::NoPen);
        painter->setBrush(trackColour);
        painter->drawRoundedRect(track, 2, 2);
        QRect bar = track;
        bar.setWidth(std::max(1, int(std::lround(track.width() * std::clamp(score, 0.0, 1.0)))));
        painter->setBrush(colour);
        painter->drawRoundedRect(bar, 2, 2);
    }
    const bool selected = option.state & QStyle::State_Selected;
    QColor textColour = option.palette.color(QPalette::Active, selected ? QPalette::HighlightedText : QPalette::Text);
    if (std::isnan(score))
        textColour.setAlphaF(0.4);
    painter->setPen(textColour);
    painter->drawText(QRect(track.right() + 4, option.rect.top(), textWidth, option.rect.height()),
                      Qt::AlignVCenter | Qt::AlignRight, text);
    painter->restore();
}

QSize ScoreBarDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QSize base = QStyledItemDelegate::sizeHint(option, index);
    return QSize(std::max(base.width(), 40 + option.fontMetrics.horizontalAdvance(QStringLiteral("#0000"))), base.height());
}

} // namespace momok::ui
