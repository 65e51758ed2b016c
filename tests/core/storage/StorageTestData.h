#pragma once
// Datasets and evaluation reports shared by the storage suites.
#include "data/KgDataset.h"
#include "eval/EvaluationReport.h"

#include <QDir>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTextStream>
#include <QVariant>

namespace momok::testdata {

inline EntityInfo entity(const QString &name, const QString &description = {}, const QString &type = {},
                         const QStringList &images = {})
{
    EntityInfo e;
    e.name = name;
    e.displayName = QString(name).replace(QLatin1Char('_'), QLatin1Char(' '));
    e.description = description;
    e.type = type;
    e.imagePaths = images;
    return e;
}

// A handful of entities with every kind of metadata, some missing on purpose.
inline KgDataset smallDataset(const QString &dir)
{
    KgDataset d;
    d.directory = dir;
    d.format = DatasetFormat::NamedTriples;
    d.relationNames = {"locatedIn", "capitalOf", "bornIn"};
    d.entities = {
        entity("Japan", "Island country in East Asia", "country", {dir + "/images/japan.jpg"}),
        entity("Tokyo", "Capital of Japan", "city", {dir + "/images/tokyo.jpg", dir + "/images/tokyo2.jpg"}),
        entity("Japanese_cuisine", "Traditional food of Japan", "topic"),
        entity("Kyoto", "", "city", {dir + "/images/kyoto.jpg"}),
        entity("FC_Jūrmala", "Latvian football club", "club"),
        entity("Count_Max_(1991_film)", "", "film"),
        entity("Bopha!", "1993 film directed by Morgan Freeman", "film", {dir + "/images/bopha.jpg"}),
        entity("O'Brien_(surname)", "Irish surname", "name"),
        entity("Jerry_Bruckheimer", "American film producer", "person"),
        entity("Tokyo_Tower", "Communications tower in Tokyo", "building"),
    };
    d.train = {{1, 0, 0}, {1, 1, 0}, {3, 0, 0}, {8, 2, 3}};
    d.valid = {{9, 0, 1}};
    d.test = {{6, 2, 7}};
    return d;
}

// MKG-Y as the reader would see it, built from its id files: entity names with
// '_' become display names (the benchmark has no descriptions or images).
inline KgDataset datasetFromIdFiles(const QString &dir)
{
    KgDataset d;
    d.directory = dir;
    auto readNames = [](const QString &path) {
        QStringList names;
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
            return names;
        QTextStream in(&f);
        while (!in.atEnd()) {
            const QStringList parts = in.readLine().split(QLatin1Char(' '), Qt::SkipEmptyParts);
            if (parts.size() != 2)
                continue;
            const int id = parts[1].toInt();
            if (names.size() <= id)
                names.resize(id + 1);
            names[id] = parts[0];
        }
        return names;
    };
    d.relationNames = readNames(dir + "/relation2id.txt");
    for (const QString &name : readNames(dir + "/entity2id.txt"))
        d.entities << entity(name);
    return d;
}

// Deterministic metrics that differ per relation, decoder, direction and tie policy.
inline RankMetrics metrics(double base, int64_t count)
{
    RankMetrics m;
    m.mrr = base;
    m.mr = 1000.0 / (base + 1.0);
    m.hits1 = base * 0.8;
    m.hits3 = base * 1.1;
    m.hits10 = base * 1.3 + 0.125;
    m.count = count;
    return m;
}

inline DirectionalMetrics directional(double base, int64_t count)
{
    DirectionalMetrics out;
    for (int d = 0; d < kDecoderCount; ++d) {
        const double b = base + d * 1.5;
        out.both[d] = {metrics(b, 2 * count), metrics(b + 0.25, 2 * count), metrics(b - 0.25, 2 * count)};
        out.tail[d] = {metrics(b + 1, count), metrics(b + 1.25, count), metrics(b + 0.75, count)};
        out.head[d] = {metrics(b - 1, count), metrics(b - 0.75, count), metrics(b - 1.25, count)};
    }
    return out;
}

inline EvaluationReport report(int relations, int experts, int epoch, const QString &split, double base = 30.0)
{
    EvaluationReport r;
    r.split = splitFromName(split);
    r.epoch = epoch;
    r.seconds = 1.5 + epoch;
    r.overall = directional(base + epoch * 0.1, 1000);
    for (int i = 0; i < relations; ++i)
        r.relations.append({i, QStringLiteral("rel%1").arg(i), directional(base + i + 1 / 3.0, 10 + i)});
    r.gates.relations = relations;
    r.gates.modalities = 3;
    r.gates.experts = experts;
    for (int i = 0; i < relations; ++i) {
        r.gates.relationNames << QStringLiteral("rel%1").arg(i);
        r.gates.queryCount << 2 * (10 + i);
        for (int m = 0; m < 3; ++m) {
            for (int e = 0; e < experts; ++e)
                r.gates.meanWeight << (1.0 + i + m + e) / (experts * (2.0 + i + m) + experts * (experts - 1) / 2.0);
        }
    }
    return r;
}

// A second, plain connection to a workspace file: lets a suite look at or tamper
// with the database behind the Workspace API's back.
class RawDb
{
public:
    explicit RawDb(const QString &path)
        : m_name(QStringLiteral("raw-%1").arg(quintptr(this)))
    {
        m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        m_db.setDatabaseName(path);
        m_db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
        m_db.open();
    }
    ~RawDb()
    {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }
    // Runs one statement; the error text (empty on success).
    QString exec(const QString &sql)
    {
        QSqlQuery q(m_db);
        return q.exec(sql) ? QString() : q.lastError().text() + QStringLiteral(" in: ") + sql;
    }
    // First column of the first row, or an invalid QVariant.
    QVariant value(const QString &sql)
    {
        QSqlQuery q(m_db);
        if (!q.exec(sql) || !q.next())
            return {};
        return q.value(0);
    }
    qint64 count(const QString &table, const QString &where = {})
    {
        return value(QStringLiteral("SELECT count(*) FROM ") + table
                     + (where.isEmpty() ? QString() : QStringLiteral(" WHERE ") + where))
            .toLongLong();
    }

private:
    QString m_name;
    QSqlDatabase m_db;
};

} // namespace momok::testdata
