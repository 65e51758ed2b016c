// Triple files in the three layouts. The first byte picks the layout (named triples in
// train.txt, tab-separated in train.tsv, OpenKE ids in train2id.txt with fixed id files);
// the rest is the training file, and also the validation file.
#include "FuzzSupport.h"

#include "data/DatasetReader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const QByteArrayView content(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    const int layout = data[0] % 3;
    const QDir dir = fuzz::freshFolder(QStringLiteral("triples"));
    if (layout == 0) {
        fuzz::writeFile(dir, QStringLiteral("train.txt"), content);
        fuzz::writeFile(dir, QStringLiteral("valid.txt"), content);
    } else if (layout == 1) {
        fuzz::writeFile(dir, QStringLiteral("train.tsv"), content);
        fuzz::writeFile(dir, QStringLiteral("valid.tsv"), content);
    } else {
        fuzz::writeFile(dir, QStringLiteral("entity2id.txt"), "3\na 0\nb 1\nc 2\n");
        fuzz::writeFile(dir, QStringLiteral("relation2id.txt"), "2\nr 0\ns 1\n");
        fuzz::writeFile(dir, QStringLiteral("train2id.txt"), content);
        fuzz::writeFile(dir, QStringLiteral("valid2id.txt"), content);
    }
    momok::DatasetLoadOptions options;
    options.checkImages = false;
    options.checkFeatures = false;
    const momok::DatasetLoadResult result = momok::DatasetReader::read(dir.path(), options);
    FUZZ_CHECK(result.format.has_value(), "a training file was written: the layout is detected");
    if (result.ok()) {
        const momok::KgDataset &d = *result.dataset;
        FUZZ_CHECK(!d.train.empty(), "an accepted dataset has training triples");
        for (const auto *split : {&d.train, &d.valid, &d.test})
            for (const momok::Triple &t : *split)
                FUZZ_CHECK(t.head >= 0 && t.head < d.entityCount() && t.tail >= 0 && t.tail < d.entityCount()
                               && t.relation >= 0 && t.relation < d.relationNames.size(),
                           "triple ids in range");
        // Every triple line holds at least 5 bytes ("a r b"): no amplification.
        FUZZ_CHECK(qsizetype(d.train.size()) * 5 <= content.size() + 5, "no more triples than lines");
    } else {
        FUZZ_CHECK(result.errorCount() > 0, "a rejected dataset says why");
        for (const momok::DatasetProblem &p : result.problems)
            FUZZ_CHECK(!p.file.isEmpty() && !p.reason.isEmpty(), "every problem names its file and reason");
    }
    return 0;
}
