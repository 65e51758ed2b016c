#pragma once
// The headless `momok` command: subcommands train, eval, predict, explain, bench, …
namespace momok {
int runCli(int argc, char **argv);
}
