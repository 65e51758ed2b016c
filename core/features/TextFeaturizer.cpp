#include "features/TextFeaturizer.h"

#include <algorithm>
#include <cmath>

namespace momok {

namespace {

constexpr int kMinCharGram = 3, kMaxCharGram = 5;
constexpr quint64 kWordTag = 0x77, kBigramTag = 0x62, kCharTag = 0x63;

// FNV-1a over UTF-16 code units, started from a per-kind tag so the kinds never collide by design.
quint64 hashText(const QChar *data, qsizetype length, quint64 tag)
{
    quint64 h = 14695981039346656037ull ^ (tag * 0x9E3779B97F4A7C15ull);
    for (qsizetype i = 0; i < length; ++i) {
        const ushort u = data[i].unicode();
        h ^= u & 0xff;
        h *= 1099511628211ull;
        h ^= u >> 8;
        h *= 1099511628211ull;
    }
    return h;
}

// splitmix64's finaliser: spreads the hash before taking bucket and sign from it.
quint64 mix(quint64 x)
{
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 31;
    return x;
}

QStringList words(const QString &text)
{
    const QString folded = text.normalized(QString::NormalizationForm_KD).toCaseFolded();
    QStringList out;
    QString current;
    for (const QChar c : folded) {
        if (c.category() == QChar::Mark_NonSpacing)
            continue; // accents after decomposition
        if (c.isLetterOrNumber()) {
            current.append(c);
        } else if (!current.isEmpty()) {
            out << current;
            current.clear();
        }
    }
    if (!current.isEmpty())
        out << current;
    return out;
}

void addWeighted(const QHash<quint64, float> &terms, const QHash<quint64, int> &df, double documents, double blockWeight,
                 int width, float *row)
{
    // Sublinear tf × smooth idf, block normalised to blockWeight, then signed hashing into the row.
    std::vector<std::pair<quint64, double>> weighted;
    weighted.reserve(size_t(terms.size()));
    for (auto it = terms.constBegin(); it != terms.constEnd(); ++it) {
        const double idf = std::log((1.0 + documents) / (1.0 + df.value(it.key()))) + 1.0;
        weighted.emplace_back(it.key(), (1.0 + std::log(double(it.value()))) * idf);
    }
    // QHash's order changes from process to process: sort so the float sums are bit-identical.
    std::sort(weighted.begin(), weighted.end());
    double norm = 0;
    for (const auto &kw : weighted)
        norm += kw.second * kw.second;
    if (norm <= 0)
        return;
    const double scale = blockWeight / std::sqrt(norm);
    for (const auto &[key, w] : weighted) {
        const quint64 m = mix(key);
        const int bucket = int((m >> 1) % quint64(width));
        row[bucket] += float((m & 1) ? w * scale : -w * scale);
    }
}

} // namespace

QString TextFeaturizer::signature() const
{
    return QStringLiteral("tfidf-words1-2+chars%1-%2-signed%3/v%4").arg(kMinCharGram).arg(kMaxCharGram).arg(m_width).arg(kVersion);
}

TextFeaturizer::Terms TextFeaturizer::analyse(const QString &text)
{
    Terms terms;
    const QStringList tokens = words(text);
    for (int i = 0; i < tokens.size(); ++i) {
        const QString &w = tokens[i];
        terms.words[hashText(w.constData(), w.size(), kWordTag)] += 1;
        if (i + 1 < tokens.size()) {
            const QString bigram = w + QLatin1Char(' ') + tokens[i + 1];
            terms.words[hashText(bigram.constData(), bigram.size(), kBigramTag)] += 1;
        }
        const QString padded = QLatin1Char(' ') + w + QLatin1Char(' ');
        for (int n = kMinCharGram; n <= kMaxCharGram; ++n)
            for (int start = 0; start + n <= padded.size(); ++start)
                terms.chars[hashText(padded.constData() + start, n, kCharTag)] += 1;
    }
    return terms;
}

std::vector<float> TextFeaturizer::weigh(const std::vector<Terms> &documents) const
{
    QHash<quint64, int> df;
    double nonEmpty = 0;
    for (const Terms &d : documents) {
        if (d.isEmpty())
            continue;
        nonEmpty += 1;
        for (auto it = d.words.constBegin(); it != d.words.constEnd(); ++it)
            df[it.key()] += 1;
        for (auto it = d.chars.constBegin(); it != d.chars.constEnd(); ++it)
            df[it.key()] += 1;
    }
    std::vector<float> out(documents.size() * size_t(m_width), 0.0f);
    const double blockWeight = std::sqrt(0.5);
    for (size_t i = 0; i < documents.size(); ++i) {
        float *row = out.data() + i * size_t(m_width);
        addWeighted(documents[i].words, df, nonEmpty, blockWeight, m_width, row);
        addWeighted(documents[i].chars, df, nonEmpty, blockWeight, m_width, row);
        double norm = 0;
        for (int j = 0; j < m_width; ++j)
            norm += double(row[j]) * row[j];
        if (norm > 0) {
            const float inv = float(1.0 / std::sqrt(norm));
            for (int j = 0; j < m_width; ++j)
                row[j] *= inv;
        }
    }
    return out;
}

std::vector<float> TextFeaturizer::featurize(const QStringList &texts) const
{
    std::vector<Terms> documents;
    documents.reserve(size_t(texts.size()));
    for (const QString &t : texts)
        documents.push_back(analyse(t));
    return weigh(documents);
}

} // namespace momok
