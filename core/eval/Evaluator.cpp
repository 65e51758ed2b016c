#include "eval/Evaluator.h"

#include "eval/RankCounter.h"
#include "model/FastKernels.h"
#include "runtime/Gemm.h"
#include "runtime/WorkProfiler.h"

#include <ATen/Parallel.h>
#include <QElapsedTimer>

#include <numeric>
#include <optional>

namespace momok {

namespace {

RankMetrics metricsFrom(const std::vector<double> &ranks)
{
    RankMetrics m;
    m.count = int64_t(ranks.size());
    if (ranks.empty())
        return m;
    for (double r : ranks) {
        m.mrr += 1.0 / r;
        m.mr += r;
        m.hits1 += r <= 1.0;
        m.hits3 += r <= 3.0;
        m.hits10 += r <= 10.0;
    }
    const double n = double(ranks.size());
    m.mrr *= 100.0 / n;
    m.mr /= n;
    m.hits1 *= 100.0 / n;
    m.hits3 *= 100.0 / n;
    m.hits10 *= 100.0 / n;
    return m;
}

struct TargetRecord {
    int64_t entity = 0;   // the query's known entity
    int64_t relation = 0; // undirected
    bool head = false;    // (?, r, t)
    std::array<FilteredRank, kDecoderCount> ranks;
};

DirectionalMetrics aggregate(const std::vector<const TargetRecord *> &records, const std::array<bool, kDecoderCount> &active)
{
    DirectionalMetrics out;
    for (int d = 0; d < kDecoderCount; ++d) {
        if (!active[size_t(d)])
            continue;
        std::vector<FilteredRank> both, tail, head;
        for (const TargetRecord *r : records) {
            both.push_back(r->ranks[size_t(d)]);
            (r->head ? head : tail).push_back(r->ranks[size_t(d)]);
        }
        out.both[size_t(d)] = metricsOf(both);
        out.tail[size_t(d)] = metricsOf(tail);
        out.head[size_t(d)] = metricsOf(head);
    }
    return out;
}

} // namespace

RankMetricsTriple metricsOf(const std::vector<FilteredRank> &ranks)
{
    std::vector<double> opt, pess, real;
    opt.reserve(ranks.size());
    pess.reserve(ranks.size());
    real.reserve(ranks.size());
    for (const FilteredRank &r : ranks) {
        opt.push_back(r.optimistic());
        pess.push_back(r.pessimistic());
        real.push_back(r.realistic());
    }
    return {metricsFrom(real), metricsFrom(opt), metricsFrom(pess)};
}

Evaluator::Evaluator(MoMoKModel model, const KgDataset &dataset, const QueryIndex &allKnown)
    : m_model(std::move(model)), m_dataset(dataset), m_known(allKnown)
{
}

torch::Tensor Evaluator::combinedScores(const std::array<torch::Tensor, kScoringDecoderCount> &logits)
{
    std::vector<torch::Tensor> active;
    for (const auto &l : logits)
        if (l.defined())
            active.push_back(l.contiguous());
    torch::Tensor out;
    meanSigmoid(active, out);
    return out;
}

EvaluationReport Evaluator::evaluate(Split split, int64_t batchSize, Feedback *feedback, int epoch,
                                     EntityRankSums *perEntity)
{
    QElapsedTimer timer;
    timer.start();
    torch::NoGradGuard noGrad;
    const bool wasTraining = m_model->is_training();
    m_model->eval();

    const int64_t relations = m_dataset.relationCount(), entities = m_dataset.entityCount();
    // Distinct queries of the split: one scoring pass serves every target that shares it.
    std::optional<ProfileScope> preparation(std::in_place, ProfileSection::DataPreparation);
    const QueryIndex queries = QueryIndex::build({&m_dataset.split(split)}, relations);
    // Visit queries grouped by relation: a chunk then holds few distinct relations, so
    // W_r = r·W and the per-relation products are formed a handful of times, not per chunk.
    std::vector<int64_t> order(size_t(queries.size()));
    std::iota(order.begin(), order.end(), int64_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return queries.relation(a) < queries.relation(b); });
    preparation.reset();
    const CandidateMatrices candidates = m_model->candidates();
    std::array<bool, kDecoderCount> active{};
    for (int d : m_model->activeDecoders())
        active[size_t(d)] = true;
    active[int(Decoder::Combined)] = true;

