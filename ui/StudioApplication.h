#pragma once
namespace momok::ui {
// Builds the QApplication, configures the compute back end and shows the main window.
int runStudio(int argc, char **argv);
}
