#include "data/DatasetReader.h"

#include "data/DatasetProblemLog.h"
#include "data/EntityMetadataReader.h"
#include "data/FeatureIo.h"
#include "data/ImageCheckRecord.h"
#include "data/TextLines.h"
#include "domain/Plural.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace momok {

namespace {

// ---------------------------------------------------------------- text files

bool isBlank(QByteArrayView line)
{
    return line.trimmed().isEmpty();
}

// Splits on runs of spaces and tabs; returns the number of tokens (only the first
// `capacity` are stored).
int splitWhitespace(QByteArrayView line, QByteArrayView *tokens, int capacity)
{
    int count = 0;
    qsizetype i = 0;
    const qsizetype n = line.size();
    while (i < n) {
        while (i < n && (line[i] == ' ' || line[i] == '\t'))
            ++i;
        if (i >= n)
            break;
        const qsizetype begin = i;
        while (i < n && line[i] != ' ' && line[i] != '\t')
            ++i;
        if (count < capacity)
            tokens[count] = line.sliced(begin, i - begin);
        ++count;
    }
    return count;
}

// Splits on tabs, trimming each column; returns the number of columns.
int splitTabs(QByteArrayView line, QByteArrayView *tokens, int capacity)
{
    int count = 0;
    qsizetype begin = 0;
    while (true) {
        const qsizetype tab = line.indexOf('\t', begin);
        const qsizetype end = tab < 0 ? line.size() : tab;
        if (count < capacity)
            tokens[count] = line.sliced(begin, end - begin).trimmed();
        ++count;
        if (tab < 0)
            return count;
        begin = tab + 1;
    }
}

bool parseId(QByteArrayView text, int64_t *value)
{
    if (text.isEmpty())
        return false;
    const char *end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, *value);
    return ec == std::errc() && ptr == end && *value >= 0;
}

QString quoted(QByteArrayView text)
{
    constexpr int kShown = 60;
    QString s = QString::fromUtf8(text);
    if (s.size() > kShown)
        s = s.left(kShown) + QStringLiteral("…");
    return QLatin1Char('\'') + s + QLatin1Char('\'');
}

// ---------------------------------------------------------------- names and ids

// Names are looked up once or twice per triple: std::hash over string views is
// several times faster than QHash<QByteArray> and needs no temporary key.
struct NameTable {
    std::unordered_map<std::string_view, int64_t> ids; // views into `names`
    QList<QByteArray> names;                           // id -> UTF-8 name (never modified: views stay valid)
    bool declared = false;                             // read from an id file (no new names from the triples)

    static std::string_view view(QByteArrayView name) { return {name.data(), size_t(name.size())}; }
    int64_t find(QByteArrayView name) const
    {
        const auto it = ids.find(view(name));
        return it == ids.end() ? -1 : it->second;
    }
    int64_t findOrAdd(QByteArrayView name)
    {
        const auto it = ids.find(view(name));
        if (it != ids.end())
            return it->second;
        names << name.toByteArray();
        ids.emplace(view(names.back()), names.size() - 1);
        return names.size() - 1;
    }
};

enum class CountLine { Required, Optional };

