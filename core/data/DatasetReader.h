#pragma once
// Reads a knowledge-graph folder in any of the supported layouts, detected automatically:
//   OpenKE ids      train2id.txt/valid2id.txt/test2id.txt (count line, then HEAD TAIL RELATION ids)
//                   with entity2id.txt and relation2id.txt (count line, then NAME ID)
//   named triples   train.txt/valid.txt/test.txt, HEAD RELATION TAIL [.] separated by spaces
//   tab-separated   train.tsv/… (or .txt files whose lines hold tabs), HEAD<TAB>RELATION<TAB>TAIL;
//                   names may contain spaces
// Named and tab-separated triples may come with entity2id.txt/relation2id.txt (NAME ID,
// optional count line); without them ids follow the order of first appearance (train,
// then valid, then test). Entity metadata and feature files are optional (see
// EntityMetadataReader, KgDataset::featureFiles).
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
    // "FILE" or "FILE:LINE", as every message about the problem names it.
    QString location() const { return line > 0 ? QStringLiteral("%1:%2").arg(file).arg(line) : file; }
};

struct DatasetLoadOptions {
    // Drop valid/test triples whose entities never occur in train (reported as a warning with the count).
    bool dropUnseenEvaluationTriples = false;
    // Problems listed per file before the rest are summarised as "… and M more problems in FILE".
    int maxProblemsPerFile = 10;
    // Decode every image and thumbnail, so that a corrupt file is reported now, not during extraction.
    bool checkImages = true;
    // ... except those found fine by an earlier read and unchanged since (ImageCheckRecord),
    // remembered in imageCheckRecordDirectory (empty: ImageCheckRecord::defaultDirectory()).
    bool rememberCheckedImages = true;
    QString imageCheckRecordDirectory;
    // Load the feature files found in the folder to check their row count and values.
    bool checkFeatures = true;
};

struct DatasetLoadResult {
    std::optional<KgDataset> dataset; // empty when any Error was found: a dataset is accepted whole or not at all
    std::optional<DatasetFormat> format; // the detected layout, also when the dataset is rejected
    QVector<DatasetProblem> problems; // listed; a "… and M more" entry stands for M problems
    // Every problem found, also those not listed (-1: count the listed ones).
    int errorTotal = -1, warningTotal = -1;
    bool ok() const { return dataset.has_value(); }
    int errorCount() const;
    int warningCount() const;
    QString summary() const;
};

class DatasetReader
{
public:
    static DatasetLoadResult read(const QString &directory, const DatasetLoadOptions &options = {});

    // Feature files looked for in the dataset folder, per modality, in order of preference.
    static QStringList featureFileNames(const QString &modality);
    // The modalities with feature files: "image", "text".
    static QStringList featureModalities();
};

} // namespace momok
