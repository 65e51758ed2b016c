// Feature matrices on disk: .npy in every format version NumPy writes (float32 and
// float64), .pt files written by LibTorch, the errors for what cannot be read, and the
// imputation of entities that lack a modality.
#include "data/FeatureIo.h"
#include "data/ModalityFeatures.h"

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

} // namespace

class TestFeatureIo : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

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
