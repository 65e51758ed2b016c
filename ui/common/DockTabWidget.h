#pragma once
// The bottom dock's tabs. Tells when tabs come and go so the window can hide the
// dock while nothing has been added to it (an empty dock would be a blank panel).
//
// Pages added with addPage() sit in a scroll area: a page's plots keep their
// minimum size and scroll when the dock is short, so no page's minimum sets the
// dock's, and the window fits a 768 px high screen. Address such a page by itself
// (setCurrentPage, pageAt), not by the scroll area around it.
#include <QTabWidget>

namespace momok::ui {

class DockTabWidget : public QTabWidget
{
    Q_OBJECT
public:
    using QTabWidget::QTabWidget;

    int addPage(QWidget *page, const QString &label);
    void setCurrentPage(QWidget *page);
    // The page shown in tab index (the widget given to addPage, or to addTab).
    QWidget *pageAt(int index) const;
    int indexOfPage(QWidget *page) const;

Q_SIGNALS:
    void tabCountChanged(int count);

protected:
    void tabInserted(int index) override;
    void tabRemoved(int index) override;
};

} // namespace momok::ui
