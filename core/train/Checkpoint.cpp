#include "train/Checkpoint.h"

#include "runtime/AtomicFile.h"

#include <ATen/CPUGeneratorImpl.h>
#include <QFile>
#include <QJsonDocument>

#include <functional>
#include <string>

namespace momok {

namespace {
constexpr int64_t kCheckpointVersion = 1;

at::Generator defaultGenerator() { return at::detail::getDefaultCPUGenerator(); }
} // namespace

bool saveCheckpoint(const QString &path, MoMoKModel &model, torch::optim::Optimizer *main, torch::optim::Optimizer *estimator,
                    const TrainingState &state, const QJsonObject &config, QString *error)
{
    // Streamed into an AtomicFileWriter (a crash leaves the old checkpoint or the new one).
    // LibTorch's own file writer cannot be used on a disk that may fill up: its destructor
    // throws on a short write, which ends the process (std::terminate) instead of reporting
    // the error. The writer below takes every byte it is given, and says afterwards whether
    // they all reached the disk. (Serialising to memory first, as before, doubled the peak
    // memory of a large model's training: the archive grew in a string by reallocation.)
    AtomicFileWriter file(path, QStringLiteral("checkpoint"));
    try {
        torch::serialize::OutputArchive archive, modelArchive;
        model->save(modelArchive);
        archive.write("model", modelArchive);
        if (main) {
            torch::serialize::OutputArchive a;
            main->save(a);
            archive.write("optimizer", a);
        }
        if (estimator) {
            torch::serialize::OutputArchive a;
            estimator->save(a);
            archive.write("estimator_optimizer", a);
        }
        archive.write("version", torch::tensor(kCheckpointVersion));
        archive.write("epoch", torch::tensor(int64_t(state.epoch)));
        archive.write("step", torch::tensor(state.step));
        archive.write("best_valid_mrr", torch::tensor(state.bestValidMrr, torch::kDouble));
        archive.write("best_epoch", torch::tensor(int64_t(state.bestEpoch)));
        archive.write("stale_evaluations", torch::tensor(int64_t(state.evaluationsWithoutImprovement)));
        archive.write("learning_rate", torch::tensor(state.learningRate, torch::kDouble));
        archive.write("rng_state", defaultGenerator().get_state());
        archive.write("history", c10::IValue(state.historyJson.toStdString()));
        archive.write("config", c10::IValue(QJsonDocument(config).toJson(QJsonDocument::Compact).toStdString()));
        archive.save_to([&file](const void *data, size_t size) {
            file.write(static_cast<const char *>(data), qint64(size));
            return size;
        });
    } catch (const std::exception &e) {
        if (error)
            *error = QStringLiteral("%1: cannot serialise the checkpoint: %2")
                         .arg(path, QString::fromUtf8(e.what()).section(QLatin1Char('\n'), 0, 0));
        return false;
    }
    if (!file.commit(error)) {
        if (error)
            *error += QStringLiteral("; the previous checkpoint is kept");
        return false;
    }
    return true;
}

bool loadCheckpoint(const QString &path, MoMoKModel &model, torch::optim::Optimizer *main, torch::optim::Optimizer *estimator,
                    TrainingState *state, QJsonObject *config, QString *error)
{
    try {
        torch::serialize::InputArchive archive, modelArchive;
        // Tensors land on the model's device whichever device wrote them (a GPU run opens on a
        // CPU-only machine, and the other way round).
        archive.load_from(path.toStdString(), model->device());
        archive.read("model", modelArchive);
        // Every tensor must have the shape this run's model has: a checkpoint of another
        // configuration (an edited run.json, another run's file) would load without complaint
        // and fail later, deep inside a parallel kernel, where it ends the process.
        QString mismatch;
        auto shape = [](c10::IntArrayRef sizes) {
            QStringList dims;
            for (int64_t d : sizes)
                dims << QString::number(d);
            return QStringLiteral("[%1]").arg(dims.join(QStringLiteral(", ")));
        };
        // The archive nests one archive per submodule, as Module::save writes it.
        std::function<void(torch::nn::Module &, torch::serialize::InputArchive &, const std::string &)> walk =
            [&](torch::nn::Module &module, torch::serialize::InputArchive &stored, const std::string &prefix) {
                auto check = [&](const std::string &key, const torch::Tensor &expected, bool buffer) {
                    if (!mismatch.isEmpty() || !expected.defined())
                        return;
                    torch::Tensor t;
                    const QString name = QString::fromStdString(prefix + key);
                    if (!stored.try_read(key, t, buffer))
                        mismatch = QStringLiteral("it has no '%1'").arg(name);
                    else if (t.sizes() != expected.sizes())
                        mismatch = QStringLiteral("'%1' is %2 in the file but %3 for this run's configuration")
                                       .arg(name, shape(t.sizes()), shape(expected.sizes()));
                };
                for (const auto &p : module.named_parameters(/*recurse=*/false))
                    check(p.key(), p.value(), false);
                for (const auto &b : module.named_buffers(/*recurse=*/false))
                    check(b.key(), b.value(), true);
                for (const auto &child : module.named_children()) {
                    if (!mismatch.isEmpty())
                        return;
                    torch::serialize::InputArchive nested;
                    if (!stored.try_read(child.key(), nested)) {
                        mismatch = QStringLiteral("it has no '%1'").arg(QString::fromStdString(prefix + child.key()));
                        return;
                    }
                    walk(*child.value(), nested, prefix + child.key() + ".");
                }
            };
        walk(*model, modelArchive, std::string());
        if (!mismatch.isEmpty()) {
            if (error)
                *error = QStringLiteral("%1: the checkpoint does not fit this run's configuration: %2 (was run.json "
                                        "edited, or the file copied from another run?)")
                             .arg(path, mismatch);
            return false;
        }
        model->load(modelArchive);
        if (main) {
            torch::serialize::InputArchive a;
            archive.read("optimizer", a);
            main->load(a);
        }
        if (estimator) {
            torch::serialize::InputArchive a;
            if (archive.try_read("estimator_optimizer", a))
                estimator->load(a);
        }
        auto scalar = [&](const char *key) {
            torch::Tensor t;
            archive.read(key, t);
            return t;
        };
        if (state) {
            state->epoch = int(scalar("epoch").item<int64_t>());
            state->step = scalar("step").item<int64_t>();
            state->bestValidMrr = scalar("best_valid_mrr").item<double>();
            state->bestEpoch = int(scalar("best_epoch").item<int64_t>());
            state->evaluationsWithoutImprovement = int(scalar("stale_evaluations").item<int64_t>());
            state->learningRate = scalar("learning_rate").item<double>();
            c10::IValue history;
            archive.read("history", history);
            state->historyJson = QString::fromStdString(history.toStringRef());
            defaultGenerator().set_state(scalar("rng_state").to(torch::kCPU));
        }
        if (config) {
            c10::IValue text;
            archive.read("config", text);
            *config = QJsonDocument::fromJson(QByteArray::fromStdString(text.toStringRef())).object();
        }
    } catch (const std::exception &e) {
        if (error)
            *error = QStringLiteral("%1: cannot read checkpoint: %2").arg(path, QString::fromUtf8(e.what()).section('\n', 0, 0));
        return false;
    }
    return true;
}

} // namespace momok
