#include "runtime/SgemmBenchmark.h"

#include "runtime/Gemm.h"

#include <torch/torch.h>

#include <QElapsedTimer>

#include <algorithm>
#include <vector>

namespace momok {

double measureSgemmGflops(SgemmPath path)
{
    torch::NoGradGuard noGrad;
    const int64_t n = 2048;
    auto a = torch::randn({n, n}), b = torch::randn({n, n});
    auto c = torch::empty({n, n});
    auto product = [&] {
        if (path == SgemmPath::Engine)
            gemmInto(c, a, b);
        else
            torch::mm_out(c, a, b);
    };
    product(); // warm up
    std::vector<double> rates;
    for (int i = 0; i < 5; ++i) {
        QElapsedTimer t;
        t.start();
        product();
        rates.push_back(2.0 * n * n * n / (double(t.nsecsElapsed()) / 1e9) / 1e9);
    }
    std::sort(rates.begin(), rates.end());
    return rates[rates.size() / 2];
}

SgemmRates measureSgemmRates()
{
    SgemmRates rates;
    rates.engine = measureSgemmGflops(SgemmPath::Engine);
    rates.libTorch = gemmLibrary() == GemmLibrary::Blas ? rates.engine : measureSgemmGflops(SgemmPath::LibTorch);
    return rates;
}

} // namespace momok
