#include "analysis/NewEntityPredictor.h"

#include "analysis/PredictionRanking.h"
#include "analysis/Representations.h"
#include "domain/Plural.h"
#include "features/FeatureExtractor.h"
#include "features/ImageDescriptor.h"
#include "features/TextFeaturizer.h"
#include "features/TorchScriptImageEncoder.h"
#include "model/PaperSettings.h"
#include "train/RunContext.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace momok {

namespace {

QString tr(const char *text) { return QCoreApplication::translate("NewEntity", text); }

// ---- features: the run's own method, for one more entity ----

// The raw image row (1×w) by the method the run's image features were extracted with.
// Undefined with a note when the run's method cannot be applied; false with *error when the
// file cannot be read.
bool rawImageRow(const RunContext &context, const QString &file, torch::Tensor *row, QStringList *notes, QString *error)
{
    const FeatureSource &source = context.spec.imageSource;
    if (source.kind != FeatureSource::Kind::Extracted) {
        *notes << tr("The run's image features came from %1, which the app cannot recompute for a new image: the "
                     "image decoder is left out.")
                      .arg(source.kind == FeatureSource::Kind::File ? QDir::toNativeSeparators(source.detail)
                                                                     : FeatureSource::kindKey(source.kind));
        return true;
    }
    if (source.detail == ImageDescriptor::signature()) {
        std::vector<float> values;
        if (!ImageDescriptor::describeFiles({file}, &values, error))
            return false;
        *row = torch::from_blob(values.data(), {1, int64_t(values.size())}, torch::kFloat).clone();
        return true;
    }
    if (!context.spec.imageEncoder.isEmpty()) {
        TorchScriptImageEncoder encoder;
        if (!encoder.load(context.spec.imageEncoder, error))
            return false;
        if (encoder.signature() == source.detail) {
            QImage picture;
            if (!ImageDescriptor::readImage(file, &picture, error))
                return false;
            *row = encoder.encode({picture}, error);
            return row->defined();
        }
    }
    *notes << tr("The run's image features were made by %1, which this version cannot apply: the image decoder is "
                 "left out.").arg(source.detail);
    return true;
}

// The raw text row: hashed TF-IDF with the IDF over the dataset's texts and this one.
void rawTextRow(const RunContext &context, const QString &text, torch::Tensor *row, QStringList *notes)
{
    const FeatureSource &source = context.spec.textSource;
    const TextFeaturizer featurizer(FeatureExtractionOptions{}.textWidth);
    if (source.kind != FeatureSource::Kind::Extracted || source.detail != featurizer.signature()) {
        *notes << tr("The run's text features came from %1, which the app cannot recompute for a new text: the text "
                     "decoder is left out.")
                      .arg(source.kind == FeatureSource::Kind::File ? QDir::toNativeSeparators(source.detail)
                           : source.kind == FeatureSource::Kind::Extracted ? source.detail
                                                                            : FeatureSource::kindKey(source.kind));
        return;
    }
    std::vector<TextFeaturizer::Terms> documents;
    documents.reserve(size_t(context.dataset.entityCount() + 1));
    for (const EntityInfo &e : context.dataset.entities)
        documents.push_back(TextFeaturizer::analyse(FeatureExtractor::entityText(e)));
    documents.push_back(TextFeaturizer::analyse(text));
    const std::vector<float> all = featurizer.weigh(documents);
    const int64_t width = featurizer.width();
    *row = torch::from_blob(const_cast<float *>(all.data()) + (int64_t(documents.size()) - 1) * width, {1, width},
                            torch::kFloat).clone();
}

// The run's preparation of a raw row: its pooling, or the authors' layout.
bool prepareRow(const RunContext &context, Modality modality, const torch::Tensor &raw, torch::Tensor *out, QString *error)
{
    const RunSpec &spec = context.spec;
    if (spec.config.featureLayout == QLatin1String("reference")) {
        const auto paper = paperDatasetOfRun(spec.paperRow, spec.datasetDir, context.dataset.entityCount(),
                                             context.dataset.relationCount());
        return paper && referenceFeatureLayout(*paper, modality, raw, out, error);
    }
    *out = prepareFeatures(raw, spec.config.maxFeatureWidth);
    return true;
}

// ---- structure: fitted to given triples, the model frozen ----

struct FitOutcome {
    double before = 0, after = 0;
};

// Multi-hot targets over the known entities for each directed relation the triples use;
// candidates: the known entities' representations the queries are scored against.
FitOutcome fitStructureRow(RunContext &context, const NewEntityInput &input, const CandidateMatrices &candidates,
                           int steps, double learningRate, EntityRows *rows)
{
    MoMoKModel &model = context.model;
    const int64_t relations = context.dataset.relationCount(), entities = context.dataset.entityCount();
    std::vector<int64_t> directed;
    for (const NewEntityTriple &t : input.triples) {
        const int64_t d = t.newIsHead ? t.relation : t.relation + relations;
        if (std::find(directed.begin(), directed.end(), d) == directed.end())
            directed.push_back(d);
    }
    torch::Tensor targets = torch::zeros({int64_t(directed.size()), entities});
    for (const NewEntityTriple &t : input.triples) {
        const int64_t d = t.newIsHead ? t.relation : t.relation + relations;
        targets[std::find(directed.begin(), directed.end(), d) - directed.begin()][t.other] = 1.0f;
    }
    const torch::Tensor queryRelations = torch::tensor(directed, torch::kLong);
    // A neutral start: the mean structure row of the known entities.
    torch::Tensor structure = model->entityTables()[int(Modality::Structure)].detach().mean(0, true).clone();
    structure.set_requires_grad(true);
    torch::optim::Adam optimiser({structure}, torch::optim::AdamOptions(learningRate));
    auto loss = [&] {
        EntityRows batch = *rows;
        batch[int(Modality::Structure)] = structure;
        for (auto &r : batch)
            if (r.defined())
                r = r.expand({int64_t(directed.size()), r.size(1)});
        const QueryOutput out = model->forwardRows(batch, queryRelations);
        torch::Tensor total = torch::zeros({});
        for (Decoder d : {Decoder::Structure, Decoder::Joint})
            if (out.vectors[size_t(d)].defined())
                total = total + torch::binary_cross_entropy_with_logits(
                                    out.vectors[size_t(d)].mm(candidates.matrices[size_t(d)].t()), targets);
        return total;
    };
    FitOutcome outcome;
    for (int step = 0; step <= steps; ++step) {
        const torch::Tensor value = loss();
        if (step == 0)
            outcome.before = value.item<double>();
        if (step == steps) {
            outcome.after = value.item<double>();
            break;
        }
        // Gradients for the new row only: the model's own parameters are left untouched.
        structure.mutable_grad() = torch::autograd::grad({value}, {structure})[0];
        optimiser.step();
    }
    (*rows)[int(Modality::Structure)] = structure.detach();
    return outcome;
}

} // namespace

