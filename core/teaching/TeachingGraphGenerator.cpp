#include "teaching/TeachingGraphGenerator.h"

#include <QDir>
#include <QHash>
#include <QImage>
#include <QPainter>
#include <QPainterPath>
#include <QSaveFile>
#include <QSet>
#include <QTransform>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <numeric>

namespace momok {

namespace {

// ---- the hidden attributes ----

struct Hue {
    const char *name;
    int hue;
};
constexpr std::array<Hue, 6> kColours{{{"red", 0}, {"orange", 28}, {"yellow", 55}, {"green", 120}, {"blue", 220}, {"purple", 285}}};
constexpr std::array<const char *, 4> kShapes{"circle", "square", "triangle", "diamond"};
constexpr std::array<const char *, 3> kPatterns{"plain", "striped", "dotted"};

struct Material {
    const char *name;
    const char *phrases[2]; // two ways the texts say it
};
constexpr std::array<Material, 6> kMaterials{{{"bronze", {"bronze", "cast bronze"}},
                                              {"oak", {"oak", "carved oak"}},
                                              {"glass", {"glass", "blown glass"}},
                                              {"marble", {"marble", "polished marble"}},
                                              {"wool", {"wool", "woven wool"}},
                                              {"clay", {"clay", "fired clay"}}}};
constexpr std::array<const char *, 5> kOrigins{"Aldmere", "Brisca", "Corvath", "Dunmoor", "Estrel"};
constexpr std::array<const char *, 4> kEras{"Dawn", "Harvest", "Frost", "Lantern"};
constexpr int kGuilds = 6;
constexpr double kPi = 3.14159265358979323846;

// Words that carry no attribute: they make texts differ without giving anything away.
constexpr std::array<const char *, 12> kAdjectives{"small", "large", "old", "worn", "fine", "sturdy",
                                                   "rare", "common", "heavy", "light", "ornate", "simple"};
constexpr std::array<const char *, 6> kNouns{"piece", "object", "artefact", "item", "work", "token"};
constexpr std::array<const char *, 6> kPlaces{"north", "south", "east", "west", "upper", "lower"};
constexpr std::array<const char *, 5> kConditions{"good", "fair", "poor", "excellent", "uneven"};

// Partners per object in the pair relations. Sparse for the attribute-defined ones so that the
// graph alone does not reveal the classes; denser for the community one.
constexpr int kShapePartners = 1, kEraPartners = 1, kKnowsPartners = 3, kTradePartners = 1, kMatchPartners = 1;

// ---- a small deterministic generator (same numbers on every platform and Qt version) ----

class Rng
{
public:
    explicit Rng(quint64 seed) : m_state(seed) {}
    quint64 next()
    {
        quint64 z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, n), by rejection.
    int below(int n)
    {
        const quint64 bound = quint64(n), limit = ~quint64(0) - (~quint64(0) % bound);
        quint64 x;
        do
            x = next();
        while (x >= limit);
        return int(x % bound);
    }
    double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
    int between(int lo, int hi) { return lo + below(hi - lo + 1); }
    bool chance(double p) { return uniform() < p; }

private:
    quint64 m_state;
};

struct Object {
    QString name, displayName;
    int colour, shape, pattern, material, origin, era, guild;       // the truth (relations use it)
    int shownColour, shownShape, shownPattern;                       // what the image shows
    int shownMaterial, shownOrigin, shownEra;                        // what the text tells
};

struct Triple {
    QString head, relation, tail;
};

// ---- images ----

QPainterPath shapePath(int shape, double radius)
{
    QPainterPath path;
    switch (shape) {
    case 0:
        path.addEllipse(QPointF(0, 0), radius, radius);
        break;
    case 1:
        path.addRect(QRectF(-0.82 * radius, -0.82 * radius, 1.64 * radius, 1.64 * radius));
        break;
    case 2: {
        const double r = 1.15 * radius;
        QPolygonF triangle;
        for (int k = 0; k < 3; ++k) {
            const double a = -kPi / 2 + k * 2 * kPi / 3;
            triangle << QPointF(r * std::cos(a), r * std::sin(a) + 0.2 * radius);
        }
        path.addPolygon(triangle);
        path.closeSubpath();
        break;
    }
    default: {
        const double r = 1.1 * radius;
        path.addPolygon(QPolygonF{QPointF(0, -r), QPointF(r, 0), QPointF(0, r), QPointF(-r, 0)});
        path.closeSubpath();
        break;
    }
    }
    return path;
}

void drawPattern(QPainter &painter, int pattern, int size, const QColor &ink)
{
    painter.setPen(Qt::NoPen);
    painter.setBrush(ink);
    if (pattern == 1) {
        for (int y = 2; y < size; y += 8)
            painter.drawRect(QRectF(0, y, size, 3));
    } else if (pattern == 2) {
        for (int y = 4; y < size; y += 9)
            for (int x = 4; x < size; x += 9)
                painter.drawEllipse(QPointF(x, y), 2.4, 2.4);
    }
}

QColor fillColour(int colour, Rng &rng)
{
    const int hue = (kColours[size_t(colour)].hue + rng.between(-5, 5) + 360) % 360;
    return QColor::fromHsv(hue, rng.between(200, 255), rng.between(195, 240));
}

QImage objectImage(const Object &o, Rng &rng)
{
    constexpr int size = TeachingGraphGenerator::kImageSize;
    QImage image(size, size, QImage::Format_ARGB32);
    // A faint random background tint: the colour lives in the shape, not the canvas.
    image.fill(QColor::fromHsv(rng.below(360), rng.between(5, 25), rng.between(235, 255)));
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    const double radius = rng.between(19, 24);
    QTransform placement;
    placement.translate(size / 2.0 + rng.between(-3, 3), size / 2.0 + rng.between(-3, 3));
    placement.rotate(rng.between(-10, 10));
    const QPainterPath path = placement.map(shapePath(o.shownShape, radius));
    painter.fillPath(path, fillColour(o.shownColour, rng));
    painter.setClipPath(path);
    drawPattern(painter, o.shownPattern, size, QColor(250, 250, 250));
    painter.setClipping(false);
    painter.strokePath(path, QPen(QColor(40, 40, 40), 2));
    painter.end();
    return image;
}

QImage swatchImage(int colour, Rng &rng)
{
    constexpr int size = TeachingGraphGenerator::kImageSize;
    QImage image(size, size, QImage::Format_ARGB32);
    image.fill(fillColour(colour, rng));
    return image;
}

QImage patternImage(int pattern)
{
    constexpr int size = TeachingGraphGenerator::kImageSize;
    QImage image(size, size, QImage::Format_ARGB32);
    image.fill(QColor(128, 128, 128));
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    drawPattern(painter, pattern, size, QColor(250, 250, 250));
    return image;
}

// ---- texts ----

template <typename Array>
const char *pick(const Array &a, Rng &rng)
{
    return a[size_t(rng.below(int(a.size())))];
}

QString objectText(const Object &o, Rng &rng)
{
    const QString material = QString::fromLatin1(kMaterials[size_t(o.shownMaterial)].phrases[rng.below(2)]);
    const QString origin = QString::fromLatin1(kOrigins[size_t(o.shownOrigin)]);
    const QString era = QString::fromLatin1(kEras[size_t(o.shownEra)]);
    const QString adjective = QString::fromLatin1(pick(kAdjectives, rng));
    const QString article = QStringLiteral("aeiou").contains(adjective[0]) ? QStringLiteral("An") : QStringLiteral("A");
    const QString noun = QString::fromLatin1(pick(kNouns, rng));
    QString filler;
    switch (rng.below(3)) {
    case 0:
        filler = QStringLiteral("It is kept in the %1 hall.").arg(QString::fromLatin1(pick(kPlaces, rng)));
        break;
    case 1:
        filler = QStringLiteral("It was catalogued in %1.").arg(1850 + rng.below(170));
        break;
    default:
        filler = QStringLiteral("Its condition is %1.").arg(QString::fromLatin1(pick(kConditions, rng)));
        break;
    }
    switch (rng.below(3)) {
    case 0:
        return QStringLiteral("%7 %1 %2 made of %3. It comes from %4 and dates from the %5 era. %6")
            .arg(adjective, noun, material, origin, era, filler, article);
    case 1:
        return QStringLiteral("%7 %1 %2 of %3 from %4. Collectors date it to the %5 era. %6")
            .arg(adjective, noun, material, origin, era, filler, article);
    default:
        return QStringLiteral("%1 This %2 %3 was made of %4 in %5 during the %6 era.")
            .arg(filler, adjective, noun, material, origin, era);
    }
}

// ---- files ----

bool writeText(const QString &path, const QString &text, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error) *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    file.write(text.toUtf8());
    if (!file.commit()) {
        if (error) *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool writeImage(const QString &path, const QImage &image, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit()) {
        if (error) *error = QStringLiteral("%1: cannot write the image (%2)").arg(path, file.errorString());
        return false;
    }
    return true;
}

QString triplesText(const QVector<Triple> &triples)
{
    QString out;
    for (const Triple &t : triples)
        out += QStringLiteral("%1 %2 %3 .\n").arg(t.head, t.relation, t.tail);
    return out;
}

// Pair relation: for each object, `count` partners from the same class (per classOf); with
// probability noise a partner is any object instead. One triple per unordered pair.
void addPairs(const QString &relation, const QVector<Object> &objects, const std::function<int(const Object &)> &classOf,
              int count, double noise, Rng &rng, QVector<Triple> *out)
{
    QHash<int, QVector<int>> members;
    for (int i = 0; i < objects.size(); ++i)
        members[classOf(objects[i])].append(i);
    QSet<QPair<int, int>> seen;
    for (int i = 0; i < objects.size(); ++i) {
        const QVector<int> &same = members[classOf(objects[i])];
        for (int k = 0; k < count; ++k) {
            int j;
            if (rng.chance(noise))
                j = rng.below(int(objects.size()));
            else if (same.size() > 1)
                j = same[rng.below(int(same.size()))];
            else
                continue;
            if (j == i)
                continue;
            const QPair<int, int> pair(std::min(i, j), std::max(i, j));
            if (seen.contains(pair))
                continue;
            seen.insert(pair);
            out->append({objects[pair.first].name, relation, objects[pair.second].name});
        }
    }
}

} // namespace

QVector<QPair<QString, QString>> TeachingGraphGenerator::plantedModalities()
{
    return {{"hasColour", "I"},   {"hasPattern", "I"}, {"sameShapeAs", "I"}, {"madeOf", "T"},
            {"comesFrom", "T"},   {"sameEraAs", "T"},  {"memberOf", "S"},    {"knows", "S"},
            {"tradesWith", "S+T"}, {"matches", "I+T"}};
}

QStringList TeachingGraphGenerator::validate(const TeachingOptions &options)
{
    QStringList problems;
    if (options.entities < kMinEntities || options.entities > kMaxEntities)
        problems << QStringLiteral("entities must be between %1 and %2 (got %3)").arg(kMinEntities).arg(kMaxEntities).arg(options.entities);
    if (!(options.noise >= 0 && options.noise <= kMaxNoise))
        problems << QStringLiteral("noise must be between 0 and %1 (got %2)").arg(kMaxNoise).arg(options.noise);
    return problems;
}

bool TeachingGraphGenerator::generate(const QString &outDir, const TeachingOptions &options, TeachingSummary *summary,
                                      QString *error, Feedback *feedback)
{
    const QStringList problems = validate(options);
    if (!problems.isEmpty()) {
        if (error) *error = problems.join('\n');
        return false;
    }
    QDir dir(outDir);
    if (dir.exists() && !options.overwrite && !dir.isEmpty()) {
        if (error) *error = QStringLiteral("%1: the folder is not empty (choose an empty or new folder)").arg(outDir);
        return false;
    }
    if (!QDir().mkpath(dir.filePath(QStringLiteral("images")))) {
        if (error) *error = QStringLiteral("%1: cannot create the folder").arg(outDir);
        return false;
    }

    Rng rng(options.seed);
    const double noise = options.noise;
    const int n = options.entities;
    const int digits = int(QString::number(n).size());

    // Objects: independent attributes, so no modality can stand in for another.
    QVector<Object> objects(n);
    for (int i = 0; i < n; ++i) {
        Object &o = objects[i];
        o.name = QStringLiteral("object_%1").arg(i + 1, digits, 10, QLatin1Char('0'));
        o.displayName = QStringLiteral("Object %1").arg(i + 1);
        o.colour = rng.below(int(kColours.size()));
        o.shape = rng.below(int(kShapes.size()));
        o.pattern = rng.below(int(kPatterns.size()));
        o.material = rng.below(int(kMaterials.size()));
        o.origin = rng.below(int(kOrigins.size()));
        o.era = rng.below(int(kEras.size()));
        o.guild = rng.below(kGuilds);
        auto shown = [&](int truth, int values) { return rng.chance(noise) ? rng.below(values) : truth; };
        o.shownColour = shown(o.colour, int(kColours.size()));
        o.shownShape = shown(o.shape, int(kShapes.size()));
        o.shownPattern = shown(o.pattern, int(kPatterns.size()));
        o.shownMaterial = shown(o.material, int(kMaterials.size()));
        o.shownOrigin = shown(o.origin, int(kOrigins.size()));
        o.shownEra = shown(o.era, int(kEras.size()));
    }
    auto guildName = [](int g) { return QStringLiteral("guild_%1").arg(g + 1); };

    // Triples, relation by relation.
    QVector<Triple> triples;
    for (const Object &o : objects)
        triples.append({o.name, "hasColour", QString::fromLatin1(kColours[size_t(o.colour)].name)});
    for (const Object &o : objects)
        triples.append({o.name, "hasPattern", QString::fromLatin1(kPatterns[size_t(o.pattern)])});
    addPairs("sameShapeAs", objects, [](const Object &o) { return o.shape; }, kShapePartners, noise, rng, &triples);
    for (const Object &o : objects)
        triples.append({o.name, "madeOf", QString::fromLatin1(kMaterials[size_t(o.material)].name)});
    for (const Object &o : objects)
        triples.append({o.name, "comesFrom", QString::fromLatin1(kOrigins[size_t(o.origin)])});
    addPairs("sameEraAs", objects, [](const Object &o) { return o.era; }, kEraPartners, noise, rng, &triples);
    for (const Object &o : objects)
        triples.append({o.name, "memberOf", guildName(o.guild)});
    addPairs("knows", objects, [](const Object &o) { return o.guild; }, kKnowsPartners, noise, rng, &triples);
    addPairs("tradesWith", objects, [](const Object &o) { return o.guild * 100 + o.origin; }, kTradePartners, noise, rng,
             &triples);
    addPairs("matches", objects, [](const Object &o) { return o.colour * 100 + o.material; }, kMatchPartners, noise, rng,
             &triples);

    // Entities: objects, then the attribute values, then the guilds.
    struct Entity {
        QString name, displayName, type, text;
    };
    QVector<Entity> entities;
    for (const Object &o : objects)
        entities.append({o.name, o.displayName, "object", QString()});
    for (const Hue &c : kColours)
        entities.append({c.name, QString::fromLatin1(c.name), "colour", QString()});
    for (const char *p : kPatterns)
        entities.append({p, QString::fromLatin1(p), "pattern", QString()});
    for (const Material &m : kMaterials) {
        QString display = QString::fromLatin1(m.name);
        display[0] = display[0].toUpper();
        entities.append({m.name, display, "material", QStringLiteral("%1, a material.").arg(display)});
    }
    for (const char *origin : kOrigins)
        entities.append({origin, QString::fromLatin1(origin), "origin", QStringLiteral("%1, a region.").arg(origin)});
    for (int g = 0; g < kGuilds; ++g)
        entities.append({guildName(g), QStringLiteral("Guild %1").arg(g + 1), "guild", QString()});
    const QStringList relations{"hasColour", "hasPattern", "sameShapeAs", "madeOf",     "comesFrom",
                                "sameEraAs", "memberOf",   "knows",       "tradesWith", "matches"};

    // Split: a seeded shuffle, 10% valid, 10% test, then back to train whatever names an
    // entity that train would not otherwise contain.
    QVector<int> order(triples.size());
    std::iota(order.begin(), order.end(), 0);
    for (int i = int(order.size()) - 1; i > 0; --i)
        std::swap(order[i], order[rng.below(i + 1)]);
    const int heldEach = int(triples.size()) / 10;
    QVector<int> splitOf(triples.size(), 0);
    for (int k = 0; k < 2 * heldEach; ++k)
        splitOf[order[k]] = k < heldEach ? 1 : 2;
    QSet<QString> inTrain;
    for (int i = 0; i < triples.size(); ++i)
        if (splitOf[i] == 0) {
            inTrain.insert(triples[i].head);
            inTrain.insert(triples[i].tail);
        }
    for (int i = 0; i < triples.size(); ++i) {
        if (splitOf[i] != 0 && (!inTrain.contains(triples[i].head) || !inTrain.contains(triples[i].tail))) {
            splitOf[i] = 0;
            inTrain.insert(triples[i].head);
            inTrain.insert(triples[i].tail);
        }
    }
    QVector<Triple> parts[3];
    for (int i = 0; i < triples.size(); ++i)
        parts[splitOf[i]].append(triples[i]);

    // Texts (drawn after the split so the split does not depend on the wording).
    for (int i = 0; i < n; ++i)
        entities[i].text = objectText(objects[i], rng);

    QString entityIds, names, texts, types;
    for (int i = 0; i < entities.size(); ++i) {
        entityIds += QStringLiteral("%1 %2\n").arg(entities[i].name).arg(i);
        names += entities[i].name + '\t' + entities[i].displayName + '\n';
        types += entities[i].name + '\t' + entities[i].type + '\n';
        if (!entities[i].text.isEmpty())
            texts += entities[i].name + '\t' + entities[i].text + '\n';
    }
    QString relationIds;
    for (int r = 0; r < relations.size(); ++r)
        relationIds += QStringLiteral("%1 %2\n").arg(relations[r]).arg(r);
    QString planted;
    for (const auto &p : plantedModalities())
        planted += p.first + '\t' + p.second + '\n';

    const QString readme = QStringLiteral(
        "# Teaching graph (seed %1, %2 objects, noise %3)\n\n"
        "A generated multi-modal knowledge graph whose answer is known: each relation's\n"
        "information is planted in one modality (or two), and `planted_modalities.tsv`\n"
        "says which. Generated by `momok make-teaching`; the same seed and settings give the\n"
        "same files.\n\n"
        "## Hidden attributes\n\n"
        "Every object (`object_…`) has, drawn independently and uniformly:\n\n"
        "- visual attributes, shown only by its image (`images/<name>.png`, %4×%4, no text):\n"
        "  colour (red, orange, yellow, green, blue, purple), shape (circle, square,\n"
        "  triangle, diamond) and pattern (plain, striped, dotted);\n"
        "- textual attributes, told only by its text (`entity_text.tsv`, with filler words):\n"
        "  material (bronze, oak, glass, marble, wool, clay), origin (Aldmere, Brisca,\n"
        "  Corvath, Dunmoor, Estrel) and era (Dawn, Harvest, Frost, Lantern);\n"
        "- a guild (one of %5), shown by neither: only the graph reveals it.\n\n"
        "Colour and pattern entities have a swatch image, material and origin entities a\n"
        "one-line text, guilds nothing.\n\n"
        "## Relations and where their answer lives\n\n"
        "| relation | meaning | modalities |\n|---|---|---|\n"
        "| `hasColour` | object → its colour | I |\n"
        "| `hasPattern` | object → its pattern | I |\n"
        "| `sameShapeAs` | object ↔ object of the same shape | I |\n"
        "| `madeOf` | object → its material | T |\n"
        "| `comesFrom` | object → its origin | T |\n"
        "| `sameEraAs` | object ↔ object of the same era | T |\n"
        "| `memberOf` | object → its guild | S |\n"
        "| `knows` | object ↔ object of the same guild | S |\n"
        "| `tradesWith` | object ↔ object of the same guild and origin | S+T |\n"
        "| `matches` | object ↔ object of the same colour and material | I+T |\n\n"
        "S = structure (the graph), I = image, T = text. Symmetric relations hold one\n"
        "triple per pair; link prediction asks for both ends.\n\n"
        "## Noise\n\n"
        "With probability %3 each attribute is shown wrongly (the image or text shows a\n"
        "random value while the relations use the true one), and each pair-relation edge\n"
        "goes to a random object instead.\n\n"
        "## Files\n\n"
        "`train.txt`, `valid.txt`, `test.txt` (`HEAD RELATION TAIL .`), `entity2id.txt`,\n"
        "`relation2id.txt`, `entity_names.tsv`, `entity_text.tsv`, `entity_types.tsv`,\n"
        "`images/`, `planted_modalities.tsv` (`RELATION<TAB>MODALITIES`, several joined by `+`).\n\n"
        "%6 entities, %7 relations, %8 / %9 / %10 triples in train / valid / test: a seeded\n"
        "shuffle, a tenth each to valid and test, then back to train any triple whose\n"
        "entity would otherwise be missing from train.\n")
        .arg(options.seed).arg(n).arg(noise).arg(kImageSize).arg(kGuilds).arg(entities.size()).arg(relations.size())
        .arg(parts[0].size()).arg(parts[1].size()).arg(parts[2].size());

    auto path = [&](const QString &name) { return dir.filePath(name); };
    if (!writeText(path("train.txt"), triplesText(parts[0]), error) || !writeText(path("valid.txt"), triplesText(parts[1]), error)
        || !writeText(path("test.txt"), triplesText(parts[2]), error) || !writeText(path("entity2id.txt"), entityIds, error)
        || !writeText(path("relation2id.txt"), relationIds, error) || !writeText(path("entity_names.tsv"), names, error)
        || !writeText(path("entity_text.tsv"), texts, error) || !writeText(path("entity_types.tsv"), types, error)
        || !writeText(path("planted_modalities.tsv"), planted, error) || !writeText(path("README.md"), readme, error))
        return false;

    // Images last: the slow part, with progress and cancel.
    const int imageCount = n + int(kColours.size() + kPatterns.size());
    int done = 0;
    auto step = [&]() {
        reportProgress(feedback, {WorkStage::DrawingImages, ++done, imageCount});
        return !isCancelled(feedback);
    };
    auto imagePath = [&](const QString &name) { return dir.filePath(QStringLiteral("images/%1.png").arg(name)); };
    auto stopped = [&]() {
        if (error) *error = QStringLiteral("cancelled");
        return false;
    };
    for (const Object &o : objects) {
        if (!writeImage(imagePath(o.name), objectImage(o, rng), error))
            return false;
        if (!step())
            return stopped();
    }
    for (int c = 0; c < int(kColours.size()); ++c) {
        if (!writeImage(imagePath(QString::fromLatin1(kColours[size_t(c)].name)), swatchImage(c, rng), error))
            return false;
        if (!step())
            return stopped();
    }
    for (int p = 0; p < int(kPatterns.size()); ++p) {
        if (!writeImage(imagePath(QString::fromLatin1(kPatterns[size_t(p)])), patternImage(p), error))
            return false;
        if (!step())
            return stopped();
    }

    if (summary) {
        summary->directory = dir.absolutePath();
        summary->entityCount = int(entities.size());
        summary->relationCount = int(relations.size());
        summary->train = int(parts[0].size());
        summary->valid = int(parts[1].size());
        summary->test = int(parts[2].size());
        summary->planted = plantedModalities();
    }
    return true;
}

} // namespace momok
