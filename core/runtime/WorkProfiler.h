#pragma once
// Where a training epoch or an evaluation spends its time, grouped by what the maths does
// (`momok bench --profile`). Torch-free header.
//
// The engine marks its sections with ProfileScope; while a WorkProfiler is recording on
// the same thread, every LibTorch operator and every backward step is charged to a
// section, exclusively (a nested scope or operator takes its time out of its parent's):
// - an operator runs in the innermost open scope, except allocations (empty, zeros,
//   resize) which count as Allocation wherever they happen;
// - a backward step is charged to the scope its forward operation ran in (autograd's
//   sequence numbers tie the two), so each section shows forward and backward together;
// - matrix products count their FLOPs from the operands' shapes; hand-written kernels
//   add theirs with profileFlop().
// Without a recording profiler a ProfileScope costs one thread-local read.
#include <QJsonObject>
#include <QString>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

namespace momok {

enum class ProfileSection {
    DataPreparation, // batch assembly: queries, labels, index tensors
    ExpertsAndGates, // the modality experts, their gates and the relation temperature
    Fusion,          // adaptive fusion of the modalities (entity and relation)
    CoreProducts,    // W_r = r·W and x·W_r with the per-query relation matrices
    NormsAndDropout, // the decoders' batch norms and dropouts
    EntityScoring,   // x·Cᵀ against every candidate entity, and its two gradient products
    Loss,            // the element-wise loss and its gradient over the B×E scores
    Ranking,         // evaluation: the joint decision and the filtered ranks
    Estimator,       // ExID: the CLUB bound and the estimators' own fitting
    Optimiser,       // gradient accumulation, zeroing and the Adam steps
    Allocation,      // empty/zeros/resize: memory the step asks for
    Other,           // autograd bookkeeping and whatever runs outside a section
};
constexpr int kProfileSectionCount = int(ProfileSection::Other) + 1;

QString profileSectionLabel(ProfileSection section);

struct ProfileFigures {
    double seconds = 0;  // exclusive wall time
    double flop = 0;     // matrix-product and kernel FLOPs
    int64_t calls = 0;   // operators and backward steps charged
};

// One operator (or backward step) within one section.
struct ProfiledOperator {
    QString name; // e.g. "aten::addmm", "MmBackward0"
    ProfileSection section = ProfileSection::Other;
    ProfileFigures figures;
};

struct ProfileReport {
    std::array<ProfileFigures, kProfileSectionCount> sections{};
    std::vector<ProfiledOperator> operators; // by exclusive time, longest first
    double wallSeconds = 0; // from start() to stop()
    double totalFlop() const;
    // A fixed-width table: section, seconds, share, GFLOP, GFLOP/s and the share of
    // `sgemmGflops` (the machine's measured product rate) each achieved.
    QString table(double sgemmGflops) const;
    // The `count` operators with the longest exclusive time, in the same columns.
    QString operatorTable(int count, double sgemmGflops) const;
    // {"wall_seconds": …, "sections": [{"section", "label", "seconds", "gflop", "calls"}…]}
    QJsonObject toJson() const;
};

// Marks the code it lives in as one section (nesting is allowed: the inner one wins).
class ProfileScope
{
public:
    explicit ProfileScope(ProfileSection section);
    ~ProfileScope();
    ProfileScope(const ProfileScope &) = delete;
    ProfileScope &operator=(const ProfileScope &) = delete;

private:
    bool m_active;
};

// Adds FLOPs to the innermost open section of the recording profiler (no-op otherwise).
void profileFlop(double flop);
// Whether a profiler records on this thread (it follows that thread alone).
bool profilerRecording();

// Records on the thread that calls start() until stop(); one profiler at a time.
class WorkProfiler
{
public:
    WorkProfiler();
    ~WorkProfiler();
    void start();
    ProfileReport stop();

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace momok
