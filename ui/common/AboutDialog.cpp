#include "common/AboutDialog.h"

#include "common/AppPaths.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace momok::ui {

namespace {
QString readText(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    return QString::fromUtf8(file.readAll());
}
} // namespace

AboutDialog::AboutDialog(const ComputeInfo &computeInfo, QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("aboutDialog"));
    setWindowTitle(tr("About MoMoK Studio"));
    QString html = tr("<h2>MoMoK Studio %1</h2>"
                      "<p>Multi-modal knowledge graph completion with a mixture of modality knowledge experts.</p>"
                      "<p><small>%2</small></p>")
                       .arg(computeInfo.appVersion.toHtmlEscaped(), longDescription(computeInfo).toHtmlEscaped().replace('\n', "<br>"));
    html += tr("<h3>Licences</h3><table cellspacing='4'>"
               "<tr><td><b>MoMoK Studio</b></td><td>MIT License</td></tr>"
               "<tr><td><b>Qt 6</b></td><td>GNU LGPL v3</td></tr>"
               "<tr><td><b>LibTorch</b></td><td>BSD 3-Clause License</td></tr>"
               "<tr><td><b>QCustomPlot</b></td><td>GNU GPL v3</td></tr>"
               "<tr><td><b>OpenBLAS</b></td><td>BSD 3-Clause License</td></tr>"
               "<tr><td><b>countries dataset</b></td><td>Open Database License (ODbL) 1.0 — "
               "<i>Contains information from world-countries, which is made available under the Open Database "
               "License (ODbL).</i></td></tr>"
               "<tr><td><b>flag images</b></td><td>flag-icons, MIT License</td></tr>"
               "</table>");
    const QDir countries(bundledDatasetDir());
    for (const QString &name : countries.entryList({QStringLiteral("LICENSE-*.txt")}, QDir::Files, QDir::Name)) {
        const QString text = readText(countries.absoluteFilePath(name));
        if (!text.isEmpty())
            html += QStringLiteral("<h4>%1</h4><pre style='white-space: pre-wrap'>%2</pre>")
                        .arg(name.toHtmlEscaped(), text.toHtmlEscaped());
    }
    m_browser = new QTextBrowser(this);
    m_browser->setObjectName(QStringLiteral("aboutText"));
    m_browser->setOpenExternalLinks(false);
    m_browser->setHtml(html);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_browser, 1);
    layout->addWidget(buttons);
    resize(640, 560);
}

QString AboutDialog::text() const
{
    return m_browser->toPlainText();
}

} // namespace momok::ui
