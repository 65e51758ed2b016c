#pragma once
// One modality's feature matrix with a per-entity "really present" flag.
#include <torch/torch.h>

#include <QString>

#include <vector>

namespace momok {

struct ModalityFeatures {
    torch::Tensor values;          // E×D float32
    std::vector<uint8_t> present;  // 1 when the entity really has this modality
    int64_t presentCount() const;
};

// Rows not present are replaced by the mean of the present rows (as the reference does).
ModalityFeatures imputeMissing(torch::Tensor raw, std::vector<uint8_t> present);

// Loads a .npy or .pt matrix with one row per entity; all-zero rows count as missing.
ModalityFeatures loadModalityFeatures(const QString &path, int64_t entityCount, QString *error);

} // namespace momok