// NAME ID per line (NAME may contain spaces: the id is the last field); OpenKE files
// start with the entry count. Ids must be unique and run from 0 to N-1.
bool readIdFile(const QDir &dir, const QString &fileName, CountLine countLine, const QString &kind,
                const QString &kinds, NameTable *table, DatasetProblemLog &log)
{
    TextFile text;
    if (!readText(dir, fileName, &text, log))
        return false;
    const int errorsBefore = log.errorCount();
    struct Entry {
        QByteArray name;
        int64_t id;
        int line;
    };
    QVector<Entry> entries;
    int64_t declaredCount = -1;
    int countLineNumber = 0;
    int64_t entryLines = 0; // well formed or not
    bool first = true;
    forEachLine(text.data, [&](QByteArrayView line, int number) {
        if (isBlank(line))
            return true;
        if (!checkLineLength(line, fileName, number, log) || (!text.validUtf8 && !line.isValidUtf8())) {
            if (line.size() <= kMaxLineBytes)
                log.error(fileName, number, QStringLiteral("not valid UTF-8"));
            first = false;
            ++entryLines;
            return true;
        }
        const QByteArrayView trimmed = line.trimmed();
        QByteArrayView tokens[2];
        const int fields = splitWhitespace(trimmed, tokens, 2);
        if (first) {
            first = false;
            int64_t count = 0;
            if (fields == 1 && parseId(tokens[0], &count)) {
                declaredCount = count;
                countLineNumber = number;
                return true;
            }
            if (countLine == CountLine::Required) {
                log.error(fileName, number,
                          QStringLiteral("the first line must be the number of %1, found %2").arg(kinds, quoted(trimmed)));
                // Still an entry, probably: read it as one.
            }
        }
        ++entryLines;
        qsizetype split = trimmed.size() - 1;
        while (split >= 0 && trimmed[split] != ' ' && trimmed[split] != '\t')
            --split;
        const QByteArrayView name = split > 0 ? trimmed.first(split).trimmed() : QByteArrayView();
        const QByteArrayView idText = trimmed.sliced(split + 1);
        if (name.isEmpty()) {
            log.error(fileName, number, QStringLiteral("expected NAME ID, found %1").arg(quoted(trimmed)));
            return true;
        }
        int64_t id = 0;
        if (!parseId(idText, &id)) {
            log.error(fileName, number, QStringLiteral("the id %1 is not a non-negative integer").arg(quoted(idText)));
            return true;
        }
        entries.append({name.toByteArray(), id, number});
        return true;
    });

    const int64_t n = entryLines;
    if (declaredCount >= 0 && declaredCount != n)
        log.error(fileName, countLineNumber,
                  QStringLiteral("the count line says %1 %2 but the file lists %3").arg(declaredCount).arg(kinds).arg(n));
    QVector<int> lineOfId(n, 0);
    std::unordered_map<std::string_view, int> lineOfName; // views into `entries`
    lineOfName.reserve(size_t(n));
    for (const Entry &e : entries) {
        if (e.id >= n) {
            log.error(fileName, e.line,
                      QStringLiteral("%1 id %2 is out of range: the file lists %3 %4, so ids run from 0 to %5")
                          .arg(kind).arg(e.id).arg(n).arg(kinds).arg(n - 1));
            continue;
        }
        if (lineOfId[e.id]) {
            log.error(fileName, e.line, QStringLiteral("duplicate %1 id %2 (first on line %3)").arg(kind).arg(e.id).arg(lineOfId[e.id]));
            continue;
        }
        const auto [seen, added] = lineOfName.emplace(NameTable::view(e.name), e.line);
        if (!added) {
            log.error(fileName, e.line,
                      QStringLiteral("duplicate %1 name %2 (first on line %3)").arg(kind, quoted(e.name)).arg(seen->second));
            continue;
        }
        lineOfId[e.id] = e.line;
    }
    if (log.errorCount() > errorsBefore)
        return false;
    // Unique ids below n: exactly 0..n-1.
    table->names.resize(n);
    for (const Entry &e : entries)
        table->names[e.id] = e.name;
    table->ids.reserve(size_t(n));
    for (int64_t id = 0; id < n; ++id)
        table->ids.emplace(NameTable::view(table->names[id]), id);
    table->declared = true;
    return true;
}

// ---------------------------------------------------------------- triples

struct SplitTriples {
    std::vector<Triple> triples;
    std::vector<int> lines; // the line of each triple
};

