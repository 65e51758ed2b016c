// Feature matrices on disk: .npy in every format version NumPy writes (float32 and
// float64), .pt files written by LibTorch, the errors for what cannot be read, and the
// imputation of entities that lack a modality.
#include "data/FeatureIo.h"
#include "data/ModalityFeatures.h"

#include <caffe2/serialize/inline_container.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace momok;

namespace {

// An .npy file as NumPy writes it: magic, version, header length, a padded dict header.
QByteArray npyBytes(int major, const QByteArray &descr, const QByteArray &order, int rows, int cols, const QByteArray &data)
{
    QByteArray header = "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': ("
                        + QByteArray::number(rows) + ", " + QByteArray::number(cols) + "), }";
    const int prefix = major == 1 ? 10 : 12;
    while ((prefix + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    QByteArray out("\x93NUMPY", 6);
    out += char(major);
    out += char(0);
    const quint32 length = quint32(header.size());
    out += char(length & 0xff);
    out += char((length >> 8) & 0xff);
    if (major > 1) {
        out += char((length >> 16) & 0xff);
        out += char((length >> 24) & 0xff);
    }
    return out + header + data;
}

template <typename T> QByteArray rawValues(const std::vector<T> &values)
{
    return QByteArray(reinterpret_cast<const char *>(values.data()), qsizetype(values.size() * sizeof(T)));
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

// ---- .pt files built by hand: a pickle (protocol 2) in a zip written by LibTorch's own
// archive writer, as torch.save writes it.

QByteArray pickleInt(int64_t v)
{
    QByteArray out;
    if (v >= INT32_MIN && v <= INT32_MAX) {
        out += 'J';
        for (int i = 0; i < 4; ++i)
            out += char((uint32_t(int32_t(v)) >> (8 * i)) & 0xff);
    } else {
        out += char(0x8a);
        out += char(8);
        for (int i = 0; i < 8; ++i)
            out += char((uint64_t(v) >> (8 * i)) & 0xff);
    }
    return out;
}

QByteArray pickleString(const QByteArray &s)
{
    QByteArray out("X");
    for (int i = 0; i < 4; ++i)
        out += char((uint32_t(s.size()) >> (8 * i)) & 0xff);
    return out + s;
}

QByteArray pickleIntTuple(const std::vector<int64_t> &values)
{
    QByteArray out("(");
    for (int64_t v : values)
        out += pickleInt(v);
    return out + 't';
}

// torch._utils._rebuild_tensor_v2(storage 0 of `numel` floats, offset, sizes, strides, False, OrderedDict()).
QByteArray tensorPickle(int64_t numel, const std::vector<int64_t> &sizes, const std::vector<int64_t> &strides,
                        int64_t offset = 0)
{
    QByteArray p("\x80\x02", 2);
    p += "ctorch._utils\n_rebuild_tensor_v2\n";
    p += "((" + pickleString("storage") + "ctorch\nFloatStorage\n" + pickleString("0") + pickleString("cpu")
         + pickleInt(numel) + "tQ";
    p += pickleInt(offset) + pickleIntTuple(sizes) + pickleIntTuple(strides);
    p += "\x89" "ccollections\nOrderedDict\n)R" "tR.";
    return p;
}

// A zip as torch.save writes it: archive/data.pkl, archive/data/0 and archive/version.
QByteArray torchArchive(const QByteArray &pickle, const QByteArray &storage)
{
    QByteArray out;
    caffe2::serialize::PyTorchStreamWriter writer([&out](const void *data, size_t size) {
        out.append(static_cast<const char *>(data), qsizetype(size));
        return size;
    });
    writer.writeRecord("data.pkl", pickle.constData(), size_t(pickle.size()));
    writer.writeRecord("data/0", storage.constData(), size_t(storage.size()));
    writer.writeEndOfFile();
    return out;
}

} // namespace

class TestFeatureIo : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    // The file is refused, and the error starts with its path and gives the reason.
    void expectRefused(const char *name, const QByteArray &bytes, const char *reason)
    {
        const QString path = m_dir.filePath(QString::fromUtf8(name));
        QVERIFY(writeFile(path, bytes));
        QString error;
        QVERIFY2(!FeatureIo::load(path, &error).defined(), name);
        QVERIFY2(error.startsWith(path + ": ") && error.contains(QString::fromUtf8(reason)), qPrintable(error));
    }

private Q_SLOTS:
    void npyRoundTrip()
    {
        const auto values = torch::randn({7, 5});
        const QString path = m_dir.filePath("round.npy");
        QString error;
        QVERIFY2(FeatureIo::save(path, values, &error), qPrintable(error));
        const auto loaded = FeatureIo::load(path, &error);
        QVERIFY2(loaded.defined(), qPrintable(error));
        QVERIFY(torch::equal(loaded, values));
    }

    void npyEveryVersionAndPrecision_data()
    {
        QTest::addColumn<int>("major");
        QTest::addColumn<bool>("doublePrecision");
        for (int major : {1, 2, 3})
            for (bool dbl : {false, true})
                QTest::addRow("v%d %s", major, dbl ? "float64" : "float32") << major << dbl;
    }

    void npyEveryVersionAndPrecision()
    {
        QFETCH(int, major);
        QFETCH(bool, doublePrecision);
        const std::vector<double> expected{0.5, -1.25, 3.0, 1e-3, 42.0, -7.5};
        const QByteArray data = doublePrecision ? rawValues(expected)
                                                : rawValues(std::vector<float>(expected.begin(), expected.end()));
        const QString path = m_dir.filePath(QStringLiteral("v%1-%2.npy").arg(major).arg(doublePrecision));
        QVERIFY(writeFile(path, npyBytes(major, doublePrecision ? "<f8" : "<f4", "False", 2, 3, data)));
        QString error;
        const auto loaded = FeatureIo::load(path, &error);
        QVERIFY2(loaded.defined(), qPrintable(error));
        QCOMPARE(loaded.scalar_type(), torch::kFloat);
        QCOMPARE(loaded.size(0), int64_t(2));
        QCOMPARE(loaded.size(1), int64_t(3));
        for (int i = 0; i < 6; ++i)
            QCOMPARE(loaded.view({-1})[i].item<float>(), float(expected[size_t(i)]));
    }

    void npyProblemsNameTheFile()
    {
        const QByteArray six = rawValues(std::vector<float>(6, 1.0f));
        struct Case { const char *name; QByteArray bytes; const char *reason; };
        const Case cases[] = {
            {"fortran.npy", npyBytes(1, "<f4", "True", 2, 3, six), "fortran"},
            {"ints.npy", npyBytes(1, "<i8", "False", 2, 3, six + six), "<i8"},
            {"short.npy", npyBytes(1, "<f4", "False", 4, 3, six), ""},
            {"garbage.npy", QByteArray("not a numpy file at all"), ""},
        };
        for (const Case &c : cases) {
            const QString path = m_dir.filePath(c.name);
            QVERIFY(writeFile(path, c.bytes));
            QString error;
            QVERIFY2(!FeatureIo::load(path, &error).defined(), c.name);
            QVERIFY2(error.contains(c.name), qPrintable(error));
            QVERIFY2(error.contains(QLatin1String(c.reason), Qt::CaseInsensitive), qPrintable(error));
        }
    }

    void ptWrittenByLibTorch()
    {
        // The fixture is written by LibTorch itself, as torch.save would write it.
        const auto values = torch::arange(12, torch::kDouble).view({4, 3}) / 8.0;
        const std::vector<char> bytes = torch::pickle_save(values);
        const QString path = m_dir.filePath("features.pt");
        QVERIFY(writeFile(path, QByteArray(bytes.data(), qsizetype(bytes.size()))));
        QString error;
        const auto loaded = FeatureIo::load(path, &error);
        QVERIFY2(loaded.defined(), qPrintable(error));
        QVERIFY(torch::allclose(loaded, values.to(torch::kFloat)));
        // And our own .pt writer reads back identically.
        const QString again = m_dir.filePath("again.pt");
        QVERIFY2(FeatureIo::save(again, loaded, &error), qPrintable(error));
        QVERIFY(torch::equal(FeatureIo::load(again, &error), loaded));
    }

    void npyHostileHeadersAreRefusedBeforeAllocating()
    {
        const QByteArray six = rawValues(std::vector<float>(6, 1.0f));
        struct Case { const char *name; QByteArray bytes; const char *reason; };
        QByteArray truncatedV2("\x93NUMPY\x02\x00\x10\x00", 10);
        QByteArray longHeader("\x93NUMPY\x02\x00\x00\x00\x00\x7f", 12); // claims a 2 GiB header
        longHeader += six;
        const Case cases[] = {
            // 10^12 elements declared, 24 bytes held: refused from the header, nothing allocated.
            {"huge.npy", npyBytes(1, "<f4", "False", 1000000, 1000000, six), "1000000×1000000 header needs 4000000000000 bytes"},
            {"overflow.npy", npyBytes(3, "<f8", "False", 2000000000, 2000000000, six), "more than 2^63"},
            {"negative.npy", npyBytes(1, "<f4", "False", -2, -3, six), "non-negative"},
            {"long.npy", npyBytes(1, "<f4", "False", 1, 3, six), "needs 12 bytes of data but the file holds 24"},
            {"empty.npy", npyBytes(1, "<f4", "False", 0, 1000000000, QByteArray()), "an empty 0×1000000000 matrix"},
            {"truncated-v2.npy", truncatedV2, "truncated header"},
            {"header-past-end.npy", longHeader, "longer than the file"},
        };
        for (const Case &c : cases)
            expectRefused(c.name, c.bytes, c.reason);
    }

    void ptHandBuiltLikeTorchSaveLoads()
    {
        // The builder below is right: its well-formed file loads, a transposed view too.
        const std::vector<float> six{1, 2, 3, 4, 5, 6};
        const QString path = m_dir.filePath("hand.pt");
        QVERIFY(writeFile(path, torchArchive(tensorPickle(6, {3, 2}, {1, 3}), rawValues(six))));
        QString error;
        const auto loaded = FeatureIo::load(path, &error);
        QVERIFY2(loaded.defined(), qPrintable(error));
        QVERIFY(torch::equal(loaded, torch::tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}).view({2, 3}).t()));
    }

