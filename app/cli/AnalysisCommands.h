#pragma once
// The analyst's subcommands: similar entities per representation, embeddings export, and
// the evidence behind one predicted triple (`explain --head H --relation R --tail T`).
#include "cli/CliCommands.h"

#include "analysis/Predictor.h"
#include "data/KgDataset.h"

#include <QJsonObject>

namespace momok {

class CommandLine;

CliCommand similarCommand();
CliCommand exportCommand();

// One query's ranked candidates as predict prints them: rank, candidate, joint decision, each
// active decoder's score and rank, known marks, then the query's gates.
// trainLabel marks known training answers ("given" for a new entity's own triples).
void printPredictionTable(const PredictionResult &result, const KgDataset &dataset, QTextStream &out,
                          const QString &trainLabel = QStringLiteral("train"));
// The same as JSON: {"decision", "predictions", "gates", "typed_candidates", "removed_by_type"}.
QJsonObject predictionJson(const PredictionResult &result, const KgDataset &dataset);

// predict's --new-entity mode, given its parsed command line.
int runNewEntityPrediction(const CommandLine &commandLine, QTextStream &out, QTextStream &err);

// explain's evidence mode, given its parsed command line (RUNDIR, --head, --relation, --tail,
// --neighbours, --json).
int runEvidence(const CommandLine &commandLine, QTextStream &out, QTextStream &err);

} // namespace momok
