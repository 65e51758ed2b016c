#include "train/RunDescription.h"

#include "domain/Plural.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QRegularExpression>

namespace momok {

namespace {

using Kind = FeatureSource::Kind;

QString sourceText(const FeatureSource &s, bool extract)
{
    switch (s.kind) {
    case Kind::Unknown: return extract ? QStringLiteral("extracted if present") : QStringLiteral("none");
    case Kind::None: return QStringLiteral("none");
    case Kind::File: return QStringLiteral("file %1").arg(QFileInfo(s.detail).fileName());
    case Kind::Extracted: return QStringLiteral("extracted (%1)").arg(extractionMethodLabel(s.detail));
    case Kind::Random: return QStringLiteral("random");
    }
    return {};
}

} // namespace

QString extractionMethodLabel(const QString &signature)
{
    static const QRegularExpression head(QStringLiteral("^[A-Za-z][A-Za-z-]*[A-Za-z]"));
    static const QRegularExpression version(QStringLiteral("/v(\\d+)$"));
    const QString name = head.match(signature).captured(0);
    const QRegularExpressionMatch v = version.match(signature);
    if (name.isEmpty())
        return signature;
    return v.hasMatch() ? QStringLiteral("%1 v%2").arg(name, v.captured(1)) : name;
}

QString RunDescription::featuresText() const
{
    if (image.kind == text.kind && image.kind != Kind::File) {
        switch (image.kind) {
        case Kind::Unknown:
            return extractFeatures ? QStringLiteral("image and text extracted where present")
                                   : QStringLiteral("no image/text features");
        case Kind::None: return QStringLiteral("no image/text features");
        case Kind::Random: return QStringLiteral("random features");
        case Kind::Extracted:
            return QStringLiteral("image and text extracted (%1, %2)")
                .arg(extractionMethodLabel(image.detail), extractionMethodLabel(text.detail));
        case Kind::File: break;
        }
    }
    return QStringLiteral("image %1, text %2").arg(sourceText(image, extractFeatures), sourceText(text, extractFeatures));
}

QString RunDescription::summary() const
{
    QStringList parts;
    parts << decoderKeys(decoders).join(QLatin1Char(' '));
    parts << QStringLiteral("K=%1").arg(experts) << QStringLiteral("d=%1").arg(dim) << counted(epochs, QStringLiteral("epoch(s)"));
    parts << ablations;
    parts << featuresText();
    return parts.join(QStringLiteral(" · "));
}

QJsonObject RunDescription::toJson() const
{
    auto source = [](const FeatureSource &s) {
        QJsonObject o{{"kind", FeatureSource::kindKey(s.kind)}};
        if (s.kind == Kind::Extracted) {
            o.insert("method", extractionMethodLabel(s.detail));
            o.insert("signature", s.detail);
        } else if (s.kind == Kind::File) {
            o.insert("path", s.detail);
        }
        return o;
    };
    return {{"decoders", QJsonArray::fromStringList(decoderKeys(decoders))},
            {"image_features", source(image)},
            {"text_features", source(text)},
            {"ablations", QJsonArray::fromStringList(ablations)},
            {"experts", experts},
            {"dim", dim},
            {"epochs", epochs},
            {"full_model", fullModel},
            {"summary", summary()}};
}

RunDescription describeRun(const QJsonObject &runJson)
{
    const bool isRunSpec = runJson.value(QLatin1String("config")).isObject();
    const RunSpec spec = isRunSpec ? RunSpec::fromJson(runJson) : RunSpec{};
    const ModelConfig c = isRunSpec ? spec.config : ModelConfig::fromJson(runJson);

    RunDescription d;
    d.image = spec.imageSource;
    d.text = spec.textSource;
    d.extractFeatures = spec.extractFeatures;
    if (isRunSpec && d.image.kind == Kind::Unknown) {
        // Written before sources were recorded: what the record itself says.
        auto given = [&spec](const QString &file) {
            if (spec.randomFeatures) return FeatureSource{Kind::Random, {}};
            if (!file.isEmpty()) return FeatureSource{Kind::File, file};
            return FeatureSource{spec.extractFeatures ? Kind::Unknown : Kind::None, {}};
        };
        d.image = given(spec.imageFeatures);
        d.text = given(spec.textFeatures);
    }
    // A modality without features has no decoder, whatever its switch says.
    for (Decoder decoder : c.activeDecoders()) {
        if ((decoder == Decoder::Image && d.image.kind == Kind::None)
            || (decoder == Decoder::Text && d.text.kind == Kind::None))
            continue;
        d.decoders << decoder;
    }
    if (!c.relationTemperature) d.ablations << QStringLiteral("w/o ε_r");
    if (!c.gateNoise) d.ablations << QStringLiteral("w/o noise δ");
    if (!c.adaptiveFusion) d.ablations << QStringLiteral("w/o adaptive fusion");
    if (!c.jointTraining) d.ablations << QStringLiteral("w/o joint training");
    if (!c.exid) d.ablations << QStringLiteral("w/o ExID");
    if (!c.fineTuneFeatures) d.ablations << QStringLiteral("fixed feature tables");
    d.experts = c.experts;
    d.dim = c.dim;
    d.epochs = c.epochs;
    d.fullModel = c.isFullModel();
    return d;
}

} // namespace momok
