#include "features/FeatureMatrixFile.h"

#include "data/FeatureIo.h"

namespace momok {

bool saveFeatureMatrix(const QString &path, const FeatureMatrix &matrix, QString *error)
{
    // from_blob does not copy and save() only reads: the const_cast never writes.
    const torch::Tensor values = torch::from_blob(const_cast<float *>(matrix.values.data()), {matrix.rows, matrix.cols},
                                                  torch::kFloat);
    return FeatureIo::save(path, values, error);
}

} // namespace momok
