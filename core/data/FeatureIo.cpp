#include "data/FeatureIo.h"

#include <QFile>
#include <QRegularExpression>
#include <QSaveFile>

namespace momok {

namespace {

torch::Tensor fail(QString *error, const QString &path, const QString &reason)
{
    if (error) *error = QStringLiteral("%1: %2").arg(path, reason);
    return {};
}

torch::Tensor loadNpy(const QString &path, const QByteArray &bytes, QString *error)
{
    if (!bytes.startsWith("\x93NUMPY") || bytes.size() < 10)
        return fail(error, path, QStringLiteral("not a .npy file"));
    const int major = uchar(bytes[6]);
    qsizetype headerLength = 0, offset = 0;
    if (major == 1) {
        headerLength = uchar(bytes[8]) | (uchar(bytes[9]) << 8);
        offset = 10;
    } else if (major == 2 || major == 3) {
        headerLength = qsizetype(uchar(bytes[8]) | (uchar(bytes[9]) << 8) | (uchar(bytes[10]) << 16) | (uint32_t(uchar(bytes[11])) << 24));
        offset = 12;
    } else {
        return fail(error, path, QStringLiteral("unsupported .npy format version %1").arg(major));
    }
    const QString header = QString::fromLatin1(bytes.mid(offset, headerLength));
    const auto descr = QRegularExpression("'descr':\\s*'([^']*)'").match(header).captured(1);
    if (QRegularExpression("'fortran_order':\\s*True").match(header).hasMatch())
        return fail(error, path, QStringLiteral("Fortran-ordered arrays are not supported (save with C order)"));
    const auto shape = QRegularExpression("'shape':\\s*\\(([^)]*)\\)").match(header).captured(1).split(',', Qt::SkipEmptyParts);
    if (shape.size() != 2)
        return fail(error, path, QStringLiteral("expected a 2-D matrix, found %1 dimensions").arg(shape.size()));
    const int64_t rows = shape[0].trimmed().toLongLong(), cols = shape[1].trimmed().toLongLong();
    torch::ScalarType type;
    int64_t itemSize = 0;
    if (descr == "<f4") { type = torch::kFloat; itemSize = 4; }
    else if (descr == "<f8") { type = torch::kDouble; itemSize = 8; }
    else return fail(error, path, QStringLiteral("unsupported dtype '%1' (use float32 or float64)").arg(descr));
    const qsizetype dataOffset = offset + headerLength;
    if (bytes.size() - dataOffset < rows * cols * itemSize)
        return fail(error, path, QStringLiteral("the file is shorter than its %1×%2 header says").arg(rows).arg(cols));
    auto tensor = torch::empty({rows, cols}, type);
    std::memcpy(tensor.data_ptr(), bytes.constData() + dataOffset, size_t(rows * cols * itemSize));
    return tensor.to(torch::kFloat);
}

} // namespace

torch::Tensor FeatureIo::load(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(error, path, file.errorString());
    const QByteArray bytes = file.readAll();
    torch::Tensor values;
    if (path.endsWith(".npy", Qt::CaseInsensitive)) {
        values = loadNpy(path, bytes, error);
    } else {
        try {
            const std::vector<char> data(bytes.begin(), bytes.end());
            values = torch::pickle_load(data).toTensor().to(torch::kFloat);
        } catch (const std::exception &e) {
            return fail(error, path, QStringLiteral("cannot read a tensor: %1").arg(QString::fromUtf8(e.what()).section('\n', 0, 0)));
        }
    }
    if (!values.defined())
        return values;
    if (values.dim() != 2)
        return fail(error, path, QStringLiteral("expected a 2-D matrix, found %1 dimensions").arg(values.dim()));
    auto bad = values.isfinite().all(1).logical_not().nonzero();
    if (bad.numel() > 0)
        return fail(error, path, QStringLiteral("row %1 contains NaN or infinite values").arg(bad[0][0].item<int64_t>()));
    return values.contiguous();
}

bool FeatureIo::save(const QString &path, const torch::Tensor &values, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error) *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    auto v = values.to(torch::kFloat).contiguous();
    if (path.endsWith(".npy", Qt::CaseInsensitive)) {
        QByteArray header = QStringLiteral("{'descr': '<f4', 'fortran_order': False, 'shape': (%1, %2), }")
                                .arg(v.size(0)).arg(v.size(1)).toLatin1();
        while ((10 + header.size() + 1) % 64 != 0)
            header.append(' ');
        header.append('\n');
        QByteArray prefix("\x93NUMPY\x01\x00", 8);
        prefix.append(char(header.size() & 0xff)).append(char(header.size() >> 8));
        file.write(prefix + header);
        file.write(reinterpret_cast<const char *>(v.data_ptr<float>()), qint64(v.numel() * 4));
    } else {
        const std::vector<char> data = torch::pickle_save(v);
        file.write(data.data(), qint64(data.size()));
    }
    if (!file.commit()) {
        if (error) *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool FeatureIo::checkRowCount(const torch::Tensor &values, int64_t expected, const QString &path, QString *error)
{
    if (values.size(0) == expected)
        return true;
    if (error)
        *error = QStringLiteral("%1: %2 rows, but the dataset has %3 entities (one row per entity, in id order)")
                     .arg(path).arg(values.size(0)).arg(expected);
    return false;
}

} // namespace momok
