#include "MainWindow.h"

#include "data/DatasetReader.h"

#include <QAction>
#include <QDir>
#include <QFutureWatcher>
#include <QtConcurrent>
#include <QApplication>
#include <QFileDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>

namespace momok::ui {

MainWindow::MainWindow(const ComputeInfo &computeInfo, QWidget *parent)
    : QMainWindow(parent), m_computeInfo(computeInfo)
{
    setWindowTitle(QStringLiteral("MoMoK Studio"));
    setObjectName(QStringLiteral("MainWindow"));
    resize(1280, 820);

    m_placeholder = new QLabel(tr("No dataset open yet.\nUse File → Open dataset… to choose a knowledge graph folder."), this);
    m_placeholder->setObjectName(QStringLiteral("emptyStateLabel"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    setCentralWidget(m_placeholder);

    m_computeLabel = new QLabel(shortDescription(m_computeInfo), this);
    m_computeLabel->setObjectName(QStringLiteral("computeLabel"));
    m_computeLabel->setToolTip(longDescription(m_computeInfo));
    statusBar()->addPermanentWidget(m_computeLabel);
    buildMenus();
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open dataset…"), this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open dataset folder"));
        if (!dir.isEmpty())
            openDataset(dir);
    });
    open->setShortcut(QKeySequence::Open);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    menuBar()->addMenu(tr("&Dataset"));
    menuBar()->addMenu(tr("&Model"));
    menuBar()->addMenu(tr("&View"));
    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About MoMoK Studio"), this, &MainWindow::showAbout);
}

void MainWindow::openDataset(const QString &directory)
{
    m_datasetPath = directory;
    m_placeholder->setText(tr("Reading %1…").arg(QDir::toNativeSeparators(directory)));
    // Large graphs take a moment to parse: read off the UI thread, show the result when ready.
    auto *watcher = new QFutureWatcher<DatasetLoadResult>(this);
    connect(watcher, &QFutureWatcher<DatasetLoadResult>::finished, this, [this, watcher, directory] {
        watcher->deleteLater();
        if (directory != m_datasetPath)
            return; // another dataset was opened meanwhile
        const DatasetLoadResult result = watcher->result();
        if (!result.ok()) {
            m_placeholder->setText(tr("%1 cannot be used:\n\n%2").arg(QDir::toNativeSeparators(directory),
                                                                         result.summary().section('\n', 0, 19)));
            statusBar()->showMessage(tr("Could not open %1").arg(directory), 5000);
            return;
        }
        const KgDataset &d = *result.dataset;
        m_placeholder->setText(tr("%1\n\n%2 entities · %3 relations · %4 / %5 / %6 train / valid / test triples\n\n"
                                  "Train a model from the command line for now: momok train --dataset %7 --preset quick-demo --out RUNDIR")
                                   .arg(QFileInfo(directory).fileName())
                                   .arg(d.entityCount()).arg(d.relationCount())
                                   .arg(d.train.size()).arg(d.valid.size()).arg(d.test.size())
                                   .arg(QDir::toNativeSeparators(directory)));
        statusBar()->showMessage(tr("Opened %1").arg(directory), 5000);
    });
    watcher->setFuture(QtConcurrent::run([directory] { return DatasetReader::read(directory); }));
}

void MainWindow::showAbout()
{
    QMessageBox::about(this, tr("About MoMoK Studio"),
                       QStringLiteral("<h3>MoMoK Studio %1</h3><p>Multi-modal knowledge graph completion with a mixture "
                                      "of modality knowledge experts.</p><pre>%2</pre>")
                           .arg(m_computeInfo.appVersion, longDescription(m_computeInfo).toHtmlEscaped()));
}

} // namespace momok::ui
