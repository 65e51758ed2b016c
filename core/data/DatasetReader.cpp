#include "data/DatasetReader.h"

#include "data/EntityMetadataReader.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>

namespace momok {

namespace {

class ProblemLog
{
public:
    void add(DatasetProblem::Severity severity, const QString &file, int line, const QString &reason)
    {
        problems.append({severity, file, line, reason});
    }
    bool hasErrors() const
    {
        return std::any_of(problems.begin(), problems.end(), [](const DatasetProblem &p) { return p.severity == DatasetProblem::Error; });
    }
    QVector<DatasetProblem> problems;
};

QList<QByteArray> readLines(const QString &path, bool *ok)
{
    QFile file(path);
    *ok = file.open(QIODevice::ReadOnly);
    if (!*ok)
        return {};
    QList<QByteArray> lines = file.readAll().split('\n');
    if (!lines.isEmpty() && lines.last().trimmed().isEmpty())
        lines.removeLast();
    for (QByteArray &l : lines)
        if (l.endsWith('\r'))
            l.chop(1);
    return lines;
}

QList<QByteArray> fields(const QByteArray &line, bool tsv)
{
    if (tsv)
        return line.split('\t');
    QList<QByteArray> out;
    for (const QByteArray &f : line.simplified().split(' '))
        if (!f.isEmpty())
            out << f;
    return out;
}

struct NameTable {
    QHash<QString, int64_t> ids;
    QStringList names;
    int64_t idOf(const QString &name, bool create)
    {
        auto it = ids.find(name);
        if (it != ids.end())
            return *it;
        if (!create)
            return -1;
        ids.insert(name, names.size());
        names << name;
        return names.size() - 1;
    }
};

// NAME ID per line; OpenKE files start with the count.
bool readIdFile(const QString &dir, const QString &fileName, bool countHeader, NameTable *table, ProblemLog &log)
{
    bool ok = false;
    const QList<QByteArray> lines = readLines(QDir(dir).filePath(fileName), &ok);
    if (!ok) {
        log.add(DatasetProblem::Error, fileName, 0, QStringLiteral("cannot be read"));
        return false;
    }
    int first = 0;
    if (countHeader) {
        bool isNumber = false;
        const int64_t count = lines.value(0).trimmed().toLongLong(&isNumber);
        if (!isNumber)
            log.add(DatasetProblem::Error, fileName, 1, QStringLiteral("the first line must be the entry count"));
        else if (count != lines.size() - 1)
            log.add(DatasetProblem::Error, fileName, 1,
                    QStringLiteral("the count says %1 entries but the file has %2").arg(count).arg(lines.size() - 1));
        first = 1;
    }
    QHash<int64_t, int> seenIds;
    QVector<QString> byId(lines.size(), QString());
    for (int i = first; i < lines.size(); ++i) {
        const QByteArray line = lines[i];
        const int split = std::max(line.lastIndexOf('\t'), line.lastIndexOf(' '));
        bool isNumber = false;
        const int64_t id = split > 0 ? line.mid(split + 1).trimmed().toLongLong(&isNumber) : -1;
        if (split <= 0 || !isNumber) {
            log.add(DatasetProblem::Error, fileName, i + 1, QStringLiteral("expected NAME ID"));
            continue;
        }
        const QString name = QString::fromUtf8(line.left(split).trimmed());
        if (id < 0 || id >= byId.size()) {
            log.add(DatasetProblem::Error, fileName, i + 1, QStringLiteral("id %1 is out of range").arg(id));
            continue;
        }
        if (seenIds.contains(id)) {
            log.add(DatasetProblem::Error, fileName, i + 1, QStringLiteral("duplicate id %1 (first on line %2)").arg(id).arg(seenIds[id]));
            continue;
        }
        if (table->ids.contains(name)) {
            log.add(DatasetProblem::Error, fileName, i + 1, QStringLiteral("duplicate name '%1'").arg(name));
            continue;
        }
        seenIds.insert(id, i + 1);
        byId[int(id)] = name;
        table->ids.insert(name, id);
    }
    const int count = seenIds.size();
    for (int i = 0; i < count; ++i) {
        if (byId[i].isNull()) {
            log.add(DatasetProblem::Error, fileName, 0, QStringLiteral("ids are not contiguous: id %1 is missing").arg(i));
            return false;
        }
        table->names << byId[i];
    }
    return !log.hasErrors();
}

QString displayNameOf(const QString &name)
{
    QString n = name;
    if (n.startsWith('<') && n.endsWith('>'))
        n = n.mid(1, n.size() - 2).section('/', -1);
    return n.replace('_', ' ');
}

} // namespace

QString DatasetLoadResult::summary() const
{
    QStringList lines;
    for (const DatasetProblem &p : problems)
        lines << QStringLiteral("%1%2: %3: %4")
                     .arg(p.file, p.line > 0 ? QStringLiteral(":%1").arg(p.line) : QString(),
                          p.severity == DatasetProblem::Error ? QStringLiteral("error") : QStringLiteral("warning"), p.reason);
    return lines.join('\n');
}

DatasetLoadResult DatasetReader::read(const QString &directory, const DatasetLoadOptions &options)
{
    DatasetLoadResult result;
    ProblemLog log;
    const QDir dir(directory);
    KgDataset dataset;
    dataset.directory = QFileInfo(directory).absoluteFilePath();
    if (!dir.exists()) {
        result.problems.append({DatasetProblem::Error, directory, 0, QStringLiteral("folder does not exist")});
        return result;
    }
    const bool openKe = dir.exists("train2id.txt");
    const bool tsv = !openKe && dir.exists("train.tsv");
    const bool named = !openKe && !tsv && dir.exists("train.txt");
    if (!openKe && !tsv && !named) {
        result.problems.append({DatasetProblem::Error, QStringLiteral("train.txt"), 0,
                                QStringLiteral("no training triples: expected train.txt, train2id.txt or train.tsv")});
        return result;
    }
    dataset.format = openKe ? DatasetFormat::OpenKE : tsv ? DatasetFormat::Tsv : DatasetFormat::NamedTriples;
    NameTable entities, relations;
    const bool fixedIds = dir.exists("entity2id.txt") && dir.exists("relation2id.txt");
    if (fixedIds || openKe) {
        readIdFile(directory, "entity2id.txt", openKe, &entities, log);
        readIdFile(directory, "relation2id.txt", openKe, &relations, log);
    }
    const QString extension = openKe ? "2id.txt" : tsv ? ".tsv" : ".txt";
    std::vector<Triple> *targets[] = {&dataset.train, &dataset.valid, &dataset.test};
    const char *splits[] = {"train", "valid", "test"};
    for (int s = 0; s < 3; ++s) {
        const QString fileName = QString::fromLatin1(splits[s]) + extension;
        if (!dir.exists(fileName)) {
            if (s == 0)
                log.add(DatasetProblem::Error, fileName, 0, QStringLiteral("missing"));
            continue;
        }
        bool ok = false;
        const QList<QByteArray> lines = readLines(dir.filePath(fileName), &ok);
        int first = 0;
        if (openKe) {
            bool isNumber = false;
            const int64_t count = lines.value(0).trimmed().toLongLong(&isNumber);
            if (!isNumber || count != lines.size() - 1)
                log.add(DatasetProblem::Error, fileName, 1, QStringLiteral("the count line says %1 but the file has %2 triples")
                                                             .arg(QString::fromUtf8(lines.value(0).trimmed())).arg(lines.size() - 1));
            first = 1;
        }
        for (int i = first; i < lines.size(); ++i) {
            if (lines[i].trimmed().isEmpty())
                continue;
            QList<QByteArray> f = fields(lines[i], tsv);
            if (!tsv && !openKe && f.size() == 4 && f[3] == ".")
                f.removeLast();
            if (f.size() != 3) {
                log.add(DatasetProblem::Error, fileName, i + 1, QStringLiteral("expected 3 columns, found %1").arg(f.size()));
                continue;
            }
            Triple t;
            if (openKe) {
                bool a = false, b = false, c = false;
                t.head = f[0].toLongLong(&a);
                t.tail = f[1].toLongLong(&b);
                t.relation = f[2].toLongLong(&c);
                if (!a || !b || !c) {
                    log.add(DatasetProblem::Error, fileName, i + 1, QStringLiteral("ids must be integers"));
                    continue;
                }
                if (t.head < 0 || t.head >= entities.names.size() || t.tail < 0 || t.tail >= entities.names.size()) {
                    log.add(DatasetProblem::Error, fileName, i + 1, QStringLiteral("unknown entity id"));
                    continue;
                }
                if (t.relation < 0 || t.relation >= relations.names.size()) {
                    log.add(DatasetProblem::Error, fileName, i + 1, QStringLiteral("unknown relation id %1").arg(t.relation));
                    continue;
                }
            } else {
                const QString h = QString::fromUtf8(f[0].trimmed()), r = QString::fromUtf8(f[1].trimmed()),
                              ta = QString::fromUtf8(f[2].trimmed());
                t.head = entities.idOf(h, !fixedIds);
                t.relation = relations.idOf(r, !fixedIds);
                t.tail = entities.idOf(ta, !fixedIds);
                if (t.head < 0 || t.tail < 0) {
                    log.add(DatasetProblem::Error, fileName, i + 1,
                            QStringLiteral("unknown entity '%1'").arg(t.head < 0 ? h : ta));
                    continue;
                }
                if (t.relation < 0) {
                    log.add(DatasetProblem::Error, fileName, i + 1, QStringLiteral("unknown relation '%1'").arg(r));
                    continue;
                }
            }
            targets[s]->push_back(t);
        }
    }
    if (dataset.train.empty() && !log.hasErrors())
        log.add(DatasetProblem::Error, QStringLiteral("train") + extension, 0, QStringLiteral("the training split is empty"));

    // Evaluation triples about entities never seen in training cannot be ranked meaningfully.
    std::vector<uint8_t> seen(size_t(entities.names.size()), 0);
    for (const Triple &t : dataset.train)
        seen[size_t(t.head)] = seen[size_t(t.tail)] = 1;
    // In multi-modal graphs such entities still have images and text, so the benchmarks keep
    // them (MKG-Y does); they are reported, and dropped only on request, as other tools do.
    for (int s = 1; s < 3; ++s) {
        std::vector<Triple> kept;
        int64_t unseen = 0;
        for (const Triple &t : *targets[s]) {
            const bool known = seen[size_t(t.head)] && seen[size_t(t.tail)];
            unseen += !known;
            if (known || !options.dropUnseenEvaluationTriples)
                kept.push_back(t);
        }
        if (unseen)
            log.add(DatasetProblem::Warning, QString::fromLatin1(splits[s]) + extension, 0,
                    options.dropUnseenEvaluationTriples
                        ? QStringLiteral("dropped %1 triples with an entity that never occurs in train").arg(unseen)
                        : QStringLiteral("%1 triples have an entity that never occurs in train (kept; --drop-unseen drops them)").arg(unseen));
        *targets[s] = kept;
    }

    dataset.relationNames = relations.names;
    dataset.entities.resize(entities.names.size());
    for (int i = 0; i < entities.names.size(); ++i) {
        dataset.entities[i].name = entities.names[i];
        dataset.entities[i].displayName = displayNameOf(entities.names[i]);
    }
    EntityMetadataReader::read(directory, entities.ids, &dataset.entities, &log.problems);
    result.problems = log.problems;
    if (!log.hasErrors())
        result.dataset = std::move(dataset);
    return result;
}

} // namespace momok
