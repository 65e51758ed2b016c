#include "runtime/JsonFile.h"

#include <QFile>
#include <QJsonParseError>

namespace momok {

bool readJsonFile(const QString &path, QJsonDocument *document, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error) *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    const QByteArray bytes = file.readAll();
    QJsonParseError parseError;
    *document = QJsonDocument::fromJson(bytes, &parseError);
    if (!document->isNull())
        return true;
    if (error) {
        const int line = int(bytes.left(parseError.offset).count('\n')) + 1;
        *error = QStringLiteral("%1:%2: %3 (the file is damaged or was edited; it is not valid JSON)")
                     .arg(path)
                     .arg(line)
                     .arg(parseError.errorString());
    }
    return false;
}

} // namespace momok