    std::vector<TargetRecord> records;
    records.reserve(size_t(m_dataset.split(split).size() * 2));
    const int experts = m_model->config().experts;
    std::vector<double> gateSums(size_t(relations * kModalityCount * experts), 0.0);
    std::vector<int64_t> gateCounts(size_t(relations), 0);

    const int64_t total = queries.size();
    std::array<torch::Tensor, kScoringDecoderCount> scores; // reused across chunks (no page faults per chunk)
    for (int64_t start = 0; start < total; start += batchSize) {
        if (isCancelled(feedback))
            return {};
        const int64_t end = std::min(total, start + batchSize), rows = end - start;
        preparation.emplace(ProfileSection::DataPreparation);
        auto entityIds = torch::empty({rows}, torch::kLong), relationIds = torch::empty({rows}, torch::kLong);
        int64_t *eIds = entityIds.data_ptr<int64_t>(), *rIds = relationIds.data_ptr<int64_t>();
        for (int64_t q = start; q < end; ++q) {
            eIds[q - start] = queries.entity(order[size_t(q)]);
            rIds[q - start] = queries.relation(order[size_t(q)]);
        }
        preparation.reset();
        const QueryOutput out = m_model->forward(entityIds, relationIds);
        // Ranks per decoder come from the logits (sigmoid is monotone); the decision averages sigmoids.
        std::vector<const float *> logitRows;
        std::vector<int> scoring;
        for (int d = 0; d < kScoringDecoderCount; ++d) {
            if (!active[size_t(d)])
                continue;
            ProfileScope scope(ProfileSection::EntityScoring);
            if (!scores[size_t(d)].defined() || scores[size_t(d)].size(0) != rows)
                scores[size_t(d)] = torch::empty({rows, entities});
            if (out.vectors[size_t(d)].is_cpu())
                gemmInto(scores[size_t(d)], out.vectors[size_t(d)], candidates.matrices[size_t(d)].t());
            else // scored on the GPU, ranked here: the ranking below reads host memory
                scores[size_t(d)].copy_(out.vectors[size_t(d)].mm(candidates.matrices[size_t(d)].t()));
            scoring.push_back(d);
        }

        ProfileScope ranking(ProfileSection::Ranking);
        // One record per (query, answer), in query order; rowTargets[r]..rowTargets[r+1] are row r's.
        const size_t first = records.size();
        std::vector<size_t> rowTargets(size_t(rows) + 1, 0);
        std::vector<int64_t> targets;
        for (int64_t q = start; q < end; ++q) {
            const int64_t query = order[size_t(q)];
            for (const int64_t *t = queries.answersBegin(query); t != queries.answersEnd(query); ++t) {
                TargetRecord r;
                r.entity = queries.entity(query);
                r.relation = queries.relation(query) % relations;
                r.head = queries.relation(query) >= relations;
                records.push_back(r);
                targets.push_back(*t);
            }
            rowTargets[size_t(q - start) + 1] = targets.size();
        }
        // Row by row: the joint decision is formed while the row's logits are in cache and
        // ranked at once, so no B×E decision matrix is ever written or read back.
        at::parallel_for(0, rows, 8, [&](int64_t b, int64_t e) {
            std::vector<float> decision(static_cast<size_t>(entities));
            std::vector<const float *> rowLogits(scoring.size());
            for (int64_t row = b; row < e; ++row) {
                for (size_t i = 0; i < scoring.size(); ++i)
                    rowLogits[i] = scores[size_t(scoring[i])].data_ptr<float>() + row * entities;
                meanSigmoidRow(rowLogits.data(), int(rowLogits.size()), entities, decision.data());
                const int64_t query = order[size_t(start + row)];
                const int64_t known = m_known.find(queries.entity(query), queries.relation(query));
                const int64_t *fb = known >= 0 ? m_known.answersBegin(known) : nullptr;
                const int64_t *fe = known >= 0 ? m_known.answersEnd(known) : nullptr;
                for (size_t i = rowTargets[size_t(row)]; i < rowTargets[size_t(row) + 1]; ++i) {
                    TargetRecord &record = records[first + i];
                    for (size_t s = 0; s < scoring.size(); ++s)
                        record.ranks[size_t(scoring[s])] = filteredRank(rowLogits[s], entities, targets[i], fb, fe);
                    record.ranks[int(Decoder::Combined)] = filteredRank(decision.data(), entities, targets[i], fb, fe);
                }
            }
        });
        for (int m = 0; m < kModalityCount; ++m) {
            if (!out.adaptors[size_t(m)].gates.defined())
                continue;
            auto gates = out.adaptors[size_t(m)].gates.to(torch::kCPU, torch::kDouble).contiguous();
            const double *g = gates.data_ptr<double>();
            for (int64_t row = 0; row < rows; ++row) {
                const int64_t rel = queries.relation(order[size_t(start + row)]) % relations;
                for (int k = 0; k < experts; ++k)
                    gateSums[size_t((rel * kModalityCount + m) * experts + k)] += g[row * experts + k];
            }
        }
        for (int64_t row = 0; row < rows; ++row)
            ++gateCounts[size_t(queries.relation(order[size_t(start + row)]) % relations)];
        reportProgress(feedback, {WorkStage::Evaluating, end, total, epoch});
    }

