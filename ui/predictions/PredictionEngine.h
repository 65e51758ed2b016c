#pragma once
// Answers prediction queries for the selected run off the UI thread. The run's
// model is loaded once per run (TrainedRun, core's torch-free interface to a
// trained run); each query then runs on the engine's single worker.
// Only the newest query's answer is delivered: answers to queries the user has
// already moved on from are dropped.
#include "analysis/Predictor.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <array>
#include <memory>

namespace momok::ui {

struct PredictionQuery {
    qint64 entity = -1;
    qint64 relation = -1; // -1: every relation, merged by score
    bool headPrediction = false;
    int topK = 10;
    bool hideKnown = false;
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

Q_SIGNALS:
    void runLoaded(qint64 runId, bool ok, const QString &error);
    void answered(const momok::ui::PredictionAnswer &answer);
    void failed(const QString &error);

private:
    void dispatch();

    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace momok::ui

Q_DECLARE_METATYPE(momok::ui::PredictionAnswer)
