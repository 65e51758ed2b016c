#pragma once
// The engine's vocabulary, defined once and used by every layer (engine, storage, CLI, UI):
// modalities, decoders, dataset splits, run status and the outcome of a long job. Each is a
// type with one stable key (what files, the database and the command line spell) and one
// display label (what people read). Torch-free, widget-free.
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QStringView>

#include <array>
#include <optional>

namespace momok {

// ---- modalities ----

// The three modalities an entity can carry. Indexes are stable: they lay out tables
// ([relation][modality][expert]) and checkpoints.
enum class Modality { Structure = 0, Image = 1, Text = 2 };
constexpr int kModalityCount = 3;
constexpr std::array<Modality, kModalityCount> kModalities{Modality::Structure, Modality::Image, Modality::Text};

QString modalityKey(Modality m);   // "S", "I", "T"
QString modalityLabel(Modality m); // "Structure", "Image", "Text"
std::optional<Modality> modalityFromKey(QStringView key);

// ---- decoders ----

// The four scoring decoders (one per modality plus the joint one) and their joint decision
// ("combined": what predictions rank by). The first kScoringDecoderCount are the ones the
// model computes; Combined is derived from them.
enum class Decoder { Structure = 0, Image = 1, Text = 2, Joint = 3, Combined = 4 };
constexpr int kDecoderCount = 5;
constexpr int kScoringDecoderCount = 4;
constexpr std::array<Decoder, kScoringDecoderCount> kScoringDecoders{Decoder::Structure, Decoder::Image, Decoder::Text,
                                                                     Decoder::Joint};
constexpr std::array<Decoder, kDecoderCount> kDecoders{Decoder::Structure, Decoder::Image, Decoder::Text,
                                                       Decoder::Joint, Decoder::Combined};

QString decoderKey(Decoder d);   // "S", "I", "T", "joint", "combined"
QString decoderLabel(Decoder d); // "Structure", "Image", "Text", "Joint", "Combined"
std::optional<Decoder> decoderFromKey(QStringView key);
constexpr Decoder decoderOf(Modality m) { return Decoder(int(m)); }
// The modality a per-modality decoder reads; nullopt for Joint and Combined.
std::optional<Modality> modalityOf(Decoder d);
// Keys of the given decoders, in the order given: {"S", "joint"} → "S joint" when joined.
QStringList decoderKeys(const QVector<Decoder> &decoders);

// ---- splits ----

enum class Split { Train = 0, Valid = 1, Test = 2 };
constexpr std::array<Split, 3> kSplits{Split::Train, Split::Valid, Split::Test};
QString splitName(Split split);  // "train", "valid", "test": the key
QString splitLabel(Split split); // "training", "validation", "test"
std::optional<Split> splitFromName(QStringView name);

// ---- runs and jobs ----

// Lifecycle of a training run. Stored as its key so the database stays readable.
enum class RunStatus { Running, Finished, Cancelled, Failed, Interrupted };
QString runStatusName(RunStatus status);  // "running", "finished", …: the key
QString runStatusLabel(RunStatus status); // "Running", "Finished", …
std::optional<RunStatus> runStatusFromName(QStringView name);
// Cancelled or interrupted: stopped before its last epoch, so it resumes from its last checkpoint.
bool runStoppedEarly(RunStatus status);

// How a long job (training, feature extraction, teaching-graph generation) ended.
enum class Outcome { Finished, Cancelled, Failed };
QString outcomeName(Outcome outcome); // "finished", "cancelled", "failed"
// The run status a run is left in when its training ended with this outcome.
RunStatus runStatusAfter(Outcome outcome);

} // namespace momok

// Carried by queued signals between the training thread and the UI.
Q_DECLARE_METATYPE(momok::Decoder)
Q_DECLARE_METATYPE(momok::Outcome)
Q_DECLARE_METATYPE(momok::RunStatus)
