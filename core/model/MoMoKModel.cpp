#include "model/MoMoKModel.h"

#include "model/CounterRandom.h"
#include "runtime/WorkProfiler.h"

#include <optional>
#include <tuple>

namespace momok {

namespace {
// Distinct random streams per step for each place that draws dropout masks.
constexpr uint64_t kCandidateExpertPurpose = 0x100;
constexpr uint64_t kQueryExpertPurpose = 0x110;
constexpr uint64_t kCandidateFusionPurpose = 0x120;
constexpr uint64_t kQueryFusionPurpose = 0x121;
constexpr uint64_t kRelationFusionPurpose = 0x122;
constexpr uint64_t kEstimatorExpertPurpose = 0x130;
} // namespace

torch::Tensor prepareFeatures(const torch::Tensor &raw, int64_t maxWidth)
{
    if (!raw.defined() || raw.numel() == 0)
        return {};
    auto x = raw.to(torch::kFloat).contiguous();
    // Unit rows first (as the reference does), then pool wide vectors down to maxWidth.
    x = x / x.norm(2, 1, true).clamp_min(1e-12);
    if (x.size(1) > maxWidth)
        x = torch::adaptive_avg_pool1d(x.unsqueeze(1), maxWidth).squeeze(1);
    return x.contiguous();
}

bool referenceFeatureLayout(PaperDataset dataset, Modality modality, const torch::Tensor &raw, torch::Tensor *out,
                            QString *error)
{
    *out = torch::Tensor();
    if (!raw.defined() || raw.numel() == 0)
        return true;
    auto x = raw.to(torch::kFloat).contiguous();
    x = x / x.norm(2, 1, true).clamp_min(1e-12); // F.normalize(p=2, dim=1)
    const int64_t rows = x.size(0), width = x.size(1);
    const bool db15k = dataset == PaperDataset::Db15k;
    const bool image = modality == Modality::Image;
    auto refuse = [&](int64_t expected) {
        if (error)
            *error = QStringLiteral("feature layout 'reference': the authors' code takes %1 %2 features %3 wide, "
                                    "not %4")
                         .arg(paperDatasetKey(dataset), image ? QStringLiteral("image") : QStringLiteral("text"))
                         .arg(expected).arg(width);
        return false;
    };
    if (image && !db15k) { // MKG-*: the image features as they are
        *out = x;
        return true;
    }
    if (image) { // DB15K image: 64×64, AvgPool2d(4, stride=4) → 16×16
        if (width != 4096)
            return refuse(4096);
        *out = torch::avg_pool2d(x.view({rows, 64, 64}), {4, 4}, {4, 4}).reshape({rows, -1}).contiguous();
        return true;
    }
    const int64_t columns = db15k ? 64 : 32; // text: 12×64 (DB15K) or 12×32 (MKG-*), then AdaptiveAvgPool2d((4, 64))
    if (width != 12 * columns)
        return refuse(12 * columns);
    *out = torch::adaptive_avg_pool2d(x.view({rows, 12, columns}), {4, 64}).reshape({rows, -1}).contiguous();
    return true;
}

MoMoKModelImpl::MoMoKModelImpl(const ModelConfig &config, int64_t entities, int64_t relations,
                               const torch::Tensor &imageFeatures, const torch::Tensor &textFeatures)
    : m_config(config), m_entities(entities), m_relations(relations)
{
    const bool joint = config.useJoint && config.jointTraining;
    m_modalityPresent = {true, imageFeatures.defined(), textFeatures.defined()};
    m_decoderActive = {config.useStructure, config.useImage && m_modalityPresent[int(Modality::Image)],
                       config.useText && m_modalityPresent[int(Modality::Text)], joint};
    for (int m = 0; m < kModalityCount; ++m)
        m_modalityUsed[size_t(m)] = m_modalityPresent[size_t(m)] && (m_decoderActive[size_t(m)] || joint);
    m_modalityWidth = {config.dim, imageFeatures.defined() ? imageFeatures.size(1) : 0,
                       textFeatures.defined() ? textFeatures.size(1) : 0};

    const int64_t directed = 2 * relations;
    m_structureEntities = register_parameter("structure_entities", torch::empty({entities, config.dim}));
    torch::nn::init::xavier_normal_(m_structureEntities);
    if (m_modalityUsed[int(Modality::Image)])
        m_imageEntities = register_parameter("image_entities", imageFeatures.clone(), config.fineTuneFeatures);
    if (m_modalityUsed[int(Modality::Text)])
        m_textEntities = register_parameter("text_entities", textFeatures.clone(), config.fineTuneFeatures);
    static const char *kNames[] = {"structure", "image", "text"};
    for (int m = 0; m < kModalityCount; ++m) {
        if (!m_modalityUsed[size_t(m)])
            continue;
        auto rel = torch::empty({directed, config.relationDim});
        torch::nn::init::xavier_normal_(rel);
        m_relationEmbeddings[size_t(m)] = register_parameter(std::string(kNames[m]) + "_relations", rel);
        m_adaptors[size_t(m)] = register_module(std::string(kNames[m]) + "_experts",
                                                ExpertAdaptor(m_modalityWidth[size_t(m)], config.experts,
                                                              config.expertDropout, config.gateNoise));
        if (m_decoderActive[size_t(m)])
            m_decoders[size_t(m)] = register_module(std::string(kNames[m]) + "_decoder",
                                                    TuckerDecoder(m_modalityWidth[size_t(m)], config.relationDim,
                                                                  config.inputDropout, config.hiddenDropout,
                                                                  config.outputDropout));
        if (config.exid && config.experts >= 2)
            m_estimators[size_t(m)] = register_module(std::string(kNames[m]) + "_club",
                                                      ClubEstimator(m_modalityWidth[size_t(m)], m_modalityWidth[size_t(m)],
                                                                    m_modalityWidth[size_t(m)]));
    }
    if (config.relationTemperature)
        m_relationTemperature = register_parameter("relation_temperature", torch::randn({directed, 1}));
    if (joint) {
        std::array<int64_t, 3> entityWidths = m_modalityWidth, relationWidths{};
        for (int m = 0; m < kModalityCount; ++m) {
            if (!m_modalityUsed[size_t(m)])
                entityWidths[size_t(m)] = 0;
            relationWidths[size_t(m)] = m_modalityUsed[size_t(m)] ? config.relationDim : 0;
        }
        m_entityFusion = register_module("entity_fusion", ModalityFusion(entityWidths, config.dim, config.fusionHeads,
                                                                         config.fusionDropout, config.adaptiveFusion));
        m_relationFusion = register_module("relation_fusion", ModalityFusion(relationWidths, config.dim, config.fusionHeads,
                                                                             config.fusionDropout, config.adaptiveFusion));
        m_decoders[int(Decoder::Joint)] = register_module("joint_decoder",
                                                    TuckerDecoder(config.dim, config.dim, config.inputDropout,
                                                                  config.hiddenDropout, config.outputDropout));
    }
}

std::vector<int> MoMoKModelImpl::activeDecoders() const
{
    std::vector<int> out;
    for (int d = 0; d < kScoringDecoderCount; ++d)
        if (m_decoderActive[size_t(d)])
            out.push_back(d);
    return out;
}

torch::Tensor MoMoKModelImpl::entityTable(int modality) const
{
    return modality == int(Modality::Structure) ? m_structureEntities : modality == int(Modality::Image) ? m_imageEntities : m_textEntities;
}

torch::Tensor MoMoKModelImpl::gateNoise(int64_t rows) const
{
    if (!is_training() || !m_config.gateNoise)
        return {};
    // Drawn from the CPU generator on every device, so a seed gives the same noise on a GPU.
    return torch::randn({rows, m_config.experts}).to(device());
}

// The whole batch's draw, of which these rows are this process's share: every process draws
// the same numbers from the same generator state, as one process with the whole batch would.
torch::Tensor MoMoKModelImpl::queryGateNoise(int64_t rows) const
{
    if (m_shardTotal < 0 || !is_training() || !m_config.gateNoise)
        return gateNoise(rows);
    return gateNoise(m_shardTotal).narrow(0, m_shardOffset, rows);
}

void MoMoKModelImpl::setQueryShard(int64_t offset, int64_t total)
{
    m_shardOffset = total < 0 ? 0 : offset;
    m_shardTotal = total;
}

void MoMoKModelImpl::setDistributedGroup(DistributedGroup *group)
{
    for (auto &decoder : m_decoders)
        if (!decoder.is_empty())
            decoder->setBatchStatisticsGroup(group);
}

torch::Tensor MoMoKModelImpl::expertOutputs(int modality, const torch::Tensor &entities, uint64_t step)
{
    const auto rows = entityTable(modality).index_select(0, entities.to(device()));
    return m_adaptors[size_t(modality)]->expertOutputs(
        rows, random::streamKey(m_config.seed, step, kEstimatorExpertPurpose + uint64_t(modality)), m_shardOffset);
}

std::array<torch::Tensor, kModalityCount> MoMoKModelImpl::candidateAdaptors(uint64_t step)
{
    std::array<torch::Tensor, kModalityCount> mixed;
    for (int m = 0; m < kModalityCount; ++m)
        if (m_modalityUsed[size_t(m)])
            mixed[size_t(m)] = candidateAdaptor(m, gateNoise(m_entities), step);
    return mixed;
}

torch::Tensor MoMoKModelImpl::candidateAdaptor(int modality, const torch::Tensor &noise, uint64_t step)
{
    ProfileScope scope(ProfileSection::ExpertsAndGates);
    return m_adaptors[size_t(modality)]
        ->forward(entityTable(modality), {}, noise,
                  random::streamKey(m_config.seed, step, kCandidateExpertPurpose + uint64_t(modality)),
                  /*keepExperts=*/false)
        .mixed;
}

torch::Tensor MoMoKModelImpl::fuseCandidates(const std::array<torch::Tensor, kModalityCount> &mixed, uint64_t step)
{
    ProfileScope scope(ProfileSection::Fusion);
    return m_entityFusion->forward(mixed[int(Modality::Structure)], mixed[int(Modality::Image)], mixed[int(Modality::Text)],
                                   random::streamKey(m_config.seed, step, kCandidateFusionPurpose));
}

CandidateMatrices MoMoKModelImpl::candidates(uint64_t step)
{
    const auto mixed = candidateAdaptors(step);
    CandidateMatrices out;
    for (int m = 0; m < kModalityCount; ++m)
        if (m_decoderActive[size_t(m)])
            out.matrices[size_t(m)] = mixed[size_t(m)];
    if (m_decoderActive[int(Decoder::Joint)])
        out.matrices[int(Decoder::Joint)] = fuseCandidates(mixed, step);
    return out;
}

EntityRows MoMoKModelImpl::entityRows(const torch::Tensor &entities) const
{
    EntityRows rows;
    for (int m = 0; m < kModalityCount; ++m)
        if (m_modalityUsed[size_t(m)])
            rows[size_t(m)] = entityRowsOf(m, entities);
    return rows;
}

EntityRows MoMoKModelImpl::entityTables() const
{
    EntityRows rows;
    for (int m = 0; m < kModalityCount; ++m)
        if (m_modalityUsed[size_t(m)])
            rows[size_t(m)] = entityTable(m);
    return rows;
}

CandidateMatrices MoMoKModelImpl::representations(const EntityRows &rows, int64_t directedRelation)
{
    CandidateMatrices out;
    torch::Tensor temperature;
    int64_t count = 0;
    for (const auto &r : rows)
        if (r.defined())
            count = r.size(0);
    if (directedRelation >= 0 && m_config.relationTemperature)
        temperature = torch::sigmoid(m_relationTemperature[directedRelation]).expand({count, 1}).contiguous();
    for (int m = 0; m < kModalityCount; ++m)
        if (m_modalityUsed[size_t(m)] && rows[size_t(m)].defined())
            out.matrices[size_t(m)] = m_adaptors[size_t(m)]->forward(rows[size_t(m)], temperature, {}, 0, false).mixed;
    if (m_decoderActive[int(Decoder::Joint)])
        out.matrices[int(Decoder::Joint)] = m_entityFusion->forward(out.matrices[int(Modality::Structure)],
                                                                    out.matrices[int(Modality::Image)],
                                                                    out.matrices[int(Modality::Text)], 0);
    return out;
}

QueryOutput MoMoKModelImpl::forward(const torch::Tensor &entities, const torch::Tensor &relations, uint64_t step)
{
    EntityRows rows;
    {
        ProfileScope scope(ProfileSection::ExpertsAndGates);
        rows = entityRows(entities);
    }
    return forwardRows(rows, relations, step);
}

torch::Device MoMoKModelImpl::device() const
{
    return m_structureEntities.device();
}

QueryAdaptors MoMoKModelImpl::queryAdaptors(const EntityRows &rows, const torch::Tensor &relationIds, uint64_t step)
{
    ProfileScope scope(ProfileSection::ExpertsAndGates);
    QueryAdaptors out;
    const RelationPlan plan = relationPlan(relationIds);
    const int64_t batch = plan.slot.size(0);
    out.slot = plan.slot;
    for (int m = 0; m < kModalityCount; ++m) {
        if (!m_modalityUsed[size_t(m)])
            continue;
        out.relationRows[size_t(m)] = queryRelationRows(m, plan.distinct);
        if (rows[size_t(m)].defined()) // else a new entity without this modality: no adaptor, no decoder
            out.adaptors[size_t(m)] = queryAdaptor(m, rows[size_t(m)], plan.temperature, queryGateNoise(batch), step);
    }
    return out;
}

MoMoKModelImpl::RelationPlan MoMoKModelImpl::relationPlan(const torch::Tensor &relationIds) const
{
    // No random draw here, so callers may place it anywhere among their draws.
    RelationPlan plan;
    const torch::Tensor relations = relationIds.to(device());
    if (m_config.relationTemperature)
        plan.temperature = torch::sigmoid(m_relationTemperature.index_select(0, relations));
    // Distinct relations of the batch: W_r = r·W is formed once for each.
    std::tie(plan.distinct, plan.slot) = torch::_unique(relations, /*sorted=*/true, /*return_inverse=*/true);
    return plan;
}

MoMoKModelImpl::AdaptorDraws MoMoKModelImpl::adaptorDraws(const torch::Tensor &relationIds)
{
    AdaptorDraws draws;
    for (int m = 0; m < kModalityCount; ++m)
        if (m_modalityUsed[size_t(m)])
            draws.candidateNoise[size_t(m)] = gateNoise(m_entities);
    static_cast<RelationPlan &>(draws) = relationPlan(relationIds);
    const int64_t batch = draws.slot.size(0);
    for (int m = 0; m < kModalityCount; ++m)
        if (m_modalityUsed[size_t(m)])
            draws.queryNoise[size_t(m)] = queryGateNoise(batch);
    return draws;
}

torch::Tensor MoMoKModelImpl::entityRowsOf(int modality, const torch::Tensor &entities) const
{
    return entityTable(modality).index_select(0, entities.to(device()));
}

AdaptorOutput MoMoKModelImpl::queryAdaptor(int modality, const torch::Tensor &rows, const torch::Tensor &temperature,
                                           const torch::Tensor &noise, uint64_t step)
{
    ProfileScope scope(ProfileSection::ExpertsAndGates);
    return m_adaptors[size_t(modality)]->forward(rows, temperature, noise,
                                                 random::streamKey(m_config.seed, step, kQueryExpertPurpose + uint64_t(modality)),
                                                 /*keepExperts=*/true, m_shardOffset);
}

torch::Tensor MoMoKModelImpl::queryRelationRows(int modality, const torch::Tensor &distinct) const
{
    return m_relationEmbeddings[size_t(modality)].index_select(0, distinct);
}

torch::Tensor MoMoKModelImpl::decodeModality(int modality, const torch::Tensor &mixed, const torch::Tensor &relationRows,
                                             const torch::Tensor &slot, uint64_t step)
{
    return m_decoders[size_t(modality)]->forward(mixed, relationRows, slot, random::streamKey(m_config.seed, step, uint64_t(modality)),
                                                 m_config.sharedRelationMask, m_shardOffset);
}

torch::Tensor MoMoKModelImpl::decodeJoint(const std::array<torch::Tensor, kModalityCount> &mixed,
                                          const std::array<torch::Tensor, kModalityCount> &relationRows,
                                          const torch::Tensor &slot, uint64_t step)
{
    const uint64_t seed = m_config.seed;
    std::optional<ProfileScope> fusionScope(std::in_place, ProfileSection::Fusion);
    auto entity = m_entityFusion->forward(mixed[int(Modality::Structure)], mixed[int(Modality::Image)], mixed[int(Modality::Text)],
                                          random::streamKey(seed, step, kQueryFusionPurpose), nullptr, m_shardOffset);
    torch::Tensor fusedRelations, jointSlot = slot;
    if (is_training() && m_config.fusionDropout > 0) {
        // Fusion dropout differs per query while training, so each query has its own fused relation.
        auto perQuery = [&](int m) { return relationRows[size_t(m)].defined() ? relationRows[size_t(m)].index_select(0, slot) : torch::Tensor(); };
        fusedRelations = m_relationFusion->forward(perQuery(int(Modality::Structure)), perQuery(int(Modality::Image)), perQuery(int(Modality::Text)),
                                                   random::streamKey(seed, step, kRelationFusionPurpose), nullptr, m_shardOffset);
        jointSlot = torch::Tensor(); // a relation row of its own for each query
    } else {
        fusedRelations = m_relationFusion->forward(relationRows[int(Modality::Structure)], relationRows[int(Modality::Image)],
                                                   relationRows[int(Modality::Text)]);
    }
    fusionScope.reset();
    return m_decoders[int(Decoder::Joint)]->forward(entity, fusedRelations, jointSlot, random::streamKey(seed, step, int(Decoder::Joint)),
                                                    m_config.sharedRelationMask, m_shardOffset);
}

QueryOutput MoMoKModelImpl::forwardRows(const EntityRows &rows, const torch::Tensor &relationIds, uint64_t step)
{
    const QueryAdaptors query = queryAdaptors(rows, relationIds, step);
    QueryOutput out;
    out.adaptors = query.adaptors;
    for (int m = 0; m < kModalityCount; ++m)
        if (m_decoderActive[size_t(m)] && query.adaptors[size_t(m)].mixed.defined())
            out.vectors[size_t(m)] = decodeModality(m, query.adaptors[size_t(m)].mixed, query.relationRows[size_t(m)],
                                                    query.slot, step);
    if (m_decoderActive[int(Decoder::Joint)]) {
        std::array<torch::Tensor, kModalityCount> mixed;
        for (int m = 0; m < kModalityCount; ++m)
            mixed[size_t(m)] = query.adaptors[size_t(m)].mixed;
        out.vectors[int(Decoder::Joint)] = decodeJoint(mixed, query.relationRows, query.slot, step);
    }
    return out;
}

std::vector<torch::Tensor> MoMoKModelImpl::modelParameters()
{
    std::vector<torch::Tensor> out;
    for (const auto &item : named_parameters()) {
        if (item.key().find("_club.") == std::string::npos && item.value().requires_grad())
            out.push_back(item.value()); // fixed feature tables stay out of Adam
    }
    return out;
}

std::vector<torch::Tensor> MoMoKModelImpl::branchParameters()
{
    std::vector<torch::Tensor> out;
    auto add = [&out](const torch::nn::Module &module) {
        for (const auto &p : module.parameters())
            if (p.requires_grad())
                out.push_back(p);
    };
    for (const auto &decoder : m_decoders)
        if (decoder)
            add(*decoder);
    for (const auto &fusion : {m_entityFusion, m_relationFusion})
        if (fusion)
            add(*fusion);
    return out;
}

std::vector<torch::Tensor> MoMoKModelImpl::estimatorParameters()
{
    std::vector<torch::Tensor> out;
    for (const auto &item : named_parameters()) {
        if (item.key().find("_club.") != std::string::npos)
            out.push_back(item.value());
    }
    return out;
}

} // namespace momok
