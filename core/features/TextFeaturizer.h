#pragma once
// Hashed TF-IDF text features, deterministic and offline: word unigrams and bigrams plus
// character 3–5-grams of each word (padded with spaces), sublinear term frequency, inverse
// document frequency over the given texts, word and character blocks weighted equally,
// folded into a fixed width by signed feature hashing and L2-normalised.
// Text is case-folded and stripped of accents first ("Tomé" and "tome" share their grams).
// Torch-free.
#include <QHash>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <vector>

namespace momok {

class TextFeaturizer
{
public:
    static constexpr int kVersion = 1;
    static constexpr int kDefaultWidth = 384;

    explicit TextFeaturizer(int width = kDefaultWidth) : m_width(width) {}
    int width() const { return m_width; }
    // Names the method and its parameters (part of the feature cache key).
    QString signature() const;

    // The hashed n-gram counts of one text; word features and character features apart.
    struct Terms {
        QHash<quint64, float> words, chars;
        bool isEmpty() const { return words.isEmpty() && chars.isEmpty(); }
    };
    static Terms analyse(const QString &text);

    // One row of width() per document, row-major; an empty document gives a zero row.
    // The IDF is computed over these documents.
    std::vector<float> weigh(const std::vector<Terms> &documents) const;

    // analyse + weigh, for convenience.
    std::vector<float> featurize(const QStringList &texts) const;

private:
    int m_width;
};

} // namespace momok
