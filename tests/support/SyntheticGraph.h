#pragma once
// Small graphs generated for the tests, written in the named-triple format.
#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QString>
#include <QTextStream>

namespace momok::testing {

// `groups` communities of `perGroup` members plus one hub entity per group:
//   memberOf(member, hub)       — every member belongs to its group's hub
//   sameGroupAs(member, member') — about half of the pairs within a group, in both directions
// 80/10/10 split with every valid/test entity present in train. A model that
// learns the community structure ranks the right hub first: chance MRR is tiny.
inline void writeCommunityGraph(const QString &dir, int groups = 6, int perGroup = 12, quint32 seed = 7)
{
    QDir().mkpath(dir);
    QRandomGenerator rng(seed);
    QStringList triples;
    for (int g = 0; g < groups; ++g) {
        for (int m = 0; m < perGroup; ++m) {
            const QString member = QStringLiteral("m%1_%2").arg(g).arg(m);
            triples << QStringLiteral("%1 memberOf hub%2 .").arg(member).arg(g);
            for (int other = m + 1; other < perGroup; ++other) {
                if (rng.bounded(2) == 0)
                    continue;
                triples << QStringLiteral("%1 sameGroupAs m%2_%3 .").arg(member).arg(g).arg(other);
                triples << QStringLiteral("m%2_%3 sameGroupAs %1 .").arg(member).arg(g).arg(other);
            }
        }
    }
    triples.removeDuplicates();
    for (int i = triples.size() - 1; i > 0; --i)
        triples.swapItemsAt(i, int(rng.bounded(i + 1)));
    const int valid = triples.size() / 10, test = triples.size() / 10;
    auto write = [&](const QString &name, const QStringList &lines) {
        QFile f(QDir(dir).filePath(name));
        f.open(QIODevice::WriteOnly | QIODevice::Truncate);
        f.write((lines.join('\n') + '\n').toUtf8());
    };
    // Train first so that every entity appears there: members' memberOf triples stay in train
    // unless the member also has another training triple.
    QStringList train, heldOut;
    QSet<QString> seen;
    for (const QString &t : triples) {
        const QStringList f = t.split(' ');
        const bool needed = !seen.contains(f[0]) || !seen.contains(f[2]);
        if (needed || heldOut.size() >= valid + test) {
            train << t;
            seen.insert(f[0]);
            seen.insert(f[2]);
        } else {
            heldOut << t;
        }
    }
    write("train.txt", train);
    write("valid.txt", heldOut.mid(0, valid));
    write("test.txt", heldOut.mid(valid));
}

} // namespace momok::testing
