#include "cli/WorkspaceCommands.h"

#include "cli/CliParsing.h"

#include "data/DatasetReader.h"
#include "domain/Plural.h"
#include "storage/FtsQuery.h"
#include "storage/Workspace.h"
#include "train/RunDescription.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <cmath>
#include <set>

namespace momok {

namespace {

constexpr int kDefaultBenchQueries = 200;

QCommandLineOption workspaceOption()
{
    return {QStringLiteral("workspace"), QStringLiteral("The workspace database file."), QStringLiteral("FILE")};
}

QCommandLineOption jsonOption()
{
    return {QStringLiteral("json"), QStringLiteral("Machine-readable output.")};
}

std::unique_ptr<Workspace> openWorkspace(const CommandLine &commandLine, QTextStream &err)
{
    QString error;
    auto ws = Workspace::open(commandLine.value(QStringLiteral("workspace")), &error);
    if (!ws)
        err << "momok: " << error << "\n";
    else if (ws->interruptedOnOpen() > 0)
        err << "momok: marked " << counted(ws->interruptedOnOpen(), QStringLiteral("run(s)"))
            << " whose process is gone as interrupted\n";
    return ws;
}

QString jsonText(const QJsonValue &value)
{
    const QJsonDocument doc = value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
    return QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
}

QString timeText(const QDateTime &t)
{
    return t.isValid() ? t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) : QStringLiteral("-");
}

QJsonValue timeJson(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(t.toString(Qt::ISODateWithMs)) : QJsonValue();
}

QString number(double v, int decimals = 2)
{
    return QString::number(v, 'f', decimals);
}

QString optionalNumber(const std::optional<double> &v)
{
    return v ? number(*v) : QStringLiteral("-");
}

QJsonValue optionalJson(const std::optional<double> &v)
{
    return v ? QJsonValue(*v) : QJsonValue();
}

// Columns padded to their widest cell; numbers (rightAligned columns) flush right.
void printTable(QTextStream &out, const QStringList &header, const QVector<QStringList> &rows,
                const QVector<bool> &rightAligned = {})
{
    QVector<int> width(header.size());
    for (int c = 0; c < header.size(); ++c) {
        width[c] = header[c].size();
        for (const QStringList &row : rows)
            width[c] = std::max(width[c], int(row.value(c).size()));
    }
    auto line = [&](const QStringList &cells) {
        QString text;
        for (int c = 0; c < header.size(); ++c) {
            const bool right = rightAligned.value(c, false);
            const QString cell = cells.value(c);
            text += right ? cell.rightJustified(width[c]) : cell.leftJustified(width[c]);
            if (c + 1 < header.size())
                text += QStringLiteral("  ");
        }
        while (text.endsWith(QLatin1Char(' ')))
            text.chop(1);
        out << text << "\n";
    };
    line(header);
    for (const QStringList &row : rows)
        line(row);
}

QJsonObject runJson(const RunRecord &r)
{
    return {{"id", r.id},
            {"dataset_id", r.datasetId},
            {"dataset", r.datasetName},
            {"name", r.name},
            {"status", runStatusName(r.status)},
            {"config", r.config},
            {"description", describeRun(r.config).toJson()},
            {"created_at", timeJson(r.createdAt)},
            {"started_at", timeJson(r.startedAt)},
            {"finished_at", timeJson(r.finishedAt)},
            {"heartbeat_at", timeJson(r.heartbeatAt)},
            {"checkpoint", r.checkpointPath.isEmpty() ? QJsonValue() : QJsonValue(r.checkpointPath)},
            {"best_checkpoint", r.bestCheckpointPath.isEmpty() ? QJsonValue() : QJsonValue(r.bestCheckpointPath)},
            {"pid", r.pid},
            {"host", r.host},
            {"final_metrics", r.finalMetrics},
            {"notes", r.notes},
            {"epochs", r.epochCount},
            {"best_valid_mrr", optionalJson(r.bestValidMrr)},
            {"test_mrr", optionalJson(r.testMrr)}};
}

QJsonObject epochJson(const EpochRecord &e)
{
    return {{"epoch", e.epoch}, {"main_loss", e.mainLoss}, {"bce_loss", e.bceLoss}, {"mi_estimate", e.miEstimate},
            {"estimator_loss", e.estimatorLoss}, {"lr", e.learningRate}, {"seconds", e.seconds}};
}

QJsonObject evaluationJson(const EvaluationRecord &e)
{
    return {{"id", e.id}, {"epoch", e.epoch}, {"split", splitName(e.split)}, {"seconds", e.seconds},
            {"created_at", timeJson(e.createdAt)}, {"headline", e.headline.toJson()}};
}

bool parseId(const QString &text, qint64 *id, QTextStream &err)
{
    bool ok = false;
    *id = text.toLongLong(&ok);
    if (!ok || *id <= 0) {
        err << "momok runs: '" << text << "' is not a run id\n";
        return false;
    }
    return true;
}

// Nested config objects become dotted keys, so differences deep inside show up.
void flatten(const QJsonObject &object, const QString &prefix, QMap<QString, QJsonValue> *out)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = prefix.isEmpty() ? it.key() : prefix + QLatin1Char('.') + it.key();
        if (it.value().isObject())
            flatten(it.value().toObject(), key, out);
        else
            out->insert(key, it.value());
    }
}

