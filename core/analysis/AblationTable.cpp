#include "analysis/AblationTable.h"

#include "model/ModelConfig.h"

#include <QJsonValue>

#include <algorithm>

namespace momok {

namespace {

struct DesignSwitch {
    const char *key;
    const char *label;
    const char *hint;
};

// The poster's "model design" rows, in its order.
const DesignSwitch kDesign[] = {
    {"relation_temperature", "(2.1) w/o relational ε_r", "relation temperature"},
    {"gate_noise", "(2.2) w/o noise δ_m", "gate noise"},
    {"adaptive_fusion", "(2.3) w/o adaptive fusion", "adaptive fusion"},
    {"joint_training", "(2.4) w/o joint training", "joint training"},
    {"exid", "(2.5) w/o ExID", "ExID"},
};

// Settings that change how fast a run goes, not what it learns.
const char *kRuntimeKeys[] = {"threads", "device", "eval_batch_size"};

QJsonObject comparable(const QJsonObject &spec)
{
    // Outside "config": dataset and feature sources, which must match as well.
    QJsonObject outer = spec.value(QLatin1String("config")).isObject() ? spec : QJsonObject{};
    outer.remove(QStringLiteral("run_dir")); // every run has its own folder
    QJsonObject config = AblationTable::modelConfigJson(spec);
    for (const QString &k : AblationTable::ablationKeys())
        config.remove(k);
    for (const char *k : kRuntimeKeys)
        config.remove(QLatin1String(k));
    // Fill missing keys with defaults so an older record compares equal to a newer one.
    config = ModelConfig::fromJson(config).toJson();
    for (const QString &k : AblationTable::ablationKeys())
        config.remove(k);
    for (const char *k : kRuntimeKeys)
        config.remove(QLatin1String(k));
    outer.insert(QStringLiteral("config"), config);
    return outer;
}

bool isFullModel(const QJsonObject &spec)
{
    return ModelConfig::fromJson(AblationTable::modelConfigJson(spec)).isFullModel();
}

bool newer(const AblationCandidate &a, const AblationCandidate &b)
{
    return a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.runId > b.runId;
}

} // namespace

QStringList AblationTable::ablationKeys()
{
    return {"use_structure", "use_image", "use_text", "use_joint", "relation_temperature",
            "gate_noise", "adaptive_fusion", "joint_training", "exid", "experts"};
}

QJsonObject AblationTable::modelConfigJson(const QJsonObject &spec)
{
    const QJsonValue inner = spec.value(QLatin1String("config"));
    return inner.isObject() ? inner.toObject() : spec;
}

std::optional<QStringList> AblationTable::ablationDifference(const QJsonObject &specA, const QJsonObject &specB)
{
    if (comparable(specA) != comparable(specB))
        return std::nullopt;
    const QJsonObject a = ModelConfig::fromJson(modelConfigJson(specA)).toJson();
    const QJsonObject b = ModelConfig::fromJson(modelConfigJson(specB)).toJson();
    QStringList keys;
    for (const QString &k : ablationKeys())
        if (a.value(k) != b.value(k))
            keys << k;
    return keys;
}

QString AblationTable::settingLabel(const QStringList &keys, const QJsonObject &spec)
{
    const ModelConfig c = ModelConfig::fromJson(modelConfigJson(spec));
    QStringList parts;
    for (const QString &k : keys) {
        if (k == "experts") {
            parts << QStringLiteral("K = %1 experts").arg(c.experts);
            continue;
        }
        if (k == "use_structure") { parts << QStringLiteral("w/o structure decoder"); continue; }
        if (k == "use_image") { parts << QStringLiteral("w/o image decoder"); continue; }
        if (k == "use_text") { parts << QStringLiteral("w/o text decoder"); continue; }
        if (k == "use_joint") { parts << QStringLiteral("w/o joint decoder"); continue; }
        bool found = false;
        for (const DesignSwitch &s : kDesign) {
            if (k == QLatin1String(s.key)) {
                // Strip the "(2.n) " numbering: it belongs to the single-switch rows only.
                parts << QString::fromUtf8(s.label).section(' ', 1);
                found = true;
            }
        }
        if (!found)
            parts << k;
    }
    return parts.join(QStringLiteral(", "));
}

int AblationTable::chooseBaseline(const QVector<AblationCandidate> &runs)
{
    // Most partners that change one switch only (the poster's rows), then most partners, then newest.
    int best = -1;
    std::pair<int, int> bestScore{-1, -1};
    for (int i = 0; i < runs.size(); ++i) {
        const AblationCandidate &c = runs[i];
        if (!c.finished || !c.test || !isFullModel(c.spec))
            continue;
        std::pair<int, int> score{0, 0};
        for (int j = 0; j < runs.size(); ++j) {
            if (j == i || !runs[j].finished || !runs[j].test)
                continue;
            const auto diff = ablationDifference(c.spec, runs[j].spec);
            if (diff && !diff->isEmpty()) {
                score.first += diff->size() == 1 ? 1 : 0;
                ++score.second;
            }
        }
        if (score > bestScore || (score == bestScore && newer(c, runs[best]))) {
            best = i;
            bestScore = score;
        }
    }
    return best;
}

QVector<AblationRow> AblationTable::build(const QVector<AblationCandidate> &runs)
{
    QVector<AblationRow> rows;
    const int baselineIndex = chooseBaseline(runs);
    if (baselineIndex < 0)
        return rows;
    const AblationCandidate &base = runs[baselineIndex];

    AblationRow full;
    full.kind = AblationRow::Kind::FullModel;
    full.label = QStringLiteral("Full model");
    full.runId = base.runId;
    full.runName = base.name;
    full.metrics = base.test;
    rows << full;

    // Each decoder of the full model on its own: the poster's "modality contribution".
    static const char *kModalityLabels[] = {"(1.1) Structure modality", "(1.2) Image modality",
                                             "(1.3) Text modality", "(1.4) Joint modality"};
    for (int d = 0; d < 4; ++d) {
        AblationRow r;
        r.kind = AblationRow::Kind::ModalityContribution;
        r.group = QStringLiteral("Modality contribution");
        r.label = QString::fromUtf8(kModalityLabels[d]);
        r.runId = base.runId;
        r.runName = base.name;
        if (base.decoders[size_t(d)].count > 0)
            r.metrics = base.decoders[size_t(d)];
        else
            r.hint = QStringLiteral("The full model's %1 decoder did not run (no features for it?)")
                         .arg(decoderLabel(Decoder(d)).toLower());
        rows << r;
    }

    // Comparable runs grouped by the switches they change; the newest run wins a setting.
    struct Match {
        QStringList keys;
        const AblationCandidate *run;
    };
    QVector<Match> matches;
    for (const AblationCandidate &c : runs) {
        if (c.runId == base.runId || !c.finished || !c.test)
            continue;
        const auto diff = ablationDifference(base.spec, c.spec);
        if (!diff || diff->isEmpty())
            continue;
        auto existing = std::find_if(matches.begin(), matches.end(), [&](const Match &m) {
            return m.keys == *diff && settingLabel(m.keys, m.run->spec) == settingLabel(*diff, c.spec);
        });
        if (existing == matches.end())
            matches.append({*diff, &c});
        else if (newer(c, *existing->run))
            existing->run = &c;
    }

    for (const DesignSwitch &s : kDesign) {
        AblationRow r;
        r.kind = AblationRow::Kind::ModelDesign;
        r.group = QStringLiteral("Model design");
        r.label = QString::fromUtf8(s.label);
        const QStringList key{QString::fromLatin1(s.key)};
        auto it = std::find_if(matches.begin(), matches.end(), [&](const Match &m) { return m.keys == key; });
        if (it != matches.end()) {
            r.runId = it->run->runId;
            r.runName = it->run->name;
            r.metrics = it->run->test;
            matches.erase(it);
        } else {
            r.hint = QStringLiteral("Train a run like “%1” with only %2 switched off to fill this row")
                         .arg(base.name, QString::fromUtf8(s.hint));
        }
        rows << r;
    }

    std::sort(matches.begin(), matches.end(), [](const Match &a, const Match &b) {
        return settingLabel(a.keys, a.run->spec) < settingLabel(b.keys, b.run->spec);
    });
    for (const Match &m : matches) {
        AblationRow r;
        r.kind = AblationRow::Kind::Other;
        r.group = QStringLiteral("Other settings");
        r.label = settingLabel(m.keys, m.run->spec);
        r.runId = m.run->runId;
        r.runName = m.run->name;
        r.metrics = m.run->test;
        rows << r;
    }
    return rows;
}

} // namespace momok
