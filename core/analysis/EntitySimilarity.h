#pragma once
// Which entities a trained model considers alike, per representation it uses: the
// structure, image and text experts' mixed outputs and the fused joint representation
// (one matrix per scoring decoder, as the decoders score candidates). Similarity is the
// cosine. Torch-free plain data: the matrices are copied out of the model once per run
// (TrainedRun::embeddings), after which a query is a scan of E unit rows (a few ms for
// 15,000 entities), cheap enough for the UI thread's worker to answer at typing speed.
#include "domain/Vocabulary.h"

#include <QVector>

#include <array>
#include <cstdint>
#include <vector>

namespace momok {

// rows×cols, row-major.
struct EmbeddingMatrix {
    int64_t rows = 0, cols = 0;
    std::vector<float> values;
    bool isEmpty() const { return rows == 0 || cols == 0; }
    const float *row(int64_t i) const { return values.data() + i * cols; }
};

// One matrix per scoring decoder's representation (Structure, Image, Text, Joint); an empty
// matrix is a representation the run does not have.
struct EntityEmbeddings {
    std::array<EmbeddingMatrix, kScoringDecoderCount> tables;
    // The directed relation whose temperature shaped the experts' gates; -1: plain softmax
    // gates, the relation-independent representation candidates are scored with.
    int64_t directedRelation = -1;
    bool has(Decoder representation) const;
    const EmbeddingMatrix &table(Decoder representation) const { return tables[size_t(representation)]; }
    QVector<Decoder> available() const; // in S, I, T, joint order
};

struct SimilarEntity {
    int64_t entity = 0;
    double similarity = 0; // cosine, in [-1, 1]
};

class EntitySimilarity
{
public:
    EntitySimilarity() = default;
    explicit EntitySimilarity(const EntityEmbeddings &embeddings); // normalises a copy

    bool has(Decoder representation) const;
    QVector<Decoder> available() const;
    int64_t entityCount() const;

    // The k entities most similar to entity (itself left out), most similar first; ties by id.
    QVector<SimilarEntity> nearest(Decoder representation, int64_t entity, int k) const;
    // The same for any vector of the representation's width (a new entity's); exclude < 0 keeps all.
    QVector<SimilarEntity> nearestTo(Decoder representation, const float *vector, int k, int64_t exclude = -1) const;
    // Cosine of two known entities; NaN without the representation.
    double similarity(Decoder representation, int64_t a, int64_t b) const;

private:
    std::array<EmbeddingMatrix, kScoringDecoderCount> m_unit; // rows scaled to length 1 (zero rows stay zero)
};

} // namespace momok
