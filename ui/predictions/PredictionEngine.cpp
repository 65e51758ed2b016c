#include "predictions/PredictionEngine.h"

#include "train/TrainedRun.h"

#include <QFutureWatcher>
#include <QThreadPool>
#include <QtConcurrent>

#include <algorithm>
#include <atomic>
#include <optional>
#include <utility>

namespace momok::ui {

namespace {

struct LoadOutcome {
    std::shared_ptr<TrainedRun> run;
    QString error;
};

struct QueryOutcome {
    bool stale = false;
    PredictionAnswer answer;
    QString error;
};

// All relations: each relation's top k, merged by the joint decision and cut to k again.
PredictionAnswer answerQuery(TrainedRun &run, const PredictionQuery &query)
{
    QVector<PredictionResult> results;
    for (qint64 r = 0; r < run.dataset().relationCount(); ++r)
        if (query.relation < 0 || query.relation == r)
            results << run.predict(query.entity, r, query.headPrediction, query.topK, query.hideKnown,
                                   query.typedCandidates);
    return mergeResults(query, results);
}

} // namespace

PredictionAnswer mergeResults(const PredictionQuery &query, const QVector<PredictionResult> &results)
{
    PredictionAnswer answer;
    answer.query = query;
    std::array<int, 3> gateSamples{};
    for (const PredictionResult &result : results) {
        answer.decoderActive = result.decoderActive;
        answer.typeFiltered = result.typeFiltered;
        answer.removedByType += result.removedByType;
        for (const PredictionRow &row : result.rows.mid(0, query.topK))
            answer.rows << PredictionEntry{row, result.relation};
        for (int m = 0; m < 3; ++m) {
            const QVector<double> &g = result.gates[size_t(m)];
            if (g.isEmpty())
                continue;
            QVector<double> &sum = answer.gates[size_t(m)];
            if (sum.isEmpty())
                sum.fill(0.0, g.size());
            for (int k = 0; k < g.size() && k < sum.size(); ++k)
                sum[k] += g[k];
            ++gateSamples[size_t(m)];
        }
    }
    for (int m = 0; m < 3; ++m)
        for (double &v : answer.gates[size_t(m)])
            v /= std::max(1, gateSamples[size_t(m)]);
    if (results.size() > 1) {
        std::stable_sort(answer.rows.begin(), answer.rows.end(),
                         [](const PredictionEntry &a, const PredictionEntry &b) { return a.row.score > b.row.score; });
        if (answer.rows.size() > query.topK)
            answer.rows.resize(query.topK);
        for (int i = 0; i < answer.rows.size(); ++i)
            answer.rows[i].row.rank = i + 1;
    }
    return answer;
}

RunAnalysis::RunAnalysis(std::shared_ptr<TrainedRun> run) : m_run(std::move(run)) {}

RunAnalysis::~RunAnalysis() = default;

const EntitySimilarity &RunAnalysis::similarity()
{
    if (!m_similarity)
        m_similarity = std::make_unique<EntitySimilarity>(m_run->embeddings());
    return *m_similarity;
}

const EntitySimilarity &RunAnalysis::similarityUnder(qint64 relation)
{
    if (relation < 0)
        return similarity();
    if (!m_relationSimilarity || m_similarityRelation != relation) {
        m_relationSimilarity = std::make_unique<EntitySimilarity>(m_run->embeddings(relation));
        m_similarityRelation = relation;
    }
    return *m_relationSimilarity;
}

const EvidenceFinder &RunAnalysis::evidenceFinder()
{
    if (!m_evidence)
        m_evidence = std::make_unique<EvidenceFinder>(m_run->dataset(), similarity());
    return *m_evidence;
}

struct PredictionEngine::Private {
    QThreadPool pool; // one worker: queries never run concurrently on one model
    std::shared_ptr<TrainedRun> run;
    qint64 runId = -1;
    quint64 loadGeneration = 0;
    bool loading = false;
    std::optional<PredictionQuery> pending;
    // Bumped for every request; a worker that sees a newer value skips its query.
    std::shared_ptr<std::atomic<quint64>> queryGeneration = std::make_shared<std::atomic<quint64>>(0);
    // Analysis tasks: the run's analysis state (used on the worker only), the newest task per
    // channel not yet started, and per channel the generation of the newest submitted.
    std::shared_ptr<RunAnalysis> analysis;
    QHash<QString, ErasedTask> pendingTasks;
    QHash<QString, quint64> taskGeneration;
};

PredictionEngine::PredictionEngine(QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->pool.setMaxThreadCount(1);
}

PredictionEngine::~PredictionEngine()
{
    d->queryGeneration->fetch_add(1);
    d->pool.waitForDone();
}

qint64 PredictionEngine::runId() const { return d->runId; }
bool PredictionEngine::isLoading() const { return d->loading; }
bool PredictionEngine::isReady() const { return d->run != nullptr && !d->loading; }

void PredictionEngine::loadRun(qint64 runId, const QString &runDir)
{
    const quint64 generation = ++d->loadGeneration;
    d->queryGeneration->fetch_add(1);
    d->run.reset();
    d->analysis.reset();
    d->pendingTasks.clear();
    for (quint64 &g : d->taskGeneration)
        ++g; // answers about the previous run are dropped
    d->runId = runId;
    d->loading = runId >= 0 && !runDir.isEmpty();
    if (!d->loading)
        return;
    auto *watcher = new QFutureWatcher<LoadOutcome>(this);
    connect(watcher, &QFutureWatcher<LoadOutcome>::finished, this, [this, watcher, generation, runId] {
        watcher->deleteLater();
        if (generation != d->loadGeneration)
            return; // another run was chosen meanwhile
        LoadOutcome outcome = watcher->result();
        d->loading = false;
        d->run = std::move(outcome.run);
        if (d->run) {
            d->analysis = std::make_shared<RunAnalysis>(d->run);
            // The similarity index is built once per run, now, so that the first question is quick.
            auto analysis = d->analysis;
            (void)QtConcurrent::run(&d->pool, [analysis] { analysis->similarity(); });
        }
        Q_EMIT runLoaded(runId, d->run != nullptr, outcome.error);
        if (d->run) {
            dispatch();
            dispatchTasks();
        }
    });
    watcher->setFuture(QtConcurrent::run(&d->pool, [runDir] {
        LoadOutcome outcome;
        outcome.run = std::shared_ptr<TrainedRun>(TrainedRun::open(runDir, &outcome.error));
        return outcome;
    }));
}

void PredictionEngine::request(const PredictionQuery &query)
{
    d->pending = query;
    d->queryGeneration->fetch_add(1);
    if (isReady())
        dispatch();
}

void PredictionEngine::dispatch()
{
    if (!d->pending || !d->run)
        return;
    const PredictionQuery query = *d->pending;
    d->pending.reset();
    if (query.entity < 0 || query.entity >= d->run->dataset().entityCount()) {
        Q_EMIT failed(tr("The entity is not part of this run's dataset."));
        return;
    }
    const quint64 generation = d->queryGeneration->load();
    const qint64 runId = d->runId;
    auto latest = d->queryGeneration;
    auto run = d->run;
    auto *watcher = new QFutureWatcher<QueryOutcome>(this);
    connect(watcher, &QFutureWatcher<QueryOutcome>::finished, this, [this, watcher, generation, runId] {
        watcher->deleteLater();
        QueryOutcome outcome = watcher->result();
        if (outcome.stale || generation != d->queryGeneration->load() || runId != d->runId)
            return; // the user has moved on
        if (!outcome.error.isEmpty()) {
            Q_EMIT failed(outcome.error);
            return;
        }
        outcome.answer.runId = runId;
        Q_EMIT answered(outcome.answer);
    });
    watcher->setFuture(QtConcurrent::run(&d->pool, [run, query, latest, generation] {
        QueryOutcome outcome;
        if (latest->load() != generation) {
            outcome.stale = true;
            return outcome;
        }
        try {
            outcome.answer = answerQuery(*run, query);
        } catch (const std::exception &e) {
            outcome.error = QString::fromUtf8(e.what());
        }
        return outcome;
    }));
}

void PredictionEngine::submitErased(const QString &channel, ErasedTask task)
{
    ++d->taskGeneration[channel];
    d->pendingTasks.insert(channel, std::move(task));
    if (isReady())
        dispatchTasks();
}

void PredictionEngine::dispatchTasks()
{
    if (!d->analysis)
        return;
    const auto pending = std::exchange(d->pendingTasks, {});
    for (auto it = pending.begin(); it != pending.end(); ++it) {
        const QString channel = it.key();
        const quint64 generation = d->taskGeneration.value(channel);
        const qint64 runId = d->runId;
        auto analysis = d->analysis;
        auto task = it.value();
        auto *watcher = new QFutureWatcher<std::function<void()>>(this);
        connect(watcher, &QFutureWatcher<std::function<void()>>::finished, this, [this, watcher, channel, generation, runId] {
            watcher->deleteLater();
            const std::function<void()> deliver = watcher->result();
            if (deliver && generation == d->taskGeneration.value(channel) && runId == d->runId)
                deliver();
        });
        watcher->setFuture(QtConcurrent::run(&d->pool, [analysis, task]() -> std::function<void()> {
            try {
                return task(*analysis);
            } catch (const std::exception &e) {
                qWarning("analysis task failed: %s", e.what());
                return {};
            }
        }));
    }
}

} // namespace momok::ui