    void ptHostileFilesAreRefused()
    {
        const QByteArray six = rawValues(std::vector<float>{1, 2, 3, 4, 5, 6});
        QByteArray compressed = torchArchive(tensorPickle(6, {2, 3}, {3, 1}), six);
        // The first entry's method, in its local header and in the central directory: deflate.
        compressed[8] = 8;
        const qsizetype central = compressed.indexOf("PK\x01\x02");
        QVERIFY(central > 0);
        compressed[central + 10] = 8;
        struct Case { const char *name; QByteArray bytes; const char *reason; };
        const Case cases[] = {
            // LibTorch takes a storage's size from the pickle: 10^6 floats over 24 bytes of data.
            {"storage.pt", torchArchive(tensorPickle(1000000, {1000, 1000}, {1000, 1}), six), "a storage of 1000000 elements"},
            // Sizes and strides past the storage (LibTorch does not check them).
            {"view.pt", torchArchive(tensorPickle(6, {1000, 1000}, {1000, 1}), six), "larger than its storage"},
            {"offset.pt", torchArchive(tensorPickle(6, {2, 3}, {3, 1}, 4), six), "reaching past its storage"},
            {"stride0.pt", torchArchive(tensorPickle(6, {1000000, 1000000}, {0, 0}), six), "larger than its storage"},
            {"huge.pt", torchArchive(tensorPickle(6, {1000000000000LL, 1}, {1, 1}), six), "larger than its storage"},
            {"compressed.pt", compressed, "compressed zip entry"},
            {"truncated.pt", torchArchive(tensorPickle(6, {2, 3}, {3, 1}), six).left(300), "not a complete zip archive"},
            {"garbage.pt", QByteArray("PK\x03\x04 and then nothing of a zip"), "not a complete zip archive"},
            {"empty.pt", torchArchive(tensorPickle(0, {0, 5}, {5, 1}), QByteArray()), "an empty 0×5 matrix"},
        };
        for (const Case &c : cases)
            expectRefused(c.name, c.bytes, c.reason);
    }

