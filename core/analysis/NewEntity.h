#pragma once
// What-if predictions for an entity that is not in the graph: its image and text go through
// the run's own feature method (the built-in descriptor or the run's TorchScript encoder,
// hashed TF-IDF over the dataset's texts plus this one), the same pooling or reference
// layout, the experts and the fusion; then every relation is asked in both directions
// against the known entities. The structure decoder has nothing to go on for an unseen
// entity: it is left out unless known triples are given, and then the entity's structure
// row is fitted to them with the model frozen (a few Adam steps on the S and joint
// decoders' loss), which the result says. A run whose features came from files (or were
// random) cannot recompute them for a new entity: that modality is left out and said so.
// Torch-free interface; TrainedRun::predictNewEntity runs it.
#include "analysis/EntitySimilarity.h"
#include "analysis/Predictor.h"

#include <QString>
#include <QStringList>
#include <QVector>

namespace momok {

struct NewEntityTriple {
    int64_t relation = 0;
    bool newIsHead = true; // (new, relation, other), else (other, relation, new)
    int64_t other = 0;
};

struct NewEntityInput {
    QString name;        // display name (also the text's first words, as for known entities)
    QString description; // free text; without it the entity has no text row
    QString imageFile;   // empty: no image row
    QVector<NewEntityTriple> triples;
};

struct NewEntityOptions {
    int topK = 10;
    int64_t relation = -1;  // only this relation; -1: every relation
    bool typed = false;     // CandidateTypes rule on the candidates
    bool hideKnown = false; // leave out the given triples' answers
    int fitSteps = 200;     // structure row fitting (with triples only): Adam steps
    double fitLearningRate = 0.05;
    int similarCount = 10;  // similar known entities per representation
};

struct NewEntityPrediction {
    QString name;
    // Per relation: the tail query (new, r, ?) then the head query (?, r, new); entity = -1.
    QVector<PredictionResult> results;
    std::array<bool, kModalityCount> hasRow{}; // the rows the new entity has (S only when fitted)
    QStringList notes;                         // what was done and what was left out, for people
    std::array<QVector<SimilarEntity>, kScoringDecoderCount> similar; // known entities alike, per representation
    bool structureFitted = false;
    int fitSteps = 0;
    double fitLossBefore = 0, fitLossAfter = 0;
};

} // namespace momok
