#include "welcome/WelcomePage.h"

#include <QCheckBox>
#include <QDir>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace momok::ui {

namespace {

// A bundled dataset: its name, what it shows, and its buttons.
QFrame *datasetCard(const QString &title, const QString &text, const QList<QPushButton *> &buttons, QWidget *parent)
{
    auto *card = new QFrame(parent);
    card->setFrameShape(QFrame::StyledPanel);
    auto *layout = new QVBoxLayout(card);
    auto *heading = new QLabel(QStringLiteral("<b>%1</b>").arg(title.toHtmlEscaped()), card);
    auto *body = new QLabel(text, card);
    body->setWordWrap(true);
    layout->addWidget(heading);
    layout->addWidget(body);
    auto *row = new QHBoxLayout;
    for (QPushButton *button : buttons) {
        button->setParent(card);
        row->addWidget(button);
    }
    row->addStretch();
    layout->addLayout(row);
    card->setAccessibleName(title);
    card->setAccessibleDescription(text);
    return card;
}

} // namespace

WelcomePage::WelcomePage(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("welcomePage"));
    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(24, 18, 24, 18);
    layout->setSpacing(12);

    auto *title = new QLabel(tr("<h2>Welcome to MoMoK Studio</h2>"), content);
    auto *intro = new QLabel(tr("Knowledge graph completion where entities have images and text: a mixture of "
                                "experts per modality predicts the missing links, and every view shows which "
                                "modality said what. Start with a bundled dataset, or open your own."),
                             content);
    intro->setWordWrap(true);
    layout->addWidget(title);
    layout->addWidget(intro);

    auto *quickDemo = new QPushButton(tr("Train the &quick demo"));
    quickDemo->setObjectName(QStringLiteral("welcomeQuickDemo"));
    quickDemo->setDefault(true);
    quickDemo->setToolTip(tr("Open the countries dataset and train a small model on it (under a minute)"));
    auto *openCountries = new QPushButton(tr("Open &without training"));
    openCountries->setObjectName(QStringLiteral("welcomeOpenCountries"));
    layout->addWidget(datasetCard(
        tr("Countries"),
        tr("The world's countries and territories with their flags and descriptions, linked by region, borders, "
           "language and currency. A small real graph: the quick demo trains on it in under a minute, and the "
           "Modalities tab then shows which relations the flags, the texts or the structure predict best."),
        {quickDemo, openCountries}, content));

    auto *teaching = new QPushButton(tr("&Generate a teaching graph…"));
    teaching->setObjectName(QStringLiteral("welcomeTeaching"));
    layout->addWidget(datasetCard(
        tr("Teaching graph"),
        tr("A generated graph with a known answer: each relation is planted in one modality (the structure, "
           "the images or the text), so the Experts and Modalities views can be checked against the truth. "
           "Made on request, with a seed, in a folder of your choice."),
        {teaching}, content));

    auto *own = new QPushButton(tr("Open a &dataset folder…"));
    own->setObjectName(QStringLiteral("welcomeOpenDataset"));
    layout->addWidget(datasetCard(tr("Your own data"),
                                  tr("A folder with train, valid and test triples, and optionally images, "
                                     "descriptions and feature files (see the README for the layout)."),
                                  {own}, content));

    auto *recentTitle = new QLabel(tr("<b>Recent &workspaces</b>"), content);
    m_recent = new QListWidget(content);
    m_recent->setObjectName(QStringLiteral("welcomeRecentWorkspaces"));
    m_recent->setAccessibleName(tr("Recent workspaces"));
    m_recent->setMaximumHeight(140);
    recentTitle->setBuddy(m_recent);
    layout->addWidget(recentTitle);
    layout->addWidget(m_recent);

    m_showAtStart = new QCheckBox(tr("Show this page at start"), content);
    m_showAtStart->setObjectName(QStringLiteral("welcomeShowAtStart"));
    layout->addWidget(m_showAtStart);
    layout->addStretch();

    auto *scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(content);
    content->setMaximumWidth(900);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);

    connect(quickDemo, &QPushButton::clicked, this, &WelcomePage::quickDemoRequested);
    connect(openCountries, &QPushButton::clicked, this, &WelcomePage::countriesRequested);
    connect(teaching, &QPushButton::clicked, this, &WelcomePage::teachingGraphRequested);
    connect(own, &QPushButton::clicked, this, &WelcomePage::openDatasetRequested);
    connect(m_recent, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        if (item->flags() & Qt::ItemIsEnabled)
            Q_EMIT workspaceRequested(item->data(Qt::UserRole).toString());
    });
    connect(m_showAtStart, &QCheckBox::toggled, this, &WelcomePage::showAtStartChanged);
    setFocusProxy(quickDemo);
}

void WelcomePage::setRecentWorkspaces(const QStringList &paths)
{
    m_recent->clear();
    for (const QString &path : paths) {
        auto *item = new QListWidgetItem(QDir::toNativeSeparators(path), m_recent);
        item->setData(Qt::UserRole, path);
        if (!QFileInfo::exists(path)) {
            item->setFlags(item->flags() & ~Qt::ItemIsEnabled);
            item->setToolTip(tr("This file no longer exists"));
        }
    }
    if (paths.isEmpty()) {
        auto *none = new QListWidgetItem(tr("None yet: the default workspace is used."), m_recent);
        none->setFlags(Qt::NoItemFlags);
    }
}

bool WelcomePage::showAtStart() const { return m_showAtStart->isChecked(); }

void WelcomePage::setShowAtStart(bool show)
{
    m_showAtStart->setChecked(show);
}

} // namespace momok::ui
