#include "domain/Plural.h"

namespace momok {

QString pluralised(const QString &text, qint64 count)
{
    const bool one = takesSingular(count);
    QString out;
    out.reserve(text.size());
    qsizetype i = 0;
    while (i < text.size()) {
        const qsizetype open = text.indexOf(QLatin1Char('('), i);
        if (open < 0) {
            out += QStringView(text).mid(i);
            break;
        }
        out += QStringView(text).mid(i, open - i);
        const qsizetype close = text.indexOf(QLatin1Char(')'), open + 1);
        const QStringView inside = close < 0 ? QStringView() : QStringView(text).mid(open + 1, close - open - 1);
        if (inside == QLatin1String("s")) {
            if (!one)
                out += QLatin1Char('s');
        } else if (close >= 0 && inside.count(QLatin1Char('|')) == 1 && !inside.contains(QLatin1Char('('))) {
            const qsizetype bar = inside.indexOf(QLatin1Char('|'));
            out += one ? inside.left(bar) : inside.mid(bar + 1);
        } else {
            out += QLatin1Char('('); // not a mark: kept, and the scan goes on inside it
            i = open + 1;
            continue;
        }
        i = close + 1;
    }
    return out;
}

QString counted(qint64 count, const QString &noun)
{
    return QString::number(count) + QLatin1Char(' ') + pluralised(noun, count);
}

} // namespace momok
