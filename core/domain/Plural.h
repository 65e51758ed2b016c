#pragma once
// English number agreement, the one rule every layer calls for a text that counts something:
// the engine's problem reports, the command line and the window. A text marks the words that
// agree with its count, and pluralised() picks the form:
//   "(s)"                → "" for exactly one, "s" otherwise:   "%1 triple(s)"
//   "(singular|plural)"  → the first form for one, the second otherwise:
//                          "%1 entit(y is|ies are) left without an image"
// Qt's own %n texts (tr("…", nullptr, n)) show "(s)" literally unless a translation supplies
// their numerus forms, and this build ships none; so they pass through here too, after tr():
//   pluralised(tr("%n run(s) (was|were) stopped", nullptr, n), n)
// A translated text, with forms of its own and no marks, passes through unchanged.
#include <QString>

namespace momok {

// Zero and every count but one take the plural, as English does ("0 errors", "1 error").
constexpr bool takesSingular(qint64 count) { return count == 1; }

// `text` with its marks resolved for `count` (see above). A parenthesis that is not a mark, such
// as "(double-click one to open it)" or "(a|b|c)", is left as written.
QString pluralised(const QString &text, qint64 count);

// The count, a space and `noun` with its marks resolved: counted(1, "epoch(s)") is "1 epoch",
// counted(3, "batch(|es)") "3 batches". For a text that counts two things, each its own phrase.
QString counted(qint64 count, const QString &noun);

} // namespace momok
