#pragma once
// Draws a search hit as a row: thumbnail in a fixed box (so names line up), the
// display name, and the type in grey at the right.
#include <QStyledItemDelegate>

namespace momok::ui {

class EntityListDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace momok::ui
