#include "cli/CliApp.h"

int main(int argc, char **argv)
{
    return momok::runCli(argc, argv);
}
