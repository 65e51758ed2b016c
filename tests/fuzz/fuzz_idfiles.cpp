// entity2id.txt and relation2id.txt. The first byte picks the file and the layout (OpenKE,
// where the count line is required, or named triples, where it is optional); the rest is the
// id file, beside fixed triples that use ids and names the fuzzer can reach.
#include "FuzzSupport.h"

#include "data/DatasetReader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const QByteArrayView content(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    const bool openKe = data[0] & 1;
    const bool entityFile = data[0] & 2;
    const QDir dir = fuzz::freshFolder(QStringLiteral("idfiles"));
    const QString fuzzed = entityFile ? QStringLiteral("entity2id.txt") : QStringLiteral("relation2id.txt");
    const QString fixed = entityFile ? QStringLiteral("relation2id.txt") : QStringLiteral("entity2id.txt");
    fuzz::writeFile(dir, fuzzed, content);
    if (openKe) {
        fuzz::writeFile(dir, fixed, entityFile ? "1\nr 0\n" : "2\na 0\nb 1\n");
        fuzz::writeFile(dir, QStringLiteral("train2id.txt"), "2\n0 1 0\n1 0 0\n");
        fuzz::writeFile(dir, QStringLiteral("test2id.txt"), "1\n1 1 0\n");
    } else {
        fuzz::writeFile(dir, fixed, entityFile ? "r 0\n" : "a 0\nb 1\n");
        fuzz::writeFile(dir, QStringLiteral("train.txt"), "a r b\nb r a\n");
        fuzz::writeFile(dir, QStringLiteral("test.txt"), "b r b\n");
    }
    momok::DatasetLoadOptions options;
    options.checkImages = false;
    options.checkFeatures = false;
    const momok::DatasetLoadResult result = momok::DatasetReader::read(dir.path(), options);
    if (result.ok()) {
        const momok::KgDataset &d = *result.dataset;
        // Every id line holds at least 3 bytes ("a 0"): no amplification from a count.
        const int64_t listed = entityFile ? d.entityCount() : d.relationCount();
        FUZZ_CHECK(listed * 3 <= content.size() + 3, "no more ids than lines (%lld)", static_cast<long long>(listed));
    } else {
        FUZZ_CHECK(result.errorCount() > 0, "a rejected dataset says why");
        for (const momok::DatasetProblem &p : result.problems)
            FUZZ_CHECK(!p.file.isEmpty() && !p.reason.isEmpty(), "every problem names its file and reason");
    }
    return 0;
}
