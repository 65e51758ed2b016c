#include "runtime/ComputeEnvironment.h"
#include "cli/CliApp.h"

int main(int argc, char **argv)
{
    momok::prepareProcessEnvironment(argv);
    return momok::runCli(argc, argv);
}
