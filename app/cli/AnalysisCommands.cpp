#include "cli/AnalysisCommands.h"

#include "cli/CliParsing.h"

#include "analysis/EmbeddingExport.h"
#include "analysis/Evidence.h"
#include "analysis/NewEntity.h"
#include "train/TrainedRun.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace momok {

namespace {

QString fmt(double v, int decimals) { return QString::number(v, 'f', decimals); }

// An entity by its name in the triple files; false with *error otherwise.
bool resolveEntity(const KgDataset &dataset, const QString &name, int64_t *entity, QString *error)
{
    *entity = dataset.entityId(name);
    if (*entity < 0)
        *error = QStringLiteral("unknown entity '%1' (names as in the dataset's triple files)").arg(name);
    return *entity >= 0;
}

bool resolveRelation(const KgDataset &dataset, const QString &name, int64_t *relation, QString *error)
{
    *relation = dataset.relationId(name);
    if (*relation < 0)
        *error = QStringLiteral("unknown relation '%1' (known: %2)").arg(name, dataset.relationNames.join(", "));
    return *relation >= 0;
}

// --modality's value: S, I, T or joint (every available one when empty).
bool representationsFromOption(const QString &value, const EntitySimilarity &similarity, QVector<Decoder> *out,
                               QString *error)
{
    if (value.isEmpty()) {
        *out = similarity.available();
        return true;
    }
    const std::optional<Decoder> d = decoderFromKey(value);
    if (!d || *d == Decoder::Combined) {
        *error = QStringLiteral("--modality takes S, I, T or joint, not '%1'").arg(value);
        return false;
    }
    if (!similarity.has(*d)) {
        *error = QStringLiteral("this run has no %1 representation (it has: %2)")
                     .arg(decoderLabel(*d).toLower(), decoderKeys(similarity.available()).join(", "));
        return false;
    }
    *out = {*d};
    return true;
}

QString entityLabel(const KgDataset &dataset, int64_t e) { return dataset.entities[int(e)].name; }

// ---- similar ----

int runSimilar(const QStringList &args, QTextStream &out, QTextStream &err)
{
    CommandLine commandLine(QStringLiteral("similar"), QStringLiteral(
        "The entities a trained run considers most alike to one entity, per representation the model\n"
        "uses: S, I and T are the experts' mixed outputs for the structure, image and text tables\n"
        "(relation-independent gates, or under --relation's temperature), joint the fused one.\n"
        "Similarity is the cosine."));
    commandLine.addPositional("RUNDIR", "the run folder");
    commandLine.addOptions({{"entity", "the entity (its name in the triple files)", "NAME"},
                            {"modality", "S, I, T or joint (default: every one the run has)", "KEY"},
                            {"relation", "gates under this relation's temperature (tail queries)", "NAME"},
                            {"top", "how many entities per representation", "K", "10"},
                            {"json", "print JSON"}});
    if (int code = 0; !commandLine.parse(args, out, err, &code))
        return code;
    if (!commandLine.isSet("entity")) {
        err << "momok similar: give --entity NAME\n";
        return kUsageError;
    }
    bool topOk = false;
    const int top = commandLine.value("top").toInt(&topOk);
    if (!topOk || top < 1) {
        err << "momok similar: --top takes a positive number, not '" << commandLine.value("top") << "'\n";
        return kUsageError;
    }
    QString error;
    auto run = TrainedRun::open(commandLine.positionalArguments().first(), &error);
    if (!run) {
        err << "momok similar: " << error << "\n";
        return 1;
    }
    const KgDataset &dataset = run->dataset();
    int64_t entity = -1, relation = -1;
    if (!resolveEntity(dataset, commandLine.value("entity"), &entity, &error)
        || (commandLine.isSet("relation") && !resolveRelation(dataset, commandLine.value("relation"), &relation, &error))) {
        err << "momok similar: " << error << "\n";
        return 1;
    }
    const EntitySimilarity similarity(run->embeddings(relation));
    QVector<Decoder> representations;
    if (!representationsFromOption(commandLine.value("modality"), similarity, &representations, &error)) {
        err << "momok similar: " << error << "\n";
        return 1;
    }
    if (commandLine.isSet("json")) {
        QJsonObject lists;
        QElapsedTimer timer; // the query alone, as the app's panel answers it once the index is built
        timer.start();
        for (Decoder d : representations) {
            QJsonArray list;
            for (const SimilarEntity &s : similarity.nearest(d, entity, top))
                list.append(QJsonObject{{"entity", entityLabel(dataset, s.entity)}, {"similarity", s.similarity}});
            lists.insert(decoderKey(d), list);
        }
        QJsonObject doc{{"entity", entityLabel(dataset, entity)}, {"measure", "cosine"}, {"similar", lists},
                        {"query_ms", double(timer.nsecsElapsed()) / 1e6}};
        if (relation >= 0)
            doc.insert("relation", dataset.relationNames[int(relation)]);
        out << QJsonDocument(doc).toJson(QJsonDocument::Compact) << "\n";
        return 0;
    }
    out << QStringLiteral("Entities most similar to %1 (cosine%2)\n")
               .arg(entityLabel(dataset, entity),
                    relation >= 0 ? QStringLiteral(", gates under %1").arg(dataset.relationNames[int(relation)]) : QString());
    for (Decoder d : representations) {
        out << "\n" << decoderLabel(d) << ":\n";
        int rank = 0;
        for (const SimilarEntity &s : similarity.nearest(d, entity, top))
            out << QStringLiteral("%1  %2 %3\n").arg(++rank, 3).arg(entityLabel(dataset, s.entity).left(40), -40)
                       .arg(fmt(s.similarity, 3), 6);
    }
    return 0;
}

// ---- export ----

int runExport(const QStringList &args, QTextStream &out, QTextStream &err)
{
    CommandLine commandLine(QStringLiteral("export"), QStringLiteral(
        "Write a trained run's entity representations (S, I, T and joint, as `similar` uses them) for\n"
        "other tools. projector: what the TensorFlow Embedding Projector loads (one folder per\n"
        "representation with tensors.tsv, metadata.tsv with name, type, training degree and the decoder\n"
        "with the best MRR on the entity's test queries, sprite.png of the thumbnails,\n"
        "projector_config.pbtxt). npy: one float32 .npy matrix per representation and entity2id.txt."));
    commandLine.addPositional("RUNDIR", "the run folder");
    commandLine.addOptions({{"format", "projector or npy", "FORMAT", "projector"},
                            {"out", "the output folder (created)", "DIR"},
                            {"quiet", "no progress on stderr"}});
    if (int code = 0; !commandLine.parse(args, out, err, &code))
        return code;
    const std::optional<EmbeddingFormat> format = embeddingFormatFromKey(commandLine.value("format"));
    if (!format) {
        err << "momok export: --format takes projector or npy, not '" << commandLine.value("format") << "'\n";
        return kUsageError;
    }
    if (!commandLine.isSet("out")) {
        err << "momok export: give --out DIR\n";
        return kUsageError;
    }
    QString error;
    auto run = TrainedRun::open(commandLine.positionalArguments().first(), &error);
    if (!run) {
        err << "momok export: " << error << "\n";
        return 1;
    }
    const EntityEmbeddings embeddings = run->embeddings();
    EntityRankSums testRanks;
    if (*format == EmbeddingFormat::Projector)
        run->evaluate(Split::Test, &testRanks);
    Feedback feedback(consoleProgress(err, commandLine.isSet("quiet")));
    EmbeddingExportResult result;
    const QString outDir = commandLine.value("out");
    const Outcome outcome = exportEmbeddings({&run->dataset(), &embeddings, &testRanks}, *format, outDir, &result,
                                             &feedback, &error);
    if (outcome != Outcome::Finished) {
        err << "momok export: " << (outcome == Outcome::Cancelled ? QStringLiteral("cancelled") : error) << "\n";
        return 1;
    }
    out << QStringLiteral("Wrote %1 files to %2 (%3 entities):\n").arg(result.files.size())
               .arg(QDir::toNativeSeparators(outDir)).arg(run->dataset().entityCount());
    for (const QString &f : result.files)
        out << "  " << f << "\n";
    if (*format == EmbeddingFormat::Projector)
        out << QStringLiteral("sprite: %1×%1 px, cells of %2 px, %3 without an image (grey)\n")
                   .arg(result.spriteSide).arg(result.spriteCell).arg(result.missingImages);
    return 0;
}

} // namespace

