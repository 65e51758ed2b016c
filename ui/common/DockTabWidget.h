#pragma once
// The bottom dock's tabs. Tells when tabs come and go so the window can hide the
// dock while nothing has been added to it (an empty dock would be a blank panel).
#include <QTabWidget>

namespace momok::ui {

class DockTabWidget : public QTabWidget
{
    Q_OBJECT
public:
    using QTabWidget::QTabWidget;

Q_SIGNALS:
    void tabCountChanged(int count);

protected:
    void tabInserted(int index) override;
    void tabRemoved(int index) override;
};

} // namespace momok::ui