    void ptNeverRunsCodeFromTheFile_data()
    {
        QTest::addColumn<QByteArray>("module");
        QTest::addRow("posix.system") << QByteArray("posix");
        QTest::addRow("os.system") << QByteArray("os");
    }

    void ptNeverRunsCodeFromTheFile()
    {
        // The classic pickle exploit: GLOBAL os.system, then REDUCE calls it with a command,
        // here one that would create a marker file.
        QFETCH(QByteArray, module);
        const QString marker = m_dir.filePath("marker-" + QString::fromLatin1(module));
        QVERIFY(!QFile::exists(marker));
        const QByteArray command = "touch '" + marker.toUtf8() + "'";
        QByteArray pickle("\x80\x02", 2);
        pickle += "c" + module + "\nsystem\nq\x00" + pickleString(command) + "\x85R.";
        const QByteArray file = torchArchive(pickle, QByteArray());
        const QString path = m_dir.filePath("exploit-" + QString::fromLatin1(module) + ".pt");
        QVERIFY(writeFile(path, file));
        QString error;
        QVERIFY(!FeatureIo::load(path, &error).defined());
        QVERIFY2(error.startsWith(path + ": ") && error.contains(QLatin1String(module + ".system")), qPrintable(error));
        QVERIFY2(!QFile::exists(marker), "loading a .pt file ran a command from it");
        // LibTorch's reader, behind the check, refuses the global too.
        bool threw = false;
        try {
            torch::pickle_load(std::vector<char>(file.begin(), file.end()));
        } catch (const std::exception &) {
            threw = true;
        }
        QVERIFY(threw);
        QVERIFY2(!QFile::exists(marker), "LibTorch's reader ran a command from the file");
    }

