#include "entities/EntityListDelegate.h"

#include "entities/EntitySearchModel.h"

#include <QApplication>
#include <QPainter>

namespace momok::ui {

void EntityListDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    // Background and selection only: the rest is laid out below.
    opt.text.clear();
    opt.icon = QIcon();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, widget);

    painter->save();
    const QSize box = EntitySearchModel::kThumbnailBox;
    const QRect r = option.rect.adjusted(4, 0, -6, 0);
    const QRect thumbRect(r.left(), r.top() + (r.height() - box.height()) / 2, box.width(), box.height());
    const QPixmap thumb = index.data(Qt::DecorationRole).value<QPixmap>();
    if (!thumb.isNull()) {
        const QRect target(QPoint(0, 0), thumb.size());
        const QRect placed = QRect(thumbRect.center() - target.center(), thumb.size());
        painter->drawPixmap(placed, thumb);
        painter->setPen(QColor(0, 0, 0, 40));
        painter->drawRect(placed.adjusted(0, 0, -1, -1));
    } else {
        painter->setPen(QColor(0, 0, 0, 30));
        painter->setBrush(QColor(0, 0, 0, 12));
        painter->drawRoundedRect(thumbRect.adjusted(4, 3, -4, -3), 3, 3);
    }
    const bool selected = option.state & QStyle::State_Selected;
    const QPalette::ColorRole textRole = selected ? QPalette::HighlightedText : QPalette::Text;
    // "un_regional_group" reads better as "un regional group".
    const QString type = index.data(EntitySearchModel::TypeRole).toString().replace(QLatin1Char('_'), QLatin1Char(' '));
    QFont small = option.font;
    small.setPointSizeF(option.font.pointSizeF() * 0.85);
    const int typeWidth = type.isEmpty() ? 0 : QFontMetrics(small).horizontalAdvance(type) + 8;
    const QRect textRect = r.adjusted(box.width() + 8, 0, -typeWidth, 0);
    painter->setPen(option.palette.color(QPalette::Active, textRole));
    const QString name = index.data(Qt::DisplayRole).toString();
    painter->drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft,
                      option.fontMetrics.elidedText(name, Qt::ElideRight, textRect.width()));
    if (!type.isEmpty()) {
        painter->setFont(small);
        QColor grey = option.palette.color(QPalette::Active, textRole);
        grey.setAlphaF(0.55);
        painter->setPen(grey);
        painter->drawText(QRect(r.right() - typeWidth, r.top(), typeWidth, r.height()), Qt::AlignVCenter | Qt::AlignRight, type);
    }
    painter->restore();
}

QSize EntityListDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    return QSize(200, std::max(EntitySearchModel::kThumbnailBox.height() + 8, option.fontMetrics.height() + 8));
}

} // namespace momok::ui
