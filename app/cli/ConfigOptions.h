#pragma once
// The model configuration on the command line (train and bench): one option per ModelConfig
// key, named by configOptionName() so that the options and the problems reported about
// them always agree.
#include "cli/CliParsing.h"
#include "model/ModelConfig.h"
#include "model/PaperSettings.h"

#include <QString>

#include <optional>

namespace momok {

// The option, with its dashes, that sets a ModelConfig key: "learning_rate" →
// "--learning-rate"; a switch that is on by default is turned off by "--no-NAME" ("exid" →
// "--no-exid"), one that is off is turned on by "--NAME"; the decoder switches ("use_image",
// …) are set together by "--modalities". The registration of the options uses it too.
QString configOptionName(const QString &key);

// --preset, --paper-dataset, --modalities and one option per ModelConfig key.
void addConfigOptions(CommandLine &commandLine);

// The options among those addConfigOptions() registers that the command line gives, with
// their dashes, in registration order ("--preset", "--dim", "--no-exid", …).
QStringList givenConfigOptions(const CommandLine &commandLine);

// The paper's dataset a --preset paper run targets: the one --paper-dataset names, else the
// dataset folder recognised by its name or, failing that, by its entity and relation counts
// (the folder is read for them). Empty without --preset paper, or when the folder is none of
// the paper's datasets. *note says which was chosen and how (or that none was). False with
// *error when --paper-dataset names no paper dataset or comes without --preset paper.
bool resolvePaperDataset(const CommandLine &commandLine, const QString &datasetDir,
                         std::optional<PaperDataset> *dataset, QString *note, QString *error);

// *config (already holding the command's defaults) with the preset and options applied;
// --preset paper takes paperDataset's setting when there is one. False with *error when a
// value is not a number, the preset or a decoder is unknown, or the configuration breaks a
// rule: then one line per problem, each naming its option.
bool configFromOptions(const CommandLine &commandLine, ModelConfig *config, QString *error,
                       std::optional<PaperDataset> paperDataset = std::nullopt);

} // namespace momok