// ---- predictions, shared by predict and predict --new-entity ----

void printPredictionTable(const PredictionResult &result, const KgDataset &dataset, QTextStream &out,
                          const QString &trainLabel)
{
    const auto &names = dataset.entities;
    out << QStringLiteral("%1  %2 %3").arg("#", 3).arg("candidate", -36).arg("joint", 7);
    for (Decoder d : kScoringDecoders)
        if (result.decoderActive[size_t(d)])
            out << QStringLiteral(" %1").arg(QStringLiteral("%1 (rank)").arg(decoderKey(d)), 16);
    out << "  known\n";
    for (const PredictionRow &r : result.rows) {
        out << QStringLiteral("%1  %2 %3").arg(r.rank, 3).arg(names[int(r.entity)].name.left(36), -36).arg(fmt(r.score, 4), 7);
        for (Decoder d : kScoringDecoders)
            if (result.decoderActive[size_t(d)])
                out << QStringLiteral(" %1").arg(QStringLiteral("%1 (%2)").arg(fmt(r.decoderScore[size_t(d)], 3))
                                                     .arg(r.decoderRank[size_t(d)], 0, 'f', 0), 16);
        QStringList known;
        if (r.knownTrain) known << trainLabel;
        if (r.knownValid) known << "valid";
        if (r.knownTest) known << "test";
        out << "  " << (known.isEmpty() ? QStringLiteral("-") : QStringLiteral("✓ ") + known.join(',')) << "\n";
    }
    out << "gates for this query:";
    for (Modality m : kModalities) {
        if (result.gates[size_t(m)].isEmpty())
            continue;
        QStringList g;
        for (double w : result.gates[size_t(m)]) g << fmt(w, 2);
        out << "  " << modalityKey(m) << " [" << g.join(' ') << "]";
    }
    out << "\n";
}

