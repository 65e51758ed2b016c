#include "cli/EngineCommands.h"

#include "cli/AnalysisCommands.h"
#include "cli/CliCommands.h"
#include "cli/CliParsing.h"
#include "cli/ConfigOptions.h"
#include "cli/DistributedTraining.h"
#include "model/PaperSettings.h"

#include "analysis/Evidence.h"
#include "analysis/ModalityStrengths.h"
#include "analysis/Predictor.h"
#include "data/DatasetReader.h"
#include "domain/Plural.h"
#include "features/FeatureExtractor.h"
#include "runtime/ComputeEnvironment.h"
#include "runtime/LargeBlockAllocator.h"
#include "storage/RunRecorder.h"
#include "storage/Workspace.h"
#include "runtime/SgemmBenchmark.h"
#include "runtime/WorkProfiler.h"
#include "train/TrainedRun.h"
#include "train/Trainer.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace momok {

namespace {

const char *kDecisionNote = "Predictions use the joint decision: the mean of the active decoders' sigmoid scores "
                            "(S, I, T and joint), as the reference implementation does.";

// ---- options shared by eval and explain ----

// The splits a trained run is evaluated on (train is what it learned from).
constexpr std::array<Split, 2> kEvaluationSplits{Split::Test, Split::Valid};

QCommandLineOption splitOption()
{
    return {QStringLiteral("split"),
            QStringLiteral("%1 (default) or %2").arg(splitName(kEvaluationSplits[0]), splitName(kEvaluationSplits[1])),
            QStringLiteral("SPLIT"), splitName(kEvaluationSplits[0])};
}

// --split's value as a split; false with *error listing the accepted values.
bool evaluationSplit(const CommandLine &commandLine, Split *split, QString *error)
{
    const QString text = commandLine.value(QStringLiteral("split"));
    const std::optional<Split> named = splitFromName(text);
    QStringList accepted;
    for (Split s : kEvaluationSplits) {
        accepted << splitName(s);
        if (named == s) {
            *split = s;
            return true;
        }
    }
    *error = QStringLiteral("--split: unknown split '%1' (accepted values: %2)").arg(text, accepted.join(QStringLiteral(", ")));
    return false;
}

void applyThreads(int threads)
{
    if (threads > 0)
        configureComputeEnvironment(threads);
}

QString fmt(double v, int decimals = 2) { return QString::number(v, 'f', decimals); }

// ---- printing reports ----

QString metricsLine(const RankMetrics &m)
{
    return QStringLiteral("%1 %2 %3 %4 %5").arg(fmt(m.mrr), 7).arg(fmt(m.mr, 1), 9).arg(fmt(m.hits1), 7)
        .arg(fmt(m.hits3), 7).arg(fmt(m.hits10), 7);
}

void printReport(const EvaluationReport &report, bool perRelation, QTextStream &out)
{
    out << QStringLiteral("Filtered link prediction on %1 (%2 queries, both directions; realistic ranks, in %)\n")
               .arg(report.splitKey()).arg(report.headline().count);
    out << QStringLiteral("%1 %2 %3 %4 %5 %6\n").arg("decoder", -10).arg("MRR", 7).arg("MR", 9).arg("H@1", 7)
               .arg("H@3", 7).arg("H@10", 7);
    for (Decoder d : kDecoders) {
        const RankMetrics &m = report.overall.both[size_t(d)].realistic;
        if (m.count == 0)
            continue;
        out << QStringLiteral("%1 ").arg(decoderLabel(d), -10) << metricsLine(m) << "\n";
    }
    const auto &c = report.overall.both[int(Decoder::Combined)];
    out << QStringLiteral("ties: combined MRR optimistic %1, pessimistic %2, realistic %3\n")
               .arg(fmt(c.optimistic.mrr), fmt(c.pessimistic.mrr), fmt(c.realistic.mrr));
    if (!perRelation)
        return;
    out << "\nPer relation (MRR by decoder; tail = (h, r, ?), head = (?, r, t)):\n";
    constexpr int kColumn = 8; // fits "combined"
    QString header = QStringLiteral("%1 %2").arg("relation", -28).arg("n", 6);
    for (Decoder d : kDecoders)
        header += QStringLiteral(" %1").arg(decoderKey(d), kColumn);
    out << header << QStringLiteral(" %1\n").arg("best", 9);
    for (const RelationReport &r : report.relations) {
        QString line = QStringLiteral("%1 %2").arg(r.name.left(28), -28)
                           .arg(r.metrics.both[size_t(Decoder::Combined)].realistic.count, 6);
        std::optional<Decoder> best;
        double bestMrr = -1;
        for (Decoder d : kDecoders) {
            const RankMetrics &m = r.metrics.both[size_t(d)].realistic;
            line += QStringLiteral(" %1").arg(m.count ? fmt(m.mrr) : QStringLiteral("-"), kColumn);
            if (d != Decoder::Combined && m.count && m.mrr > bestMrr) {
                bestMrr = m.mrr;
                best = d;
            }
        }
        line += QStringLiteral(" %1").arg(best ? decoderKey(*best) : QStringLiteral("-"), 9);
        out << line << "\n";
    }
}

QJsonObject reportJson(const EvaluationReport &report)
{
    auto flat = [](const RankMetrics &m) {
        return QJsonObject{{"mrr", m.mrr}, {"mr", m.mr}, {"hits1", m.hits1}, {"hits3", m.hits3}, {"hits10", m.hits10},
                           {"count", double(m.count)}};
    };
    QJsonObject o = flat(report.headline());
    o.insert("split", report.splitKey());
    o.insert("epoch", report.epoch);
    o.insert("rank", "realistic");
    o.insert("decision", "mean");
    QJsonObject perDecoder;
    for (Decoder d : kScoringDecoders)
        if (report.overall.both[size_t(d)].realistic.count)
            perDecoder.insert(decoderKey(d), flat(report.overall.both[size_t(d)].realistic));
    o.insert("per_decoder", perDecoder);
    const auto &c = report.overall.both[int(Decoder::Combined)];
    o.insert("optimistic", flat(c.optimistic));
    o.insert("pessimistic", flat(c.pessimistic));
    QJsonObject perRelation;
    for (const RelationReport &r : report.relations) {
        QJsonObject rel = flat(r.metrics.both[int(Decoder::Combined)].realistic);
        QJsonObject dec;
        for (Decoder d : kScoringDecoders)
            if (r.metrics.both[size_t(d)].realistic.count)
                dec.insert(decoderKey(d), flat(r.metrics.both[size_t(d)].realistic));
        rel.insert("per_decoder", dec);
        rel.insert("tail", flat(r.metrics.tail[int(Decoder::Combined)].realistic));
        rel.insert("head", flat(r.metrics.head[int(Decoder::Combined)].realistic));
        perRelation.insert(r.name, rel);
    }
    o.insert("per_relation", perRelation);
    return o;
}

// ---- train ----

class ConsoleObserver : public TrainingObserver
{
public:
    ConsoleObserver(QTextStream &out, bool quiet) : m_out(out), m_quiet(quiet) {}
    void epochFinished(const EpochRecord &r) override
    {
        if (m_quiet) return;
        m_out << QStringLiteral("epoch %1  loss %2  bce %3  mi %4  estimator %5  lr %6  %7 s\n")
                     .arg(r.epoch, 4).arg(r.mainLoss, 0, 'f', 6).arg(r.bceLoss, 0, 'f', 6).arg(r.miEstimate, 0, 'g', 4)
                     .arg(r.estimatorLoss, 0, 'g', 4).arg(r.learningRate, 0, 'g', 3).arg(r.seconds, 0, 'f', 2);
        m_out.flush();
    }
    void evaluationFinished(const EvaluationReport &report, bool improved) override
    {
        if (m_quiet) return;
        const RankMetrics &m = report.headline();
        m_out << QStringLiteral("  %1 @ epoch %2: MRR %3  MR %4  H@1 %5  H@3 %6  H@10 %7%8  (%9 s)\n")
                     .arg(report.splitKey()).arg(report.epoch).arg(fmt(m.mrr), fmt(m.mr, 1), fmt(m.hits1), fmt(m.hits3), fmt(m.hits10))
                     .arg(improved ? QStringLiteral("  *best") : QString()).arg(fmt(report.seconds));
        m_out.flush();
    }
    void message(const QString &text) override
    {
        m_out << text << "\n";
        m_out.flush();
    }

private:
    QTextStream &m_out;
    bool m_quiet;
};

// Starts a new run or resumes one as the options say; false with *exitCode when it cannot.
// A new run's spec from train's options: data, features, the preset (for --preset paper, the
// setting of the paper dataset resolvePaperDataset finds; *paperNote says which) and settings.
bool runSpecFromOptions(const CommandLine &commandLine, RunSpec *spec, QString *paperNote, QString *error)
{
    // run.json keeps absolute paths: `eval` and `predict` then find the data from any folder.
    auto absolute = [&](const char *option) {
        const QString path = commandLine.value(QLatin1String(option));
        return path.isEmpty() ? path : QFileInfo(path).absoluteFilePath();
    };
    spec->datasetDir = absolute("dataset");
    spec->imageFeatures = absolute("image-features");
    spec->textFeatures = absolute("text-features");
    spec->randomFeatures = commandLine.isSet("random-features");
    spec->extractFeatures = !commandLine.isSet("no-extract");
    spec->imageEncoder = absolute("image-encoder");
    spec->dropUnseenEvaluationTriples = commandLine.isSet("drop-unseen");
    spec->runDir = commandLine.value("out");
    spec->trackTest = commandLine.isSet("track-test");
    std::optional<PaperDataset> paperDataset;
    if (!resolvePaperDataset(commandLine, spec->datasetDir, &paperDataset, paperNote, error)
        || !configFromOptions(commandLine, &spec->config, error, paperDataset))
        return false;
    spec->paperRow = paperDataset ? paperDatasetKey(*paperDataset) : QString();
    return true;
}

// What `train --resume` may change (ResumeChanges); any other setting or data option is the
// run's own, and giving one is an error rather than something silently ignored.
bool resumeChangesFromOptions(const CommandLine &commandLine, ResumeChanges *changes, QString *error)
{
    const QStringList changeable = {QStringLiteral("--epochs"), QStringLiteral("--patience"), QStringLiteral("--threads")};
    QStringList fixed;
    for (const QString &option : givenConfigOptions(commandLine))
        if (!changeable.contains(option))
            fixed << option;
    for (const char *name : {"dataset", "image-features", "text-features", "random-features", "no-extract",
                             "image-encoder", "drop-unseen", "out", "track-test"})
        if (commandLine.isSet(QLatin1String(name)))
            fixed << QStringLiteral("--") + QLatin1String(name);
    if (!fixed.isEmpty()) {
        *error = QStringLiteral("--resume continues the run with its own data and settings: %1 cannot change "
                                "(only %2 can)").arg(fixed.join(QStringLiteral(", ")), changeable.join(QStringLiteral(", ")));
        return false;
    }
    // The values are read and checked as a new run's are (configFromOptions).
    ModelConfig given;
    if (!configFromOptions(commandLine, &given, error))
        return false;
    if (commandLine.isSet(QStringLiteral("epochs")))
        changes->epochs = given.epochs;
    if (commandLine.isSet(QStringLiteral("patience")))
        changes->patience = given.patience;
    if (commandLine.isSet(QStringLiteral("threads")))
        changes->threads = given.threads;
    return true;
}

bool startTraining(const CommandLine &commandLine, Trainer *trainer, Feedback *feedback, QTextStream &out,
                   QTextStream &err, int *exitCode)
{
    QString error;
    *exitCode = 1;
    if (commandLine.isSet("resume")) {
        ResumeChanges changes;
        if (!resumeChangesFromOptions(commandLine, &changes, &error)) {
            err << "momok train: " << error << "\n";
            *exitCode = kUsageError;
            return false;
        }
        if (!trainer->resume(commandLine.value("resume"), feedback, &error, changes)) {
            err << "momok train: " << error << "\n";
            return false;
        }
        out << QStringLiteral("resuming %1 after epoch %2 of %3\n")
                   .arg(commandLine.value("resume")).arg(trainer->completedEpochs()).arg(trainer->spec().config.epochs);
        return true;
    }
    if (!commandLine.isSet("dataset") || !commandLine.isSet("out")) {
        err << "momok train: --dataset DIR and --out RUNDIR are required (or --resume RUNDIR)\n";
        *exitCode = kUsageError;
        return false;
    }
    RunSpec spec;
    QString paperNote;
    if (!runSpecFromOptions(commandLine, &spec, &paperNote, &error)) {
        err << "momok train: " << error << "\n";
        return false;
    }
    if (!paperNote.isEmpty())
        out << "--preset paper: " << paperNote << "\n";
    if (!trainer->start(spec, feedback, &error)) {
        err << "momok train: " << error << "\n";
        return false;
    }
    return true;
}

// `train --dry-run`: what a run with these options would be, without training or writing
// anything. The configuration goes to stdout as JSON (run.json's "config"); the dataset,
// the paper setting and each modality's features are said on stderr.
int dryRun(const CommandLine &commandLine, QTextStream &out, QTextStream &err)
{
    if (commandLine.isSet("resume")) {
        err << "momok train: --dry-run resolves a new run: give --dataset DIR, not --resume\n";
        return kUsageError;
    }
    if (!commandLine.isSet("dataset")) {
        err << "momok train: --dry-run needs --dataset DIR\n";
        return kUsageError;
    }
    RunSpec spec;
    QString paperNote, error;
    if (!runSpecFromOptions(commandLine, &spec, &paperNote, &error)) {
        err << "momok train: " << error << "\n";
        return 1;
    }
    DatasetLoadOptions options;
    options.dropUnseenEvaluationTriples = spec.dropUnseenEvaluationTriples;
    const DatasetLoadResult loaded = DatasetReader::read(spec.datasetDir, options);
    if (!loaded.dataset) {
        err << "momok train: " << loaded.summary() << "\n";
        return 1;
    }
    const KgDataset &dataset = *loaded.dataset;
    if (spec.config.featureLayout == QLatin1String("reference")
        && !paperDatasetOfRun(spec.paperRow, spec.datasetDir, dataset.entityCount(), dataset.relationCount())) {
        err << "momok train: --feature-layout reference: " << QDir::toNativeSeparators(spec.datasetDir)
            << " is none of the paper's datasets (MKG-W, MKG-Y, DB15K); use --paper-dataset with --preset paper\n";
        return 1;
    }
    auto features = [&](const QString &file, bool present, const char *what) -> QString {
        if (spec.randomFeatures)
            return QStringLiteral("seeded random");
        if (!file.isEmpty()) {
            if (!QFileInfo(file).isReadable())
                error = QStringLiteral("%1: cannot read this %2 feature file").arg(file, QLatin1String(what));
            return QStringLiteral("file %1").arg(file);
        }
        if (spec.extractFeatures && present)
            return QStringLiteral("extracted from the dataset's %1s (cached after the first run)").arg(QLatin1String(what));
        return QStringLiteral("none (its decoder does not train)");
    };
    const QString image = features(spec.imageFeatures, FeatureExtractor::hasImages(dataset), "image");
    const QString text = features(spec.textFeatures, FeatureExtractor::hasTexts(dataset), "text");
    if (!error.isEmpty()) {
        err << "momok train: " << error << "\n";
        return 1;
    }
    err << QStringLiteral("dataset: %1 (%2 entities, %3 relations, %4 training triples)\n")
               .arg(QDir::toNativeSeparators(spec.datasetDir)).arg(dataset.entityCount()).arg(dataset.relationCount())
               .arg(dataset.train.size());
    if (!paperNote.isEmpty())
        err << "--preset paper: " << paperNote << "\n";
    err << "image features: " << image << "\ntext features: " << text << "\n"
        << "nothing trained, nothing written (--dry-run)\n";
    out << QJsonDocument(spec.config.toJson()).toJson(QJsonDocument::Indented);
    return 0;
}

int runTrain(const QStringList &args, QTextStream &out, QTextStream &err)
{
    CommandLine commandLine(QStringLiteral("train"), QStringLiteral(
        "Train MoMoK on a dataset. Model selection (early stopping) uses the validation split only;\n"
        "the test split is evaluated once, on the selected checkpoint.\n") + kDecisionNote);
    commandLine.addOptions({{"dataset", "dataset folder", "DIR"},
                            {"image-features", "image feature matrix (.npy, .pt), one row per entity", "FILE"},
                            {"text-features", "text feature matrix (.npy, .pt), one row per entity", "FILE"},
                            {"random-features", "seeded random image (E×256) and text (E×384) features"},
                            {"no-extract", "do not extract features from the dataset's images and texts when no feature file is given"},
                            {"image-encoder", "TorchScript module (.pt) that turns images into extracted image features", "FILE"},
                            {"drop-unseen", "drop valid/test triples whose entities never occur in train"},
                            {"out", "run folder to create", "RUNDIR"},
                            {"resume", "continue the run in RUNDIR from its last checkpoint (with --epochs, --patience or --threads: "
                                       "changed so; a finished run then trains on)", "RUNDIR"},
                            {"workspace", "record the run (epochs, evaluations, status) in this workspace as it goes", "FILE"},
                            {"name", "the run's name in the workspace (default: the run folder's name)", "NAME"},
                            {"json", "print the final test metrics as JSON"},
                            {"quiet", "print only the final result"},
                            {"dry-run", "resolve the dataset, preset and features and print the configuration as "
                                        "JSON; train nothing, write nothing"},
                            {"track-test", "also evaluate the test split at every evaluation and record the best of each "
                                           "test metric over them (the paper's protocol; selection stays on validation)"}});
    commandLine.addOptions(distributedTrainOptions());
    addConfigOptions(commandLine);
    if (int code = 0; !commandLine.parse(args, out, err, &code))
        return code;
    if (commandLine.isSet("dry-run"))
        return dryRun(commandLine, out, err);
    ProcessLayout layout;
    if (QString error; !processLayout(commandLine, &layout, &error)) {
        err << "momok train: " << error << "\n";
        return kUsageError;
    }
    if (layout.setup.rank != 0)
        return runTrainWorker(layout, err);
    // A workspace that cannot take the run (a full disk, another application's file) is
    // refused before the run folder is made, so that the same command can simply be run again.
    if (commandLine.isSet("workspace")) {
        QString error;
        if (!Workspace::open(commandLine.value("workspace"), &error)) {
            err << "momok train: " << error << "\n";
            return 1;
        }
    }
    Trainer trainer;
    Feedback feedback(consoleProgress(err, commandLine.isSet("quiet")));
    // Ctrl+C (or SIGTERM) cancels: the run stops within a step, its folder stays resumable,
    // and the command says how to continue; a second Ctrl+C ends the process at once.
    cancelOnInterrupt(&feedback);
    // Several processes: this one is rank 0; it starts this machine's other ranks once it
    // serves the rendezvous, and the cancel becomes one that every rank agrees on.
    std::unique_ptr<WorkerLauncher> launcher = workerLauncher(layout);
    if (layout.setup.distributed()) {
        std::function<bool(int, QString *)> launch;
        if (launcher)
            launch = [&](int port, QString *error) {
                return launcher->start(layout.setup, layout.firstLaunched, layout.launch, port, error);
            };
        trainer.setDistributed(layout.setup, launch);
        if (layout.setup.worldSize > layout.setup.localProcesses)
            out << QStringLiteral("waiting for the other machines' processes (%1 in all) at port %2\n")
                       .arg(layout.setup.worldSize).arg(layout.setup.masterPort);
    }
    if (int code = 0; !startTraining(commandLine, &trainer, &feedback, out, err, &code))
        return code;
    QString error;
    const int threads = trainer.computeThreads();
    configureComputeEnvironment(threads);
    // What the dataset check left out (unusable images, unseen entities kept…) is said before
    // training, not only by `momok info`.
    const QStringList warnings = trainer.datasetWarnings();
    for (const QString &w : warnings.mid(0, 3))
        err << "momok train: warning: " << w << "\n";
    if (warnings.size() > 3)
        err << "momok train: … and " << warnings.size() - 3 << " more warnings (momok info "
            << QDir::toNativeSeparators(trainer.spec().datasetDir) << " lists them)\n";
    const ModelConfig &c = trainer.spec().config;
    out << QStringLiteral("training %1 (%2 each) with decoders %3, K = %4, dim %5, relation dim %6, %7%8%9\n")
               .arg(counted(c.epochs, QStringLiteral("epoch(s)")), counted(trainer.batchesPerEpoch(), QStringLiteral("batch(|es)")),
                    trainer.activeDecoderKeys().join(' '))
               .arg(c.experts).arg(c.dim).arg(c.relationDim).arg(counted(threads, QStringLiteral("thread(s)")))
               .arg(c.threads > 0 ? QString()
                    : trainer.branchThreads() > 1 ? QStringLiteral(" (automatic; the modality decoders and the joint decoder at once, one more thread)")
                                                  : QStringLiteral(" (automatic)"))
               .arg(layout.setup.distributed() ? QStringLiteral(" per process, %1 processes").arg(layout.setup.worldSize)
                                               : QString());
    ConsoleObserver console(out, commandLine.isSet("quiet"));
    TrainingObserver *observer = &console;
    std::unique_ptr<RunRecorder> recorder;
    if (commandLine.isSet("workspace")) {
        recorder = std::make_unique<RunRecorder>(commandLine.value("workspace"), &console);
        if (!recorder->begin(trainer, commandLine.isSet("resume"), commandLine.value("name"), &error)) {
            err << "momok train: " << error << "\n";
            return 1;
        }
        out << QStringLiteral("recording run %1 in %2\n").arg(recorder->runId()).arg(commandLine.value("workspace"));
        out.flush();
        observer = recorder.get();
    }
    const Outcome outcome = trainer.run(observer, &feedback, &error);
    if (recorder)
        recorder->finish(trainer, outcome, error);
    if (outcome == Outcome::Cancelled && error.isEmpty())
        err << "momok train: cancelled; continue with momok train --resume "
            << QDir::toNativeSeparators(trainer.spec().runDir) << "\n";
    else if (outcome != Outcome::Finished)
        err << "momok train: " << (error.isEmpty() ? QStringLiteral("stopped") : error) << "\n";
    if (launcher) {
        // A rank that died is named by how it ended (the collectives only see a closed connection).
        launcher->waitForFinished(outcome == Outcome::Finished ? 60000 : 5000);
        for (const QString &failure : launcher->failures())
            err << "momok train: " << failure << "\n";
    }
    if (outcome != Outcome::Finished)
        return 1;
    if (commandLine.isSet("json"))
        out << QJsonDocument(reportJson(trainer.testReport())).toJson(QJsonDocument::Compact) << "\n";
    else
        printReport(trainer.testReport(), false, out);
    return 0;
}

// ---- eval ----

QJsonObject paperRowsJson(PaperDataset dataset)
{
    auto row = [](const PaperMetrics &m) {
        QJsonObject o{{"mrr", m.mrr}, {"hits1", m.hits1}};
        if (m.hits3 >= 0)
            o.insert("hits3", m.hits3);
        if (m.hits10 >= 0)
            o.insert("hits10", m.hits10);
        return o;
    };
    return QJsonObject{{"dataset", paperDatasetKey(dataset)}, {"momok", row(paperMoMoKRow(dataset))},
                       {"tucker", row(paperTuckerRow(dataset))},
                       {"protocol", "best test value of each metric over all evaluations of a run"}};
}

// The run's headline beside the paper's rows for its dataset, each labelled for what it is.
void printPaperRows(const EvaluationReport &report, PaperDataset dataset, const QJsonObject &tracked, QTextStream &out)
{
    auto cell = [](double v) { return v >= 0 ? fmt(v) : QStringLiteral("-"); };
    auto line = [&](const QString &label, double mrr, double h1, double h3, double h10) {
        out << QStringLiteral("%1 %2 %3 %4 %5\n").arg(label, -44).arg(cell(mrr), 7).arg(cell(h1), 7)
                   .arg(cell(h3), 7).arg(cell(h10), 7);
    };
    const QString key = paperDatasetKey(dataset);
    out << QStringLiteral("\nBeside the paper on %1 (MRR and Hits in %):\n").arg(key);
    out << QStringLiteral("%1 %2 %3 %4 %5\n").arg("", -44).arg("MRR", 7).arg("H@1", 7).arg("H@3", 7).arg("H@10", 7);
    const RankMetrics &m = report.headline();
    line(QStringLiteral("this run, %1 (checkpoint chosen on valid)").arg(report.splitKey()), m.mrr, m.hits1, m.hits3, m.hits10);
    if (!tracked.isEmpty()) {
        auto best = [&](const char *metric) { return tracked.value(metric).toObject().value("value").toDouble(-1); };
        line(QStringLiteral("this run, best test of each metric (%1 evals)").arg(tracked.value("evaluations").toInt()),
             best("mrr"), best("hits1"), best("hits3"), best("hits10"));
    }
    const PaperMetrics momok = paperMoMoKRow(dataset), tucker = paperTuckerRow(dataset);
    line(QStringLiteral("MoMoK, paper"), momok.mrr, momok.hits1, momok.hits3, momok.hits10);
    line(QStringLiteral("TuckER (structure only), paper"), tucker.mrr, tucker.hits1, tucker.hits3, tucker.hits10);
    out << "The paper reports, for each metric, the best test value over all evaluations of a run; this run's\n"
           "figures are those of the one checkpoint selected on the validation split.\n";
}

int runEval(const QStringList &args, QTextStream &out, QTextStream &err)
{
    CommandLine commandLine(QStringLiteral("eval"),
                            QStringLiteral("Evaluate a trained run (its checkpoint selected on validation).\n") + kDecisionNote);
    commandLine.addPositional("RUNDIR", "the run folder");
    commandLine.addOptions({splitOption(),
                            {"per-relation", "also print per-relation metrics"},
                            {"paper", "also print the paper's MoMoK and TuckER rows for the run's dataset "
                                      "(MKG-W, MKG-Y or DB15K)"},
                            {"json", "print one JSON object (realistic ranks, in %)"},
                            {"threads", "intra-op threads", "N"}});
    if (int code = 0; !commandLine.parse(args, out, err, &code))
        return code;
    QString error;
    Split split = Split::Test;
    if (!evaluationSplit(commandLine, &split, &error)) {
        err << "momok eval: " << error << "\n";
        return kUsageError;
    }
    applyThreads(commandLine.value("threads").toInt());
    auto run = TrainedRun::open(commandLine.positionalArguments().first(), &error);
    if (!run) {
        err << "momok eval: " << error << "\n";
        return 1;
    }
    std::optional<PaperDataset> paper;
    if (commandLine.isSet("paper")) {
        paper = paperDatasetOfRun(run->spec().paperRow, run->spec().datasetDir, run->dataset().entityCount(),
                                  run->dataset().relationCount());
        if (!paper) {
            err << "momok eval: --paper: the run's dataset " << QDir::toNativeSeparators(run->spec().datasetDir)
                << " is none of the paper's datasets (MKG-W, MKG-Y, DB15K by name or by entity and relation counts)\n";
            return 1;
        }
    }
    // What --track-test recorded while the run trained, if it did.
    QJsonObject tracked;
    if (paper) {
        QFile file(QDir(commandLine.positionalArguments().first()).filePath(QStringLiteral("report-test-tracked.json")));
        if (file.open(QIODevice::ReadOnly))
            tracked = QJsonDocument::fromJson(file.readAll()).object();
    }
    EvaluationReport report = run->evaluate(split);
    report.epoch = run->checkpointEpoch();
    if (commandLine.isSet("json")) {
        QJsonObject o = reportJson(report);
        if (paper)
            o.insert("paper", paperRowsJson(*paper));
        if (!tracked.isEmpty())
            o.insert("tracked_test_best", tracked);
        out << QJsonDocument(o).toJson(QJsonDocument::Compact) << "\n";
    } else {
        printReport(report, commandLine.isSet("per-relation"), out);
        if (paper)
            printPaperRows(report, *paper, tracked, out);
    }
    return 0;
}

// ---- predict ----

int runPredict(const QStringList &args, QTextStream &out, QTextStream &err)
{
    CommandLine commandLine(QStringLiteral("predict"),
                            QStringLiteral("Rank candidate entities for (HEAD, RELATION, ?) or (?, RELATION, TAIL).\n") + kDecisionNote);
    commandLine.addPositional("RUNDIR", "the run folder");
    commandLine.addOptions({{"head", "known head entity: predict tails", "NAME"},
                            {"tail", "known tail entity: predict heads", "NAME"},
                            {"relation", "relation name", "NAME"},
                            {"top", "how many candidates", "N", "10"},
                            {"hide-known", "leave out answers already in train/valid/test"},
                            {"typed-candidates", "keep only candidates of the types the relation takes in that position "
                                                 "in training (entity_types.tsv, else the entities seen there)"},
                            {"new-entity", "what-if: predict for an entity not in the graph, from --image, --text "
                                           "(its description), --name and optional --triple (every relation, both "
                                           "directions, unless --relation)"},
                            {"image", "new entity: its image file", "FILE"},
                            {"text", "new entity: its description", "TEXT"},
                            {"name", "new entity: its name", "NAME", "new entity"},
                            {"triple", "new entity: a known triple 'HEAD RELATION TAIL', the new entity written as its "
                                       "--name or _ (repeatable)", "TRIPLE"},
                            {"json", "print JSON"}});
    if (int code = 0; !commandLine.parse(args, out, err, &code))
        return code;
    if (commandLine.isSet("new-entity"))
        return runNewEntityPrediction(commandLine, out, err);
    if (commandLine.isSet("head") == commandLine.isSet("tail") || !commandLine.isSet("relation")) {
        err << "momok predict: give --relation and exactly one of --head or --tail\n";
        return kUsageError;
    }
    QString error;
    auto run = TrainedRun::open(commandLine.positionalArguments().first(), &error);
    if (!run) {
        err << "momok predict: " << error << "\n";
        return 1;
    }
    const bool headPrediction = commandLine.isSet("tail");
    const QString entityName = commandLine.value(headPrediction ? "tail" : "head");
    const int64_t entity = run->dataset().entityId(entityName);
    const int64_t relation = run->dataset().relationId(commandLine.value("relation"));
    if (entity < 0) {
        err << "momok predict: unknown entity '" << entityName << "'\n";
        return 1;
    }
    if (relation < 0) {
        err << "momok predict: unknown relation '" << commandLine.value("relation") << "' (known: "
            << run->dataset().relationNames.join(", ") << ")\n";
        return 1;
    }
    const PredictionResult result = run->predict(entity, relation, headPrediction, commandLine.value("top").toInt(),
                                            commandLine.isSet("hide-known"), commandLine.isSet("typed-candidates"));
    const QString query = QStringLiteral("%1 %2 %3").arg(headPrediction ? "?" : entityName, commandLine.value("relation"),
                                                          headPrediction ? entityName : "?");
    if (commandLine.isSet("json")) {
        QJsonObject doc = predictionJson(result, run->dataset());
        doc.insert("query", query);
        out << QJsonDocument(doc).toJson(QJsonDocument::Compact) << "\n";
        return 0;
    }
    out << QStringLiteral("(%1, %2, %3)   joint decision = mean of the decoders' sigmoid scores\n")
               .arg(headPrediction ? "?" : entityName, commandLine.value("relation"), headPrediction ? entityName : "?");
    if (result.typeFiltered)
        out << QStringLiteral("typed candidates (%1): %2 of %3 entities removed\n")
                   .arg(run->candidateTypes().basisLabel()).arg(result.removedByType).arg(run->dataset().entityCount());
    printPredictionTable(result, run->dataset(), out);
    return 0;
}

// ---- explain ----

int runExplain(const QStringList &args, QTextStream &out, QTextStream &err)
{
    CommandLine commandLine(QStringLiteral("explain"), QStringLiteral(
        "Mixture-of-experts behaviour of a trained run: the mean gate weight of each expert per\n"
        "relation and modality, and the relations each decoder predicts best (per-relation MRR).\n"
        "With --head, --relation and --tail: the evidence for that triple instead, per representation:\n"
        "known training triples (h', r, t) whose head resembles the head, and (h, r, t') whose tail\n"
        "resembles the tail, among each one's --neighbours most similar entities (see `similar`)."));
    commandLine.addPositional("RUNDIR", "the run folder");
    commandLine.addOptions({splitOption(), {"top", "relations per modality", "N", "7"},
                            {"head", "evidence mode: the triple's head", "NAME"},
                            {"relation", "evidence mode: the triple's relation", "NAME"},
                            {"tail", "evidence mode: the triple's tail", "NAME"},
                            {"neighbours", "evidence mode: similar entities looked at per side and representation", "K",
                             QString::number(EvidenceFinder::kDefaultNeighbours)},
                            {"json", "print JSON"}});
    if (int code = 0; !commandLine.parse(args, out, err, &code))
        return code;
    if (commandLine.isSet("head") || commandLine.isSet("relation") || commandLine.isSet("tail"))
        return runEvidence(commandLine, out, err);
    QString error;
    Split split = Split::Test;
    if (!evaluationSplit(commandLine, &split, &error)) {
        err << "momok explain: " << error << "\n";
        return kUsageError;
    }
    auto run = TrainedRun::open(commandLine.positionalArguments().first(), &error);
    if (!run) {
        err << "momok explain: " << error << "\n";
        return 1;
    }
    const EvaluationReport report = run->evaluate(split);
    const GateStatistics &g = report.gates;
    const int top = commandLine.value("top").toInt();
    // For each decoder: the relations with its highest per-relation MRR (shared with the desktop views).
    QJsonObject best;
    QMap<Decoder, QStringList> bestText;
    for (Decoder d : kDecoders) {
        if (!ModalityStrengths::active(report, d))
            continue;
        QJsonArray list;
        for (const RelationStrength &s : ModalityStrengths::best(report, d, top)) {
            list.append(QJsonObject{{"relation", s.name}, {"mrr", s.mrr}, {"lead", s.lead}});
            bestText[d] << QStringLiteral("%1 (%2)").arg(s.name, fmt(s.mrr, 1));
        }
        best.insert(decoderKey(d), list);
    }
    if (commandLine.isSet("json")) {
        QJsonArray gates;
        for (int r = 0; r < g.relations; ++r) {
            QJsonObject rel{{"relation", g.relationNames.value(r)}, {"queries", double(g.queryCount.value(r))}};
            for (Modality m : kModalities) {
                QJsonArray w;
                for (int k = 0; k < g.experts; ++k) w.append(g.at(r, int(m), k));
                rel.insert(modalityKey(m), w);
            }
            gates.append(rel);
        }
        out << QJsonDocument(QJsonObject{{"split", report.splitKey()}, {"gates", gates}, {"best_relations", best}})
                   .toJson(QJsonDocument::Compact) << "\n";
        return 0;
    }
    out << QStringLiteral("Mean expert gate weights per relation (%1 split, %2 experts per modality)\n").arg(report.splitKey()).arg(g.experts);
    out << QStringLiteral("%1 %2").arg("relation", -28).arg("n", 6);
    for (Modality m : kModalities)
        for (int k = 0; k < g.experts; ++k)
            out << QStringLiteral(" %1").arg(QStringLiteral("%1%2").arg(modalityKey(m)).arg(k + 1), 5);
    out << "\n";
    for (int r = 0; r < g.relations; ++r) {
        if (g.queryCount.value(r) == 0)
            continue;
        out << QStringLiteral("%1 %2").arg(g.relationNames.value(r).left(28), -28).arg(g.queryCount.value(r), 6);
        for (Modality m : kModalities)
            for (int k = 0; k < g.experts; ++k) {
                const bool used = run->modalityPresent(m);
                out << QStringLiteral(" %1").arg(used ? fmt(g.at(r, int(m), k), 2) : QStringLiteral("-"), 5);
            }
        out << "\n";
    }
    out << "\nBest predicted relations per decoder (per-relation MRR, %):\n";
    for (auto it = bestText.begin(); it != bestText.end(); ++it)
        out << QStringLiteral("%1 %2\n").arg(decoderLabel(it.key()), -10).arg(it.value().join(", "));
    return 0;
}

// ---- bench ----

// Collects the epochs' times. With a profiled epoch, that epoch (the last) is recorded by
// the profiler and left out of the times: recording slows every operator down.
class BenchObserver : public TrainingObserver
{
public:
    explicit BenchObserver(int profiledEpoch) : m_profiledEpoch(profiledEpoch) {}
    void epochFinished(const EpochRecord &r) override
    {
        if (r.epoch == m_profiledEpoch) {
            epochProfile = profiler.stop();
            return;
        }
        seconds.push_back(r.seconds);
        losses.push_back(r.mainLoss);
        if (r.epoch + 1 == m_profiledEpoch)
            profiler.start();
    }
    std::vector<double> seconds;
    std::vector<double> losses; // each epoch's mean training loss: a speed change must leave them be
    WorkProfiler profiler;
    ProfileReport epochProfile;

private:
    int m_profiledEpoch;
};

int runBench(const QStringList &args, QTextStream &out, QTextStream &err)
{
    CommandLine commandLine(QStringLiteral("bench"), QStringLiteral(
        "Train and evaluate like `train` and report speed: median epoch time, the median of three full\n"
        "filtered test evaluations, peak memory (training and its evaluation), measured sgemm GFLOP/s\n"
        "(2048² products, by the engine's matrix products and by LibTorch's BLAS; shares are of the first)\n"
        "and the GFLOP/s the epoch achieved (every matrix product it makes, counted from the shapes).\n"
        "--profile adds one more epoch and one more evaluation, recorded operator by operator, and\n"
        "prints where each spends its time, grouped by what the maths does, with FLOPs and rates.\n"
        "Without feature files, seeded random image (E×256) and text (E×384) features are used."));
    commandLine.addOptions({{"dataset", "dataset folder", "DIR"},
                            {"image-features", "image feature matrix", "FILE"},
                            {"text-features", "text feature matrix", "FILE"},
                            {"json", "print one JSON object"},
                            {"profile", "also profile one epoch and one evaluation by section"}});
    addConfigOptions(commandLine);
    if (int code = 0; !commandLine.parse(args, out, err, &code))
        return code;
    if (!commandLine.isSet("dataset")) {
        err << "momok bench: --dataset DIR is required\n";
        return kUsageError;
    }
    ModelConfig config;
    ModelConfig::applyPreset("bench", &config);
    QString error, paperNote;
    std::optional<PaperDataset> paperDataset;
    if (!resolvePaperDataset(commandLine, commandLine.value("dataset"), &paperDataset, &paperNote, &error)
        || !configFromOptions(commandLine, &config, &error, paperDataset)) {
        err << "momok bench: " << error << "\n";
        return 1;
    }
    if (!commandLine.isSet("epochs"))
        config.epochs = 3; // timed epochs: a preset's schedule (100 or 2,000 epochs) is not the benchmark's
    config.evalEvery = 1000000; // no validation inside the timed epochs
    const bool profile = commandLine.isSet("profile");
    if (profile)
        ++config.epochs; // the profiled epoch comes last and is not timed
    config.evalEvery = std::max(config.evalEvery, config.epochs + 1);
    QTemporaryDir runDir;
    RunSpec spec;
    spec.runDir = runDir.path();
    spec.datasetDir = commandLine.value("dataset");
    spec.imageFeatures = commandLine.value("image-features");
    spec.textFeatures = commandLine.value("text-features");
    spec.randomFeatures = spec.imageFeatures.isEmpty() && spec.textFeatures.isEmpty();
    spec.extractFeatures = false; // the benchmark measures training on the given (or random) features
    spec.config = config;
    QDir().rmdir(runDir.path());
    // The trainer is let go once trained: the extra evaluations below open the run afresh, and
    // with the trainer's state still held they, not training, would set the process's peak.
    auto trainer = std::make_unique<Trainer>();
    if (!trainer->start(spec, nullptr, &error)) {
        err << "momok bench: " << error << "\n";
        return 1;
    }
    // The threads `train` would use for this setting (one for a small step, its two
    // branches at once where the machine has the cores), so that bench times what users get.
    configureComputeEnvironment(trainer->computeThreads());
    const int branchThreads = trainer->branchThreads();
    BenchObserver observer(profile ? config.epochs : 0);
    if (trainer->run(&observer, nullptr, &error) != Outcome::Finished) {
        err << "momok bench: " << error << "\n";
        return 1;
    }
    const EvaluationReport trainerTest = trainer->testReport();
    const double batches = double(trainer->batchesPerEpoch());
    const EpochProducts products = countEpochProducts(trainer->epochShape());
    struct rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const double peakMb = double(usage.ru_maxrss) / 1024.0; // training and its test evaluation
    const LargeBlockStatistics blocks = largeBlockStatistics(); // the same span
    trainer.reset();
    releaseFreeHeapPages();

    std::vector<double> epochs = observer.seconds;
    std::sort(epochs.begin(), epochs.end());
    const double medianEpoch = epochs[epochs.size() / 2];

    // Evaluation time: the median of the trainer's test evaluation and two more of the same
    // checkpoint (one run is at the mercy of a noisy machine).
    std::vector<double> evals{trainerTest.seconds};
    ProfileReport evaluationProfile;
    if (auto evaluated = TrainedRun::open(spec.runDir, &error)) {
        for (int i = 0; i < 2; ++i)
            evals.push_back(evaluated->evaluate(Split::Test).seconds);
        if (profile) {
            WorkProfiler profiler;
            profiler.start();
            evaluated->evaluate(Split::Test);
            evaluationProfile = profiler.stop();
        }
    }
    QJsonArray evalArray;
    for (double s : evals) evalArray.append(s);
    std::sort(evals.begin(), evals.end());
    const SgemmRates rates = measureSgemmRates();
    const double sgemm = rates.engine, blasSgemm = rates.libTorch;
    const ComputeInfo info = currentComputeInfo();
    QJsonArray epochArray;
    for (double s : observer.seconds) epochArray.append(s);
    QJsonArray lossArray;
    for (double l : observer.losses) lossArray.append(l);
    QJsonObject result{{"train_epoch_seconds", medianEpoch},
                       {"epoch_seconds", epochArray},
                       {"epoch_losses", lossArray},
                       {"eval_seconds", evals[evals.size() / 2]},
                       {"evals_seconds", evalArray},
                       {"peak_rss_mb", peakMb},
                       {"large_blocks", QJsonObject{{"maps", double(blocks.maps)},
                                                    {"unmaps", double(blocks.unmaps)},
                                                    {"reuses", double(blocks.reuses)},
                                                    {"peak_in_use_mb", double(blocks.peakInUseBytes) / 1048576.0},
                                                    {"peak_mapped_mb", double(blocks.peakMappedBytes) / 1048576.0}}},
                       {"sgemm_gflops", sgemm}, // the rate the engine's products can reach: shares are of it
                       {"blas_sgemm_gflops", blasSgemm}, // LibTorch's own mm on the system BLAS
                       {"gemm", info.gemm},
                       {"achieved_gflops", products.total() / medianEpoch / 1e9},
                       {"epoch_gflop", products.total() / 1e9},
                       // The count without fusion, the estimator, the batch's experts and the gates:
                       // what bench reported until that work was counted, for comparison.
                       {"achieved_gflops_dominant_products", products.dominantOnly / medianEpoch / 1e9},
                       {"epoch_gflop_dominant_products", products.dominantOnly / 1e9},
                       {"batches_per_epoch", batches},
                       {"test_mrr", trainerTest.headline().mrr},
                       {"threads", info.intraOpThreads},
                       {"branch_threads", branchThreads},
                       {"blas", info.blasName.section(' ', 0, 1)},
                       {"blas_config", info.blasName}}; // OpenBLAS's names the kernels it runs (Haswell, SkylakeX…)
    if (profile)
        result.insert("profile", QJsonObject{{"epoch", observer.epochProfile.toJson()},
                                             {"evaluation", evaluationProfile.toJson()}});
    if (commandLine.isSet("json")) {
        out << QJsonDocument(result).toJson(QJsonDocument::Compact) << "\n";
    } else {
        for (auto it = result.begin(); it != result.end(); ++it)
            if (it.key() != QLatin1String("profile")) // printed as tables below
                out << QStringLiteral("%1 %2\n").arg(it.key(), -20).arg(it.value().isArray() ? QString::fromUtf8(QJsonDocument(it.value().toArray()).toJson(QJsonDocument::Compact)) : it.value().toVariant().toString());
        if (profile) {
            out << "\nProfile of one training epoch (" << QString::number(observer.epochProfile.wallSeconds, 'f', 2)
                << " s while recording; matrix-product FLOPs counted from the operands):\n"
                << observer.epochProfile.table(sgemm) << "\nIts longest operators (exclusive time):\n"
                << observer.epochProfile.operatorTable(25, sgemm)
                << "\nProfile of one full filtered test evaluation:\n" << evaluationProfile.table(sgemm)
                << "\nIts longest operators (exclusive time):\n" << evaluationProfile.operatorTable(10, sgemm);
        }
    }
    return 0;
}

} // namespace

CliCommand trainCommand() { return {"train", "train a model on a dataset (or --resume a run)", runTrain, true}; }
CliCommand evalCommand() { return {"eval", "filtered link-prediction metrics of a trained run", runEval, true}; }
CliCommand predictCommand() { return {"predict", "ranked predictions for one query, per modality", runPredict}; }
CliCommand explainCommand() { return {"explain", "expert gate weights and best relations per modality", runExplain}; }
CliCommand benchCommand() { return {"bench", "speed benchmark: epoch and evaluation time, memory, GFLOP/s", runBench, true}; }

} // namespace momok
