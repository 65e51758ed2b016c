// Image files, decoded as the dataset check (EntityMetadataReader::checkImages) and the
// feature extraction (ImageDescriptor::readImage) decode them. The first byte picks the
// file's extension (the format is decided by content either way); the rest is the file.
#include "FuzzSupport.h"

#include "data/DatasetProblemLog.h"
#include "data/EntityMetadataReader.h"
#include "features/ImageDescriptor.h"

#include <QGuiApplication>

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    static QGuiApplication app(*argc, *argv); // the SVG plugin draws with QtGui
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const QStringList &extensions = momok::EntityMetadataReader::imageExtensions();
    const QString name = QStringLiteral("e.") + extensions[data[0] % extensions.size()];
    const QDir dir = fuzz::freshFolder(QStringLiteral("image"));
    const QString path = fuzz::writeFile(QDir(dir.filePath(QStringLiteral("images"))), name,
                                         QByteArrayView(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1)));
    QVector<momok::EntityInfo> entities(1);
    entities[0].name = QStringLiteral("e");
    entities[0].imagePaths = {path};
    momok::DatasetProblemLog log;
    momok::EntityMetadataReader::checkImages(dir.path(), entities, log);
    for (const momok::DatasetProblem &p : log.problems())
        FUZZ_CHECK(p.severity == momok::DatasetProblem::Warning, "a bad image is a warning");

    QImage image;
    QString error;
    if (momok::ImageDescriptor::readImage(path, &image, &error)) {
        FUZZ_CHECK(qint64(image.width()) * image.height() <= momok::EntityMetadataReader::kMaxImagePixels,
                   "decoded within the pixel limit");
        FUZZ_CHECK(momok::ImageDescriptor::describe(image).size() == size_t(momok::ImageDescriptor::width()),
                   "a full descriptor");
    } else {
        FUZZ_CHECK(error.startsWith(path + QStringLiteral(": ")), "the error names the file: %s", qPrintable(error));
    }
    return 0;
}
