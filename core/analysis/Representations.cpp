#include "analysis/Representations.h"

#include "train/RunContext.h"

namespace momok {

namespace {
EmbeddingMatrix toMatrix(const torch::Tensor &t)
{
    EmbeddingMatrix m;
    if (!t.defined())
        return m;
    const torch::Tensor c = t.to(torch::kCPU, torch::kFloat).contiguous();
    m.rows = c.size(0);
    m.cols = c.size(1);
    m.values.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return m;
}
} // namespace

EntityEmbeddings entityEmbeddings(RunContext &context, int64_t directedRelation)
{
    torch::NoGradGuard noGrad;
    MoMoKModel &model = context.model;
    const bool wasTraining = model->is_training();
    model->eval();
    const CandidateMatrices reps = model->representations(model->entityTables(), directedRelation);
    model->train(wasTraining);
    return toEntityEmbeddings(reps, directedRelation);
}

EntityEmbeddings toEntityEmbeddings(const CandidateMatrices &representations, int64_t directedRelation)
{
    EntityEmbeddings out;
    out.directedRelation = directedRelation;
    for (Decoder d : kScoringDecoders)
        out.tables[size_t(d)] = toMatrix(representations.matrices[size_t(d)]);
    return out;
}

} // namespace momok
