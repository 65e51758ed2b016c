// What-if predictions for entities not in the graph, on the bundled countries:
// - the hold-out: 20 countries removed entirely (every triple, every split, every
//   metadata line), a run trained without them, then each entered as a new entity from its
//   flag and description alone; the rank of its real region among the typed locatedInRegion
//   answers is compared with the regions' order of frequency (mean over three seeds' runs);
// - a known entity's own flag and text, entered as new, land on that entity (cosine 1 in
//   the image and text representations) when the run keeps its feature tables fixed;
// - given triples make the structure decoder speak (its row fitted, the loss falls);
// - bad inputs are refused naming the file, and features the run cannot recompute are said.
#include "data/DatasetReader.h"
#include "runtime/ComputeEnvironment.h"
#include "train/TrainedRun.h"
#include "train/Trainer.h"

#include <QtTest>

#include <algorithm>

using namespace momok;

namespace {

const QString kCountries = QStringLiteral(MOMOK_SOURCE_DIR "/resources/datasets/countries");
constexpr int kHeldOut = 20;

// Copies a named-triple dataset folder without the given entities: their triples in every
// split, their lines in entity2id.txt (renumbered) and in the metadata files. The image and
// thumbnail folders are linked, not copied.
bool copyWithout(const QString &from, const QString &to, const QSet<QString> &removed, QString *error)
{
    QDir().mkpath(to);
    QDir src(from), dst(to);
    for (const QString &name : src.entryList(QDir::Files)) {
        QFile in(src.filePath(name));
        if (!in.open(QIODevice::ReadOnly)) {
            *error = in.errorString();
            return false;
        }
        QStringList kept;
        int nextId = 0;
        const bool triples = name == "train.txt" || name == "valid.txt" || name == "test.txt";
        for (const QString &line : QString::fromUtf8(in.readAll()).split('\n', Qt::SkipEmptyParts)) {
            if (triples) {
                const QStringList f = line.split(' ');
                if (removed.contains(f.value(0)) || removed.contains(f.value(2)))
                    continue;
            } else if (name == "entity2id.txt") {
                const QString entity = line.section(' ', 0, 0);
                if (removed.contains(entity))
                    continue;
                kept << QStringLiteral("%1 %2").arg(entity).arg(nextId++);
                continue;
            } else if (name.endsWith(".tsv") && removed.contains(line.section('\t', 0, 0))) {
                continue;
            }
            kept << line;
        }
        QFile out(dst.filePath(name));
        if (!out.open(QIODevice::WriteOnly) || out.write((kept.join('\n') + '\n').toUtf8()) < 0) {
            *error = out.errorString();
            return false;
        }
    }
    for (const char *folder : {"images", "thumbnails"})
        QFile::link(src.filePath(folder), dst.filePath(folder));
    return true;
}

bool train(const QString &dataset, const QString &runDir, bool fineTune, QString *error, uint64_t seed = 0)
{
    RunSpec spec;
    spec.datasetDir = dataset;
    spec.runDir = runDir;
    ModelConfig::applyPreset(QStringLiteral("quick-demo"), &spec.config);
    spec.config.fineTuneFeatures = fineTune;
    if (seed)
        spec.config.seed = seed;
    Trainer trainer;
    if (!trainer.start(spec, nullptr, error))
        return false;
    configureComputeEnvironment(trainer.computeThreads());
    return trainer.run(nullptr, nullptr, error) == Outcome::Finished;
}

} // namespace