bool predictNewEntity(RunContext &context, const CandidateTypes *types, const NewEntityInput &input,
                      const NewEntityOptions &options, NewEntityPrediction *out, QString *error)
{
    *out = NewEntityPrediction{};
    out->name = input.name;
    MoMoKModel &model = context.model;
    model->eval();
    const int64_t relations = context.dataset.relationCount();

    // ---- the rows the new entity has ----
    EntityRows rows;
    auto adopt = [&](Modality m, const torch::Tensor &raw) {
        if (!raw.defined())
            return true;
        if (!model->modalityPresent(int(m))) {
            out->notes << tr("The run has no %1 modality: the new entity's %1 is not used.").arg(modalityLabel(m).toLower());
            return true;
        }
        torch::Tensor prepared;
        if (!prepareRow(context, m, raw, &prepared, error))
            return false;
        if (prepared.size(1) != model->modalityWidth(int(m))) {
            *error = tr("the new entity's %1 features are %2 wide, the run's are %3")
                         .arg(modalityLabel(m).toLower()).arg(prepared.size(1)).arg(model->modalityWidth(int(m)));
            return false;
        }
        rows[size_t(m)] = prepared;
        return true;
    };
    torch::Tensor image, text;
    if (input.imageFile.isEmpty())
        out->notes << tr("No image given: the image decoder has nothing to say.");
    else if (!QFileInfo(input.imageFile).isFile()) {
        *error = tr("%1: no such file").arg(QDir::toNativeSeparators(input.imageFile));
        return false;
    } else if (!rawImageRow(context, input.imageFile, &image, &out->notes, error))
        return false;
    EntityInfo asEntity;
    asEntity.displayName = input.name;
    asEntity.description = input.description;
    const QString entityText = FeatureExtractor::entityText(asEntity);
    if (entityText.isEmpty())
        out->notes << tr("No description given: the text decoder has nothing to say.");
    else
        rawTextRow(context, entityText, &text, &out->notes);
    if (!adopt(Modality::Image, image) || !adopt(Modality::Text, text))
        return false;

    const bool fitStructure = !input.triples.isEmpty() && model->modalityPresent(int(Modality::Structure));
    if (!fitStructure && !rows[int(Modality::Image)].defined() && !rows[int(Modality::Text)].defined()) {
        *error = tr("the new entity has nothing the model can read: give an image, a description or known triples");
        return false;
    }

    torch::NoGradGuard noGrad;
    // The known entities through the experts and the fusion, once: the candidates that the fit
    // and every query score against, and what the new entity is compared with.
    const CandidateMatrices candidates = model->representations(model->entityTables());
    if (fitStructure) {
        torch::AutoGradMode enable(true);
        const FitOutcome fit = fitStructureRow(context, input, candidates, options.fitSteps, options.fitLearningRate, &rows);
        out->structureFitted = true;
        out->fitSteps = options.fitSteps;
        out->fitLossBefore = fit.before;
        out->fitLossAfter = fit.after;
        out->notes << pluralised(QCoreApplication::translate("NewEntity",
                                                             "Structure row fitted to the %n given triple(s) with the "
                                                             "model frozen (%1 Adam steps, loss %2 → %3).",
                                                             nullptr, int(input.triples.size())),
                                 qint64(input.triples.size()))
                          .arg(options.fitSteps).arg(fit.before, 0, 'f', 4).arg(fit.after, 0, 'f', 4);
    } else {
        out->notes << tr("No known triples given: the structure decoder has nothing to say about an unseen entity "
                         "and is left out.");
    }
    for (Modality m : kModalities)
        out->hasRow[size_t(m)] = rows[size_t(m)].defined();

    // ---- similar known entities ----
    {
        const CandidateMatrices newReps = model->representations(rows);
        EntityEmbeddings known = toEntityEmbeddings(candidates);
        for (Decoder d : kScoringDecoders)
            if (!newReps.matrices[size_t(d)].defined())
                known.tables[size_t(d)] = {}; // a representation the new entity lacks: nothing to compare
        const EntitySimilarity similarity(known);
        for (Decoder d : similarity.available()) {
            const torch::Tensor v = newReps.matrices[size_t(d)].to(torch::kCPU).contiguous();
            out->similar[size_t(d)] = similarity.nearestTo(d, v.data_ptr<float>(), options.similarCount);
        }
    }

    // ---- every relation, both directions, in one batch ----
    std::vector<int64_t> directed;
    for (int64_t r = 0; r < relations; ++r)
        if (options.relation < 0 || options.relation == r) {
            directed.push_back(r);
            directed.push_back(r + relations);
        }
    const int64_t batch = int64_t(directed.size());
    EntityRows batchRows = rows;
    for (auto &r : batchRows)
        if (r.defined())
            r = r.expand({batch, r.size(1)});
    const QueryOutput query = model->forwardRows(batchRows, torch::tensor(directed, torch::kLong));
    std::array<torch::Tensor, kScoringDecoderCount> scores;
    for (int d : model->activeDecoders())
        if (query.vectors[size_t(d)].defined())
            scores[size_t(d)] = query.vectors[size_t(d)].mm(candidates.matrices[size_t(d)].t());
    for (int64_t q = 0; q < batch; ++q) {
        PredictionResult result;
        result.entity = -1;
        result.relation = directed[size_t(q)] % relations;
        result.headPrediction = directed[size_t(q)] >= relations;
        std::array<torch::Tensor, kScoringDecoderCount> logits;
        for (int d = 0; d < kScoringDecoderCount; ++d)
            if (scores[size_t(d)].defined())
                logits[size_t(d)] = scores[size_t(d)][q].contiguous();
        copyGates(query, q, &result);
        RankingOptions ranking;
        ranking.topK = options.topK;
        ranking.hideKnown = options.hideKnown;
        if (types && !types->isEmpty()) {
            ranking.removed = types->removed(result.relation, result.headPrediction);
            result.typeFiltered = true;
            result.removedByType = int64_t(ranking.removed.size());
        }
        ranking.markKnown = [&](PredictionRow *row) {
            for (const NewEntityTriple &t : input.triples)
                if (t.relation == result.relation && t.newIsHead == !result.headPrediction && t.other == row->entity)
                    row->knownTrain = true; // given with the entity: what it is known to have
        };
        rankCandidates(logits, ranking, &result);
        out->results << result;
    }
    return true;
}

} // namespace momok
