#include "data/FeatureIo.h"

#include "data/TorchFileCheck.h"

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

// One dimension of a .npy shape: a non-negative decimal integer.
bool parseDimension(const QString &text, int64_t *value)
{
    bool ok = false;
    *value = text.trimmed().toLongLong(&ok);
    return ok && *value >= 0;
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
        if (bytes.size() < 12)
            return fail(error, path, QStringLiteral("not a .npy file (truncated header)"));
        headerLength = qsizetype(uchar(bytes[8]) | (uchar(bytes[9]) << 8) | (uchar(bytes[10]) << 16) | (uint32_t(uchar(bytes[11])) << 24));
        offset = 12;
    } else {
        return fail(error, path, QStringLiteral("unsupported .npy format version %1").arg(major));
    }
    if (headerLength > FeatureIo::kMaxNpyHeaderBytes || headerLength > bytes.size() - offset)
        return fail(error, path, QStringLiteral("the .npy header of %1 bytes is longer than the file or the limit of %2 bytes")
                                     .arg(headerLength).arg(FeatureIo::kMaxNpyHeaderBytes));
    const QString header = QString::fromLatin1(bytes.mid(offset, headerLength));
    const auto descr = QRegularExpression("'descr':\\s*'([^']*)'").match(header).captured(1);
    if (QRegularExpression("'fortran_order':\\s*True").match(header).hasMatch())
        return fail(error, path, QStringLiteral("Fortran-ordered arrays are not supported (save with C order)"));
    const auto shape = QRegularExpression("'shape':\\s*\\(([^)]*)\\)").match(header).captured(1).split(',', Qt::SkipEmptyParts);
    if (shape.size() != 2)
        return fail(error, path, QStringLiteral("expected a 2-D matrix, found %1 dimensions").arg(shape.size()));
    int64_t rows = 0, cols = 0;
    if (!parseDimension(shape[0], &rows) || !parseDimension(shape[1], &cols))
        return fail(error, path, QStringLiteral("the shape (%1, %2) is not two non-negative integers")
                                     .arg(shape[0].trimmed().left(40), shape[1].trimmed().left(40)));
    torch::ScalarType type;
    int64_t itemSize = 0;
    if (descr == "<f4") { type = torch::kFloat; itemSize = 4; }
    else if (descr == "<f8") { type = torch::kDouble; itemSize = 8; }
    else return fail(error, path, QStringLiteral("unsupported dtype '%1' (use float32 or float64)").arg(descr));
    // The shape must account for the data exactly: nothing is allocated for a shape the file
    // does not hold (a header may claim 10^12 elements).
    const qsizetype dataOffset = offset + headerLength;
    const int64_t dataBytes = bytes.size() - dataOffset;
    int64_t expected = 0;
    const bool overflow = __builtin_mul_overflow(rows, cols, &expected) || __builtin_mul_overflow(expected, itemSize, &expected);
    if (overflow || expected != dataBytes)
        return fail(error, path, QStringLiteral("its %1×%2 header needs %3 bytes of data but the file holds %4")
                                     .arg(rows).arg(cols)
                                     .arg(overflow ? QStringLiteral("more than 2^63") : QString::number(expected))
                                     .arg(dataBytes));
    auto tensor = torch::empty({rows, cols}, type);
    if (expected > 0)
        std::memcpy(tensor.data_ptr(), bytes.constData() + dataOffset, size_t(expected));
    return tensor.to(torch::kFloat);
}

torch::Tensor loadPt(const QString &path, const QByteArray &bytes, QString *error)
{
    // LibTorch's reader trusts the file: checked first (see TorchFileCheck.h).
    QString reason;
    if (!checkTorchFile(bytes, &reason))
        return fail(error, path, QStringLiteral("cannot read a tensor: %1").arg(reason));
    torch::Tensor values;
    try {
        const std::vector<char> data(bytes.begin(), bytes.end());
        const torch::IValue value = torch::pickle_load(data);
        if (!value.isTensor())
            return fail(error, path, QStringLiteral("holds a %1, not a tensor").arg(QString::fromStdString(value.tagKind())));
        values = value.toTensor();
        if (!tensorFitsStorage(values, &reason))
            return fail(error, path, QStringLiteral("cannot read a tensor: %1").arg(reason));
        if (values.dim() != 2)
            return fail(error, path, QStringLiteral("expected a 2-D matrix, found %1 dimensions").arg(values.dim()));
        values = values.to(torch::kFloat);
    } catch (const std::exception &e) {
        return fail(error, path, QStringLiteral("cannot read a tensor: %1").arg(QString::fromUtf8(e.what()).section('\n', 0, 0)));
    }
    return values;
}

} // namespace

torch::Tensor FeatureIo::load(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(error, path, file.errorString());
    if (file.size() > kMaxFileBytes)
        return fail(error, path, QStringLiteral("a feature file of %1 MiB, over the limit of %2 MiB")
                                     .arg(file.size() >> 20).arg(kMaxFileBytes >> 20));
    const QByteArray bytes = file.readAll();
    if (bytes.size() != file.size())
        return fail(error, path, QStringLiteral("cannot be read whole: %1").arg(file.errorString()));
    const torch::Tensor values = path.endsWith(".npy", Qt::CaseInsensitive) ? loadNpy(path, bytes, error)
                                                                            : loadPt(path, bytes, error);
    if (!values.defined())
        return values;
    if (values.dim() != 2)
        return fail(error, path, QStringLiteral("expected a 2-D matrix, found %1 dimensions").arg(values.dim()));
    // An empty matrix holds no features; its other dimension could be anything (10^18).
    if (values.numel() == 0)
        return fail(error, path, QStringLiteral("an empty %1×%2 matrix").arg(values.size(0)).arg(values.size(1)));
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