QString valueText(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Undefined: return QStringLiteral("(unset)");
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double: return QString::number(v.toDouble(), 'g', 10);
    case QJsonValue::String: return v.toString();
    case QJsonValue::Array: return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object: return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    }
    return {};
}

// The latest test evaluation of a run, or its final metrics when it has none.
std::optional<RankMetrics> testMetrics(const Workspace &ws, const RunRecord &run)
{
    const QVector<EvaluationRecord> evals = ws.evaluations(run.id);
    if (const EvaluationRecord *test = latestEvaluation(evals, Split::Test))
        return test->headline;
    if (run.finalMetrics.contains(QLatin1String("mrr")))
        return RankMetrics::fromJson(run.finalMetrics);
    return std::nullopt;
}

// ---------------------------------------------------------------- import

int runImport(const QStringList &args, QTextStream &out, QTextStream &err)
{
    CommandLine commandLine(QStringLiteral("import"), QStringLiteral(
        "Reads a dataset folder and stores it in a workspace (created if missing): its relations, its entities\n"
        "with their metadata for search, and a content hash. Importing the same unchanged folder again updates\n"
        "it in place; changed content becomes a new dataset record."));
    commandLine.addPositional(QStringLiteral("DIR"), QStringLiteral("The dataset folder."));
    commandLine.addOption(workspaceOption());
    commandLine.addOption({QStringLiteral("drop-unseen"),
                      QStringLiteral("Drop valid/test triples whose entities never occur in train.")});
    commandLine.addOption(jsonOption());
    if (int code = 0; !commandLine.parse(args, out, err, &code))
        return code;
    if (commandLine.value(QStringLiteral("workspace")).isEmpty()) {
        err << "momok import: --workspace FILE is required\n";
        return kUsageError;
    }
    const QString dir = commandLine.positionalArguments().first();
    if (!QFileInfo(dir).isDir()) {
        err << "momok import: no such folder: " << dir << "\n";
        return 1;
    }

    QElapsedTimer timer;
    timer.start();
    DatasetLoadOptions options;
    options.dropUnseenEvaluationTriples = commandLine.isSet(QStringLiteral("drop-unseen"));
    const DatasetLoadResult loaded = DatasetReader::read(dir, options);
    for (const DatasetProblem &p : loaded.problems) {
        err << (p.severity == DatasetProblem::Error ? "error: " : "warning: ") << p.file;
        if (p.line > 0)
            err << ":" << p.line;
        err << ": " << p.reason << "\n";
    }
    if (!loaded.ok()) {
        // Each problem is listed above; say once that nothing was imported.
        err << "momok import: the dataset is unusable ("
            << counted(loaded.errorCount(), QStringLiteral("error(s)"))
            << "); the workspace was not changed\n";
        return 1;
    }
    QString error;
    const QString hash = Workspace::contentHash(dir, &error);
    if (hash.isEmpty()) {
        err << "momok import: " << error << "\n";
        return 1;
    }
    auto ws = openWorkspace(commandLine, err);
    if (!ws)
        return 1;
    const QString canonical = Workspace::folderPath(dir);
    bool known = false;
    for (const DatasetRecord &d : ws->datasets())
        known = known || (d.path == canonical && d.contentHash == hash);
    qint64 id = -1;
    if (!ws->importDataset(*loaded.dataset, hash, &id, &error)) {
        err << "momok import: " << error << "\n";
        return 1;
    }
    const DatasetRecord rec = ws->dataset(id).value_or(DatasetRecord{});
    if (commandLine.isSet(QStringLiteral("json"))) {
        out << jsonText(QJsonObject{{"dataset_id", id}, {"name", rec.name}, {"path", rec.path},
                                    {"format", rec.format}, {"content_hash", hash},
                                    {"entities", rec.entityCount}, {"relations", rec.relationCount},
                                    {"train", rec.trainCount}, {"valid", rec.validCount}, {"test", rec.testCount},
                                    {"updated_existing", known}, {"seconds", timer.elapsed() / 1000.0}});
        return 0;
    }
    out << (known ? "Updated" : "Imported") << " dataset " << id << " '" << rec.name << "' (" << rec.format
        << ") in " << ws->path() << "\n"
        << "  " << rec.entityCount << " entities, " << rec.relationCount << " relations, " << rec.trainCount
        << " / " << rec.validCount << " / " << rec.testCount << " train / valid / test triples\n"
        << "  content sha256 " << hash << "\n"
        << "  " << number(timer.elapsed() / 1000.0) << " s\n";
    return 0;
}

