#include "cli/InfoCommand.h"

#include "cli/CliParsing.h"

#include "data/DatasetReader.h"
#include "domain/Plural.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <vector>

namespace momok {

namespace {

constexpr int kUnusable = 1;
constexpr int kMaxRepeats = 100;

QString formatKey(DatasetFormat format)
{
    switch (format) {
    case DatasetFormat::NamedTriples: return QStringLiteral("named");
    case DatasetFormat::OpenKE: return QStringLiteral("openke");
    case DatasetFormat::Tsv: return QStringLiteral("tsv");
    }
    return {};
}

struct SplitCounts {
    int64_t triples = 0, entities = 0, relations = 0;
};

// Distinct entities and relations used by one split.
SplitCounts countSplit(const KgDataset &d, Split split)
{
    const std::vector<Triple> &triples = d.split(split);
    std::vector<uint8_t> entity(size_t(d.entityCount()), 0), relation(size_t(d.relationCount()), 0);
    for (const Triple &t : triples) {
        entity[size_t(t.head)] = entity[size_t(t.tail)] = 1;
        relation[size_t(t.relation)] = 1;
    }
    return {int64_t(triples.size()), std::count(entity.begin(), entity.end(), 1),
            std::count(relation.begin(), relation.end(), 1)};
}

int64_t thumbnailCount(const KgDataset &d)
{
    return std::count_if(d.entities.begin(), d.entities.end(), [](const EntityInfo &e) { return !e.thumbnailPath.isEmpty(); });
}

int64_t imageFileCount(const KgDataset &d)
{
    int64_t n = 0;
    for (const EntityInfo &e : d.entities)
        n += e.imagePaths.size();
    return n;
}

QJsonValue count(int64_t v)
{
    return QJsonValue(qint64(v));
}

QString problemText(const DatasetProblem &p)
{
    QString text = (p.severity == DatasetProblem::Error ? QStringLiteral("error: ") : QStringLiteral("warning: ")) + p.file;
    if (p.line > 0)
        text += QStringLiteral(":%1").arg(p.line);
    return text + QStringLiteral(": ") + p.reason;
}

QJsonObject toJson(const QString &dir, const DatasetLoadResult &r, double seconds)
{
    QJsonObject o{{"path", QFileInfo(dir).absoluteFilePath()},
                  {"usable", r.ok()},
                  {"format", r.format ? QJsonValue(formatKey(*r.format)) : QJsonValue()},
                  {"format_name", r.format ? QJsonValue(formatName(*r.format)) : QJsonValue()},
                  {"errors", r.errorCount()},
                  {"warnings", r.warningCount()},
                  {"seconds", seconds}};
    QJsonArray problems;
    for (const DatasetProblem &p : r.problems)
        problems.append(QJsonObject{{"severity", p.severity == DatasetProblem::Error ? "error" : "warning"},
                                    {"file", p.file},
                                    {"line", p.line > 0 ? QJsonValue(p.line) : QJsonValue()},
                                    {"reason", p.reason}});
    o.insert("problems", problems);
    if (!r.dataset)
        return o;
    const KgDataset &d = *r.dataset;
    o.insert("entities", count(d.entityCount()));
    o.insert("relations", count(d.relationCount()));
    QJsonObject splits;
    for (const Split s : {Split::Train, Split::Valid, Split::Test}) {
        const SplitCounts c = countSplit(d, s);
        splits.insert(splitName(s), QJsonObject{{"triples", count(c.triples)}, {"entities", count(c.entities)}, {"relations", count(c.relations)}});
    }
    o.insert("splits", splits);
    QJsonObject modalities{{"structure", QJsonObject{{"entities", count(d.entityCount())}}},
                           {"image", QJsonObject{{"entities", count(d.entitiesWithImage())},
                                                 {"files", count(imageFileCount(d))},
                                                 {"thumbnails", count(thumbnailCount(d))}}},
                           {"text", QJsonObject{{"entities", count(d.entitiesWithText())}}},
                           {"type", QJsonObject{{"entities", count(d.entitiesWithType())}}}};
    QJsonObject features;
    for (const FeatureFileInfo &f : d.featureFiles)
        features.insert(f.modality, QJsonObject{{"file", f.path}, {"rows", count(f.rows)}, {"columns", count(f.columns)},
                                                {"entities", count(f.presentRows)}});
    modalities.insert("features", features);
    o.insert("modalities", modalities);
    return o;
}

void printText(QTextStream &out, const QString &dir, const DatasetLoadResult &r, double seconds)
{
    out << "Dataset " << QFileInfo(dir).absoluteFilePath() << "\n";
    out << "  format:      " << (r.format ? formatName(*r.format) : QStringLiteral("not recognised")) << "\n";
    if (r.dataset) {
        const KgDataset &d = *r.dataset;
        const int64_t n = d.entityCount();
        out << "  entities:    " << n << "\n"
            << "  relations:   " << d.relationCount() << "\n"
            << "  triples:     split  triples  entities  relations\n";
        for (const Split s : {Split::Train, Split::Valid, Split::Test}) {
            const SplitCounts c = countSplit(d, s);
            out << "               " << splitName(s).leftJustified(5) << QString::number(c.triples).rightJustified(9)
                << QString::number(c.entities).rightJustified(10) << QString::number(c.relations).rightJustified(11) << "\n";
        }
        auto share = [n](int64_t k) { return QStringLiteral("%1 of %2 entities").arg(k).arg(n); };
        out << "  modalities:\n"
            << "    structure  " << share(n) << "\n";
        if (const int64_t images = d.entitiesWithImage())
            out << "    image      " << share(images) << " (" << imageFileCount(d) << " files, " << thumbnailCount(d)
                << " thumbnails)\n";
        else
            out << "    image      none\n";
        const int64_t texts = d.entitiesWithText();
        out << "    text       " << (texts ? share(texts) : QStringLiteral("none")) << "\n";
        if (const int64_t types = d.entitiesWithType())
            out << "    type       " << share(types) << "\n";
        for (const FeatureFileInfo &f : d.featureFiles) {
            out << "    " << (f.modality + QStringLiteral(" features")).leftJustified(15) << QFileInfo(f.path).fileName();
            if (f.rows > 0)
                out << ", " << f.rows << "×" << f.columns << ", " << share(f.presentRows) << " (all-zero rows count as missing)";
            out << "\n";
        }
    }
    out << "  problems:    " << counted(r.errorCount(), QStringLiteral("error(s)")) << ", "
        << counted(r.warningCount(), QStringLiteral("warning(s)")) << "\n";
    for (const DatasetProblem &p : r.problems)
        out << "    " << problemText(p) << "\n";
    out << "  status:      " << (r.ok() ? QStringLiteral("usable") : QStringLiteral("unusable")) << "\n"
        << "  read in      " << QString::number(seconds * 1000.0, 'f', 1) << " ms\n";
}

int runInfo(const QStringList &args, QTextStream &out, QTextStream &err)
{
    CommandLine commandLine(QStringLiteral("info"), QStringLiteral(
        "Reads a dataset folder as training would and describes it: the detected format (named triples,\n"
        "OpenKE ids or tab-separated triples); entity, relation and triple counts per split; which\n"
        "modalities are present (images, text, types, feature files such as image_features.npy) and for\n"
        "how many entities; and every problem found, each with its file, line and reason.\n"
        "Exit status: 0 when the dataset is usable, 1 when it is not, 2 on a usage error."));
    commandLine.addPositional(QStringLiteral("DIR"), QStringLiteral("The dataset folder."));
    commandLine.addOptions(
        {{QStringLiteral("json"), QStringLiteral("Machine-readable output.")},
         {QStringLiteral("drop-unseen"), QStringLiteral("Drop valid/test triples whose entities never occur in train.")},
         {QStringLiteral("no-image-check"), QStringLiteral("Do not decode the images (faster; corrupt files go unnoticed).")},
         {QStringLiteral("no-feature-check"), QStringLiteral("Do not load the feature files.")},
         {QStringLiteral("repeat"), QStringLiteral("Read the folder N times and report the median time (a benchmark)."),
          QStringLiteral("N"), QStringLiteral("1")}});
    if (int code = 0; !commandLine.parse(args, out, err, &code))
        return code;
    bool repeatOk = false;
    const int repeats = commandLine.value(QStringLiteral("repeat")).toInt(&repeatOk);
    if (!repeatOk || repeats < 1 || repeats > kMaxRepeats) {
        err << "momok info: --repeat takes a number from 1 to " << kMaxRepeats << "\n";
        return kUsageError;
    }
    const QString dir = commandLine.positionalArguments().first();

    DatasetLoadOptions options;
    options.dropUnseenEvaluationTriples = commandLine.isSet(QStringLiteral("drop-unseen"));
    options.checkImages = !commandLine.isSet(QStringLiteral("no-image-check"));
    options.checkFeatures = !commandLine.isSet(QStringLiteral("no-feature-check"));
    DatasetLoadResult result;
    std::vector<double> seconds;
    for (int i = 0; i < repeats; ++i) {
        QElapsedTimer timer;
        timer.start();
        result = DatasetReader::read(dir, options);
        seconds.push_back(timer.nsecsElapsed() / 1e9);
    }
    std::sort(seconds.begin(), seconds.end());
    const double median = seconds[seconds.size() / 2];

    if (commandLine.isSet(QStringLiteral("json"))) {
        QJsonObject o = toJson(dir, result, median);
        if (repeats > 1)
            o.insert("repeats", repeats);
        out << QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented));
    } else {
        printText(out, dir, result, median);
        if (repeats > 1)
            out << "  (median of " << repeats << " reads; fastest " << QString::number(seconds.front() * 1000.0, 'f', 1)
                << " ms, slowest " << QString::number(seconds.back() * 1000.0, 'f', 1) << " ms)\n";
    }
    return result.ok() ? 0 : kUnusable;
}

} // namespace

CliCommand infoCommand()
{
    return {QStringLiteral("info"), QStringLiteral("describe a dataset folder and every problem in it"), runInfo};
}

} // namespace momok
