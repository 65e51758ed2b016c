#pragma once
// Answers prediction queries for the selected run off the UI thread. The run's
// model is loaded once per run (TrainedRun, core's torch-free interface to a
// trained run); each query then runs on the engine's single worker.
// Only the newest query's answer is delivered: answers to queries the user has
// already moved on from are dropped.
#include "analysis/Evidence.h"
#include "analysis/Predictor.h"

#include <QMetaType>
#include <QObject>
#include <QPointer>
#include <QString>

#include <array>
#include <functional>
#include <memory>

namespace momok {
class TrainedRun;
}

namespace momok::ui {

struct PredictionQuery {
    qint64 entity = -1;
    qint64 relation = -1; // -1: every relation, merged by score
    bool headPrediction = false;
    int topK = 10;
    bool hideKnown = false;
    bool typedCandidates = false; // only candidates of the relation's types (CandidateTypes)
};

struct PredictionEntry {
    PredictionRow row;
    qint64 relation = 0;
};

struct PredictionAnswer {
    PredictionQuery query;
    qint64 runId = -1;
    QVector<PredictionEntry> rows;
    std::array<QVector<double>, 3> gates; // S, I, T expert weights (mean over relations for "all")
    std::array<bool, 4> decoderActive{};
    bool typeFiltered = false;
    qint64 removedByType = 0; // summed over the relations asked
};

// One entity's results for several relations (one direction) as one answer: every
// relation's rows merged by the joint decision, cut to query.topK and ranked again; gates
// averaged over the relations. A single result keeps its own ranks.
PredictionAnswer mergeResults(const PredictionQuery &query, const QVector<PredictionResult> &results);

// A loaded run and what analysis derives from it once per run (the similarity index, the
// evidence finder), as tasks on the engine's worker see it. Used only on that worker.
class RunAnalysis
{
public:
    explicit RunAnalysis(std::shared_ptr<TrainedRun> run);
    ~RunAnalysis();
    TrainedRun &run() const { return *m_run; }
    const EntitySimilarity &similarity();     // built on first use
    // Under one relation's temperature (tail queries); the last one asked is kept.
    const EntitySimilarity &similarityUnder(qint64 relation);
    const EvidenceFinder &evidenceFinder();   // built on first use

private:
    std::shared_ptr<TrainedRun> m_run;
    std::unique_ptr<EntitySimilarity> m_similarity;
    std::unique_ptr<EvidenceFinder> m_evidence;
    std::unique_ptr<EntitySimilarity> m_relationSimilarity;
    qint64 m_similarityRelation = -1;
};

class PredictionEngine : public QObject
{
    Q_OBJECT
public:
    explicit PredictionEngine(QObject *parent = nullptr);
    ~PredictionEngine() override; // waits for the worker

    // Loads RUNDIR's model in the background; runId < 0 (or an empty dir) unloads.
    void loadRun(qint64 runId, const QString &runDir);
    qint64 runId() const;
    bool isLoading() const;
    bool isReady() const;
    // Remembered and answered once the run is loaded.
    void request(const PredictionQuery &query);

    // Any analysis of the loaded run, on the engine's worker (never beside another query on
    // the same model): task(RunAnalysis &) runs once the run is loaded, and done(result) then
    // runs on the UI thread, unless context is gone, another run was chosen, or a newer task
    // was submitted on the same channel (stale answers are dropped, as for predictions).
    template <typename Task, typename Done>
    void submit(QObject *context, const QString &channel, Task task, Done done)
    {
        QPointer<QObject> guard(context);
        submitErased(channel, [task = std::move(task), done = std::move(done), guard](RunAnalysis &analysis) mutable {
            auto result = std::make_shared<decltype(task(analysis))>(task(analysis));
            return std::function<void()>([done, result, guard] {
                if (guard)
                    done(*result);
            });
        });
    }

Q_SIGNALS:
    void runLoaded(qint64 runId, bool ok, const QString &error);
    void answered(const momok::ui::PredictionAnswer &answer);
    void failed(const QString &error);

private:
    using ErasedTask = std::function<std::function<void()>(RunAnalysis &)>;
    void submitErased(const QString &channel, ErasedTask task);
    void dispatch();
    void dispatchTasks();

    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace momok::ui

Q_DECLARE_METATYPE(momok::ui::PredictionAnswer)
