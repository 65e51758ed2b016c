#pragma once
// A compact bar for a score in [0, 1], in the column's decoder colour, with the
// cell's text (e.g. the decoder's own rank) drawn on top.
#include <QStyledItemDelegate>

namespace momok::ui {

class ScoreBarDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    // Roles of the model that give the score and the colour.
    ScoreBarDelegate(int scoreRole, int colorRole, QObject *parent = nullptr);
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_scoreRole;
    int m_colorRole;
};

} // namespace momok::ui