void readTripleFile(const QDir &dir, const QString &fileName, DatasetFormat format, NameTable &entities,
                    NameTable &relations, SplitTriples *out, DatasetProblemLog &log)
{
    TextFile text;
    if (!readText(dir, fileName, &text, log))
        return;
    const bool openKe = format == DatasetFormat::OpenKE;
    const bool tsv = format == DatasetFormat::Tsv;
    int64_t declaredCount = -1;
    int countLineNumber = 0;
    int64_t rows = 0;
    bool first = true;
    out->triples.reserve(size_t(text.data.count('\n') + 1));
    forEachLine(text.data, [&](QByteArrayView line, int number) {
        if (isBlank(line))
            return true;
        if (!checkLineLength(line, fileName, number, log))
            return true;
        if (!text.validUtf8 && !line.isValidUtf8()) {
            log.error(fileName, number, QStringLiteral("not valid UTF-8"));
            return true;
        }
        constexpr int kCapacity = 4;
        QByteArrayView f[kCapacity];
        int columns = tsv ? splitTabs(line, f, kCapacity) : splitWhitespace(line, f, kCapacity);
        if (openKe && first) {
            first = false;
            countLineNumber = number;
            if (columns != 1 || !parseId(f[0], &declaredCount)) {
                log.error(fileName, number,
                          QStringLiteral("the first line must be the number of triples, found %1").arg(quoted(line.trimmed())));
                declaredCount = -2;
                if (columns != 3) // not a triple either
                    return true;
            } else {
                return true;
            }
        }
        ++rows;
        // Named triples end with " ." in the benchmarks; TSV files sometimes do too.
        if (!openKe && columns == 4 && f[3] == ".")
            columns = 3;
        if (columns != 3) {
            const QString expected = openKe ? QStringLiteral("HEAD_ID TAIL_ID RELATION_ID")
                                   : tsv    ? QStringLiteral("HEAD<TAB>RELATION<TAB>TAIL")
                                            : QStringLiteral("HEAD RELATION TAIL [.]");
            log.error(fileName, number, QStringLiteral("expected 3 columns (%1), found %2").arg(expected).arg(columns));
            return true;
        }
        Triple t;
        if (openKe) {
            int64_t ids[3];
            static const char *const kColumn[] = {"head", "tail", "relation"};
            bool numeric = true;
            for (int c = 0; c < 3 && numeric; ++c) {
                if (!parseId(f[c], &ids[c])) {
                    log.error(fileName, number,
                              QStringLiteral("the %1 id %2 is not a non-negative integer").arg(QLatin1String(kColumn[c]), quoted(f[c])));
                    numeric = false;
                }
            }
            if (!numeric)
                return true;
            t.head = ids[0];
            t.tail = ids[1];
            t.relation = ids[2];
            const int64_t e = entities.names.size(), r = relations.names.size();
            if (t.head >= e || t.tail >= e) {
                log.error(fileName, number,
                          QStringLiteral("unknown entity id %1 (entity2id.txt has ids 0 to %2)").arg(t.head >= e ? t.head : t.tail).arg(e - 1));
                return true;
            }
            if (t.relation >= r) {
                log.error(fileName, number,
                          QStringLiteral("unknown relation id %1 (relation2id.txt has ids 0 to %2)").arg(t.relation).arg(r - 1));
                return true;
            }
        } else {
            static const char *const kColumn[] = {"head", "relation", "tail"};
            for (int c = 0; c < 3; ++c) {
                if (f[c].isEmpty()) {
                    log.error(fileName, number, QStringLiteral("the %1 is empty").arg(QLatin1String(kColumn[c])));
                    return true;
                }
            }
            t.head = entities.declared ? entities.find(f[0]) : entities.findOrAdd(f[0]);
            t.relation = relations.declared ? relations.find(f[1]) : relations.findOrAdd(f[1]);
            t.tail = entities.declared ? entities.find(f[2]) : entities.findOrAdd(f[2]);
            if (t.head < 0 || t.tail < 0) {
                log.error(fileName, number,
                          QStringLiteral("unknown entity %1 (not in entity2id.txt)").arg(quoted(t.head < 0 ? f[0] : f[2])));
                return true;
            }
            if (t.relation < 0) {
                log.error(fileName, number, QStringLiteral("unknown relation %1 (not in relation2id.txt)").arg(quoted(f[1])));
                return true;
            }
        }
        out->triples.push_back(t);
        out->lines.push_back(number);
        return true;
    });
    if (openKe && declaredCount >= 0 && declaredCount != rows)
        log.error(fileName, countLineNumber,
                  QStringLiteral("the count line says %1 triples but the file has %2").arg(declaredCount).arg(rows));
    if (openKe && first)
        log.error(fileName, 0, QStringLiteral("empty: expected the number of triples on the first line"));
}

// ---------------------------------------------------------------- features

