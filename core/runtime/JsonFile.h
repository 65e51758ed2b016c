#pragma once
// Reading the JSON files a run folder keeps (run.json, history.json, report-*.json).
#include <QJsonDocument>
#include <QString>

namespace momok {

// False when path cannot be read or is not valid JSON; error then names the file and, for
// a syntax error, the line: "<path>:<line>: <reason> (the file is damaged or was edited;
// it is not valid JSON)". The caller checks the document's shape.
bool readJsonFile(const QString &path, QJsonDocument *document, QString *error);

} // namespace momok
