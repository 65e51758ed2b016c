#pragma once
// The model configuration on the command line (train and bench): one option per ModelConfig
// key, named by configOptionName() so that the options and the problems reported about
// them always agree.
#include "cli/CliParsing.h"
#include "model/ModelConfig.h"

#include <QString>

namespace momok {

// The option, with its dashes, that sets a ModelConfig key: "learning_rate" →
// "--learning-rate"; a switch that is on by default is turned off by "--no-NAME" ("exid" →
// "--no-exid"), one that is off is turned on by "--NAME"; the decoder switches ("use_image",
// …) are set together by "--modalities". The registration of the options uses it too.
QString configOptionName(const QString &key);

// --preset, --modalities and one option per ModelConfig key.
void addConfigOptions(CommandLine &commandLine);

// *config (already holding the command's defaults) with the preset and options applied.
// False with *error when a value is not a number, the preset or a decoder is unknown, or
// the configuration breaks a rule: then one line per problem, each naming its option.
bool configFromOptions(const CommandLine &commandLine, ModelConfig *config, QString *error);

} // namespace momok
