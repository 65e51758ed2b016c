// A run folder's run.json through RunSpec::load, the run description shown for it, and the
// configuration's validation (what opening a run does before building its model).
#include "FuzzSupport.h"

#include "train/RunDescription.h"
#include "train/RunSpec.h"

#include <QJsonDocument>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView content(reinterpret_cast<const char *>(data), qsizetype(size));
    const QDir dir = fuzz::freshFolder(QStringLiteral("run"));
    const QString path = fuzz::writeFile(dir, QStringLiteral("run.json"), content);
    momok::RunSpec spec;
    QString error;
    if (momok::RunSpec::load(dir.path(), &spec, &error)) {
        FUZZ_CHECK(spec.runDir == dir.path(), "the run folder is where it was read");
        spec.config.validate();
        momok::ModelConfig::messages(spec.config.validate());
        const QJsonObject written = spec.toJson();
        momok::RunSpec::fromJson(written);
    } else {
        FUZZ_CHECK(error.contains(path) || error.contains(dir.path()), "the error names the file: %s", qPrintable(error));
    }
    const QJsonDocument doc = QJsonDocument::fromJson(content.toByteArray());
    if (doc.isObject()) {
        const momok::RunDescription d = momok::describeRun(doc.object());
        d.toJson();
        d.summary();
    }
    return 0;
}