// ---------------------------------------------------------------- runs

int listRuns(const Workspace &ws, qint64 datasetId, bool json, QTextStream &out)
{
    const QVector<RunRecord> runs = ws.runs(datasetId);
    if (json) {
        QJsonArray array;
        for (const RunRecord &r : runs)
            array.append(runJson(r));
        out << jsonText(array);
        return 0;
    }
    if (runs.isEmpty()) {
        out << "No runs.\n";
        return 0;
    }
    QVector<QStringList> rows;
    for (const RunRecord &r : runs)
        rows << QStringList{QString::number(r.id), r.name, r.datasetName, runStatusName(r.status), timeText(r.createdAt),
                            QString::number(r.epochCount), optionalNumber(r.bestValidMrr), optionalNumber(r.testMrr),
                            describeRun(r.config).summary()};
    printTable(out, {"ID", "NAME", "DATASET", "STATUS", "CREATED", "EPOCHS", "BEST VALID MRR", "TEST MRR", "CONFIGURATION"},
               rows, {true, false, false, false, false, true, true, true, false});
    return 0;
}

int showRun(const Workspace &ws, qint64 id, bool json, QTextStream &out, QTextStream &err)
{
    const std::optional<RunRecord> run = ws.run(id);
    if (!run) {
        err << "momok runs: no run " << id << "\n";
        return 1;
    }
    const QVector<EpochRecord> epochs = ws.epochs(id);
    const QVector<EvaluationRecord> evals = ws.evaluations(id);
    if (json) {
        QJsonArray e, v;
        for (const EpochRecord &r : epochs)
            e.append(epochJson(r));
        for (const EvaluationRecord &r : evals)
            v.append(evaluationJson(r));
        out << jsonText(QJsonObject{{"run", runJson(*run)}, {"epochs", e}, {"evaluations", v}});
        return 0;
    }
    out << "Run " << run->id << " '" << run->name << "' on dataset " << run->datasetId << " '" << run->datasetName
        << "': " << runStatusName(run->status) << "\n"
        << "  created   " << timeText(run->createdAt) << "\n"
        << "  started   " << timeText(run->startedAt) << "\n"
        << "  finished  " << timeText(run->finishedAt) << "\n"
        << "  heartbeat " << timeText(run->heartbeatAt) << "\n"
        << "  process   " << run->pid << " on " << run->host << "\n"
        << "  uses      " << describeRun(run->config).summary() << "\n";
    if (!run->checkpointPath.isEmpty())
        out << "  checkpoint      " << run->checkpointPath << "\n";
    if (!run->bestCheckpointPath.isEmpty())
        out << "  best checkpoint " << run->bestCheckpointPath << "\n";
    if (!run->notes.isEmpty())
        out << "  notes     " << run->notes << "\n";
    out << "\nConfiguration:\n" << jsonText(run->config);

    // Validation MRR per epoch, to read next to the losses.
    QHash<int, double> validMrr;
    for (const EvaluationRecord &e : evals) {
        if (e.split == Split::Valid)
            validMrr.insert(e.epoch, e.headline.mrr);
    }
    out << "\nEpochs:\n";
    if (epochs.isEmpty()) {
        out << "  (none recorded)\n";
    } else {
        QVector<QStringList> rows;
        for (const EpochRecord &e : epochs)
            rows << QStringList{QString::number(e.epoch), number(e.mainLoss, 4), number(e.bceLoss, 4),
                                number(e.miEstimate, 4), number(e.estimatorLoss, 4),
                                QString::number(e.learningRate, 'g', 4), number(e.seconds, 1),
                                validMrr.contains(e.epoch) ? number(validMrr.value(e.epoch)) : QString()};
        printTable(out, {"EPOCH", "LOSS", "BCE", "MI", "EST LOSS", "LR", "SECONDS", "VALID MRR"}, rows,
                   QVector<bool>(8, true));
    }
    out << "\nEvaluations:\n";
    if (evals.isEmpty()) {
        out << "  (none recorded)\n";
    } else {
        QVector<QStringList> rows;
        for (const EvaluationRecord &e : evals)
            rows << QStringList{QString::number(e.id), QString::number(e.epoch), splitName(e.split), number(e.headline.mrr),
                                number(e.headline.mr, 1), number(e.headline.hits1), number(e.headline.hits3),
                                number(e.headline.hits10)};
        printTable(out, {"ID", "EPOCH", "SPLIT", "MRR", "MR", "H@1", "H@3", "H@10"}, rows,
                   {true, true, false, true, true, true, true, true});
    }
    if (!run->finalMetrics.isEmpty())
        out << "\nFinal test metrics:\n" << jsonText(run->finalMetrics);
    return 0;
}

