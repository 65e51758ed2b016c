#pragma once
// Turns what a user types into a safe FTS5 query. User text is never passed to
// MATCH as is: quotes, '*', '-', ':' or words like NEAR/OR would be FTS syntax.
#include <QString>
#include <QStringList>

namespace momok {

class FtsQuery
{
public:
    // Splits like SQLite's unicode61 tokenizer: runs of letters, digits and
    // combining marks; everything else ('_', punctuation, spaces) separates.
    static QStringList tokens(const QString &text);

    // Every token as a quoted prefix term, ANDed: `jap tok` -> `"jap"* AND "tok"*`.
    // Empty when the text has no tokens.
    static QString prefixQuery(const QString &text);

    // Tokens beyond this are ignored: enough for any name, bounded work per keystroke.
    static constexpr int kMaxTokens = 16;
};

} // namespace momok
