#pragma once
// The paper's three benchmark datasets (Zhang et al., MoMoK), the authors' settings for
// each and the paper's results rows, defined once (torch-free): `--preset paper`, the
// training dialog, run records and `momok eval --paper` all read them from here.
#include "model/ModelConfig.h"

#include <QString>

#include <array>
#include <cstdint>
#include <optional>

namespace momok {

enum class PaperDataset { MkgW, MkgY, Db15k };
inline constexpr std::array<PaperDataset, 3> kPaperDatasets{PaperDataset::MkgW, PaperDataset::MkgY, PaperDataset::Db15k};

// "MKG-W", "MKG-Y", "DB15K": the paper's names, also the keys in run.json and on the command line.
QString paperDatasetKey(PaperDataset dataset);
// A key in any case, with or without the hyphen ("mkg_y" and "MKGY" too).
std::optional<PaperDataset> paperDatasetFromKey(const QString &key);
// The paper's dataset a folder holds: by the folder's name first, else by its entity and
// relation counts (MKG-W: 15,000 and 169; MKG-Y: 15,000 and 28; DB15K: 12,842 and 279).
std::optional<PaperDataset> recognisePaperDataset(const QString &folderName, int64_t entities, int64_t relations);

// The paper dataset of a run: the row it was trained for (run.json's "paper_row"), else the
// one its dataset folder is (recognisePaperDataset on the folder's name and counts).
std::optional<PaperDataset> paperDatasetOfRun(const QString &paperRow, const QString &datasetDir, int64_t entities,
                                              int64_t relations);

// The authors' setting for the dataset (their README and scripts): relation dim 256, μ 1e-4,
// 2,000 epochs, an evaluation every 100 epochs and no early stopping (selection on
// validation among those evaluations), the estimator's learning rate equal to the main
// one; MKG-W lr 1e-3 and dim 200, MKG-Y 5e-4 and 300, DB15K 5e-4 and 256.
ModelConfig paperConfig(PaperDataset dataset);
// The setting without a dataset: the same schedule with the reference's defaults (dim 256, lr 5e-4).
ModelConfig paperConfigWithoutDataset();

// One row of the paper's main table for a dataset, in %; a figure the paper does not give
// is negative (MKG-W and MKG-Y rows have MRR and Hits@1 only).
struct PaperMetrics {
    double mrr = -1, hits1 = -1, hits3 = -1, hits10 = -1;
};
PaperMetrics paperMoMoKRow(PaperDataset dataset);
PaperMetrics paperTuckerRow(PaperDataset dataset); // the best structure-only baseline on MKG-Y and DB15K

} // namespace momok
