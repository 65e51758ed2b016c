#include "analysis/EntitySimilarity.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace momok {

bool EntityEmbeddings::has(Decoder representation) const
{
    return int(representation) < kScoringDecoderCount && !tables[size_t(representation)].isEmpty();
}

QVector<Decoder> EntityEmbeddings::available() const
{
    QVector<Decoder> out;
    for (Decoder d : kScoringDecoders)
        if (has(d))
            out << d;
    return out;
}

namespace {

// Unit rows in double accumulation; a zero row stays zero (similar to nothing).
EmbeddingMatrix unitRows(const EmbeddingMatrix &m)
{
    EmbeddingMatrix out = m;
    for (int64_t i = 0; i < out.rows; ++i) {
        float *r = out.values.data() + i * out.cols;
        double norm = 0;
        for (int64_t j = 0; j < out.cols; ++j)
            norm += double(r[j]) * r[j];
        if (norm <= 0)
            continue;
        const float scale = float(1.0 / std::sqrt(norm));
        for (int64_t j = 0; j < out.cols; ++j)
            r[j] *= scale;
    }
    return out;
}

} // namespace

EntitySimilarity::EntitySimilarity(const EntityEmbeddings &embeddings)
{
    for (Decoder d : kScoringDecoders)
        if (embeddings.has(d))
            m_unit[size_t(d)] = unitRows(embeddings.table(d));
}

bool EntitySimilarity::has(Decoder representation) const
{
    return int(representation) < kScoringDecoderCount && !m_unit[size_t(representation)].isEmpty();
}

QVector<Decoder> EntitySimilarity::available() const
{
    QVector<Decoder> out;
    for (Decoder d : kScoringDecoders)
        if (has(d))
            out << d;
    return out;
}

int64_t EntitySimilarity::entityCount() const
{
    for (const EmbeddingMatrix &m : m_unit)
        if (!m.isEmpty())
            return m.rows;
    return 0;
}

QVector<SimilarEntity> EntitySimilarity::nearest(Decoder representation, int64_t entity, int k) const
{
    if (!has(representation) || entity < 0 || entity >= m_unit[size_t(representation)].rows)
        return {};
    const EmbeddingMatrix &m = m_unit[size_t(representation)];
    return nearestTo(representation, m.row(entity), k, entity);
}

QVector<SimilarEntity> EntitySimilarity::nearestTo(Decoder representation, const float *vector, int k,
                                                   int64_t exclude) const
{
    if (!has(representation) || k <= 0)
        return {};
    const EmbeddingMatrix &m = m_unit[size_t(representation)];
    double norm = 0;
    for (int64_t j = 0; j < m.cols; ++j)
        norm += double(vector[j]) * vector[j];
    const double scale = norm > 0 ? 1.0 / std::sqrt(norm) : 0.0;
    std::vector<SimilarEntity> all;
    all.reserve(size_t(m.rows));
    for (int64_t i = 0; i < m.rows; ++i) {
        if (i == exclude)
            continue;
        const float *r = m.row(i);
        float dot = 0; // float lanes vectorise; w ≤ a few hundred keeps the error far below display precision
        for (int64_t j = 0; j < m.cols; ++j)
            dot += r[j] * vector[j];
        all.push_back({i, std::clamp(double(dot) * scale, -1.0, 1.0)});
    }
    const size_t keep = std::min(all.size(), size_t(k));
    auto byScore = [](const SimilarEntity &a, const SimilarEntity &b) {
        return a.similarity != b.similarity ? a.similarity > b.similarity : a.entity < b.entity;
    };
    std::partial_sort(all.begin(), all.begin() + std::ptrdiff_t(keep), all.end(), byScore);
    return QVector<SimilarEntity>(all.begin(), all.begin() + std::ptrdiff_t(keep));
}

double EntitySimilarity::similarity(Decoder representation, int64_t a, int64_t b) const
{
    if (!has(representation))
        return std::numeric_limits<double>::quiet_NaN();
    const EmbeddingMatrix &m = m_unit[size_t(representation)];
    if (a < 0 || b < 0 || a >= m.rows || b >= m.rows)
        return std::numeric_limits<double>::quiet_NaN();
    double dot = 0;
    for (int64_t j = 0; j < m.cols; ++j)
        dot += double(m.row(a)[j]) * m.row(b)[j];
    return dot;
}

} // namespace momok
