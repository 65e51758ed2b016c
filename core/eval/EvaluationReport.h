#pragma once
// Results of one filtered link-prediction evaluation, as plain data (torch-free):
// stored in the workspace, shown by the UI, printed by the CLI.
#include "domain/Vocabulary.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <array>
#include <optional>
#include <cstdint>
#include <vector>

namespace momok {

// Metrics over a set of ranks. MRR and Hits@k in %, MR as a plain mean rank.
struct RankMetrics {
    double mrr = 0, mr = 0, hits1 = 0, hits3 = 0, hits10 = 0;
    int64_t count = 0;
    QJsonObject toJson() const;
    static RankMetrics fromJson(const QJsonObject &o);
};

// Ties: optimistic counts the true entity first among equals, pessimistic last;
// realistic is their mean (the expected rank under random tie-breaking): the headline.
struct RankMetricsTriple {
    RankMetrics realistic, optimistic, pessimistic;
};

struct DirectionalMetrics {
    std::array<RankMetricsTriple, kDecoderCount> both, tail, head; // head = (?, r, t)
};

struct RelationReport {
    int64_t relation = 0;
    QString name;
    DirectionalMetrics metrics;
};

// Mean gate weight of each expert per (relation, modality) over evaluated queries.
struct GateStatistics {
    int relations = 0;   // directed relations are folded: tail and head queries of r both count for r
    int modalities = 3;  // S, I, T
    int experts = 0;
    QStringList relationNames;
    QVector<double> meanWeight; // [relation][modality][expert], row-major
    QVector<int64_t> queryCount; // queries per relation
    double at(int relation, int modality, int expert) const
    {
        return meanWeight.value((relation * modalities + modality) * experts + expert);
    }
};

// Per query entity (the known side of a query: h for (h, r, ?), t for (?, r, t)): the sum of
// its queries' realistic reciprocal ranks per decoder, and how many there were. Lets the
// analysis say which decoder predicts best for each entity (the projector's metadata).
struct EntityRankSums {
    int64_t entities = 0;
    std::vector<double> reciprocal;    // [entity][decoder] (kDecoderCount per entity)
    std::vector<int64_t> queries;      // [entity]
    std::array<bool, kDecoderCount> active{};
    // The active scoring decoder (S, I, T, joint) with the highest MRR on entity's queries;
    // nullopt without queries. Ties go to the first in S, I, T, joint order.
    std::optional<Decoder> bestDecoder(int64_t entity) const;
};

struct EvaluationReport {
    std::optional<Split> split; // Valid or Test; empty: no evaluation yet
    int epoch = 0;             // checkpoint epoch evaluated
    double seconds = 0;        // wall time
    DirectionalMetrics overall;
    QVector<RelationReport> relations;
    GateStatistics gates;

    QString splitKey() const { return split ? splitName(*split) : QString(); } // "valid", "test" or ""
    const RankMetrics &headline() const { return overall.both[int(Decoder::Combined)].realistic; }
    QJsonObject toJson() const;
    static EvaluationReport fromJson(const QJsonObject &o);
};

} // namespace momok
