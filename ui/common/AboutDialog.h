#pragma once
// About MoMoK Studio: version, compute back end, and the licences of the app,
// its libraries and the bundled data (read from the dataset's LICENSE files).
#include "runtime/ComputeEnvironment.h"

#include <QDialog>

class QTextBrowser;

namespace momok::ui {

class AboutDialog : public QDialog
{
    Q_OBJECT
public:
    explicit AboutDialog(const ComputeInfo &computeInfo, QWidget *parent = nullptr);
    QString text() const;

private:
    QTextBrowser *m_browser = nullptr;
};

} // namespace momok::ui