    EvaluationReport report;
    report.split = split;
    std::vector<const TargetRecord *> all;
    std::vector<std::vector<const TargetRecord *>> perRelation(static_cast<size_t>(relations));
    for (const TargetRecord &r : records) {
        all.push_back(&r);
        perRelation[size_t(r.relation)].push_back(&r);
    }
    report.overall = aggregate(all, active);
    if (perEntity) {
        *perEntity = EntityRankSums{};
        perEntity->entities = entities;
        perEntity->active = active;
        perEntity->reciprocal.assign(size_t(entities * kDecoderCount), 0.0);
        perEntity->queries.assign(size_t(entities), 0);
        for (const TargetRecord &r : records) {
            ++perEntity->queries[size_t(r.entity)];
            for (int d = 0; d < kDecoderCount; ++d)
                if (active[size_t(d)])
                    perEntity->reciprocal[size_t(r.entity * kDecoderCount + d)] += 1.0 / r.ranks[size_t(d)].realistic();
        }
    }
    for (int64_t rel = 0; rel < relations; ++rel) {
        if (perRelation[size_t(rel)].empty())
            continue;
        report.relations.append({rel, m_dataset.relationNames.value(int(rel)), aggregate(perRelation[size_t(rel)], active)});
    }
    report.gates.relations = int(relations);
    report.gates.modalities = kModalityCount;
    report.gates.experts = experts;
    report.gates.relationNames = m_dataset.relationNames;
    for (int64_t rel = 0; rel < relations; ++rel) {
        report.gates.queryCount << gateCounts[size_t(rel)];
        for (int m = 0; m < kModalityCount; ++m)
            for (int k = 0; k < experts; ++k) {
                const size_t i = size_t((rel * kModalityCount + m) * experts + k);
                report.gates.meanWeight << (gateCounts[size_t(rel)] ? gateSums[i] / double(gateCounts[size_t(rel)]) : 0.0);
            }
    }
    report.seconds = double(timer.nsecsElapsed()) / 1e9;
    if (wasTraining)
        m_model->train();
    return report;
}

} // namespace momok