QJsonObject predictionJson(const PredictionResult &result, const KgDataset &dataset)
{
    QJsonArray rows;
    for (const PredictionRow &r : result.rows) {
        QJsonObject decoders;
        for (Decoder d : kScoringDecoders)
            if (result.decoderActive[size_t(d)])
                decoders.insert(decoderKey(d), QJsonObject{{"score", r.decoderScore[size_t(d)]}, {"rank", r.decoderRank[size_t(d)]}});
        QJsonArray known;
        if (r.knownTrain) known.append("train");
        if (r.knownValid) known.append("valid");
        if (r.knownTest) known.append("test");
        rows.append(QJsonObject{{"rank", r.rank}, {"entity", dataset.entities[int(r.entity)].name}, {"score", r.score},
                                {"decoders", decoders}, {"known", known}});
    }
    QJsonObject gates;
    for (Modality m : kModalities)
        if (!result.gates[size_t(m)].isEmpty()) {
            QJsonArray g;
            for (double w : result.gates[size_t(m)]) g.append(w);
            gates.insert(modalityKey(m), g);
        }
    return QJsonObject{{"decision", "mean"}, {"predictions", rows}, {"gates", gates},
                       {"typed_candidates", result.typeFiltered}, {"removed_by_type", double(result.removedByType)}};
}

// ---- predict --new-entity ----

namespace {

// --triple 'HEAD RELATION TAIL' with the new entity written as its name or _; false with *error.
bool parseNewEntityTriple(const KgDataset &dataset, const QString &text, const QString &name, NewEntityTriple *triple,
                          QString *error)
{
    const QStringList parts = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (parts.size() != 3) {
        *error = QStringLiteral("--triple '%1': expected 'HEAD RELATION TAIL'").arg(text);
        return false;
    }
    auto isNew = [&](const QString &part) { return part == QLatin1String("_") || part == name; };
    if (isNew(parts[0]) == isNew(parts[2])) {
        *error = QStringLiteral("--triple '%1': exactly one side must be the new entity (_ or '%2')").arg(text, name);
        return false;
    }
    triple->newIsHead = isNew(parts[0]);
    if (!resolveRelation(dataset, parts[1], &triple->relation, error)
        || !resolveEntity(dataset, triple->newIsHead ? parts[2] : parts[0], &triple->other, error)) {
        *error = QStringLiteral("--triple '%1': %2").arg(text, *error);
        return false;
    }
    return true;
}

} // namespace

