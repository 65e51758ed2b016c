// Training end to end on a small generated graph: learning, determinism, checkpoints, resume.
#include "SyntheticGraph.h"
#include "analysis/Predictor.h"
#include "eval/Evaluator.h"
#include "runtime/ComputeEnvironment.h"
#include "runtime/WorkProfiler.h"
#include "train/RunContext.h"
#include "train/Trainer.h"

#include <QtTest>

#include <tuple>

using namespace momok;

namespace {

RunSpec smallRun(const QString &dataset, const QString &runDir, int epochs)
{
    RunSpec spec;
    spec.datasetDir = dataset;
    spec.runDir = runDir;
    spec.randomFeatures = true;
    ModelConfig &c = spec.config;
    c.dim = 16;
    c.relationDim = 8;
    c.maxFeatureWidth = 16;
    c.batchSize = 32;
    c.epochs = epochs;
    c.learningRate = 3e-2;
    c.inputDropout = c.hiddenDropout = c.outputDropout = 0.2;
    c.evalEvery = 2;
    c.patience = 100;
    c.seed = 99;
    return spec;
}

class CancelAfterEpoch : public TrainingObserver
{
public:
    CancelAfterEpoch(Feedback &flag, int epoch) : m_flag(flag), m_epoch(epoch) {}
    void epochFinished(const EpochRecord &r) override
    {
        if (r.epoch == m_epoch)
            m_flag.cancel();
    }

private:
    Feedback &m_flag;
    int m_epoch;
};

// Cancels as the first batch of `epoch` ends, mid-epoch, and keeps what the trainer says.
class CancelMidEpoch : public TrainingObserver
{
public:
    CancelMidEpoch(Feedback &flag, int epoch) : m_flag(flag), m_epoch(epoch) {}
    void batchFinished(int epoch, int batch, int) override
    {
        if (epoch == m_epoch && batch == 1)
            m_flag.cancel();
    }
    void message(const QString &text) override { messages << text; }
    QStringList messages;

private:
    Feedback &m_flag;
    int m_epoch;
};

QString losses(const Trainer &t)
{
    QStringList out;
    for (const EpochRecord &r : t.history())
        out << QString::number(r.mainLoss, 'g', 17) + QLatin1Char('/') + QString::number(r.estimatorLoss, 'g', 17);
    return out.join(' ');
}

} // namespace

// Records the first epoch operator by operator, and nothing after it (not the test evaluation).
class ProfileFirstEpoch : public TrainingObserver
{
public:
    void epochFinished(const EpochRecord &r) override
    {
        if (r.epoch == 1)
            report = profiler.stop();
    }
    WorkProfiler profiler;
    ProfileReport report;
};

class TestTraining : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_dataset;

