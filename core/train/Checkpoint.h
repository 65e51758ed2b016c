#pragma once
// A training checkpoint: model, both optimisers, the loop's state, the RNG state and the
// configuration, in one file written atomically (temp file + rename).
#include "model/MoMoKModel.h"

#include <QJsonObject>
#include <QString>

namespace momok {

struct TrainingState {
    int epoch = 0;          // epochs completed
    int64_t step = 0;       // optimisation steps completed (keys the dropout streams)
    double bestValidMrr = -1;
    int bestEpoch = 0;
    int evaluationsWithoutImprovement = 0;
    double learningRate = 0;
    QString historyJson;    // epoch and evaluation records so far (JSON array)
};

bool saveCheckpoint(const QString &path, MoMoKModel &model, torch::optim::Optimizer *main, torch::optim::Optimizer *estimator,
                    const TrainingState &state, const QJsonObject &config, QString *error);
// Optimisers may be null (evaluation only). The model must have the checkpoint's architecture.
bool loadCheckpoint(const QString &path, MoMoKModel &model, torch::optim::Optimizer *main, torch::optim::Optimizer *estimator,
                    TrainingState *state, QJsonObject *config, QString *error);

} // namespace momok
