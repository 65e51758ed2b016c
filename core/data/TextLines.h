#pragma once
// Dataset text files read whole and walked line by line, shared by the triple and the
// metadata readers: byte-order mark dropped, "\r\n" accepted, 1-based line numbers.
#include <QByteArray>
#include <QByteArrayView>
#include <QDir>
#include <QString>

namespace momok {

class DatasetProblemLog;

struct TextFile {
    QByteArray data;
    bool validUtf8 = true; // when false, lines must be checked one by one
};

// Limits on dataset text files (see README, "Limits on input files"). Below 2 GiB, line
// numbers fit an int.
constexpr qint64 kMaxTextFileBytes = (2ll << 30) - 1; // 2 GiB
constexpr qsizetype kMaxLineBytes = 1 << 20;         // 1 MiB

// The whole file (benchmark files are a few MB), without a UTF-8 byte-order mark.
// False, with the reason logged against fileName, when it cannot be read or is over
// kMaxTextFileBytes.
bool readText(const QDir &dir, const QString &fileName, TextFile *out, DatasetProblemLog &log);

// True when the line is within kMaxLineBytes; otherwise false, with an error logged.
bool checkLineLength(QByteArrayView line, const QString &fileName, int number, DatasetProblemLog &log);

// Calls f(line, number) for every line, without its "\n" or "\r\n"; numbers are 1-based.
// f returns false to stop.
template<typename F>
void forEachLine(const QByteArray &data, F f)
{
    int number = 0;
    qsizetype start = 0;
    while (start < data.size()) {
        qsizetype end = data.indexOf('\n', start);
        if (end < 0)
            end = data.size();
        QByteArrayView line(data.constData() + start, end - start);
        if (line.endsWith('\r'))
            line.chop(1);
        start = end + 1;
        if (!f(line, ++number))
            return;
    }
}

} // namespace momok
