// The metadata TSVs (entity_names.tsv, entity_text.tsv, descriptions.tsv, entity_types.tsv)
// of a fixed three-entity graph. The first byte picks the file; the rest is its content.
#include "FuzzSupport.h"

#include "data/DatasetProblemLog.h"
#include "data/EntityMetadataReader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const QString kFiles[] = {QStringLiteral("entity_names.tsv"), QStringLiteral("entity_text.tsv"),
                                     QStringLiteral("descriptions.tsv"), QStringLiteral("entity_types.tsv")};
    const QString &fileName = kFiles[data[0] % 4];
    const QByteArrayView content(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    const QDir dir = fuzz::freshFolder(QStringLiteral("metadata"));
    fuzz::writeFile(dir, fileName, content);
    const QHash<QString, int64_t> index{{QStringLiteral("a"), 0}, {QStringLiteral("b"), 1}, {QStringLiteral("<x/y_z>"), 2}};
    QVector<momok::EntityInfo> entities(3);
    momok::DatasetProblemLog log;
    momok::EntityMetadataReader::read(dir.path(), index, &entities, log);
    FUZZ_CHECK(entities.size() == 3, "the entities stay");
    for (const momok::DatasetProblem &p : log.problems())
        FUZZ_CHECK(p.file == fileName && !p.reason.isEmpty(), "every problem names the file and the reason");
    return 0;
}
