#include "runtime/WorkProfiler.h"

#include <ATen/SequenceNumber.h>
#include <ATen/core/ivalue.h>
#include <ATen/record_function.h>

#include <QJsonArray>
#include <QTextStream>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace momok {

namespace {

int64_t nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

struct Frame {
    ProfileSection section;
    int64_t startNs;
    std::string op; // empty for a ProfileScope
    int64_t childNs = 0;
};

// The recording state of the profiling thread. Scopes and operators push frames; a
// frame's exclusive time (its own minus its children's) goes to its section.
struct Recording {
    std::array<ProfileFigures, kProfileSectionCount> figures{};
    std::map<std::pair<ProfileSection, std::string>, ProfileFigures> operators;
    std::vector<Frame> frames;
    std::vector<ProfileSection> scopes; // the open ProfileScopes, innermost last
    // (sequence number, section of the innermost scope from then on): which scope each
    // autograd node was created in, so that its backward step is charged there.
    std::vector<std::pair<uint64_t, ProfileSection>> transitions;

    ProfileSection current() const { return frames.empty() ? ProfileSection::Other : frames.back().section; }

    void push(ProfileSection section, std::string op = {}) { frames.push_back({section, nowNs(), std::move(op)}); }

    void pop()
    {
        if (frames.empty())
            return;
        const Frame frame = frames.back();
        frames.pop_back();
        const int64_t elapsed = nowNs() - frame.startNs;
        const double exclusive = double(elapsed - frame.childNs) / 1e9;
        ProfileFigures &f = figures[size_t(frame.section)];
        f.seconds += exclusive;
        ++f.calls;
        if (!frame.op.empty()) {
            ProfileFigures &o = operators[{frame.section, frame.op}];
            o.seconds += exclusive;
            ++o.calls;
        }
        if (!frames.empty())
            frames.back().childNs += elapsed;
    }

    void noteScopeChange()
    {
        const ProfileSection section = scopes.empty() ? ProfileSection::Other : scopes.back();
        const uint64_t seq = at::sequence_number::peek();
        if (!transitions.empty() && transitions.back().first == seq)
            transitions.back().second = section;
        else
            transitions.emplace_back(seq, section);
    }

    ProfileSection sectionOfNode(int64_t seq) const
    {
        if (seq < 0) // AccumulateGrad: a gradient added into a parameter's .grad
            return ProfileSection::Optimiser;
        auto it = std::upper_bound(transitions.begin(), transitions.end(), uint64_t(seq),
                                   [](uint64_t s, const auto &t) { return s < t.first; });
        return it == transitions.begin() ? ProfileSection::Other : std::prev(it)->second;
    }
};

thread_local Recording *t_recording = nullptr;

bool isAllocation(const char *name)
{
    static const char *const kNames[] = {"aten::empty",     "aten::empty_like", "aten::empty_strided",
                                         "aten::zeros",     "aten::zeros_like", "aten::resize_",
                                         "aten::new_empty", "aten::new_zeros"};
    for (const char *n : kNames)
        if (std::strcmp(name, n) == 0)
            return true;
    return false;
}

int64_t dim(const c10::IValue &v, int64_t i)
{
    return v.isTensor() && v.toTensor().dim() > i ? v.toTensor().size(i) : 0;
}

struct ProductShape {
    double batch = 0, m = 0, k = 0, n = 0; // batch × (m×k · k×n); batch 0: not a product
    double flop() const { return 2.0 * batch * m * k * n; }
};

// The matrix products' shapes, from their operands.
ProductShape productShape(const char *name, c10::ArrayRef<const c10::IValue> in)
{
    auto is = [&](const char *n) { return std::strcmp(name, n) == 0; };
    auto d = [&](size_t i, int64_t axis) { return double(dim(in[i], axis)); };
    if ((is("aten::mm") || is("momok::gemm")) && in.size() >= 2)
        return {1, d(0, 0), d(0, 1), d(1, 1)};
    if ((is("aten::addmm") || is("aten::addmm_")) && in.size() >= 3)
        return {1, d(1, 0), d(1, 1), d(2, 1)};
    if (is("aten::bmm") && in.size() >= 2)
        return {d(0, 0), d(0, 1), d(0, 2), d(1, 2)};
    if ((is("aten::baddbmm") || is("aten::baddbmm_")) && in.size() >= 3)
        return {d(1, 0), d(1, 1), d(1, 2), d(2, 2)};
    return {};
}

std::unique_ptr<at::ObserverContext> operatorStarted(const at::RecordFunction &fn)
{
    Recording *r = t_recording;
    if (!r)
        return nullptr;
    ProfileSection section = r->current();
    if (fn.scope() == at::RecordScope::BACKWARD_FUNCTION)
        section = r->sectionOfNode(fn.seqNr());
    else if (isAllocation(fn.name()))
        section = ProfileSection::Allocation;
    std::string label = fn.name();
    if (fn.scope() == at::RecordScope::FUNCTION) {
        const ProductShape shape = productShape(fn.name(), fn.inputs());
        if (shape.batch > 0) {
            // Products are listed by shape: the same operator runs at very different rates.
            label += ' ' + std::to_string(int64_t(shape.m)) + 'x' + std::to_string(int64_t(shape.k)) + 'x'
                + std::to_string(int64_t(shape.n));
            if (shape.batch > 1)
                label += " (x" + std::to_string(int64_t(shape.batch)) + ')';
            r->figures[size_t(section)].flop += shape.flop();
            r->operators[{section, label}].flop += shape.flop();
        }
    }
    r->push(section, std::move(label));
    return nullptr;
}

void operatorFinished(const at::RecordFunction &, at::ObserverContext *)
{
    if (Recording *r = t_recording)
        r->pop();
}

} // namespace

