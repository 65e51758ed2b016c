#include "cli/CliApp.h"

int main(int argc, char **argv)
{
    // runCli sets the thread pools' waiting policies for the commands that compute at length.
    return momok::runCli(argc, argv);
}
