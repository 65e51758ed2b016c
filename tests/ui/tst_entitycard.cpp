// The entity card on its own: several images with arrows, unreadable and missing
// images, modality badges.
#include "entities/EntityCard.h"
#include "entities/NavigationHistory.h"

#include <QImage>
#include <QLabel>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

using namespace momok;

class TestEntityCard : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    QString writeImage(const QString &name, QColor colour, QSize size)
    {
        QImage image(size, QImage::Format_RGB32);
        image.fill(colour);
        const QString path = m_dir.filePath(name);
        image.save(path);
        return path;
    }

private Q_SLOTS:
    void severalImagesHaveArrowsAndKeepTheirAspect()
    {
        EntityHit hit;
        hit.entityId = 4;
        hit.name = "Mount_Fuji";
        hit.displayName = "Mount Fuji";
        hit.description = "A mountain.";
        hit.imagePaths = {writeImage("wide.png", Qt::red, {400, 100}), writeImage("tall.png", Qt::blue, {100, 400})};
        hit.hasImage = hit.hasText = true;
        ui::EntityCard card;
        card.setEntity(hit, true);
        card.show();
        QCOMPARE(card.imageCount(), 2);
        QCOMPARE(card.imageIndex(), 0);
        QCOMPARE(card.currentPixmap().size(), QSize(400, 100));
        auto *image = card.findChild<QLabel *>("entityImage");
        // Scaled into the box keeping its aspect (4:1).
        const QPixmap shown = image->pixmap();
        QCOMPARE(shown.width(), ui::EntityCard::kImageBox.width());
        QCOMPARE(shown.height(), ui::EntityCard::kImageBox.width() / 4);
        const QList<QToolButton *> arrows = card.findChildren<QToolButton *>();
        QCOMPARE(arrows.size(), 2);
        QToolButton *previous = arrows[0]->arrowType() == Qt::LeftArrow ? arrows[0] : arrows[1];
        QToolButton *next = previous == arrows[0] ? arrows[1] : arrows[0];
        QVERIFY(next->isVisible() && next->isEnabled());
        QVERIFY(!previous->isEnabled());
        QTest::mouseClick(next, Qt::LeftButton);
        QCOMPARE(card.imageIndex(), 1);
        QCOMPARE(card.currentPixmap().size(), QSize(100, 400));
        QVERIFY(!next->isEnabled());
        QTest::mouseClick(previous, Qt::LeftButton);
        QCOMPARE(card.imageIndex(), 0);

        // One image: no arrows.
        hit.imagePaths.removeLast();
        card.setEntity(hit, true);
        QVERIFY(!next->isVisible());
    }

    void missingAndUnreadableImagesSaySo()
    {
        ui::EntityCard card;
        EntityHit hit;
        hit.entityId = 1;
        hit.displayName = "Nowhere";
        card.setEntity(hit, false);
        auto *image = card.findChild<QLabel *>("entityImage");
        QVERIFY(card.currentPixmap().isNull());
        QCOMPARE(image->text(), QStringLiteral("No image"));
        QVERIFY(!card.findChild<QLabel *>("badgeS")->isEnabled());
        QVERIFY(!card.findChild<QLabel *>("badgeI")->isEnabled());
        QVERIFY(!card.findChild<QLabel *>("badgeT")->isEnabled());

        QFile junk(m_dir.filePath("junk.png"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("not a png");
        junk.close();
        hit.imagePaths = {junk.fileName()};
        hit.hasImage = true;
        card.setEntity(hit, true);
        QVERIFY(card.currentPixmap().isNull());
        QCOMPARE(image->text(), QStringLiteral("Image cannot be read"));
        QVERIFY(card.findChild<QLabel *>("badgeS")->isEnabled());
    }

    void historyBehavesLikeABrowser()
    {
        ui::NavigationHistory history;
        QSignalSpy changed(&history, &ui::NavigationHistory::changed);
        QCOMPARE(history.back(), -1);
        history.visit(1);
        history.visit(2);
        history.visit(2); // revisiting the current one adds nothing
        history.visit(3);
        QCOMPARE(changed.count(), 3);
        QCOMPARE(history.back(), 2);
        QCOMPARE(history.back(), 1);
        QVERIFY(!history.canGoBack());
        QCOMPARE(history.forward(), 2);
        history.visit(9);
        QVERIFY(!history.canGoForward());
        QCOMPARE(history.back(), 2);
        QCOMPARE(history.back(), 1);
    }
};

QTEST_MAIN(TestEntityCard)
#include "tst_entitycard.moc"