namespace {
// The cells both tables share: a time's share of the wall time, and a product rate's
// share of the measured sgemm rate ("-" without FLOPs).
double wallShare(double seconds, double wallSeconds) { return wallSeconds > 0 ? 100.0 * seconds / wallSeconds : 0.0; }

QString sgemmShare(double flop, double seconds, double sgemmGflops)
{
    if (flop <= 0 || seconds <= 0 || sgemmGflops <= 0)
        return QStringLiteral("-");
    return QString::number(100.0 * flop / seconds / 1e9 / sgemmGflops, 'f', 0) + QLatin1Char('%');
}
} // namespace

QString profileSectionLabel(ProfileSection section)
{
    switch (section) {
    case ProfileSection::DataPreparation: return QStringLiteral("data preparation");
    case ProfileSection::ExpertsAndGates: return QStringLiteral("experts and gates");
    case ProfileSection::Fusion: return QStringLiteral("fusion");
    case ProfileSection::CoreProducts: return QStringLiteral("core products (W_r, x·W_r)");
    case ProfileSection::NormsAndDropout: return QStringLiteral("batch norms and dropout");
    case ProfileSection::EntityScoring: return QStringLiteral("entity scoring products");
    case ProfileSection::Loss: return QStringLiteral("element-wise loss and gradient");
    case ProfileSection::Ranking: return QStringLiteral("decision and filtered ranks");
    case ProfileSection::Estimator: return QStringLiteral("ExID estimator");
    case ProfileSection::Optimiser: return QStringLiteral("optimiser and gradient sums");
    case ProfileSection::Allocation: return QStringLiteral("allocation");
    case ProfileSection::Other: return QStringLiteral("autograd and other");
    }
    return {};
}

double ProfileReport::totalFlop() const
{
    double sum = 0;
    for (const ProfileFigures &f : sections)
        sum += f.flop;
    return sum;
}

QString ProfileReport::table(double sgemmGflops) const
{
    QString text;
    QTextStream out(&text);
    auto line = [&](const QString &label, double seconds, double flop) {
        const bool rated = flop > 0 && seconds > 0;
        out << QStringLiteral("%1 %2 %3 %4 %5 %6\n")
                   .arg(label, -32)
                   .arg(seconds, 9, 'f', 3)
                   .arg(wallShare(seconds, wallSeconds), 6, 'f', 1)
                   .arg(flop / 1e9, 9, 'f', 1)
                   .arg(rated ? QString::number(flop / seconds / 1e9, 'f', 1) : QStringLiteral("-"), 8)
                   .arg(sgemmShare(flop, seconds, sgemmGflops), 7);
    };
    out << QStringLiteral("%1 %2 %3 %4 %5 %6\n")
               .arg(QStringLiteral("section"), -32)
               .arg(QStringLiteral("seconds"), 9)
               .arg(QStringLiteral("share"), 6)
               .arg(QStringLiteral("GFLOP"), 9)
               .arg(QStringLiteral("GFLOP/s"), 8)
               .arg(QStringLiteral("of sgemm"), 7);
    for (int s = 0; s < kProfileSectionCount; ++s) {
        const ProfileFigures &f = sections[size_t(s)];
        if (f.calls > 0 || f.seconds > 0)
            line(profileSectionLabel(ProfileSection(s)), f.seconds, f.flop);
    }
    line(QStringLiteral("total"), wallSeconds, totalFlop());
    return text;
}

