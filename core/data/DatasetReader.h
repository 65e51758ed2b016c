#pragma once
// Reads a knowledge-graph folder in any of the supported layouts, detected automatically.
#include "data/KgDataset.h"

#include <QString>
#include <QVector>

#include <optional>

namespace momok {

struct DatasetProblem {
    enum Severity { Error, Warning };
    Severity severity = Error;
    QString file;   // file name within the dataset folder
    int line = 0;   // 1-based; 0 when not about one line
    QString reason;
};

struct DatasetLoadOptions {
    // Drop valid/test triples whose entities never occur in train (reported as a warning with the count).
    bool dropUnseenEvaluationTriples = false;
};

struct DatasetLoadResult {
    std::optional<KgDataset> dataset; // empty when any Error was found: a dataset is accepted whole or not at all
    QVector<DatasetProblem> problems;
    bool ok() const { return dataset.has_value(); }
    QString summary() const;
};

class DatasetReader
{
public:
    static DatasetLoadResult read(const QString &directory, const DatasetLoadOptions &options = {});
};

} // namespace momok
