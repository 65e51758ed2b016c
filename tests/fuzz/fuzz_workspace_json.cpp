// The JSON fields a workspace file stores (a workspace is a file a user may be given): a
// run's configuration and final metrics, an evaluation's report and an entity's image list.
// One workspace per process; each input replaces the fields' text and reads them back
// through Workspace, then through the decoders that use them.
#include "FuzzSupport.h"

#include "storage/Workspace.h"
#include "train/RunDescription.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <memory>

namespace {

struct Fixture {
    std::unique_ptr<momok::Workspace> workspace;
    QSqlDatabase raw;
    qint64 datasetId = -1, runId = -1, evaluationId = -1;
};

Fixture &fixture()
{
    static Fixture f = [] {
        Fixture made;
        const QString path = fuzz::scratch().filePath(QStringLiteral("fuzz.momok"));
        QString error;
        made.workspace = momok::Workspace::open(path, &error);
        FUZZ_CHECK(made.workspace, "workspace: %s", qPrintable(error));
        momok::KgDataset dataset;
        dataset.directory = fuzz::scratch().path();
        dataset.entities.resize(2);
        dataset.entities[0].name = QStringLiteral("a");
        dataset.entities[1].name = QStringLiteral("b");
        dataset.relationNames = {QStringLiteral("r")};
        dataset.train = {momok::Triple{0, 0, 1}};
        FUZZ_CHECK(made.workspace->importDataset(dataset, QStringLiteral("hash"), &made.datasetId, &error), "import: %s",
                   qPrintable(error));
        made.runId = made.workspace->beginRun(made.datasetId, QStringLiteral("run"), QJsonObject(), &error);
        FUZZ_CHECK(made.runId > 0, "run: %s", qPrintable(error));
        momok::EvaluationReport report;
        report.split = momok::Split::Valid;
        FUZZ_CHECK(made.workspace->recordEvaluation(made.runId, report, &error, &made.evaluationId), "evaluation: %s",
                   qPrintable(error));
        made.raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("fuzz-raw"));
        made.raw.setDatabaseName(path);
        FUZZ_CHECK(made.raw.open(), "raw connection");
        return made;
    }();
    return f;
}

void setText(const char *sql, const QString &text, qint64 id)
{
    QSqlQuery q(fixture().raw);
    q.prepare(QString::fromLatin1(sql));
    q.addBindValue(text);
    q.addBindValue(id);
    FUZZ_CHECK(q.exec(), "%s", sql);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Fixture &f = fixture();
    // Never a null QString: that binds SQL NULL, which the NOT NULL columns refuse.
    const QString text = size ? QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size)) : QStringLiteral("");
    {
        QSqlQuery q(f.raw);
        q.prepare(QStringLiteral("UPDATE runs SET config = ?, test_metrics = ? WHERE id = ?"));
        q.addBindValue(text);
        q.addBindValue(text);
        q.addBindValue(f.runId);
        FUZZ_CHECK(q.exec(), "update runs: %s", qPrintable(q.lastError().text()));
    }
    setText("UPDATE evaluations SET report = ? WHERE id = ?", text, f.evaluationId);
    setText("UPDATE entities SET image_paths = ? WHERE dataset_id = ?", text, f.datasetId);

    const std::optional<momok::RunRecord> run = f.workspace->run(f.runId);
    FUZZ_CHECK(run.has_value(), "the run reads back");
    f.workspace->runs();
    momok::describeRun(run->config).summary();
    momok::ModelConfig::fromJson(run->config).validate();
    QString error;
    if (const auto report = f.workspace->evaluationReport(f.evaluationId, &error))
        report->toJson();
    f.workspace->evaluations(f.runId);
    f.workspace->entity(f.datasetId, 0);
    return 0;
}