int compareRuns(const Workspace &ws, qint64 a, qint64 b, bool json, QTextStream &out, QTextStream &err)
{
    const std::optional<RunRecord> ra = ws.run(a), rb = ws.run(b);
    if (!ra || !rb) {
        err << "momok runs: no run " << (ra ? b : a) << "\n";
        return 1;
    }
    QMap<QString, QJsonValue> ca, cb;
    flatten(ra->config, {}, &ca);
    flatten(rb->config, {}, &cb);
    std::set<QString> keys;
    for (auto it = ca.cbegin(); it != ca.cend(); ++it)
        keys.insert(it.key());
    for (auto it = cb.cbegin(); it != cb.cend(); ++it)
        keys.insert(it.key());
    QVector<QStringList> configRows;
    QJsonObject configJson;
    for (const QString &key : keys) {
        const QJsonValue va = ca.value(key, QJsonValue(QJsonValue::Undefined));
        const QJsonValue vb = cb.value(key, QJsonValue(QJsonValue::Undefined));
        if (va == vb)
            continue;
        configRows << QStringList{key, valueText(va), valueText(vb)};
        configJson.insert(key, QJsonArray{va.isUndefined() ? QJsonValue() : va, vb.isUndefined() ? QJsonValue() : vb});
    }

    const std::optional<RankMetrics> ta = testMetrics(ws, *ra), tb = testMetrics(ws, *rb);
    struct Row {
        const char *label;
        QString a, b;
        QJsonValue ja, jb;
    };
    auto metric = [](const std::optional<RankMetrics> &m, double RankMetrics::*field, int decimals) {
        return m ? number((*m).*field, decimals) : QStringLiteral("-");
    };
    auto metricJson = [](const std::optional<RankMetrics> &m, double RankMetrics::*field) {
        return m ? QJsonValue((*m).*field) : QJsonValue();
    };
    const QVector<Row> rows = {
        {"dataset", ra->datasetName, rb->datasetName, ra->datasetName, rb->datasetName},
        {"status", runStatusName(ra->status), runStatusName(rb->status), runStatusName(ra->status),
         runStatusName(rb->status)},
        {"epochs", QString::number(ra->epochCount), QString::number(rb->epochCount), ra->epochCount, rb->epochCount},
        {"best valid MRR", optionalNumber(ra->bestValidMrr), optionalNumber(rb->bestValidMrr),
         optionalJson(ra->bestValidMrr), optionalJson(rb->bestValidMrr)},
        {"test MRR", metric(ta, &RankMetrics::mrr, 2), metric(tb, &RankMetrics::mrr, 2),
         metricJson(ta, &RankMetrics::mrr), metricJson(tb, &RankMetrics::mrr)},
        {"test MR", metric(ta, &RankMetrics::mr, 1), metric(tb, &RankMetrics::mr, 1),
         metricJson(ta, &RankMetrics::mr), metricJson(tb, &RankMetrics::mr)},
        {"test Hits@1", metric(ta, &RankMetrics::hits1, 2), metric(tb, &RankMetrics::hits1, 2),
         metricJson(ta, &RankMetrics::hits1), metricJson(tb, &RankMetrics::hits1)},
        {"test Hits@3", metric(ta, &RankMetrics::hits3, 2), metric(tb, &RankMetrics::hits3, 2),
         metricJson(ta, &RankMetrics::hits3), metricJson(tb, &RankMetrics::hits3)},
        {"test Hits@10", metric(ta, &RankMetrics::hits10, 2), metric(tb, &RankMetrics::hits10, 2),
         metricJson(ta, &RankMetrics::hits10), metricJson(tb, &RankMetrics::hits10)},
    };
    if (json) {
        QJsonObject metrics;
        for (const Row &r : rows)
            metrics.insert(QLatin1String(r.label), QJsonArray{r.ja, r.jb});
        out << jsonText(QJsonObject{{"runs", QJsonArray{runJson(*ra), runJson(*rb)}},
                                    {"config_differences", configJson},
                                    {"metrics", metrics}});
        return 0;
    }
    const QString ha = QStringLiteral("#%1 %2").arg(ra->id).arg(ra->name);
    const QString hb = QStringLiteral("#%1 %2").arg(rb->id).arg(rb->name);
    out << "Configuration differences:\n";
    if (configRows.isEmpty())
        out << "  (identical configurations)\n";
    else
        printTable(out, {"KEY", ha, hb}, configRows);
    out << "\nMetrics:\n";
    QVector<QStringList> metricRows;
    for (const Row &r : rows)
        metricRows << QStringList{QLatin1String(r.label), r.a, r.b};
    printTable(out, {"", ha, hb}, metricRows, {false, true, true});
    return 0;
}

