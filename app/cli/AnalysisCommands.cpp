#include "cli/AnalysisCommands.h"

#include "cli/CliParsing.h"

#include "analysis/EmbeddingExport.h"
#include "analysis/Evidence.h"
#include "train/TrainedRun.h"

#include <QDir>
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
        for (Decoder d : representations) {
            QJsonArray list;
            for (const SimilarEntity &s : similarity.nearest(d, entity, top))
                list.append(QJsonObject{{"entity", entityLabel(dataset, s.entity)}, {"similarity", s.similarity}});
            lists.insert(decoderKey(d), list);
        }
        QJsonObject doc{{"entity", entityLabel(dataset, entity)}, {"measure", "cosine"}, {"similar", lists}};
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