    void imputationUsesThePresentRowsMean()
    {
        auto raw = torch::tensor({{1.0f, 2.0f}, {0.0f, 0.0f}, {3.0f, 6.0f}, {9.0f, 9.0f}});
        const ModalityFeatures f = imputeMissing(raw, {1, 0, 1, 0});
        QCOMPARE(f.presentCount(), int64_t(2));
        QCOMPARE(f.present, (std::vector<uint8_t>{1, 0, 1, 0}));
        const auto mean = torch::tensor({2.0f, 4.0f});
        QVERIFY(torch::equal(f.values[1], mean));
        QVERIFY(torch::equal(f.values[3], mean)); // not present: its values are replaced too
        QVERIFY(torch::equal(f.values[0], raw[0]));
        QVERIFY(torch::equal(f.values[2], raw[2]));
    }

    void allZeroRowsAreMissingAndRowCountIsChecked()
    {
        const auto values = torch::tensor({{0.0f, 0.0f}, {2.0f, 4.0f}, {4.0f, 0.0f}});
        const QString path = m_dir.filePath("zeros.npy");
        QString error;
        QVERIFY2(FeatureIo::save(path, values, &error), qPrintable(error));
        const ModalityFeatures f = loadModalityFeatures(path, 3, &error);
        QVERIFY2(f.values.defined(), qPrintable(error));
        QCOMPARE(f.present, (std::vector<uint8_t>{0, 1, 1}));
        QVERIFY(torch::equal(f.values[0], torch::tensor({3.0f, 2.0f})));
        QVERIFY(!loadModalityFeatures(path, 4, &error).values.defined());
        QVERIFY2(error.contains("zeros.npy") && error.contains('3') && error.contains('4'), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestFeatureIo)
#include "tst_featureio.moc"