class TestNewEntity : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    KgDataset m_full;
    QStringList m_heldOut;              // countries removed from the graph
    QHash<QString, QString> m_region;   // their real region

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const DatasetLoadResult loaded = DatasetReader::read(kCountries);
        QVERIFY2(loaded.ok(), qPrintable(loaded.summary()));
        m_full = *loaded.dataset;
        // Every country with a region, in id order; every k-th of them is held out.
        const int64_t located = m_full.relationId("locatedInRegion");
        QVERIFY(located >= 0);
        QMap<int64_t, int64_t> regionOf;
        for (Split s : kSplits)
            for (const Triple &t : m_full.split(s))
                if (t.relation == located)
                    regionOf.insert(t.head, t.tail);
        const QList<int64_t> countries = regionOf.keys();
        const int step = int(countries.size()) / kHeldOut;
        for (int i = 0; i < kHeldOut; ++i) {
            const int64_t c = countries[i * step + step / 2];
            m_heldOut << m_full.entities[int(c)].name;
            m_region.insert(m_heldOut.back(), m_full.entities[int(regionOf[c])].name);
        }
        QString error;
        const QSet<QString> removed(m_heldOut.begin(), m_heldOut.end());
        QVERIFY2(copyWithout(kCountries, m_dir.filePath("without"), removed, &error), qPrintable(error));
        QVERIFY2(train(m_dir.filePath("without"), m_dir.filePath("run"), true, &error), qPrintable(error));
        for (uint64_t seed : {1, 2})
            QVERIFY2(train(m_dir.filePath("without"), m_dir.filePath(QStringLiteral("run-seed%1").arg(seed)), true, &error, seed),
                     qPrintable(error));
        QVERIFY2(train(m_dir.filePath("without"), m_dir.filePath("run-fixed"), false, &error), qPrintable(error));
    }

    void heldOutCountriesFromFlagAndTextAlone_data()
    {
        // A quick-demo run's answers for new entities depend much on its seed: the mean reciprocal
        // rank of the real region was 0.42, 0.34 and 0.53 at seeds 10010, 1 and 2 (fine-tuned
        // tables) and 0.33, 0.31 and 0.54 with fixed tables, against the baseline's 0.39. One run
        // beating the baseline or not says little, so the claim is on the mean of three seeds'
        // runs with the default (fine-tuned) tables; the fixed tables' run is checked and shown.
        QTest::addColumn<QStringList>("runNames");
        QTest::addColumn<bool>("mustBeatBaseline");
        QTest::newRow("feature tables fine-tuned (the default), seeds 10010, 1, 2")
            << QStringList{"run", "run-seed1", "run-seed2"} << true;
        QTest::newRow("feature tables fixed, seed 10010") << QStringList{"run-fixed"} << false;
    }

    void heldOutCountriesFromFlagAndTextAlone()
    {
        QFETCH(QStringList, runNames);
        QFETCH(bool, mustBeatBaseline);
        double meanReciprocal = 0, meanBaseline = 0;
        for (const QString &runName : runNames) {
            QString error;
            auto run = TrainedRun::open(m_dir.filePath(runName), &error);
            QVERIFY2(run, qPrintable(error));
            const KgDataset &d = run->dataset();
            QCOMPARE(d.entityCount(), m_full.entityCount() - kHeldOut);
            for (const QString &name : m_heldOut)
                QCOMPARE(d.entityId(name), int64_t(-1));
            const int64_t located = d.relationId("locatedInRegion");
            QHash<int64_t, int> frequency;
            for (const Triple &t : d.train)
                if (t.relation == located)
                    ++frequency[t.tail];
            // The baseline: the regions in order of frequency among the training triples.
            QList<int64_t> byFrequency = frequency.keys();
            std::sort(byFrequency.begin(), byFrequency.end(), [&](int64_t a, int64_t b) {
                return frequency[a] != frequency[b] ? frequency[a] > frequency[b] : a < b;
            });
            const int64_t mostFrequent = byFrequency.first();
            // Measured by the reciprocal rank of the real region (top-1 alone, on 20 countries and a
            // baseline right for 2 of them, turns on a single country between two equally good runs).
            int correct = 0, baseline = 0;
            double reciprocal = 0, baselineReciprocal = 0;
            QStringList lines;
            for (const QString &name : m_heldOut) {
                const EntityInfo &info = m_full.entities[int(m_full.entityId(name))];
                NewEntityInput input;
                input.name = info.displayName;
                input.description = info.description;
                input.imageFile = info.imagePaths.value(0);
                QVERIFY2(!input.imageFile.isEmpty(), qPrintable(name));
                NewEntityOptions options;
                options.relation = located;
                options.typed = true;
                options.topK = int(d.entityCount());
                NewEntityPrediction prediction;
                QVERIFY2(run->predictNewEntity(input, options, &prediction, &error), qPrintable(error));
                QCOMPARE(prediction.results.size(), 2); // tail and head query of the one relation
                QVERIFY(!prediction.hasRow[int(Modality::Structure)]);
                QVERIFY(prediction.hasRow[int(Modality::Image)] && prediction.hasRow[int(Modality::Text)]);
                QVERIFY(!prediction.results[0].decoderActive[int(Decoder::Structure)]);
                QVERIFY(prediction.results[0].decoderActive[int(Decoder::Joint)]);
                const auto &rows = prediction.results[0].rows;
                QVERIFY(!rows.isEmpty());
                int rank = 0;
                for (int i = 0; i < rows.size() && !rank; ++i)
                    if (d.entities[int(rows[i].entity)].name == m_region[name])
                        rank = i + 1;
                QVERIFY2(rank > 0, qPrintable(name + ": the real region is not among the typed candidates"));
                int baselineRank = 0;
                for (int i = 0; i < byFrequency.size() && !baselineRank; ++i)
                    if (d.entities[int(byFrequency[i])].name == m_region[name])
                        baselineRank = i + 1;
                QVERIFY(baselineRank > 0);
                const QString answer = d.entities[int(rows.first().entity)].name;
                correct += rank == 1;
                baseline += baselineRank == 1;
                reciprocal += 1.0 / rank;
                baselineReciprocal += 1.0 / baselineRank;
                lines << QStringLiteral("%1: %2, real %3 at rank %4").arg(name, answer, m_region[name]).arg(rank);
            }
            qInfo().noquote() << QStringLiteral("%7: held-out countries: top locatedInRegion right for %1 of %2, mean reciprocal "
                                                "rank of the real region %3; the regions by frequency (%4 first): %5 of %2, %6\n  ")
                                     .arg(correct).arg(kHeldOut).arg(reciprocal / kHeldOut, 0, 'f', 3)
                                     .arg(d.entities[int(mostFrequent)].name).arg(baseline)
                                     .arg(baselineReciprocal / kHeldOut, 0, 'f', 3).arg(runName)
                                     + lines.join("\n  ");
            meanReciprocal += reciprocal / kHeldOut / double(runNames.size());
            meanBaseline += baselineReciprocal / kHeldOut / double(runNames.size());
        }
        if (mustBeatBaseline)
            QVERIFY2(meanReciprocal > meanBaseline, qPrintable(QStringLiteral("mean reciprocal rank %1, baseline %2")
                                                                 .arg(meanReciprocal).arg(meanBaseline)));
    }

    void aKnownEntitysOwnInputsLandOnIt()
    {
        QString error;
        QVERIFY2(train(kCountries, m_dir.filePath("fixed"), false, &error), qPrintable(error));
        auto run = TrainedRun::open(m_dir.filePath("fixed"), &error);
        QVERIFY2(run, qPrintable(error));
        for (const QString &name : {QStringLiteral("Brazil"), QStringLiteral("Japan"), QStringLiteral("Kenya")}) {
            const EntityInfo &info = run->dataset().entities[int(run->dataset().entityId(name))];
            NewEntityInput input;
            input.name = info.displayName;
            input.description = info.description;
            input.imageFile = info.thumbnailPath; // the file its features were extracted from
            NewEntityPrediction prediction;
            QVERIFY2(run->predictNewEntity(input, {}, &prediction, &error), qPrintable(error));
            for (Decoder d : {Decoder::Image, Decoder::Text}) {
                const SimilarEntity best = prediction.similar[int(d)].first();
                QCOMPARE(run->dataset().entities[int(best.entity)].name, name);
                QVERIFY2(best.similarity > 0.9999, qPrintable(QString::number(best.similarity)));
            }
            QCOMPARE(prediction.results.size(), 2 * int(run->dataset().relationCount()));
        }
    }

    void givenTriplesFitTheStructureRow()
    {
        QString error;
        auto run = TrainedRun::open(m_dir.filePath("run"), &error);
        QVERIFY2(run, qPrintable(error));
        const KgDataset &d = run->dataset();
        NewEntityInput input;
        input.name = QStringLiteral("Atlantis");
        input.description = QStringLiteral("A sunken island kingdom of legend.");
        input.triples << NewEntityTriple{d.relationId("locatedInRegion"), true, d.entityId("Europe")}
                      << NewEntityTriple{d.relationId("sharesBorderWith"), true, d.entityId("Portugal")};
        NewEntityOptions options;
        options.relation = d.relationId("locatedInRegion");
        NewEntityPrediction prediction;
        QVERIFY2(run->predictNewEntity(input, options, &prediction, &error), qPrintable(error));
        QVERIFY(prediction.structureFitted);
        QVERIFY(prediction.hasRow[int(Modality::Structure)]);
        QVERIFY(!prediction.hasRow[int(Modality::Image)]);
        // The fit lowers its loss. How far depends on the trained model, since the loss also
        // counts every other entity's term, which the fit hardly moves (ratio 0.54 on one
        // machine, under 0.5 on another with different BLAS kernels): what the fit must achieve
        // is checked below, as the given answer's rank.
        QVERIFY2(prediction.fitLossAfter < prediction.fitLossBefore,
                 qPrintable(QStringLiteral("%1 → %2").arg(prediction.fitLossBefore).arg(prediction.fitLossAfter)));
        const PredictionResult &tail = prediction.results.first();
        QVERIFY(tail.decoderActive[int(Decoder::Structure)] && !tail.decoderActive[int(Decoder::Image)]);
        // The given answer is marked and, fitted to, ranks first for the structure decoder.
        const auto europe = std::find_if(tail.rows.begin(), tail.rows.end(),
                                         [&](const PredictionRow &r) { return r.entity == d.entityId("Europe"); });
        QVERIFY(europe != tail.rows.end());
        QVERIFY(europe->knownTrain);
        QCOMPARE(europe->decoderRank[int(Decoder::Structure)], 1.0);
        QVERIFY(prediction.notes.join(' ').contains("fitted to the 2 given triples"));
    }

    void badInputsAreRefusedAndGapsSaid()
    {
        QString error;
        auto run = TrainedRun::open(m_dir.filePath("run"), &error);
        QVERIFY2(run, qPrintable(error));
        NewEntityInput input;
        input.name = "X";
        input.imageFile = m_dir.filePath("no-such.png");
        NewEntityPrediction prediction;
        QVERIFY(!run->predictNewEntity(input, {}, &prediction, &error));
        QVERIFY2(error.contains("no-such.png") && error.contains("no such file"), qPrintable(error));
        QFile broken(m_dir.filePath("broken.png"));
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("not a picture");
        broken.close();
        input.imageFile = broken.fileName();
        QVERIFY(!run->predictNewEntity(input, {}, &prediction, &error));
        QVERIFY2(error.contains("broken.png"), qPrintable(error));
        input.imageFile.clear();
        QVERIFY(!run->predictNewEntity(input, {}, &prediction, &error)); // nothing to read at all
        QVERIFY2(error.contains("nothing the model can read"), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestNewEntity)
#include "tst_newentity.moc"