QString ProfileReport::operatorTable(int count, double sgemmGflops) const
{
    QString text;
    QTextStream out(&text);
    out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n")
               .arg(QStringLiteral("operator (products: m×k×n)"), -36)
               .arg(QStringLiteral("section"), -24)
               .arg(QStringLiteral("seconds"), 9)
               .arg(QStringLiteral("share"), 6)
               .arg(QStringLiteral("calls"), 7)
               .arg(QStringLiteral("GFLOP"), 9)
               .arg(QStringLiteral("of sgemm"), 8);
    for (int i = 0; i < count && i < int(operators.size()); ++i) {
        const ProfiledOperator &op = operators[size_t(i)];
        out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n")
                   .arg(op.name.left(36), -36)
                   .arg(profileSectionLabel(op.section).left(24), -24)
                   .arg(op.figures.seconds, 9, 'f', 3)
                   .arg(wallShare(op.figures.seconds, wallSeconds), 6, 'f', 1)
                   .arg(op.figures.calls, 7)
                   .arg(op.figures.flop / 1e9, 9, 'f', 1)
                   .arg(sgemmShare(op.figures.flop, op.figures.seconds, sgemmGflops), 8);
    }
    return text;
}

QJsonObject ProfileReport::toJson() const
{
    static const char *const kKeys[] = {"data_preparation", "experts_and_gates", "fusion",   "core_products",
                                        "norms_and_dropout", "entity_scoring",   "loss",     "ranking",
                                        "estimator",        "optimiser",         "allocation", "other"};
    static_assert(sizeof(kKeys) / sizeof(kKeys[0]) == kProfileSectionCount, "one key per section");
    QJsonArray rows;
    for (int s = 0; s < kProfileSectionCount; ++s) {
        const ProfileFigures &f = sections[size_t(s)];
        rows.append(QJsonObject{{"section", kKeys[s]},
                                {"label", profileSectionLabel(ProfileSection(s))},
                                {"seconds", f.seconds},
                                {"gflop", f.flop / 1e9},
                                {"calls", double(f.calls)}});
    }
    return {{"wall_seconds", wallSeconds}, {"gflop", totalFlop() / 1e9}, {"sections", rows}};
}

ProfileScope::ProfileScope(ProfileSection section) : m_active(t_recording != nullptr)
{
    if (!m_active)
        return;
    t_recording->push(section);
    t_recording->scopes.push_back(section);
    t_recording->noteScopeChange();
}

ProfileScope::~ProfileScope()
{
    Recording *r = t_recording;
    if (!m_active || !r || r->scopes.empty())
        return;
    r->scopes.pop_back();
    r->noteScopeChange();
    r->pop();
}

bool profilerRecording()
{
    return t_recording != nullptr;
}

void profileFlop(double flop)
{
    if (Recording *r = t_recording)
        r->figures[size_t(r->current())].flop += flop;
}

struct WorkProfiler::Private {
    Recording recording;
    at::CallbackHandle handle = at::INVALID_CALLBACK_HANDLE;
    int64_t startNs = 0;
};

WorkProfiler::WorkProfiler() : d(std::make_unique<Private>()) {}

WorkProfiler::~WorkProfiler()
{
    if (d->handle != at::INVALID_CALLBACK_HANDLE)
        stop();
}

void WorkProfiler::start()
{
    if (d->handle != at::INVALID_CALLBACK_HANDLE)
        return;
    d->recording = Recording{};
    t_recording = &d->recording;
    d->handle = at::addThreadLocalCallback(
        at::RecordFunctionCallback(operatorStarted, operatorFinished)
            .needsInputs(true)
            .needsIds(true)
            .scopes({at::RecordScope::FUNCTION, at::RecordScope::BACKWARD_FUNCTION}));
    d->startNs = nowNs();
}

ProfileReport WorkProfiler::stop()
{
    ProfileReport report;
    if (d->handle == at::INVALID_CALLBACK_HANDLE)
        return report;
    report.wallSeconds = double(nowNs() - d->startNs) / 1e9;
    at::removeCallback(d->handle);
    d->handle = at::INVALID_CALLBACK_HANDLE;
    t_recording = nullptr;
    report.sections = d->recording.figures;
    for (const auto &[key, figures] : d->recording.operators)
        report.operators.push_back({QString::fromStdString(key.second), key.first, figures});
    std::sort(report.operators.begin(), report.operators.end(),
              [](const ProfiledOperator &a, const ProfiledOperator &b) { return a.figures.seconds > b.figures.seconds; });
    // Time outside every frame (the loop between steps, autograd's scheduling) is Other's.
    double inside = 0;
    for (const ProfileFigures &f : report.sections)
        inside += f.seconds;
    report.sections[size_t(ProfileSection::Other)].seconds += std::max(0.0, report.wallSeconds - inside);
    return report;
}

} // namespace momok