private Q_SLOTS:
    void initTestCase()
    {
        configureComputeEnvironment(2);
        m_dataset = m_dir.filePath("graph");
        testing::writeCommunityGraph(m_dataset);
    }

    void learnsFarAboveChance()
    {
        RunSpec spec = smallRun(m_dataset, m_dir.filePath("learn"), 60);
        spec.config.evalEvery = 20;
        Trainer trainer;
        QString error;
        QVERIFY2(trainer.start(spec, nullptr, &error), qPrintable(error));
        QCOMPARE(trainer.run(nullptr, nullptr, &error), Outcome::Finished);
        const EvaluationReport test = trainer.testReport();
        QVERIFY(test.split == Split::Test);
        const double mrr = test.headline().mrr;
        // 78 entities: a model that ranks at random has an MRR near 6 %.
        qInfo("test MRR %.2f %% after 60 epochs (chance is about 6 %%)", mrr);
        QVERIFY2(mrr > 35.0, qPrintable(QStringLiteral("test MRR %1").arg(mrr)));
        const QVector<EpochRecord> history = trainer.history();
        QCOMPARE(history.size(), 60);
        QVERIFY(history.last().bceLoss < history.first().bceLoss);
        // The ExID term is max(CLUB, 0): never negative, so the experts cannot lower the loss
        // by driving the estimate below zero (a raw CLUB estimate does go negative here).
        for (const EpochRecord &r : history) {
            QVERIFY2(r.miEstimate >= 0, qPrintable(QStringLiteral("epoch %1: MI %2").arg(r.epoch).arg(r.miEstimate)));
            QVERIFY(r.mainLoss >= r.bceLoss - 1e-9);
        }
        // Gate statistics cover every relation × modality × expert, each a distribution over experts.
        const GateStatistics &g = test.gates;
        QCOMPARE(g.meanWeight.size(), g.relations * 3 * g.experts);
        double sum = 0;
        for (int k = 0; k < g.experts; ++k)
            sum += g.at(0, 1, k);
        QVERIFY(qAbs(sum - 1.0) < 1e-6);
    }

    void epochProductCountIsTheProductsAnEpochRuns()
    {
        // What bench divides by the epoch's time, counted from the shapes, set beside what the
        // profiler counts from the operands of every product the epoch really ran.
        RunSpec spec = smallRun(m_dataset, m_dir.filePath("count"), 1);
        spec.config.batchSize = 40; // a smaller last batch too
        Trainer trainer;
        QString error;
        QVERIFY2(trainer.start(spec, nullptr, &error), qPrintable(error));
        const EpochShape shape = trainer.epochShape();
        QCOMPARE(shape.entities, int64_t(6 * 13)); // writeCommunityGraph: 6 groups of 12 members and a hub
        QVERIFY(shape.queries > 3 * spec.config.batchSize);
        QCOMPARE(shape.batches, trainer.batchesPerEpoch());
        for (Decoder d : kScoringDecoders)
            QVERIFY(shape.decoders[size_t(d)]);
        const EpochProducts counted = countEpochProducts(shape);
        ProfileFirstEpoch observer;
        observer.profiler.start();
        QCOMPARE(trainer.run(&observer, nullptr, &error), Outcome::Finished);
        const auto &ran = observer.report.sections;
        auto ranIn = [&](ProfileSection s) { return ran[size_t(s)].flop; };
        auto near = [](double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(a, b); };
        QVERIFY2(near(counted.scoring, ranIn(ProfileSection::EntityScoring)),
                 qPrintable(QStringLiteral("%1 %2").arg(counted.scoring).arg(ranIn(ProfileSection::EntityScoring))));
        QVERIFY2(near(counted.experts, ranIn(ProfileSection::ExpertsAndGates)),
                 qPrintable(QStringLiteral("%1 %2").arg(counted.experts).arg(ranIn(ProfileSection::ExpertsAndGates))));
        QVERIFY2(near(counted.fusion, ranIn(ProfileSection::Fusion)),
                 qPrintable(QStringLiteral("%1 %2").arg(counted.fusion).arg(ranIn(ProfileSection::Fusion))));
        QVERIFY2(near(counted.estimator, ranIn(ProfileSection::Estimator)),
                 qPrintable(QStringLiteral("%1 %2").arg(counted.estimator).arg(ranIn(ProfileSection::Estimator))));
        // W_r is counted for min(relations, batch) relations a step, a bound; exact here, where
        // every batch holds all four directed relations.
        QVERIFY2(near(counted.core, ranIn(ProfileSection::CoreProducts)),
                 qPrintable(QStringLiteral("%1 %2").arg(counted.core).arg(ranIn(ProfileSection::CoreProducts))));
        QVERIFY(near(counted.total(), observer.report.totalFlop()));
        QVERIFY(counted.dominantOnly < counted.total());
    }

    void aLoneLastQueryJoinsThePreviousBatch()
    {
        // Batch norm cannot train on one row: a batch size that leaves a single query over must
        // still train, with that query in the last full batch.
        QString error;
        RunSpec spec = smallRun(m_dataset, m_dir.filePath("lone-count"), 1);
        spec.config.batchSize = 1;
        Trainer counting;
        QVERIFY2(counting.start(spec, nullptr, &error), qPrintable(error));
        const int64_t queries = counting.batchesPerEpoch(); // one query per batch
        QVERIFY(queries > 40);
        // Batch sizes that divide queries − 1 leave exactly one query over.
        QList<int64_t> batchSizes{queries - 1};
        for (int64_t d = (queries - 1) / 2; d > 1; --d)
            if ((queries - 1) % d == 0) {
                batchSizes << d;
                break;
            }

        for (int64_t batchSize : batchSizes) {
            spec.runDir = m_dir.filePath(QStringLiteral("lone-%1").arg(batchSize));
            spec.config.batchSize = int(batchSize);
            Trainer trainer;
            QVERIFY2(trainer.start(spec, nullptr, &error), qPrintable(error));
            QCOMPARE(trainer.batchesPerEpoch(), (queries - 1) / batchSize);
            QVERIFY2(trainer.run(nullptr, nullptr, &error) == Outcome::Finished, qPrintable(error));
            QCOMPARE(trainer.history().size(), 1);
            QVERIFY(std::isfinite(trainer.history().first().bceLoss));
        }
    }

    void sameSeedSameResultBitForBit()
    {
        auto once = [&](const QString &name) {
            Trainer t;
            QString error;
            t.start(smallRun(m_dataset, m_dir.filePath(name), 4), nullptr, &error);
            t.run(nullptr, nullptr, &error);
            return std::make_pair(losses(t), t.testReport().headline().mrr);
        };
        const auto a = once("det-a"), b = once("det-b");
        QCOMPARE(a.first, b.first);
        QCOMPARE(a.second, b.second);
    }

    void twoBranchThreadsGiveOneThreadsBits()
    {
        // A small step's two branches (the modality decoders; the fusion and joint decoder) run
        // on two threads when training picks one thread automatically, with the estimators' fit
        // held over beside the next step's adaptors and the branches' parameters updated beside
        // the backward pass through the adaptors: the same bits as one thread (the losses, the
        // estimators' losses and the test MRR).
        auto once = [&](const QString &name, int branches) {
            Trainer t;
            QString error;
            if (!t.start(smallRun(m_dataset, m_dir.filePath(name), 3), nullptr, &error))
                qFatal("%s", qPrintable(error));
            if (branches > 0)
                t.setBranchThreads(branches);
            const int used = t.branchThreads();
            t.run(nullptr, nullptr, &error);
            return std::make_tuple(used, losses(t), t.testReport().headline().mrr);
        };
        const auto automatic = once("branches-auto", 0);
        QCOMPARE(std::get<0>(automatic), physicalCoreCount() >= 2 ? 2 : 1);
        const auto one = once("branches-1", 1), two = once("branches-2", 2);
        QCOMPARE(std::get<0>(one), 1);
        QCOMPARE(std::get<0>(two), 2);
        QCOMPARE(std::get<1>(two), std::get<1>(one));
        QCOMPARE(std::get<2>(two), std::get<2>(one));
        QCOMPARE(std::get<1>(automatic), std::get<1>(one));

        // An explicit thread count is what it says: one thread, one after the other.
        RunSpec spec = smallRun(m_dataset, m_dir.filePath("branches-explicit"), 1);
        spec.config.threads = 1;
        Trainer explicitOne;
        QString error;
        QVERIFY2(explicitOne.start(spec, nullptr, &error), qPrintable(error));
        QCOMPARE(explicitOne.branchThreads(), 1);
    }

    void resumeEqualsUninterrupted()
    {
        Trainer straight;
        QString error;
        QVERIFY(straight.start(smallRun(m_dataset, m_dir.filePath("straight"), 6), nullptr, &error));
        QCOMPARE(straight.run(nullptr, nullptr, &error), Outcome::Finished);

        const QString interruptedDir = m_dir.filePath("interrupted");
        {
            Trainer first;
            QVERIFY(first.start(smallRun(m_dataset, interruptedDir, 6), nullptr, &error));
            Feedback cancel;
            CancelAfterEpoch observer(cancel, 3);
            QCOMPARE(first.run(&observer, &cancel, &error), Outcome::Cancelled);
            QCOMPARE(first.completedEpochs(), 3);
        }
        Trainer resumed;
        QVERIFY2(resumed.resume(interruptedDir, nullptr, &error), qPrintable(error));
        QCOMPARE(resumed.completedEpochs(), 3);
        QCOMPARE(resumed.run(nullptr, nullptr, &error), Outcome::Finished);
        QCOMPARE(losses(resumed), losses(straight));
        QCOMPARE(resumed.testReport().headline().mrr, straight.testReport().headline().mrr);
        QCOMPARE(resumed.bestValidReport().headline().mrr, straight.bestValidReport().headline().mrr);
    }

    // last.pt is not rewritten after every epoch: a cancel in the middle of epoch 4 finds it
    // at epoch 2 (the last evaluation), says so, and the resumed run still equals the straight one.
    void cancelMidEpochResumesFromLastCheckpoint()
    {
        Trainer straight;
        QString error;
        QVERIFY(straight.start(smallRun(m_dataset, m_dir.filePath("straight-mid"), 6), nullptr, &error));
        QCOMPARE(straight.run(nullptr, nullptr, &error), Outcome::Finished);

        const QString interruptedDir = m_dir.filePath("interrupted-mid");
        {
            Trainer first;
            QVERIFY(first.start(smallRun(m_dataset, interruptedDir, 6), nullptr, &error));
            QVERIFY(first.batchesPerEpoch() > 1);
            Feedback cancel;
            CancelMidEpoch observer(cancel, 4);
            QCOMPARE(first.run(&observer, &cancel, &error), Outcome::Cancelled);
            QVERIFY2(observer.messages.contains(QStringLiteral("cancelled during epoch 4; the run resumes from epoch 2")),
                     qPrintable(observer.messages.join('\n')));
        }
        Trainer resumed;
        QVERIFY2(resumed.resume(interruptedDir, nullptr, &error), qPrintable(error));
        QCOMPARE(resumed.completedEpochs(), 2);
        QCOMPARE(resumed.run(nullptr, nullptr, &error), Outcome::Finished);
        QCOMPARE(losses(resumed), losses(straight));
        QCOMPARE(resumed.testReport().headline().mrr, straight.testReport().headline().mrr);
    }

    // --track-test evaluates the test split at every evaluation and keeps the best of each
    // metric; it changes neither the training, nor the checkpoint selected, nor its figures.
    void trackingTheTestSplitChangesNothingElse()
    {
        QString error;
        auto once = [&](const QString &name, bool track) {
            RunSpec spec = smallRun(m_dataset, m_dir.filePath(name), 6);
            spec.config.evalEvery = 1;
            spec.trackTest = track;
            auto t = std::make_unique<Trainer>();
            if (!t->start(spec, nullptr, &error) || t->run(nullptr, nullptr, &error) != Outcome::Finished)
                qWarning("%s", qPrintable(error));
            return t;
        };
        const auto plain = once("untracked", false), tracked = once("tracked", true);
        QCOMPARE(losses(*tracked), losses(*plain));
        QCOMPARE(tracked->bestValidReport().epoch, plain->bestValidReport().epoch);
        QCOMPARE(tracked->testReport().headline().mrr, plain->testReport().headline().mrr);
        QCOMPARE(tracked->testReport().headline().hits10, plain->testReport().headline().hits10);
        QVERIFY(!QFile::exists(m_dir.filePath("untracked/report-test-tracked.json")));

        QFile file(m_dir.filePath("tracked/report-test-tracked.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject best = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(best.value("evaluations").toInt(), 6);
        // The selected checkpoint's test figures are among the tracked ones: the best is no worse.
        const RankMetrics selected = tracked->testReport().headline();
        QVERIFY(best.value("mrr").toObject().value("value").toDouble() >= selected.mrr - 1e-9);
        QVERIFY(best.value("mr").toObject().value("value").toDouble() <= selected.mr + 1e-9);
        QVERIFY(best.value("hits10").toObject().value("value").toDouble() >= selected.hits10 - 1e-9);
        const int epoch = best.value("mrr").toObject().value("epoch").toInt();
        QVERIFY(epoch >= 1 && epoch <= 6);
        QVERIFY(best.value("protocol").toString().contains("not a model selection"));
    }

    // The test split is evaluated on the checkpoint selected on validation: best.pt, reloaded
    // when training went on after it, or the model in memory when the last evaluation was the
    // best (then the two hold the same bits). Either way the figures are best.pt's.
    void testFiguresAreTheSelectedCheckpoints()
    {
        QString error;
        int lastWasBest = 0, earlierWasBest = 0;
        for (const uint64_t seed : {5u, 6u, 7u, 8u}) {
            const QString runDir = m_dir.filePath(QStringLiteral("selected-%1").arg(seed));
            RunSpec spec = smallRun(m_dataset, runDir, 6);
            spec.config.evalEvery = 1;
            spec.config.seed = seed;
            spec.config.learningRate = 8e-2; // large enough that a later epoch may score lower
            Trainer trainer;
            QVERIFY2(trainer.start(spec, nullptr, &error), qPrintable(error));
            QCOMPARE(trainer.run(nullptr, nullptr, &error), Outcome::Finished);
            const int best = trainer.bestValidReport().epoch;
            (best == 6 ? lastWasBest : earlierWasBest) += 1;
            const EvaluationReport test = trainer.testReport();
            QCOMPARE(test.epoch, best);
            auto reopened = RunContext::open(runDir, &error); // best.pt
            QVERIFY2(reopened, qPrintable(error));
            Evaluator evaluator(reopened->model, reopened->dataset, reopened->allKnown);
            const EvaluationReport again = evaluator.evaluate(Split::Test, spec.config.evalBatchSize);
            for (Decoder d : kDecoders) {
                const RankMetrics &mine = test.overall.both[size_t(d)].realistic;
                const RankMetrics &theirs = again.overall.both[size_t(d)].realistic;
                QCOMPARE(mine.count, theirs.count);
                QCOMPARE(mine.mrr, theirs.mrr);
                QCOMPARE(mine.mr, theirs.mr);
                QCOMPARE(mine.hits1, theirs.hits1);
            }
        }
        qInfo("last evaluation the best in %d run(s), an earlier one in %d", lastWasBest, earlierWasBest);
    }

    void checkpointRoundTripGivesIdenticalPredictions()
    {
        const QString runDir = m_dir.filePath("straight"); // trained above
        QString error;
        auto a = RunContext::open(runDir, &error);
        QVERIFY2(a, qPrintable(error));
        auto b = RunContext::open(runDir, &error);
        QVERIFY(b);
        const int64_t hub = a->dataset.entityId("m2_3"), relation = a->dataset.relationId("memberOf");
        const int all = int(a->dataset.entityCount());
        const PredictionResult pa = predict(*a, hub, relation, false, all, false);
        const PredictionResult pb = predict(*b, hub, relation, false, all, false);
        QCOMPARE(pa.rows.size(), all);
        for (int i = 0; i < all; ++i) {
            QCOMPARE(pa.rows[i].entity, pb.rows[i].entity);
            QCOMPARE(pa.rows[i].score, pb.rows[i].score);
        }
        // The reloaded checkpoint reproduces the trainer's own test evaluation exactly.
        Evaluator evaluator(a->model, a->dataset, a->allKnown);
        const EvaluationReport again = evaluator.evaluate(Split::Test, 64);
        QFile f(QDir(runDir).filePath("report-test.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const EvaluationReport stored = EvaluationReport::fromJson(QJsonDocument::fromJson(f.readAll()).object());
        QCOMPARE(again.headline().mrr, stored.headline().mrr);
        QCOMPARE(again.headline().hits10, stored.headline().hits10);
        // Known answers are marked.
        int known = 0;
        for (const PredictionRow &r : pa.rows) {
            QCOMPARE(r.knownTrain, a->trainKnown.contains(hub, relation, r.entity));
            QCOMPARE(r.knownValid || r.knownTest, a->validKnown.contains(hub, relation, r.entity) || a->testKnown.contains(hub, relation, r.entity));
            known += r.known();
            if (r.entity == a->dataset.entityId("hub2"))
                QVERIFY(r.known());
        }
        QCOMPARE(known, 1); // a member belongs to exactly one hub
        const PredictionResult hidden = predict(*a, hub, relation, false, all, true);
        QCOMPARE(hidden.rows.size(), all - 1);
        QCOMPARE(hidden.rows.first().rank, 1);
    }
};

QTEST_GUILESS_MAIN(TestTraining)
#include "tst_training.moc"
