#include "storage/FtsQuery.h"

namespace momok {

QStringList FtsQuery::tokens(const QString &text)
{
    QStringList out;
    QString current;
    for (const QChar c : text) {
        if (c.isLetterOrNumber() || c.isMark()) {
            current += c;
        } else if (!current.isEmpty()) {
            out << current;
            current.clear();
        }
    }
    if (!current.isEmpty())
        out << current;
    return out;
}

QString FtsQuery::prefixQuery(const QString &text)
{
    QStringList terms;
    for (QString token : tokens(text)) {
        if (terms.size() == kMaxTokens)
            break;
        // Tokens hold no quotes, but doubling them keeps the quoting correct should
        // the tokenizer rules above ever change.
        token.replace(QLatin1Char('"'), QLatin1String("\"\""));
        terms << QLatin1Char('"') + token + QLatin1String("\"*");
    }
    return terms.join(QLatin1String(" AND "));
}

} // namespace momok
