#include "common/DockTabWidget.h"

#include <QScrollArea>

namespace momok::ui {

int DockTabWidget::addPage(QWidget *page, const QString &label)
{
    auto *scroll = new QScrollArea(this);
    scroll->setObjectName(page->objectName() + QStringLiteral("Scroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(page);
    // The page's own keyboard focus, not the scroll area's, when the tab is chosen.
    scroll->setFocusProxy(page);
    return addTab(scroll, label);
}

QWidget *DockTabWidget::pageAt(int index) const
{
    QWidget *tab = widget(index);
    if (auto *scroll = qobject_cast<QScrollArea *>(tab); scroll && scroll->widget())
        return scroll->widget();
    return tab;
}

int DockTabWidget::indexOfPage(QWidget *page) const
{
    for (int i = 0; i < count(); ++i)
        if (pageAt(i) == page)
            return i;
    return -1;
}

void DockTabWidget::setCurrentPage(QWidget *page)
{
    const int index = indexOfPage(page);
    if (index >= 0)
        setCurrentIndex(index);
}

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
