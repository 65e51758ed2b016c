#include "model/PaperSettings.h"

#include <QDir>
#include <QFileInfo>

namespace momok {

namespace {

struct PaperFacts {
    PaperDataset dataset;
    const char *key;
    int64_t entities, relations;
    int dim;
    double learningRate;
    PaperMetrics momok, tucker;
};

// From the paper's main results table (Zhang et al., "Multiple Heads are Better than One:
// Mixture of Modality Knowledge Experts for Entity Representation Learning") and the
// authors' published settings.
constexpr std::array<PaperFacts, 3> kFacts{{
    {PaperDataset::MkgW, "MKG-W", 15000, 169, 200, 1e-3, {35.89, 30.38, -1, -1}, {29.59, 23.93, -1, -1}},
    {PaperDataset::MkgY, "MKG-Y", 15000, 28, 300, 5e-4, {37.91, 35.09, -1, -1}, {37.05, 34.59, -1, -1}},
    {PaperDataset::Db15k, "DB15K", 12842, 279, 256, 5e-4, {39.57, 32.38, 43.45, 54.14}, {33.86, 25.34, 37.91, 50.38}},
}};

const PaperFacts &facts(PaperDataset dataset) { return kFacts[size_t(dataset)]; }

QString normalisedKey(const QString &text)
{
    QString out;
    for (QChar c : text)
        if (c.isLetterOrNumber())
            out += c.toUpper();
    return out;
}

} // namespace

QString paperDatasetKey(PaperDataset dataset) { return QString::fromLatin1(facts(dataset).key); }

std::optional<PaperDataset> paperDatasetFromKey(const QString &key)
{
    const QString wanted = normalisedKey(key);
    for (const PaperFacts &f : kFacts)
        if (normalisedKey(QString::fromLatin1(f.key)) == wanted)
            return f.dataset;
    return std::nullopt;
}

std::optional<PaperDataset> recognisePaperDataset(const QString &folderName, int64_t entities, int64_t relations)
{
    if (const auto named = paperDatasetFromKey(folderName))
        return named;
    for (const PaperFacts &f : kFacts)
        if (f.entities == entities && f.relations == relations)
            return f.dataset;
    return std::nullopt;
}

std::optional<PaperDataset> paperDatasetOfRun(const QString &paperRow, const QString &datasetDir, int64_t entities,
                                              int64_t relations)
{
    if (const auto row = paperDatasetFromKey(paperRow))
        return row;
    return recognisePaperDataset(QFileInfo(QDir::cleanPath(datasetDir)).fileName(), entities, relations);
}

ModelConfig paperConfigWithoutDataset()
{
    ModelConfig c; // the reference's defaults: dim 256, relation dim 256, lr 5e-4, μ 1e-4, batch 1024
    c.epochs = 2000;
    c.evalEvery = 100;
    // No early stopping: more evaluations than the schedule holds, however often it evaluates.
    c.patience = c.epochs + 1;
    c.estimatorLearningRate = c.learningRate;
    return c;
}

ModelConfig paperConfig(PaperDataset dataset)
{
    ModelConfig c = paperConfigWithoutDataset();
    c.dim = facts(dataset).dim;
    c.relationDim = 256;
    c.learningRate = c.estimatorLearningRate = facts(dataset).learningRate;
    return c;
}

PaperMetrics paperMoMoKRow(PaperDataset dataset) { return facts(dataset).momok; }
PaperMetrics paperTuckerRow(PaperDataset dataset) { return facts(dataset).tucker; }

} // namespace momok
