#include "domain/Vocabulary.h"

#include <QVector>

namespace momok {

namespace {

// Looks a key up in a table of keys indexed by the enum's value.
template <typename Enum, size_t N>
std::optional<Enum> fromKey(const char *const (&keys)[N], QStringView key)
{
    for (size_t i = 0; i < N; ++i)
        if (key == QLatin1String(keys[i]))
            return Enum(i);
    return std::nullopt;
}

const char *const kModalityKeys[] = {"S", "I", "T"};
const char *const kModalityLabels[] = {"Structure", "Image", "Text"};
const char *const kDecoderKeys[] = {"S", "I", "T", "joint", "combined"};
const char *const kDecoderLabels[] = {"Structure", "Image", "Text", "Joint", "Combined"};
const char *const kSplitKeys[] = {"train", "valid", "test"};
const char *const kSplitLabels[] = {"training", "validation", "test"};
const char *const kRunStatusKeys[] = {"running", "finished", "cancelled", "failed", "interrupted"};
const char *const kRunStatusLabels[] = {"Running", "Finished", "Cancelled", "Failed", "Interrupted"};
const char *const kOutcomeKeys[] = {"finished", "cancelled", "failed"};

} // namespace

QString modalityKey(Modality m) { return QString::fromLatin1(kModalityKeys[int(m)]); }
QString modalityLabel(Modality m) { return QString::fromLatin1(kModalityLabels[int(m)]); }
std::optional<Modality> modalityFromKey(QStringView key) { return fromKey<Modality>(kModalityKeys, key); }

QString decoderKey(Decoder d) { return QString::fromLatin1(kDecoderKeys[int(d)]); }
QString decoderLabel(Decoder d) { return QString::fromLatin1(kDecoderLabels[int(d)]); }
std::optional<Decoder> decoderFromKey(QStringView key) { return fromKey<Decoder>(kDecoderKeys, key); }

std::optional<Modality> modalityOf(Decoder d)
{
    if (int(d) < kModalityCount)
        return Modality(int(d));
    return std::nullopt;
}

QStringList decoderKeys(const QVector<Decoder> &decoders)
{
    QStringList keys;
    for (Decoder d : decoders)
        keys << decoderKey(d);
    return keys;
}

QString splitName(Split split) { return QString::fromLatin1(kSplitKeys[int(split)]); }
QString splitLabel(Split split) { return QString::fromLatin1(kSplitLabels[int(split)]); }
std::optional<Split> splitFromName(QStringView name) { return fromKey<Split>(kSplitKeys, name); }

QString runStatusName(RunStatus status) { return QString::fromLatin1(kRunStatusKeys[int(status)]); }
QString runStatusLabel(RunStatus status) { return QString::fromLatin1(kRunStatusLabels[int(status)]); }
std::optional<RunStatus> runStatusFromName(QStringView name) { return fromKey<RunStatus>(kRunStatusKeys, name); }

QString outcomeName(Outcome outcome) { return QString::fromLatin1(kOutcomeKeys[int(outcome)]); }

bool runStoppedEarly(RunStatus status)
{
    return status == RunStatus::Cancelled || status == RunStatus::Interrupted;
}

RunStatus runStatusAfter(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Finished: return RunStatus::Finished;
    case Outcome::Cancelled: return RunStatus::Cancelled;
    case Outcome::Failed: break;
    }
    return RunStatus::Failed;
}

} // namespace momok
