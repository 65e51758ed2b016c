#include "train/EpochProducts.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace momok {

EpochProducts countEpochProducts(const EpochShape &s)
{
    const ModelConfig &c = s.config;
    const double E = double(s.entities), Q = double(s.queries), steps = double(s.batches);
    const double K = double(c.experts), D = double(c.dim), rd = double(c.relationDim), H = double(c.fusionHeads);
    // Distinct relations of a step: at most the batch, at most all of them (an upper bound).
    const double distinct = std::min(double(s.directedRelations), double(c.batchSize));
    constexpr double kPasses = 3; // forward, and the two gradient products
    auto product = [](double m, double k, double n) { return kPasses * 2 * m * k * n; };

    const bool joint = s.decoders[int(Decoder::Joint)];
    // Rows of relation fusion an epoch, and so of the joint decoder's W_r: the fused relation
    // differs per query while training with fusion dropout (MoMoKModel::forwardRows).
    const double fusedRelationRows = c.fusionDropout > 0 ? Q : distinct * steps;
    EpochProducts out;
    for (Decoder d : kScoringDecoders) {
        if (!s.decoders[int(d)])
            continue;
        const std::optional<Modality> m = modalityOf(d);
        const double w = m ? double(s.widths[size_t(*m)]) : D;
        const double r = m ? rd : D;
        const double scores = product(Q, w, E), perQueryCore = product(Q, w, w); // x·Cᵀ, x·W_r
        const double perRelationCore = product(distinct * steps, r, w * w);      // W_r = r·W
        out.scoring += scores;
        out.core += perQueryCore + (m ? perRelationCore : product(fusedRelationRows, r, w * w));
        out.dominantOnly += scores + perQueryCore + perRelationCore;
    }
    // Estimators exist with ExID and two experts or more; the bound joins the loss only with μ > 0,
    // the estimators are fitted either way (Trainer's step).
    const bool fitted = c.exid && c.experts >= 2, bounded = fitted && c.mu > 0;
    for (Modality m : kModalities) {
        const double w = double(s.widths[size_t(m)]);
        // A modality feeds its adaptor when its decoder or the joint decoder is trained.
        if (w <= 0 || !(s.decoders[int(decoderOf(m))] || joint))
            continue;
        const double candidateRows = E * steps;
        out.experts += product(candidateRows, w, K * w) + product(Q, w, K * w);
        out.experts += product(candidateRows + Q, w, (c.gateNoise ? 2 : 1) * K); // gate (and noise) logits
        out.dominantOnly += product(candidateRows, w, K * w);
        if (joint) {
            out.fusion += H * product(candidateRows + Q, w, D); // each head projects each modality
            out.fusion += H * product(fusedRelationRows, rd, D);
        }
        if (fitted) {
            // Q_θ: two MLPs (mean, log-variance), w → w/2 → w, on one expert's output.
            const double h = std::max(1.0, std::floor(w / 2));
            const double mlps = 2 * (2 * Q * w * h + 2 * Q * h * w); // forward FLOPs of both
            if (bounded)
                out.estimator += kPasses * mlps;       // the bound, in the main step
            out.estimator += 2 * Q * w * K * w;        // the experts again, without gradients, for the fit
            out.estimator += mlps + mlps / 2 + mlps;   // the fit: forward, then ∂W of both layers and ∂h
        }
    }
    return out;
}

} // namespace momok
