// Compiled only by the test ui_torch_free_check_catches_torch, with the same stand-ins for
// LibTorch's headers that momok_ui is built with: an engine header that holds LibTorch must
// stop the compiler there, or the UI's check would prove nothing.
#include "train/RunContext.h"
