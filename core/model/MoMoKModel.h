#pragma once
// MoMoK: per-modality relation-guided expert adaptors, one TuckER decoder per
// modality (S, I, T) plus a joint decoder over the adaptively fused entity and
// relation, and a CLUB estimator per modality for expert disentanglement.
#include "model/ClubEstimator.h"
#include "model/ExpertAdaptor.h"
#include "model/ModalityFusion.h"
#include "model/ModelConfig.h"
#include "model/PaperSettings.h"
#include "model/TuckerDecoder.h"

#include "domain/Vocabulary.h"

#include <torch/torch.h>

#include <array>

namespace momok {

// Per-modality feature tables after L2 normalisation and average pooling.
// An undefined tensor means the modality has no data at all for this graph.
torch::Tensor prepareFeatures(const torch::Tensor &raw, int64_t maxWidth);

// The authors' per-dataset layout of their released feature tensors (feature_layout
// "reference"): unit rows, then DB15K: image 4,096 wide viewed as 64×64 and average-pooled
// 4×4 to 256, text 768 viewed as 12×64 and adaptively pooled to 4×64; MKG-W and MKG-Y:
// image as it is, text 384 viewed as 12×32 and adaptively pooled to 4×64. False with *error
// for a width their code would not accept. An undefined input stays undefined.
bool referenceFeatureLayout(PaperDataset dataset, Modality modality, const torch::Tensor &raw, torch::Tensor *out,
                            QString *error);

struct CandidateMatrices {
    std::array<torch::Tensor, kScoringDecoderCount> matrices; // E×w per decoder (undefined if inactive)
};

// Rows of the S, I and T entity tables (N×w each): known entities' rows, or a new entity's.
// An undefined tensor is a modality the rows do not have (the model's unused modalities, or
// one a new entity lacks); fusion then works from the others.
using EntityRows = std::array<torch::Tensor, kModalityCount>;

// The query side of forward() up to the adaptors: each used modality's adaptor output for
// the rows, its relation embeddings' rows for the batch's distinct relations, and each query's
// slot among those.
struct QueryAdaptors {
    std::array<AdaptorOutput, kModalityCount> adaptors;     // undefined for a modality the rows lack
    std::array<torch::Tensor, kModalityCount> relationRows; // R'×d_r per used modality
    torch::Tensor slot;                                     // B: each query's row of relationRows
};

struct QueryOutput {
    std::array<torch::Tensor, kScoringDecoderCount> vectors; // B×w per decoder (undefined if inactive)
    std::array<AdaptorOutput, kModalityCount> adaptors;  // query-side adaptor outputs (undefined if unused)
};

class MoMoKModelImpl : public torch::nn::Module
{
public:
    // relations: the number of relations R in the data (inverse relations are added: 2R directed).
    // imageFeatures/textFeatures: prepared E×w tables, or undefined when absent.
    MoMoKModelImpl(const ModelConfig &config, int64_t entities, int64_t relations, const torch::Tensor &imageFeatures,
                   const torch::Tensor &textFeatures);

    const ModelConfig &config() const { return m_config; }
    int64_t entityCount() const { return m_entities; }
    int64_t relationCount() const { return m_relations; }
    bool decoderActive(int decoder) const { return m_decoderActive[size_t(decoder)]; }
    bool modalityPresent(int modality) const { return m_modalityPresent[size_t(modality)]; }
    int64_t modalityWidth(int modality) const { return m_modalityWidth[size_t(modality)]; }
    std::vector<int> activeDecoders() const;
    // Where the parameters live (model->to(device) moves them): the CPU, or a GPU.
    torch::Device device() const;

    // Every entity through the adaptors (plain softmax gates): the candidates to score against.
    CandidateMatrices candidates(uint64_t step = 0);
    // Queries (entity, directed relation). step keys this step's random streams (training only).
    // Ids may be on any device; they are moved to the model's.
    QueryOutput forward(const torch::Tensor &entities, const torch::Tensor &relations, uint64_t step = 0);

    // ---- representations, for analysis (evaluation mode) ----
    // The entity tables' rows for these entities (every used modality).
    EntityRows entityRows(const torch::Tensor &entities) const;
    // The whole tables (every used modality).
    EntityRows entityTables() const;
    // rows through the experts (plain softmax gates, or under σ(ε_r) of one directed
    // relation when directedRelation >= 0 and the model learns temperatures) and the entity
    // fusion: one N×w matrix per used modality (matrices[S|I|T], whether or not its decoder is
    // active) and the fused one (matrices[Joint]) when the joint decoder is active.
    CandidateMatrices representations(const EntityRows &rows, int64_t directedRelation = -1);
    // forward() for explicit table rows instead of entity ids (a new entity's rows).
    QueryOutput forwardRows(const EntityRows &rows, const torch::Tensor &relations, uint64_t step = 0);

    // What every adaptor needs from a batch's relations (no random draw).
    struct RelationPlan {
        torch::Tensor temperature; // B×1 σ(ε_r), or undefined without learnt temperatures
        torch::Tensor slot;        // B: each query's distinct relation
        torch::Tensor distinct;    // R': the batch's distinct relations
    };