int runNewEntityPrediction(const CommandLine &commandLine, QTextStream &out, QTextStream &err)
{
    QString error;
    auto run = TrainedRun::open(commandLine.positionalArguments().first(), &error);
    if (!run) {
        err << "momok predict: " << error << "\n";
        return 1;
    }
    const KgDataset &dataset = run->dataset();
    NewEntityInput input;
    input.name = commandLine.value("name");
    input.description = commandLine.value("text");
    input.imageFile = commandLine.value("image");
    for (const QString &text : commandLine.values("triple")) {
        NewEntityTriple triple;
        if (!parseNewEntityTriple(dataset, text, input.name, &triple, &error)) {
            err << "momok predict: " << error << "\n";
            return 1;
        }
        input.triples << triple;
    }
    NewEntityOptions options;
    options.topK = commandLine.value("top").toInt();
    options.typed = commandLine.isSet("typed-candidates");
    options.hideKnown = commandLine.isSet("hide-known");
    if (commandLine.isSet("relation") && !resolveRelation(dataset, commandLine.value("relation"), &options.relation, &error)) {
        err << "momok predict: " << error << "\n";
        return 1;
    }
    NewEntityPrediction prediction;
    if (!run->predictNewEntity(input, options, &prediction, &error)) {
        err << "momok predict: " << error << "\n";
        return 1;
    }
    auto queryLabel = [&](const PredictionResult &r) {
        const QString relation = dataset.relationNames[int(r.relation)];
        return r.headPrediction ? QStringLiteral("(?, %1, %2)").arg(relation, input.name)
                                : QStringLiteral("(%1, %2, ?)").arg(input.name, relation);
    };
    if (commandLine.isSet("json")) {
        QJsonArray queries, notes, rowsHad;
        for (const PredictionResult &r : prediction.results) {
            QJsonObject q = predictionJson(r, dataset);
            q.insert("relation", dataset.relationNames[int(r.relation)]);
            q.insert("direction", r.headPrediction ? "head" : "tail");
            queries.append(q);
        }
        for (const QString &n : prediction.notes)
            notes.append(n);
        for (Modality m : kModalities)
            if (prediction.hasRow[size_t(m)])
                rowsHad.append(modalityKey(m));
        QJsonObject similar;
        for (Decoder d : kScoringDecoders) {
            if (prediction.similar[size_t(d)].isEmpty())
                continue;
            QJsonArray list;
            for (const SimilarEntity &s : prediction.similar[size_t(d)])
                list.append(QJsonObject{{"entity", entityLabel(dataset, s.entity)}, {"similarity", s.similarity}});
            similar.insert(decoderKey(d), list);
        }
        out << QJsonDocument(QJsonObject{{"name", input.name}, {"modalities", rowsHad}, {"notes", notes},
                                         {"structure_fitted", prediction.structureFitted}, {"similar", similar},
                                         {"queries", queries}})
                   .toJson(QJsonDocument::Compact) << "\n";
        return 0;
    }
    out << QStringLiteral("New entity '%1' (not in the graph)\n").arg(input.name);
    for (const QString &n : prediction.notes)
        out << "  " << n << "\n";
    out << "Similar known entities (cosine):\n";
    for (Decoder d : kScoringDecoders) {
        if (prediction.similar[size_t(d)].isEmpty())
            continue;
        QStringList names;
        for (const SimilarEntity &s : prediction.similar[size_t(d)].mid(0, 5))
            names << QStringLiteral("%1 %2").arg(entityLabel(dataset, s.entity), fmt(s.similarity, 3));
        out << QStringLiteral("  %1 %2\n").arg(decoderLabel(d), -10).arg(names.join(", "));
    }
    for (const PredictionResult &r : prediction.results) {
        out << "\n" << queryLabel(r) << "   joint decision = mean of the decoders' sigmoid scores\n";
        if (r.typeFiltered)
            out << QStringLiteral("typed candidates (%1): %2 of %3 entities removed\n")
                       .arg(run->candidateTypes().basisLabel()).arg(r.removedByType).arg(dataset.entityCount());
        printPredictionTable(r, dataset, out, QStringLiteral("given"));
    }
    return 0;
}

// ---- explain --head --relation --tail ----

