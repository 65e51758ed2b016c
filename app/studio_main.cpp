#include "StudioApplication.h"

int main(int argc, char **argv)
{
    return momok::ui::runStudio(argc, argv);
}
