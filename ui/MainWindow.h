#pragma once
#include "runtime/ComputeEnvironment.h"

#include <QMainWindow>

class QLabel;

namespace momok::ui {

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(const ComputeInfo &computeInfo, QWidget *parent = nullptr);

    void openDataset(const QString &directory);
    QString currentDatasetPath() const { return m_datasetPath; }

private:
    void buildMenus();
    void showAbout();

    ComputeInfo m_computeInfo;
    QString m_datasetPath;
    QLabel *m_placeholder = nullptr;
    QLabel *m_computeLabel = nullptr;
};

} // namespace momok::ui