int runRuns(const QStringList &args, QTextStream &out, QTextStream &err)
{
    CommandLine commandLine(QStringLiteral("runs"), QStringLiteral(
        "Lists, shows, compares and deletes the training runs stored in a workspace.\n"
        "  list [--dataset ID]   every run: id, name, dataset, status, created, epochs, best valid MRR, test MRR\n"
        "                        and what it used (decoders, experts, width, epochs, ablations, features)\n"
        "  show ID               a run's configuration, epochs and evaluations\n"
        "  compare ID ID         the configuration keys that differ and the metrics side by side\n"
        "  delete ID             a run with its epochs and evaluations (checkpoint files stay on disk)"));
    // The action and its run ids: the action checks how many ids it takes.
    commandLine.addPositional(QStringLiteral("ACTION"),
                              QStringLiteral("list (default), show ID, compare ID ID or delete ID."), 0, 3,
                              QStringLiteral("[list|show ID|compare ID ID|delete ID]"));
    commandLine.addOption(workspaceOption());
    commandLine.addOption({QStringLiteral("dataset"), QStringLiteral("Only the runs of this dataset (list)."),
                      QStringLiteral("ID")});
    commandLine.addOption(jsonOption());
    if (int code = 0; !commandLine.parse(args, out, err, &code))
        return code;
    if (commandLine.value(QStringLiteral("workspace")).isEmpty()) {
        err << "usage: momok runs --workspace FILE [list|show ID|compare ID ID|delete ID] [--json]\n";
        return kUsageError;
    }
    QStringList positional = commandLine.positionalArguments();
    const QString action = positional.isEmpty() ? QStringLiteral("list") : positional.takeFirst();
    const int expected = action == QLatin1String("list") ? 0 : action == QLatin1String("compare") ? 2 : 1;
    if ((action != QLatin1String("list") && action != QLatin1String("show") && action != QLatin1String("compare")
         && action != QLatin1String("delete"))
        || positional.size() != expected) {
        err << "momok runs: expected list, show ID, compare ID ID or delete ID\n";
        return kUsageError;
    }
    QVector<qint64> ids;
    for (const QString &p : positional) {
        qint64 id = 0;
        if (!parseId(p, &id, err))
            return kUsageError;
        ids << id;
    }
    const bool json = commandLine.isSet(QStringLiteral("json"));
    if (!QFileInfo::exists(commandLine.value(QStringLiteral("workspace")))) {
        err << "momok runs: no workspace at " << commandLine.value(QStringLiteral("workspace")) << "\n";
        return 1;
    }
    auto ws = openWorkspace(commandLine, err);
    if (!ws)
        return 1;

    if (action == QLatin1String("list")) {
        qint64 datasetId = -1;
        if (commandLine.isSet(QStringLiteral("dataset")) && !parseId(commandLine.value(QStringLiteral("dataset")), &datasetId, err))
            return kUsageError;
        return listRuns(*ws, datasetId, json, out);
    }
    if (action == QLatin1String("show"))
        return showRun(*ws, ids[0], json, out, err);
    if (action == QLatin1String("compare"))
        return compareRuns(*ws, ids[0], ids[1], json, out, err);

    const std::optional<RunRecord> run = ws->run(ids[0]);
    QString error;
    if (!run || !ws->deleteRun(ids[0], &error)) {
        err << "momok runs: " << (run ? error : QStringLiteral("no run %1").arg(ids[0])) << "\n";
        return 1;
    }
    if (json) {
        out << jsonText(QJsonObject{{"deleted", ids[0]}});
        return 0;
    }
    out << "Deleted run " << run->id << " '" << run->name << "' with its epochs and evaluations.\n";
    for (const QString &file : {run->checkpointPath, run->bestCheckpointPath}) {
        if (!file.isEmpty() && QFileInfo::exists(file))
            out << "  checkpoint kept on disk: " << file << "\n";
    }
    return 0;
}

