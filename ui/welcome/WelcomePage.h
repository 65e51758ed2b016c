#pragma once
// The first-run page in the window's centre (and Help → Welcome page): the bundled
// datasets with a line each on what they show, the quick demo one click away, the
// recent workspaces, and opening one's own dataset. It only asks: the window acts on
// its signals (no view knows another).
#include <QWidget>

class QCheckBox;
class QListWidget;

namespace momok::ui {

class WelcomePage : public QWidget
{
    Q_OBJECT
public:
    explicit WelcomePage(QWidget *parent = nullptr);

    // Most recent first; a missing file is listed greyed out and cannot be opened.
    void setRecentWorkspaces(const QStringList &paths);
    QListWidget *recentList() const { return m_recent; }
    bool showAtStart() const;
    void setShowAtStart(bool show);

Q_SIGNALS:
    void quickDemoRequested();         // open the countries dataset and train the quick demo
    void countriesRequested();         // open the countries dataset as it is
    void teachingGraphRequested();     // generate a teaching graph (the dialog)
    void openDatasetRequested();       // choose a dataset folder
    void workspaceRequested(const QString &path);
    void showAtStartChanged(bool show);

private:
    QListWidget *m_recent = nullptr;
    QCheckBox *m_showAtStart = nullptr;
};

} // namespace momok::ui
