#include "train/TrainedRun.h"

#include "analysis/NewEntityPredictor.h"
#include "analysis/Representations.h"
#include "eval/Evaluator.h"
#include "train/RunContext.h"

namespace momok {

TrainedRun::TrainedRun(std::unique_ptr<RunContext> context) : m_context(std::move(context)) {}

TrainedRun::~TrainedRun() = default;

std::unique_ptr<TrainedRun> TrainedRun::open(const QString &runDir, QString *error)
{
    std::unique_ptr<RunContext> context = RunContext::open(runDir, error);
    return context ? std::unique_ptr<TrainedRun>(new TrainedRun(std::move(context))) : nullptr;
}

std::unique_ptr<TrainedRun> TrainedRun::create(const RunSpec &spec, QString *error)
{
    std::unique_ptr<RunContext> context = RunContext::create(spec, error);
    return context ? std::unique_ptr<TrainedRun>(new TrainedRun(std::move(context))) : nullptr;
}

const RunSpec &TrainedRun::spec() const { return m_context->spec; }

const KgDataset &TrainedRun::dataset() const { return m_context->dataset; }

int TrainedRun::checkpointEpoch() const { return m_context->checkpointEpoch; }

int64_t TrainedRun::trainQueryCount() const { return m_context->trainQueries.size(); }

QVector<Decoder> TrainedRun::activeDecoders() const
{
    QVector<Decoder> decoders;
    for (int d : m_context->model->activeDecoders())
        decoders << Decoder(d);
    return decoders;
}

bool TrainedRun::modalityPresent(Modality modality) const
{
    return m_context->model->modalityPresent(int(modality));
}

int64_t TrainedRun::modalityWidth(Modality modality) const
{
    return m_context->model->modalityWidth(int(modality));
}

EvaluationReport TrainedRun::evaluate(Split split, EntityRankSums *perEntity) const
{
    Evaluator evaluator(m_context->model, m_context->dataset, m_context->allKnown);
    return evaluator.evaluate(split, m_context->spec.config.evalBatchSize, nullptr, 0, perEntity);
}

PredictionResult TrainedRun::predict(int64_t entity, int64_t relation, bool headPrediction, int topK, bool hideKnown,
                                     bool typed)
{
    return momok::predict(*m_context, entity, relation, headPrediction, topK, hideKnown,
                          typed ? &candidateTypes() : nullptr);
}

const CandidateTypes &TrainedRun::candidateTypes()
{
    if (!m_candidateTypes)
        m_candidateTypes = std::make_unique<CandidateTypes>(m_context->dataset);
    return *m_candidateTypes;
}

EntityEmbeddings TrainedRun::embeddings(int64_t relation, bool headDirection)
{
    const int64_t directed = relation < 0 ? -1 : headDirection ? relation + m_context->dataset.relationCount() : relation;
    return entityEmbeddings(*m_context, directed);
}

bool TrainedRun::predictNewEntity(const NewEntityInput &input, const NewEntityOptions &options, NewEntityPrediction *out,
                                  QString *error)
{
    return momok::predictNewEntity(*m_context, options.typed ? &candidateTypes() : nullptr, input, options, out, error);
}

} // namespace momok