int runEvidence(const CommandLine &commandLine, QTextStream &out, QTextStream &err)
{
    if (!commandLine.isSet("head") || !commandLine.isSet("relation") || !commandLine.isSet("tail")) {
        err << "momok explain: the evidence for a triple needs all of --head, --relation and --tail\n";
        return kUsageError;
    }
    bool ok = false;
    const int neighbours = commandLine.value("neighbours").toInt(&ok);
    if (!ok || neighbours < 1) {
        err << "momok explain: --neighbours takes a positive number\n";
        return kUsageError;
    }
    QString error;
    auto run = TrainedRun::open(commandLine.positionalArguments().first(), &error);
    if (!run) {
        err << "momok explain: " << error << "\n";
        return 1;
    }
    const KgDataset &dataset = run->dataset();
    Triple triple;
    if (!resolveEntity(dataset, commandLine.value("head"), &triple.head, &error)
        || !resolveRelation(dataset, commandLine.value("relation"), &triple.relation, &error)
        || !resolveEntity(dataset, commandLine.value("tail"), &triple.tail, &error)) {
        err << "momok explain: " << error << "\n";
        return 1;
    }
    const EntitySimilarity similarity(run->embeddings());
    const EvidenceFinder finder(dataset, similarity);
    const PredictionEvidence evidence = finder.find(triple, neighbours);
    const QString relationName = dataset.relationNames[int(triple.relation)];
    auto itemText = [&](const EvidenceItem &item) {
        const bool head = item.kind == EvidenceKind::SimilarHead;
        return QStringLiteral("%1 resembles %2 (%3 %4), and (%5, %6, %7) is known")
            .arg(entityLabel(dataset, head ? triple.head : triple.tail), entityLabel(dataset, item.neighbour),
                 decoderLabel(item.representation).toLower(), fmt(item.similarity, 3),
                 entityLabel(dataset, item.known.head), relationName, entityLabel(dataset, item.known.tail));
    };
    if (commandLine.isSet("json")) {
        QJsonArray items;
        for (const EvidenceItem &item : evidence.items)
            items.append(QJsonObject{{"representation", decoderKey(item.representation)},
                                     {"kind", item.kind == EvidenceKind::SimilarHead ? "similar_head" : "similar_tail"},
                                     {"neighbour", entityLabel(dataset, item.neighbour)},
                                     {"similarity", item.similarity},
                                     {"known", QJsonArray{entityLabel(dataset, item.known.head), relationName,
                                                          entityLabel(dataset, item.known.tail)}}});
        QJsonObject counts;
        for (Decoder d : similarity.available())
            counts.insert(decoderKey(d), evidence.count[size_t(d)]);
        out << QJsonDocument(QJsonObject{{"triple", QJsonArray{entityLabel(dataset, triple.head), relationName,
                                                               entityLabel(dataset, triple.tail)}},
                                         {"known_in_training", finder.isTraining(triple)},
                                         {"neighbours", neighbours},
                                         {"counts", counts},
                                         {"evidence", items}})
                   .toJson(QJsonDocument::Compact) << "\n";
        return 0;
    }
    out << QStringLiteral("Evidence for (%1, %2, %3)%4: known training triples of the %5 entities most similar to\n"
                          "the head (with the same relation and tail) or to the tail (with the same head and relation).\n")
               .arg(entityLabel(dataset, triple.head), relationName, entityLabel(dataset, triple.tail),
                    finder.isTraining(triple) ? QStringLiteral(" (itself a training triple)") : QString())
               .arg(neighbours);
    QStringList counts;
    for (Decoder d : similarity.available())
        counts << QStringLiteral("%1 %2").arg(decoderKey(d)).arg(evidence.count[size_t(d)]);
    out << "per representation: " << counts.join(", ") << "\n";
    if (evidence.items.isEmpty())
        out << "no evidence among the nearest neighbours: the prediction rests on patterns, not on a similar known case\n";
    for (const EvidenceItem &item : evidence.items)
        out << "  " << itemText(item) << "\n";
    return 0;
}

CliCommand similarCommand() { return {"similar", "entities a run considers alike, per modality", runSimilar}; }
CliCommand exportCommand() { return {"export", "entity embeddings for the Embedding Projector or NumPy", runExport}; }

} // namespace momok