// ---------------------------------------------------------------- search

// The first keystrokes of a search box: prefixes of 1 to 4 letters of an entity's
// first word, every third query with the start of its second word, taken from
// entities evenly spread over the dataset (deterministic for a dataset).
QStringList benchQueries(const QVector<EntityHit> &entities, int count)
{
    QStringList queries;
    if (entities.isEmpty())
        return queries;
    for (int i = 0; queries.size() < count && i < count * 4; ++i) {
        const EntityHit &e = entities[qsizetype((qint64(i) * entities.size() / count) % entities.size())];
        const QStringList words = FtsQuery::tokens(e.displayName);
        if (words.isEmpty())
            continue;
        QString query = words[0].left(1 + i % 4);
        if (i % 3 == 0 && words.size() > 1)
            query += QLatin1Char(' ') + words[1].left(2);
        queries << query;
    }
    return queries;
}

double percentile(QVector<double> sorted, double p)
{
    if (sorted.isEmpty())
        return 0;
    const double pos = p * (sorted.size() - 1);
    const int lo = int(std::floor(pos)), hi = int(std::ceil(pos));
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

int runSearch(const QStringList &args, QTextStream &out, QTextStream &err)
{
    CommandLine commandLine(QStringLiteral("search"), QStringLiteral(
        "Searches a dataset's entities as the app's search box does: every word is a prefix of a word of the\n"
        "entity's display name, name or description; best matches (bm25) first. --bench times a fixed set of\n"
        "prefix queries derived from the entity names and prints the latency distribution."));
    commandLine.addPositional(QStringLiteral("QUERY"), QStringLiteral("Words to search for."), 0, CommandLine::kUnbounded,
                              QStringLiteral("[QUERY…]"));
    commandLine.addOption(workspaceOption());
    commandLine.addOption({QStringLiteral("dataset"),
                      QStringLiteral("Dataset id (optional when the workspace holds one dataset)."), QStringLiteral("ID")});
    commandLine.addOption({QStringLiteral("limit"), QStringLiteral("Maximum hits (default 20)."), QStringLiteral("N"),
                      QStringLiteral("20")});
    commandLine.addOption({QStringLiteral("type"), QStringLiteral("Only entities of this type."), QStringLiteral("TYPE")});
    commandLine.addOption({QStringLiteral("with-image"), QStringLiteral("Only entities with an image.")});
    commandLine.addOption({QStringLiteral("with-text"), QStringLiteral("Only entities with a description.")});
    commandLine.addOption({QStringLiteral("bench"), QStringLiteral("Time a fixed set of prefix queries.")});
    commandLine.addOption({QStringLiteral("queries"), QStringLiteral("Number of benchmark queries (default 200)."),
                      QStringLiteral("N"), QString::number(kDefaultBenchQueries)});
    commandLine.addOption(jsonOption());
    if (int code = 0; !commandLine.parse(args, out, err, &code))
        return code;
    if (commandLine.value(QStringLiteral("workspace")).isEmpty()) {
        err << "usage: momok search --workspace FILE [--dataset ID] QUERY [--limit N] [--bench]\n";
        return kUsageError;
    }
    bool limitOk = false, queriesOk = false, ok = false;
    const int limit = commandLine.value(QStringLiteral("limit")).toInt(&limitOk);
    const int queryCount = commandLine.value(QStringLiteral("queries")).toInt(&queriesOk);
    if (!limitOk || limit <= 0 || !queriesOk || queryCount <= 0) {
        err << "momok search: --limit and --queries take positive numbers\n";
        return kUsageError;
    }
    if (!QFileInfo::exists(commandLine.value(QStringLiteral("workspace")))) {
        err << "momok search: no workspace at " << commandLine.value(QStringLiteral("workspace")) << "\n";
        return 1;
    }
    auto ws = openWorkspace(commandLine, err);
    if (!ws)
        return 1;
    qint64 datasetId = -1;
    if (commandLine.isSet(QStringLiteral("dataset"))) {
        datasetId = commandLine.value(QStringLiteral("dataset")).toLongLong(&ok);
        if (!ok || !ws->dataset(datasetId)) {
            err << "momok search: no dataset " << commandLine.value(QStringLiteral("dataset")) << " in the workspace\n";
            return 1;
        }
    } else {
        const QVector<DatasetRecord> sets = ws->datasets();
        if (sets.size() != 1) {
            err << "momok search: the workspace holds " << sets.size() << " datasets; choose one with --dataset ID\n";
            return kUsageError;
        }
        datasetId = sets[0].id;
    }
    const QString type = commandLine.value(QStringLiteral("type"));
    const int modality = (commandLine.isSet(QStringLiteral("with-image")) ? kRequireImage : 0)
                       | (commandLine.isSet(QStringLiteral("with-text")) ? kRequireText : 0);
    const bool json = commandLine.isSet(QStringLiteral("json"));
    QString error;

    if (commandLine.isSet(QStringLiteral("bench"))) {
        // All entities, in id order: deterministic whatever the names.
        QVector<EntityHit> all = ws->searchEntities(datasetId, QString(), 0);
        std::sort(all.begin(), all.end(), [](const EntityHit &a, const EntityHit &b) { return a.entityId < b.entityId; });
        const QStringList queries = benchQueries(all, queryCount);
        for (const QString &q : queries) // warm the page cache; the timed pass is what a session sees
            ws->searchEntities(datasetId, q, limit, type, modality);
        QVector<double> ms;
        qint64 hits = 0;
        QElapsedTimer timer;
        for (const QString &q : queries) {
            timer.start();
            const QVector<EntityHit> found = ws->searchEntities(datasetId, q, limit, type, modality, &error);
            ms << timer.nsecsElapsed() / 1e6;
            hits += found.size();
            if (!error.isEmpty()) {
                err << "momok search: " << error << "\n";
                return 1;
            }
        }
        std::sort(ms.begin(), ms.end());
        double sum = 0;
        for (double v : ms)
            sum += v;
        const double median = percentile(ms, 0.5), p95 = percentile(ms, 0.95);
        const double mean = ms.isEmpty() ? 0 : sum / ms.size(), worst = ms.isEmpty() ? 0 : ms.last();
        if (json) {
            out << jsonText(QJsonObject{{"dataset_id", datasetId}, {"entities", all.size()}, {"queries", ms.size()},
                                        {"limit", limit}, {"median_ms", median}, {"p95_ms", p95}, {"mean_ms", mean},
                                        {"max_ms", worst}, {"mean_hits", ms.isEmpty() ? 0.0 : double(hits) / ms.size()},
                                        {"examples", QJsonArray::fromStringList(queries.mid(0, 8))}});
            return 0;
        }
        out << "Entity search on dataset " << datasetId << " (" << all.size() << " entities): " << ms.size()
            << " prefix queries, limit " << limit << "\n"
            << "  median " << number(median, 3) << " ms, p95 " << number(p95, 3) << " ms, mean " << number(mean, 3)
            << " ms, max " << number(worst, 3) << " ms; " << number(ms.isEmpty() ? 0 : double(hits) / ms.size(), 1)
            << " hits per query\n"
            << "  e.g. " << queries.mid(0, 8).join(QStringLiteral(" | ")) << "\n";
        return 0;
    }

    const QString query = commandLine.positionalArguments().join(QLatin1Char(' '));
    QElapsedTimer timer;
    timer.start();
    const QVector<EntityHit> hits = ws->searchEntities(datasetId, query, limit, type, modality, &error);
    const double elapsed = timer.nsecsElapsed() / 1e6;
    if (!error.isEmpty()) {
        err << "momok search: " << error << "\n";
        return 1;
    }
    if (json) {
        QJsonArray array;
        for (const EntityHit &h : hits)
            array.append(QJsonObject{{"entity_id", h.entityId}, {"name", h.name}, {"display_name", h.displayName},
                                     {"description", h.description}, {"type", h.type},
                                     {"images", QJsonArray::fromStringList(h.imagePaths)}, {"has_image", h.hasImage},
                                     {"has_text", h.hasText}, {"score", h.score}});
        out << jsonText(array);
        return 0;
    }
    QVector<QStringList> rows;
    for (const EntityHit &h : hits)
        rows << QStringList{QString::number(h.entityId), h.displayName, h.type,
                            QStringLiteral("%1%2").arg(h.hasImage ? "I" : "-", h.hasText ? "T" : "-"),
                            number(h.score, 3)};
    printTable(out, {"ID", "ENTITY", "TYPE", "MOD", "SCORE"}, rows, {true, false, false, false, true});
    out << counted(hits.size(), QStringLiteral("hit(s)")) << " in " << number(elapsed, 2) << " ms\n";
    return 0;
}

} // namespace

CliCommand importCommand()
{
    return {QStringLiteral("import"), QStringLiteral("read a dataset folder into a workspace"), runImport};
}

CliCommand runsCommand()
{
    return {QStringLiteral("runs"), QStringLiteral("list, show, compare or delete a workspace's training runs"), runRuns};
}

CliCommand searchCommand()
{
    return {QStringLiteral("search"), QStringLiteral("search a workspace's entities by name (--bench: latency)"), runSearch};
}

} // namespace momok
