#pragma once
// Precompiled for momok_core: LibTorch's umbrella header is the slow part of every TU.
#include <torch/torch.h>
#include <QtCore>