void readFeatureFiles(const QDir &dir, int64_t entityCount, bool load, KgDataset *dataset, DatasetProblemLog &log)
{
    for (const QString &modality : DatasetReader::featureModalities()) {
        QStringList found;
        for (const QString &name : DatasetReader::featureFileNames(modality)) {
            if (QFileInfo(dir.filePath(name)).isFile())
                found << name;
        }
        if (found.isEmpty())
            continue;
        if (found.size() > 1)
            log.warning(found[1], 0, QStringLiteral("ignored: %1 holds the %2 features").arg(found[0], modality));
        FeatureFileInfo info;
        info.modality = modality;
        info.path = dir.absoluteFilePath(found[0]);
        if (load) {
            QString error;
            const torch::Tensor values = FeatureIo::load(info.path, &error);
            const QString prefix = info.path + QStringLiteral(": ");
            if (values.defined() && !FeatureIo::checkRowCount(values, entityCount, found[0], &error)) {
                log.error(found[0], 0, error.mid(found[0].size() + 2));
                continue;
            }
            if (!values.defined()) {
                log.error(found[0], 0, error.startsWith(prefix) ? error.mid(prefix.size()) : error);
                continue;
            }
            info.rows = values.size(0);
            info.columns = values.size(1);
            info.presentRows = values.abs().sum(1).gt(0).sum().item<int64_t>();
        }
        dataset->featureFiles << info;
    }
}

QString displayNameOf(const QString &name)
{
    QString n = name;
    if (n.startsWith('<') && n.endsWith('>'))
        n = n.mid(1, n.size() - 2).section('/', -1);
    return n.replace('_', ' ');
}

} // namespace

// ---------------------------------------------------------------- DatasetLoadResult

int DatasetLoadResult::errorCount() const
{
    if (errorTotal >= 0)
        return errorTotal;
    return int(std::count_if(problems.begin(), problems.end(),
                             [](const DatasetProblem &p) { return p.severity == DatasetProblem::Error; }));
}

int DatasetLoadResult::warningCount() const
{
    if (warningTotal >= 0)
        return warningTotal;
    return int(std::count_if(problems.begin(), problems.end(),
                             [](const DatasetProblem &p) { return p.severity == DatasetProblem::Warning; }));
}

QString DatasetLoadResult::summary() const
{
    QStringList lines;
    for (const DatasetProblem &p : problems)
        lines << QStringLiteral("%1: %2: %3")
                     .arg(p.location(),
                          p.severity == DatasetProblem::Error ? QStringLiteral("error") : QStringLiteral("warning"), p.reason);
    return lines.join('\n');
}

// ---------------------------------------------------------------- DatasetReader

QStringList DatasetReader::featureModalities()
{
    return {QStringLiteral("image"), QStringLiteral("text")};
}

QStringList DatasetReader::featureFileNames(const QString &modality)
{
    const QString stem = modality + QStringLiteral("_features");
    return {stem + QStringLiteral(".npy"), stem + QStringLiteral(".pt"), stem + QStringLiteral(".pth")};
}

namespace {

bool tripleLess(const Triple &a, const Triple &b)
{
    return std::tie(a.head, a.relation, a.tail) < std::tie(b.head, b.relation, b.tail);
}

// Sorted by tripleLess, each triple once.
std::vector<Triple> sortedDistinct(std::vector<Triple> triples)
{
    std::sort(triples.begin(), triples.end(), tripleLess);
    triples.erase(std::unique(triples.begin(), triples.end()), triples.end());
    return triples;
}

// Valid or test triples that are also training triples can be answered from memory, so
// that split's figures run above held-out ones (DB15K's validation split: 6,584 of its
// 7,481 distinct triples). A warning with the count, over distinct triples, as evaluation
// counts them. distinctTrain: sortedDistinct(the training triples).
void warnAboutTriplesInTrain(const std::vector<Triple> &triples, const std::vector<Triple> &distinctTrain,
                             const QString &file, DatasetProblemLog &log)
{
    const std::vector<Triple> distinct = sortedDistinct(triples);
    const auto inTrain = std::count_if(distinct.begin(), distinct.end(), [&](const Triple &t) {
        return std::binary_search(distinctTrain.begin(), distinctTrain.end(), t, tripleLess);
    });
    if (inTrain > 0)
        log.warning(file, 0,
                    QStringLiteral("%1 of its %2 distinct triples also occur in train: a model can answer "
                                   "them from memory, so this split's figures run above held-out ones")
                        .arg(inTrain)
                        .arg(distinct.size()));
}

} // namespace

