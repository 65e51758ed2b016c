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
    // The fused relation differs per query while training with fusion dropout (ModalityFusion).
    const double jointRelationRows = c.fusionDropout > 0 ? Q : distinct * steps;
    EpochProducts out;
    for (Decoder d : kScoringDecoders) {
        if (!s.decoders[int(d)])
            continue;
        const std::optional<Modality> m = modalityOf(d);
        const double w = m ? double(s.widths[size_t(*m)]) : D;
        const double r = m ? rd : D;
        out.scoring += product(Q, w, E);
        out.core += product(Q, w, w); // x·W_r
        out.core += product(m ? distinct * steps : jointRelationRows, r, w * w); // W_r = r·W
        out.dominantOnly += product(Q, w, E) + product(Q, w, w) + product(distinct * steps, r, w * w);
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
            out.fusion += H * product(c.fusionDropout > 0 ? Q : distinct * steps, rd, D);
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
