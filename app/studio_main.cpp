#include "runtime/ComputeEnvironment.h"
#include "StudioApplication.h"

int main(int argc, char **argv)
{
    momok::prepareProcessEnvironment(argv);
    return momok::ui::runStudio(argc, argv);
}
