#include "cli/ConfigOptions.h"

#include "data/DatasetReader.h"
#include "domain/Vocabulary.h"

#include <QDir>
#include <QFileInfo>

#include <QJsonObject>

namespace momok {

namespace {

const QString kModalitiesOption = QStringLiteral("modalities");
const QString kPresetOption = QStringLiteral("preset");
const QString kPaperDatasetOption = QStringLiteral("paper-dataset");
const QString kPaperPreset = QStringLiteral("paper");

// The ModelConfig keys of the decoder switches, which --modalities sets.
QString decoderSwitchKey(Decoder decoder)
{
    switch (decoder) {
    case Decoder::Structure: return QStringLiteral("use_structure");
    case Decoder::Image: return QStringLiteral("use_image");
    case Decoder::Text: return QStringLiteral("use_text");
    case Decoder::Joint: return QStringLiteral("use_joint");
    case Decoder::Combined: break;
    }
    return {};
}

bool isDecoderSwitch(const QString &key)
{
    for (Decoder decoder : kScoringDecoders)
        if (decoderSwitchKey(decoder) == key)
            return true;
    return false;
}

QString scoringDecoderList()
{
    QStringList keys;
    for (Decoder decoder : kScoringDecoders)
        keys << decoderKey(decoder);
    return keys.join(QStringLiteral(", "));
}

// The option's name without its dashes, as QCommandLineParser knows it.
QString bareOptionName(const QString &key)
{
    return configOptionName(key).mid(2);
}

// ---- the configuration from the options ----

// Sets the JSON value of every key whose option was given; false on a value that is not a number.
bool applyValueOptions(const CommandLine &commandLine, QJsonObject *json, QString *error)
{
    for (auto it = json->begin(); it != json->end(); ++it) {
        if (isDecoderSwitch(it.key()))
            continue;
        const QString name = bareOptionName(it.key());
        if (!commandLine.isSet(name))
            continue;
        if (it.value().isBool()) {
            // --no-NAME turns off a switch that defaults on, --NAME turns on one that defaults off.
            it.value() = !name.startsWith(QLatin1String("no-"));
            continue;
        }
        const QString text = commandLine.value(name);
        if (it.value().isString()) {
            it.value() = text;
            continue;
        }
        bool ok = false;
        const double number = text.toDouble(&ok);
        if (!ok) {
            *error = QStringLiteral("--%1: '%2' is not a number").arg(name, text);
            return false;
        }
        it.value() = number;
    }
    return true;
}

bool applyModalities(const CommandLine &commandLine, QJsonObject *json, QString *error)
{
    if (!commandLine.isSet(kModalitiesOption))
        return true;
    QVector<Decoder> wanted;
    for (const QString &key : commandLine.value(kModalitiesOption).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const std::optional<Decoder> decoder = decoderFromKey(key.trimmed());
        if (!decoder || *decoder == Decoder::Combined) {
            *error = QStringLiteral("--%1: unknown decoder '%2' (use %3)").arg(kModalitiesOption, key, scoringDecoderList());
            return false;
        }
        wanted << *decoder;
    }
    for (Decoder decoder : kScoringDecoders)
        json->insert(decoderSwitchKey(decoder), wanted.contains(decoder));
    return true;
}

} // namespace

QString configOptionName(const QString &key)
{
    if (isDecoderSwitch(key))
        return QStringLiteral("--") + kModalitiesOption;
    const QString name = QString(key).replace(QLatin1Char('_'), QLatin1Char('-'));
    const QJsonValue byDefault = ModelConfig().toJson().value(key);
    if (byDefault.isBool() && byDefault.toBool())
        return QStringLiteral("--no-") + name;
    return QStringLiteral("--") + name;
}

void addConfigOptions(CommandLine &commandLine)
{
    const QJsonObject defaults = ModelConfig().toJson();
    for (auto it = defaults.begin(); it != defaults.end(); ++it) {
        if (isDecoderSwitch(it.key()))
            continue; // one --modalities option below
        const QString name = bareOptionName(it.key());
        if (!it.value().isBool())
            commandLine.addOption({name, QStringLiteral("default %1").arg(it.value().toVariant().toString()),
                                   QStringLiteral("VALUE")});
        else if (it.value().toBool())
            commandLine.addOption({name, QStringLiteral("ablation: turn off %1").arg(it.key())});
        else
            commandLine.addOption({name, QStringLiteral("turn on %1").arg(it.key())});
    }
    commandLine.addOption({kModalitiesOption,
                           QStringLiteral("decoders to use, comma separated among %1 (default all)").arg(scoringDecoderList()),
                           QStringLiteral("LIST")});
    commandLine.addOption({kPresetOption, QStringLiteral("start from a preset: ") + ModelConfig::presetNames().join(", "),
                           QStringLiteral("NAME")});
    QStringList paperKeys;
    for (PaperDataset d : kPaperDatasets)
        paperKeys << paperDatasetKey(d);
    commandLine.addOption({kPaperDatasetOption,
                           QStringLiteral("with --preset paper: the setting of this paper dataset (%1); "
                                          "default: recognised from the dataset").arg(paperKeys.join(", ")),
                           QStringLiteral("NAME")});
}

QStringList givenConfigOptions(const CommandLine &commandLine)
{
    QStringList given;
    for (const QString &name : {kPresetOption, kPaperDatasetOption, kModalitiesOption})
        if (commandLine.isSet(name))
            given << QStringLiteral("--") + name;
    const QJsonObject defaults = ModelConfig().toJson();
    for (auto it = defaults.begin(); it != defaults.end(); ++it)
        if (!isDecoderSwitch(it.key()) && commandLine.isSet(bareOptionName(it.key())))
            given << configOptionName(it.key());
    return given;
}

bool resolvePaperDataset(const CommandLine &commandLine, const QString &datasetDir,
                         std::optional<PaperDataset> *dataset, QString *note, QString *error)
{
    dataset->reset();
    const bool paper = commandLine.value(kPresetOption) == kPaperPreset;
    if (commandLine.isSet(kPaperDatasetOption)) {
        const QString name = commandLine.value(kPaperDatasetOption);
        if (!paper) {
            *error = QStringLiteral("--%1: only with --preset paper").arg(kPaperDatasetOption);
            return false;
        }
        *dataset = paperDatasetFromKey(name);
        if (!*dataset) {
            QStringList keys;
            for (PaperDataset d : kPaperDatasets)
                keys << paperDatasetKey(d);
            *error = QStringLiteral("--%1: '%2' is none of the paper's datasets (%3)")
                         .arg(kPaperDatasetOption, name, keys.join(", "));
            return false;
        }
        *note = QStringLiteral("paper setting of %1 (--%2)").arg(paperDatasetKey(**dataset), kPaperDatasetOption);
        return true;
    }
    if (!paper)
        return true;
    const QString folderName = QFileInfo(QDir::cleanPath(datasetDir)).fileName();
    if ((*dataset = paperDatasetFromKey(folderName))) {
        *note = QStringLiteral("paper setting of %1 (by the folder's name)").arg(paperDatasetKey(**dataset));
        return true;
    }
    const DatasetLoadResult loaded = DatasetReader::read(datasetDir);
    if (loaded.dataset)
        *dataset = recognisePaperDataset(folderName, loaded.dataset->entityCount(), loaded.dataset->relationCount());
    *note = *dataset ? QStringLiteral("paper setting of %1 (by its entity and relation counts)").arg(paperDatasetKey(**dataset))
                     : QStringLiteral("%1 is none of the paper's datasets (by name or by entity and relation counts): "
                                      "the paper's schedule on the reference's defaults; --%2 chooses one")
                           .arg(QDir::toNativeSeparators(datasetDir), kPaperDatasetOption);
    return true;
}

bool configFromOptions(const CommandLine &commandLine, ModelConfig *config, QString *error,
                       std::optional<PaperDataset> paperDataset)
{
    const QString preset = commandLine.value(kPresetOption);
    if (preset == kPaperPreset && paperDataset) {
        *config = paperConfig(*paperDataset);
    } else if (commandLine.isSet(kPresetOption) && !ModelConfig::applyPreset(preset, config)) {
        *error = QStringLiteral("--%1: unknown preset '%2' (choose from %3)")
                     .arg(kPresetOption, preset, ModelConfig::presetNames().join(", "));
        return false;
    }
    QJsonObject json = config->toJson();
    if (!applyValueOptions(commandLine, &json, error) || !applyModalities(commandLine, &json, error))
        return false;
    *config = ModelConfig::fromJson(json);
    const QVector<ConfigProblem> problems = config->validate();
    if (problems.isEmpty())
        return true;
    QStringList lines;
    for (const ConfigProblem &p : problems)
        lines << QStringLiteral("%1: %2").arg(configOptionName(p.setting), p.message);
    *error = QStringLiteral("invalid settings:\n  ") + lines.join(QStringLiteral("\n  "));
    return false;
}

} // namespace momok