    // ---- the pieces candidates() and forward() are made of ----
    // The training step runs them on their own (see Trainer): the modality decoders and the
    // joint decoder each from their own detached copies of the adaptors' outputs.
    // Every entity through each used modality's adaptor: E×w per used modality.
    std::array<torch::Tensor, kModalityCount> candidateAdaptors(uint64_t step = 0);
    // The joint decoder's candidates: the entity fusion of candidateAdaptors()'s matrices.
    torch::Tensor fuseCandidates(const std::array<torch::Tensor, kModalityCount> &mixed, uint64_t step = 0);
    QueryAdaptors queryAdaptors(const EntityRows &rows, const torch::Tensor &relations, uint64_t step = 0);
    // The pieces of those two, one modality at a time, so that modalities can run on their
    // own threads (every random draw comes first, from adaptorDraws, in the order the two
    // above make them, for training batches where every used modality has its rows; the rest
    // draws from counter streams only).
    struct AdaptorDraws : RelationPlan {
        std::array<torch::Tensor, kModalityCount> candidateNoise, queryNoise; // gate noise (training)
    };
    AdaptorDraws adaptorDraws(const torch::Tensor &relations);
    // The rows of modality `modality`'s table for these entities (entityRows' part).
    torch::Tensor entityRowsOf(int modality, const torch::Tensor &entities) const;
    torch::Tensor candidateAdaptor(int modality, const torch::Tensor &noise, uint64_t step = 0);
    // Query side of modality `modality` (rows: its table's rows for the batch) under the given
    // temperature (draws.temperature or a copy of it): its adaptor output and relation rows.
    AdaptorOutput queryAdaptor(int modality, const torch::Tensor &rows, const torch::Tensor &temperature,
                               const torch::Tensor &noise, uint64_t step = 0);
    torch::Tensor queryRelationRows(int modality, const torch::Tensor &distinct) const;
    bool modalityUsed(int modality) const { return m_modalityUsed[size_t(modality)]; }
    // Decoder `modality` (S, I or T) on its adaptor's query rows: B×w.
    torch::Tensor decodeModality(int modality, const torch::Tensor &mixed, const torch::Tensor &relationRows,
                                 const torch::Tensor &slot, uint64_t step = 0);
    // The joint decoder on the fused query rows and fused relations: B×d.
    torch::Tensor decodeJoint(const std::array<torch::Tensor, kModalityCount> &mixed,
                              const std::array<torch::Tensor, kModalityCount> &relationRows, const torch::Tensor &slot,
                              uint64_t step = 0);

    // ---- data-parallel training (see distributed/DistributedGroup.h) ----
    // The queries of the coming forward() calls are rows offset … of a batch of `total` split
    // across processes: their dropout masks and gate noise are those rows of the whole
    // batch's. total < 0: the queries are the whole batch (the default).
    void setQueryShard(int64_t offset, int64_t total);
    // Decoders' batch norms take their training statistics over this group (null: none).
    void setDistributedGroup(DistributedGroup *group);

    // Parameters of the model proper and of the MI estimators (trained by separate optimisers).
    std::vector<torch::Tensor> modelParameters();
    std::vector<torch::Tensor> estimatorParameters();
    // The decoders' and the fusions' parameters (some of modelParameters()): the training step
    // runs them in branches that start from detached copies of the adaptors' outputs, so their
    // gradients are complete when the branches end, before the backward pass through the
    // adaptors (see Trainer's step).
    std::vector<torch::Tensor> branchParameters();
    ClubEstimator estimator(int modality) { return m_estimators[size_t(modality)]; }
    // Every expert's output (N×K×w) for these entities' rows of a modality's table, with the
    // current parameters: what the MI estimators are fitted to after each main step.
    torch::Tensor expertOutputs(int modality, const torch::Tensor &entities, uint64_t step = 0);

private:
    torch::Tensor entityTable(int modality) const;
    torch::Tensor relationTable(int modality) const;
    torch::Tensor gateNoise(int64_t rows) const;
    torch::Tensor queryGateNoise(int64_t rows) const;
    // The one place queryAdaptors() and adaptorDraws() get their RelationPlan from.
    RelationPlan relationPlan(const torch::Tensor &relations) const;

    ModelConfig m_config;
    int64_t m_entities, m_relations;
    std::array<bool, kModalityCount> m_modalityPresent{};
    std::array<bool, kModalityCount> m_modalityUsed{};
    std::array<int64_t, kModalityCount> m_modalityWidth{};
    std::array<bool, kScoringDecoderCount> m_decoderActive{};
    int64_t m_shardOffset = 0, m_shardTotal = -1;

    torch::Tensor m_structureEntities, m_imageEntities, m_textEntities; // E×w tables
    std::array<torch::Tensor, kModalityCount> m_relationEmbeddings;    // 2R×d_r per modality
    torch::Tensor m_relationTemperature;                               // 2R×1 (ε_r)
    std::array<ExpertAdaptor, kModalityCount> m_adaptors{nullptr, nullptr, nullptr};
    std::array<TuckerDecoder, kScoringDecoderCount> m_decoders{nullptr, nullptr, nullptr, nullptr};
    ModalityFusion m_entityFusion{nullptr}, m_relationFusion{nullptr};
    std::array<ClubEstimator, kModalityCount> m_estimators{nullptr, nullptr, nullptr};
};
TORCH_MODULE(MoMoKModel);

} // namespace momok
