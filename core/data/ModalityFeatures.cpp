#include "data/ModalityFeatures.h"

#include "data/FeatureIo.h"

#include <numeric>

namespace momok {

int64_t ModalityFeatures::presentCount() const
{
    return std::accumulate(present.begin(), present.end(), int64_t(0));
}

ModalityFeatures imputeMissing(torch::Tensor raw, std::vector<uint8_t> present)
{
    ModalityFeatures out;
    auto values = raw.to(torch::kFloat).clone();
    auto mask = torch::from_blob(present.data(), {int64_t(present.size())}, torch::kUInt8).to(torch::kBool);
    torch::Tensor mean = mask.any().item<bool>() ? values.index({mask}).mean(0) : torch::zeros({values.size(1)});
    values.index_put_({mask.logical_not()}, mean);
    out.values = values;
    out.present = std::move(present);
    return out;
}

ModalityFeatures loadModalityFeatures(const QString &path, int64_t entityCount, QString *error)
{
    torch::Tensor raw = FeatureIo::load(path, error);
    if (!raw.defined())
        return {};
    if (!FeatureIo::checkRowCount(raw, entityCount, path, error))
        return {};
    auto nonzero = raw.abs().sum(1).gt(0).to(torch::kUInt8).contiguous();
    std::vector<uint8_t> present(nonzero.data_ptr<uint8_t>(), nonzero.data_ptr<uint8_t>() + nonzero.numel());
    return imputeMissing(raw, std::move(present));
}

} // namespace momok
