#include "train/RunContext.h"

#include "data/DatasetReader.h"
#include "data/ModalityFeatures.h"
#include "domain/Plural.h"
#include "features/ImageDescriptor.h"
#include "train/Checkpoint.h"

#include <QFile>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <torch/cuda.h>
#include <QDir>
#include <QFileInfo>

namespace momok {

namespace {
// The reference benchmark's feature shapes (image 256, text 384) for seeded random features.
constexpr int64_t kRandomImageWidth = 256;
constexpr int64_t kRandomTextWidth = 384;

bool loadModality(const QString &path, int64_t entities, torch::Tensor *values, std::vector<uint8_t> *present,
                  QString *error)
{
    if (path.isEmpty())
        return true;
    ModalityFeatures features = loadModalityFeatures(path, entities, error);
    if (!features.values.defined())
        return false;
    *values = features.values;
    *present = features.present;
    return true;
}
// The device a run computes on, from its configuration ("cpu", "cuda", "cuda:N"). A GPU that
// this build or this machine lacks is refused at once: a run that says cuda must not quietly
// train on the CPU.
bool computeDevice(const QString &name, torch::Device *device, QString *error)
{
    if (name == QLatin1String("cpu")) {
        *device = torch::Device(torch::kCPU);
        return true;
    }
    if (!torch::cuda::is_available()) {
        if (error)
            *error = at::hasCUDA()
                ? QStringLiteral("device %1: no GPU is visible to this LibTorch (no NVIDIA driver, or CUDA_VISIBLE_DEVICES "
                                 "hides them); use --device cpu")
                      .arg(name)
                : QStringLiteral("device %1: this build's LibTorch has no CUDA support (its only device is the CPU); use "
                                 "--device cpu, or build against a CUDA LibTorch (see the README)")
                      .arg(name);
        return false;
    }
    bool ok = true;
    const QString index = name.section(QLatin1Char(':'), 1);
    const int ordinal = index.isEmpty() ? 0 : index.toInt(&ok);
    const int count = int(torch::cuda::device_count());
    if (!ok || ordinal < 0 || ordinal >= count) {
        if (error)
            *error = count == 0
                ? QStringLiteral("device %1: this machine has no GPU that LibTorch can use").arg(name)
                : pluralised(QStringLiteral("device %1: this machine has %2 GPU(s), cuda:0 to cuda:%3"), count)
                      .arg(name)
                      .arg(count)
                      .arg(count - 1);
        return false;
    }
    *device = torch::Device(torch::kCUDA, c10::DeviceIndex(ordinal));
    return true;
}
} // namespace

// A new run records the graph it trains on; a run opened again (eval, predict, resume, the
// app) must find the same graph, else its rows and ids would mean other entities.
bool RunContext::checkFingerprint(RunContext *context, QString *error)
{
    DatasetFingerprint now;
    now.entities = context->dataset.entityCount();
    now.relations = context->dataset.relationCount();
    now.graphHash = context->dataset.graphHash();
    const DatasetFingerprint &then = context->spec.datasetFingerprint;
    if (!then.isSet()) {
        context->spec.datasetFingerprint = now;
        return true;
    }
    const QString where = QDir::toNativeSeparators(context->spec.datasetDir);
    if (then.entities != now.entities || then.relations != now.relations) {
        if (error)
            *error = QStringLiteral("%1: the dataset has changed since this run was trained: %2 entities and %3 "
                                    "relations now, %4 and %5 then")
                         .arg(where).arg(now.entities).arg(now.relations).arg(then.entities).arg(then.relations);
        return false;
    }
    if (!then.graphHash.isEmpty() && then.graphHash != now.graphHash) {
        if (error)
            *error = QStringLiteral("%1: the dataset has changed since this run was trained: its names or triples "
                                    "differ (content hash %2…, %3… then)")
                         .arg(where, now.graphHash.left(12), then.graphHash.left(12));
        return false;
    }
    return true;
}

std::unique_ptr<RunContext> RunContext::create(const RunSpec &spec, QString *error,
                                               Feedback *feedback)
{
    auto context = std::make_unique<RunContext>();
    context->spec = spec;
    const QStringList problems = ModelConfig::messages(spec.config.validate());
    if (!problems.isEmpty()) {
        if (error) *error = QStringLiteral("invalid configuration:\n  ") + problems.join("\n  ");
        return nullptr;
    }
    torch::Device device(torch::kCPU);
    if (!computeDevice(spec.config.device, &device, error))
        return nullptr;
    DatasetLoadOptions options;
    options.dropUnseenEvaluationTriples = spec.dropUnseenEvaluationTriples;
    DatasetLoadResult loaded = DatasetReader::read(spec.datasetDir, options);
    if (!loaded.ok() || !loaded.dataset) {
        if (error) *error = loaded.summary();
        return nullptr;
    }
    context->dataset = std::move(*loaded.dataset);
    for (const DatasetProblem &p : loaded.problems)
        if (p.severity == DatasetProblem::Warning)
            context->datasetWarnings << QStringLiteral("%1: %2").arg(p.location(), p.reason);
    const int64_t entities = context->dataset.entityCount(), relations = context->dataset.relationCount();
    if (!checkFingerprint(context.get(), error))
        return nullptr;
    // The authors' feature layout needs the paper dataset: the row the run targets, else the one the folder is.
    std::optional<PaperDataset> paper;
    if (spec.config.featureLayout == QLatin1String("reference")) {
        paper = paperDatasetOfRun(spec.paperRow, spec.datasetDir, entities, relations);
        if (!paper) {
            if (error)
                *error = QStringLiteral("feature layout 'reference': %1 is none of the paper's datasets (MKG-W, MKG-Y, "
                                        "DB15K by name or by entity and relation counts); use --paper-dataset with "
                                        "--preset paper, or the engine's layout")
                             .arg(QDir::toNativeSeparators(spec.datasetDir));
            return nullptr;
        }
    }

    torch::manual_seed(spec.config.seed);
    torch::Tensor image, text;
    if (spec.randomFeatures) {
        auto generator = at::make_generator<at::CPUGeneratorImpl>(spec.config.seed);
        image = torch::randn({entities, kRandomImageWidth}, generator);
        text = torch::randn({entities, kRandomTextWidth}, generator);
        context->imagePresent.assign(size_t(entities), 1);
        context->textPresent.assign(size_t(entities), 1);
    }
    if (!loadModality(spec.imageFeatures, entities, &image, &context->imagePresent, error)
        || !loadModality(spec.textFeatures, entities, &text, &context->textPresent, error))
        return nullptr;
    auto givenSource = [&spec](const QString &file) {
        if (spec.randomFeatures)
            return FeatureSource{FeatureSource::Kind::Random, {}};
        if (!file.isEmpty())
            return FeatureSource{FeatureSource::Kind::File, file};
        return FeatureSource{FeatureSource::Kind::None, {}};
    };
    context->spec.imageSource = givenSource(spec.imageFeatures);
    context->spec.textSource = givenSource(spec.textFeatures);
    // No feature file but raw data: make the features (deterministic, cached by content).
    const bool extractImage = spec.extractFeatures && !spec.randomFeatures && spec.imageFeatures.isEmpty()
                              && FeatureExtractor::hasImages(context->dataset);
    const bool extractText = spec.extractFeatures && !spec.randomFeatures && spec.textFeatures.isEmpty()
                             && FeatureExtractor::hasTexts(context->dataset);
    // The authors' layout takes given widths only: what extraction would make is checked first,
    // so a width it refuses is said before minutes of extraction, not after.
    if (paper) {
        const struct {
            bool extract;
            Modality modality;
            int64_t width;
            QString method;
        } planned[] = {{extractImage && spec.imageEncoder.isEmpty(), Modality::Image, ImageDescriptor::width(),
                        QStringLiteral("the built-in image descriptor")},
                       {extractText, Modality::Text, FeatureExtractionOptions{}.textWidth,
                        QStringLiteral("the built-in text features")}};
        for (const auto &p : planned) {
            torch::Tensor unused;
            QString problem;
            if (p.extract && !referenceFeatureLayout(*paper, p.modality, torch::ones({1, p.width}), &unused, &problem)) {
                if (error)
                    *error = QStringLiteral("the %1 features would be extracted by %2 (%3 wide): %4; give the authors' "
                                            "feature file with --%5-features")
                                 .arg(modalityLabel(p.modality).toLower(), p.method).arg(p.width)
                                 .arg(problem, modalityLabel(p.modality).toLower());
                return nullptr;
            }
        }
    }
    if (extractImage || extractText) {
        FeatureExtractionOptions extraction;
        extraction.imageEncoder = spec.imageEncoder;
        FeatureExtractor extractor(extraction);
        FeatureMatrix extractedImage, extractedText;
        QString problem;
        const auto outcome = extractor.extract(context->dataset, extractImage ? &extractedImage : nullptr,
                                               extractText ? &extractedText : nullptr, feedback, &problem);
        if (outcome != Outcome::Finished) {
            if (error)
                *error = outcome == Outcome::Cancelled
                             ? QStringLiteral("feature extraction cancelled")
                             : QStringLiteral("feature extraction failed: %1").arg(problem);
            return nullptr;
        }
        auto adopt = [](FeatureMatrix &m, torch::Tensor *values, std::vector<uint8_t> *present, FeatureSource *source) {
            if (m.isEmpty() || m.presentCount() == 0)
                return;
            const auto raw = torch::from_blob(m.values.data(), {m.rows, m.cols}, torch::kFloat).clone();
            ModalityFeatures features = imputeMissing(raw, m.present);
            *values = features.values;
            *present = features.present;
            *source = FeatureSource{FeatureSource::Kind::Extracted, m.extractor};
        };
        adopt(extractedImage, &image, &context->imagePresent, &context->spec.imageSource);
        adopt(extractedText, &text, &context->textPresent, &context->spec.textSource);
    }
    torch::Tensor imageFeatures, textFeatures; // prepared: pooled (or laid out as the authors do)
    if (paper) {
        auto layOut = [&](Modality modality, const torch::Tensor &raw, const QString &file, torch::Tensor *out) {
            QString problem;
            if (referenceFeatureLayout(*paper, modality, raw, out, &problem))
                return true;
            if (error)
                *error = QStringLiteral("%1: %2").arg(file.isEmpty() ? QStringLiteral("the %1 features").arg(modalityLabel(modality).toLower()) : file,
                                                      problem);
            return false;
        };
        if (!layOut(Modality::Image, image, spec.imageFeatures, &imageFeatures)
            || !layOut(Modality::Text, text, spec.textFeatures, &textFeatures))
            return nullptr;
    } else {
        imageFeatures = prepareFeatures(image, spec.config.maxFeatureWidth);
        textFeatures = prepareFeatures(text, spec.config.maxFeatureWidth);
    }
    image = text = torch::Tensor();

    torch::manual_seed(spec.config.seed);
    // The model keeps its own copy (its feature tables); the prepared ones go when this returns.
    context->model = MoMoKModel(spec.config, entities, relations, imageFeatures, textFeatures);
    // Initialised on the CPU from the seed, then moved: a seed gives the same start on every device.
    context->model->to(device);

    const auto &d = context->dataset;
    context->trainQueries = QueryIndex::build({&d.train}, relations);
    context->allKnown = QueryIndex::build({&d.train, &d.valid, &d.test}, relations);
    context->trainKnown = context->trainQueries;
    context->validKnown = QueryIndex::build({&d.valid}, relations);
    context->testKnown = QueryIndex::build({&d.test}, relations);
    return context;
}

std::unique_ptr<RunContext> RunContext::open(const QString &runDir, QString *error)
{
    RunSpec spec;
    if (!RunSpec::load(runDir, &spec, error))
        return nullptr;
    // A run trained on a GPU is opened (evaluated, explored) on the CPU where this build or
    // machine has no GPU: checkpoints load on any device. Training on stays on its device.
    torch::Device available(torch::kCPU);
    if (!computeDevice(spec.config.device, &available, nullptr))
        spec.config.device = QStringLiteral("cpu");
    auto context = create(spec, error);
    if (!context)
        return nullptr;
    QString path = context->checkpointPath("best");
    if (!QFile::exists(path))
        path = context->checkpointPath("last");
    if (!QFile::exists(path)) {
        if (error) *error = QStringLiteral("%1: the run has no checkpoint yet (train it first)").arg(runDir);
        return nullptr;
    }
    TrainingState state;
    if (!loadCheckpoint(path, context->model, nullptr, nullptr, &state, nullptr, error))
        return nullptr;
    context->checkpointEpoch = state.epoch;
    return context;
}

QString RunContext::checkpointPath(const QString &name) const
{
    return QDir(spec.runDir).filePath(name + QStringLiteral(".pt"));
}

} // namespace momok