DatasetLoadResult DatasetReader::read(const QString &directory, const DatasetLoadOptions &options)
{
    DatasetLoadResult result;
    DatasetProblemLog log(options.maxProblemsPerFile);
    const QDir dir(directory);
    if (!QFileInfo(directory).isDir()) {
        result.problems.append({DatasetProblem::Error, directory, 0, QStringLiteral("folder does not exist")});
        return result;
    }

    // Detect the layout from the training file.
    DatasetFormat format;
    QString extension;
    if (dir.exists(QStringLiteral("train2id.txt"))) {
        format = DatasetFormat::OpenKE;
        extension = QStringLiteral("2id.txt");
    } else if (dir.exists(QStringLiteral("train.tsv"))) {
        format = DatasetFormat::Tsv;
        extension = QStringLiteral(".tsv");
    } else if (dir.exists(QStringLiteral("train.txt"))) {
        // Tab-separated triples are often stored as .txt: a tab on the first line says so.
        QFile train(dir.filePath(QStringLiteral("train.txt")));
        QByteArray firstLine;
        if (train.open(QIODevice::ReadOnly)) {
            while (!train.atEnd() && firstLine.trimmed().isEmpty())
                firstLine = train.readLine(1 << 20);
        }
        format = firstLine.contains('\t') ? DatasetFormat::Tsv : DatasetFormat::NamedTriples;
        extension = QStringLiteral(".txt");
    } else {
        result.problems.append({DatasetProblem::Error, QStringLiteral("train.txt"), 0,
                                QStringLiteral("no training triples: expected train.txt, train.tsv or train2id.txt")});
        return result;
    }
    result.format = format;
    KgDataset dataset;
    dataset.directory = QFileInfo(directory).absoluteFilePath();
    dataset.format = format;

    // Id files: required by OpenKE, optional otherwise (then ids follow first appearance).
    NameTable entities, relations;
    const CountLine countLine = format == DatasetFormat::OpenKE ? CountLine::Required : CountLine::Optional;
    bool idFilesOk = true;
    const struct {
        QString fileName, kind, kinds;
        NameTable *table;
    } idFiles[] = {{QStringLiteral("entity2id.txt"), QStringLiteral("entity"), QStringLiteral("entities"), &entities},
                   {QStringLiteral("relation2id.txt"), QStringLiteral("relation"), QStringLiteral("relations"), &relations}};
    for (const auto &idFile : idFiles) {
        if (dir.exists(idFile.fileName))
            idFilesOk = readIdFile(dir, idFile.fileName, countLine, idFile.kind, idFile.kinds, idFile.table, log) && idFilesOk;
        else if (format == DatasetFormat::OpenKE)
            log.error(idFile.fileName, 0, QStringLiteral("missing: OpenKE triples name entities and relations by id"));
    }

    SplitTriples splits[3];
    const QString splitFiles[3] = {QStringLiteral("train") + extension, QStringLiteral("valid") + extension,
                                   QStringLiteral("test") + extension};
    // Triples cannot be checked against id files that were rejected: that would
    // only repeat the id files' errors for every line.
    if (idFilesOk) {
        for (int s = 0; s < 3; ++s) {
            if (!dir.exists(splitFiles[s])) {
                if (s > 0)
                    log.warning(splitFiles[s], 0, QStringLiteral("missing: no %1 triples").arg(splitName(Split(s))));
                continue;
            }
            readTripleFile(dir, splitFiles[s], format, entities, relations, &splits[s], log);
        }
        if (splits[0].triples.empty() && log.errorCount(splitFiles[0]) == 0)
            log.error(splitFiles[0], 0, QStringLiteral("the training split is empty"));
    }

    // Evaluation triples about entities never seen in training. An entity listed in
    // entity2id.txt belongs to the graph even so (its embedding comes from its images
    // and text: the multi-modal benchmarks keep such triples, MKG-Y has 788), so that
    // is a warning. An entity that only turns up in a valid/test file is unknown to
    // the model: an error. On request both are dropped, with a warning and the count.
    std::vector<uint8_t> inTrain(size_t(entities.names.size()), 0), relationInTrain(size_t(relations.names.size()), 0);
    for (const Triple &t : splits[0].triples) {
        inTrain[size_t(t.head)] = inTrain[size_t(t.tail)] = 1;
        relationInTrain[size_t(t.relation)] = 1;
    }
    const std::vector<Triple> distinctTrain = sortedDistinct(splits[0].triples);
    for (int s = 1; s < 3; ++s) {
        SplitTriples kept;
        int64_t unseen = 0, unseenRelation = 0;
        for (size_t i = 0; i < splits[s].triples.size(); ++i) {
            const Triple &t = splits[s].triples[i];
            unseenRelation += !relationInTrain[size_t(t.relation)];
            const bool known = inTrain[size_t(t.head)] && inTrain[size_t(t.tail)];
            if (!known) {
                ++unseen;
                if (!options.dropUnseenEvaluationTriples && !entities.declared) {
                    const QByteArray &name = entities.names[inTrain[size_t(t.head)] ? t.tail : t.head];
                    log.error(splitFiles[s], splits[s].lines[i],
                              QStringLiteral("entity %1 never occurs in train (--drop-unseen drops such triples)").arg(quoted(name)));
                }
            }
            if (known || !options.dropUnseenEvaluationTriples) {
                kept.triples.push_back(t);
                kept.lines.push_back(splits[s].lines[i]);
            }
        }
        if (unseen && options.dropUnseenEvaluationTriples)
            log.warning(splitFiles[s], 0,
                        pluralised(QStringLiteral("dropped %1 triple(s) with an entity that never occurs in train"),
                                   unseen)
                            .arg(unseen));
        else if (unseen && entities.declared)
            log.warning(splitFiles[s], 0,
                        pluralised(QStringLiteral("%1 triple(s) (has|have) an entity that never occurs in train "
                                                  "(kept: entity2id.txt lists it; --drop-unseen drops (it|them))"),
                                   unseen)
                            .arg(unseen));
        if (unseenRelation)
            log.warning(splitFiles[s], 0,
                        pluralised(QStringLiteral("%1 triple(s) (has|have) a relation that never occurs in train"),
                                   unseenRelation)
                            .arg(unseenRelation));
        warnAboutTriplesInTrain(kept.triples, distinctTrain, splitFiles[s], log);
        splits[s] = std::move(kept);
    }
    dataset.train = std::move(splits[0].triples);
    dataset.valid = std::move(splits[1].triples);
    dataset.test = std::move(splits[2].triples);

    dataset.relationNames.reserve(relations.names.size());
    for (const QByteArray &name : std::as_const(relations.names))
        dataset.relationNames << QString::fromUtf8(name);
    dataset.entities.resize(entities.names.size());
    QHash<QString, int64_t> index;
    index.reserve(entities.names.size());
    for (int64_t i = 0; i < entities.names.size(); ++i) {
        EntityInfo &e = dataset.entities[i];
        e.name = QString::fromUtf8(entities.names[i]);
        e.displayName = displayNameOf(e.name);
        index.insert(e.name, i);
    }
    if (!entities.names.isEmpty()) {
        EntityMetadataReader::read(directory, index, &dataset.entities, log);
        if (options.checkImages) {
            QString record;
            if (options.rememberCheckedImages)
                record = options.imageCheckRecordDirectory.isEmpty() ? ImageCheckRecord::defaultDirectory()
                                                                     : options.imageCheckRecordDirectory;
            EntityMetadataReader::checkImages(directory, dataset.entities, log, record);
        }
        readFeatureFiles(dir, dataset.entityCount(), options.checkFeatures, &dataset, log);
    }
    dataset.m_entityIndex = std::move(index);

    result.problems = log.problems();
    result.errorTotal = log.errorCount();
    result.warningTotal = log.warningCount();
    if (!log.hasErrors())
        result.dataset = std::move(dataset);
    return result;
}

} // namespace momok
