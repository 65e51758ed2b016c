#pragma once
// Checks a .pt file before LibTorch's reader sees it. A .pt file is a zip archive holding a
// pickle (data.pkl) and the tensors' raw data (data/<key>); LibTorch's unpickler trusts both:
// a storage's element count is taken from the pickle while its bytes come from the archive,
// a tensor's sizes and strides are not checked against its storage, and malformed opcode
// sequences are not all caught. So a feature file is accepted only when it is what
// torch.save and torch::pickle_save write for one tensor:
//   - an uncompressed zip (ZIP_STORED; no ZIP64, no encryption), every entry inside the file;
//   - a pickle (protocol 2) whose opcodes are the few such a file uses, checked on an abstract
//     stack: GLOBAL only names torch._utils._rebuild_tensor_v2, collections.OrderedDict and
//     torch.<Type>Storage (nothing that could run code: no os.system, no eval), REDUCE only
//     calls those with arguments of the right kinds, and the result is one tensor;
//   - every storage names an entry of the archive that holds at least its element count;
//   - the tensor's offset, sizes and strides stay inside its storage (checked again on the
//     loaded tensor by tensorFitsStorage).
// Torch-free except tensorFitsStorage.
#include <QByteArray>
#include <QString>

namespace at {
class Tensor;
}

namespace momok {

// True when the bytes are a .pt file LibTorch may read; otherwise false with *reason.
bool checkTorchFile(const QByteArray &bytes, QString *reason);

// True when every element of `tensor` (sizes, strides, offset) lies inside its storage and it
// has no more elements than the storage; otherwise false with *reason. Reads no element.
bool tensorFitsStorage(const at::Tensor &tensor, QString *reason);

} // namespace momok
