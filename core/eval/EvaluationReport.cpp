#include "eval/EvaluationReport.h"

#include <QJsonArray>

namespace momok {

QJsonObject RankMetrics::toJson() const
{
    return {{"mrr", mrr}, {"mr", mr}, {"hits1", hits1}, {"hits3", hits3}, {"hits10", hits10}, {"count", double(count)}};
}

RankMetrics RankMetrics::fromJson(const QJsonObject &o)
{
    RankMetrics m;
    m.mrr = o.value("mrr").toDouble();
    m.mr = o.value("mr").toDouble();
    m.hits1 = o.value("hits1").toDouble();
    m.hits3 = o.value("hits3").toDouble();
    m.hits10 = o.value("hits10").toDouble();
    m.count = int64_t(o.value("count").toDouble());
    return m;
}

namespace {

QJsonObject tripleToJson(const RankMetricsTriple &t)
{
    return {{"realistic", t.realistic.toJson()}, {"optimistic", t.optimistic.toJson()}, {"pessimistic", t.pessimistic.toJson()}};
}

RankMetricsTriple tripleFromJson(const QJsonObject &o)
{
    return {RankMetrics::fromJson(o.value("realistic").toObject()), RankMetrics::fromJson(o.value("optimistic").toObject()),
            RankMetrics::fromJson(o.value("pessimistic").toObject())};
}

QJsonObject directionalToJson(const DirectionalMetrics &m)
{
    QJsonObject out;
    for (int d = 0; d < kDecoderCount; ++d) {
        out.insert(decoderKey(Decoder(d)), QJsonObject{{"both", tripleToJson(m.both[d])},
                                                       {"tail", tripleToJson(m.tail[d])},
                                                       {"head", tripleToJson(m.head[d])}});
    }
    return out;
}

DirectionalMetrics directionalFromJson(const QJsonObject &o)
{
    DirectionalMetrics m;
    for (int d = 0; d < kDecoderCount; ++d) {
        const QJsonObject dec = o.value(decoderKey(Decoder(d))).toObject();
        m.both[d] = tripleFromJson(dec.value("both").toObject());
        m.tail[d] = tripleFromJson(dec.value("tail").toObject());
        m.head[d] = tripleFromJson(dec.value("head").toObject());
    }
    return m;
}

} // namespace

QJsonObject EvaluationReport::toJson() const
{
    QJsonArray rels;
    for (const RelationReport &r : relations)
        rels.append(QJsonObject{{"relation", double(r.relation)}, {"name", r.name}, {"metrics", directionalToJson(r.metrics)}});
    QJsonArray weights, counts;
    for (double w : gates.meanWeight)
        weights.append(w);
    for (int64_t c : gates.queryCount)
        counts.append(double(c));
    QJsonObject gateJson{{"relations", gates.relations}, {"modalities", gates.modalities}, {"experts", gates.experts},
                         {"relation_names", QJsonArray::fromStringList(gates.relationNames)},
                         {"mean_weight", weights}, {"query_count", counts}};
    return {{"split", splitKey()}, {"epoch", epoch}, {"seconds", seconds}, {"overall", directionalToJson(overall)},
            {"relations", rels}, {"gates", gateJson}};
}

EvaluationReport EvaluationReport::fromJson(const QJsonObject &o)
{
    EvaluationReport r;
    r.split = splitFromName(o.value("split").toString());
    r.epoch = o.value("epoch").toInt();
    r.seconds = o.value("seconds").toDouble();
    r.overall = directionalFromJson(o.value("overall").toObject());
    for (const QJsonValue &v : o.value("relations").toArray()) {
        const QJsonObject rel = v.toObject();
        r.relations.append({rel.value("relation").toInteger(-1), rel.value("name").toString(),
                            directionalFromJson(rel.value("metrics").toObject())});
    }
    const QJsonObject g = o.value("gates").toObject();
    r.gates.relations = g.value("relations").toInt();
    r.gates.modalities = g.value("modalities").toInt(3);
    r.gates.experts = g.value("experts").toInt();
    for (const QJsonValue &v : g.value("relation_names").toArray())
        r.gates.relationNames << v.toString();
    for (const QJsonValue &v : g.value("mean_weight").toArray())
        r.gates.meanWeight << v.toDouble();
    for (const QJsonValue &v : g.value("query_count").toArray())
        r.gates.queryCount << v.toInteger(0);
    // A report read back from a file or a workspace is not trusted to be whole: gate tables
    // whose sizes disagree (an edited or damaged report) are dropped rather than indexed.
    const GateStatistics &gates = r.gates;
    const bool shapeAgrees = gates.relations >= 0 && gates.modalities >= 0 && gates.experts >= 0
        && gates.relations <= (1 << 20) && gates.modalities <= 16 && gates.experts <= 1024
        && gates.meanWeight.size() == qsizetype(gates.relations) * gates.modalities * gates.experts
        && (gates.queryCount.isEmpty() || gates.queryCount.size() == gates.relations)
        && (gates.relationNames.isEmpty() || gates.relationNames.size() == gates.relations);
    if (!shapeAgrees)
        r.gates = GateStatistics{};
    return r;
}

std::optional<Decoder> EntityRankSums::bestDecoder(int64_t entity) const
{
    if (entity < 0 || entity >= entities || queries[size_t(entity)] == 0)
        return std::nullopt;
    std::optional<Decoder> best;
    double bestSum = -1;
    for (Decoder d : kScoringDecoders) {
        const double sum = reciprocal[size_t(entity * kDecoderCount + int(d))];
        if (active[size_t(d)] && sum > bestSum) {
            bestSum = sum;
            best = d;
        }
    }
    return best;
}

} // namespace momok
