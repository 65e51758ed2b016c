#include "common/DockTabWidget.h"

namespace momok::ui {

void DockTabWidget::tabInserted(int index)
{
    QTabWidget::tabInserted(index);
    Q_EMIT tabCountChanged(count());
}

void DockTabWidget::tabRemoved(int index)
{
    QTabWidget::tabRemoved(index);
    Q_EMIT tabCountChanged(count());
}

} // namespace momok::ui
