#pragma once
// The poster's ablation table built from recorded runs: a full-model run, the test
// metrics of each of its decoders alone ("modality contribution"), and the runs that
// differ from it only in ablation switches ("model design"). Torch-free.
#include "eval/EvaluationReport.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <array>
#include <optional>

namespace momok {

// One recorded run as the table needs it.
struct AblationCandidate {
    qint64 runId = -1;
    QString name;
    QJsonObject spec;       // the run's configuration: RunSpec::toJson() (or a bare ModelConfig)
    bool finished = false;
    QDateTime createdAt;
    std::optional<RankMetrics> test;                  // headline of its latest test evaluation
    std::array<RankMetrics, kDecoderCount> decoders{}; // that evaluation's overall metrics per decoder (count 0: inactive)
};

struct AblationRow {
    enum class Kind { FullModel, ModalityContribution, ModelDesign, Other };
    Kind kind = Kind::Other;
    QString group;   // "", "Modality contribution", "Model design", "Other settings"
    QString label;   // "Full model", "(1.1) Structure modality", "(2.5) w/o ExID", …
    qint64 runId = -1; // -1: no recorded run for this setting yet
    QString runName;
    std::optional<RankMetrics> metrics;
    QString hint;    // for an empty row: which run would fill it
};

class AblationTable
{
public:
    // Configuration keys the ablation compares ("use_image", "exid", "experts", …).
    static QStringList ablationKeys();
    // The run's ModelConfig JSON, whether spec is a RunSpec or a bare ModelConfig.
    static QJsonObject modelConfigJson(const QJsonObject &spec);
    // The ablation keys in which b differs from a, or nullopt when they differ elsewhere
    // too (other hyper-parameters, dataset or features): then they are not comparable.
    static std::optional<QStringList> ablationDifference(const QJsonObject &specA, const QJsonObject &specB);
    // "w/o ExID" for {"exid"}, "K = 2 experts" for {"experts"} (with b's value), joined by ", ".
    static QString settingLabel(const QStringList &keys, const QJsonObject &spec);

    // Index of the finished full-model run with the most comparable ablation runs
    // (those changing a single switch first, then any; newest on ties), or -1 when none.
    static int chooseBaseline(const QVector<AblationCandidate> &runs);
    // Rows in the poster's order; empty when no baseline exists.
    static QVector<AblationRow> build(const QVector<AblationCandidate> &runs);
};

} // namespace momok
