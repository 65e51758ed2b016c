// momok-make-countries: builds the bundled "countries" dataset
// (resources/datasets/countries) from two npm packages:
//   world-countries 5.1.0 (ODbL-1.0): countries.json, facts on 250 countries
//   flag-icons 7.5.0 (MIT): flags/4x3/<cca2>.svg
// See README.md next to this file for the exact commands. The output is
// deterministic: entity order, triple order, the split (splitmix64 +
// Fisher-Yates with a fixed seed) and the PNG bytes depend only on the inputs.

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QHash>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QPainter>
#include <QRegularExpression>
#include <QSet>
#include <QSvgRenderer>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <utility>
#include <vector>

namespace {

// ---------------------------------------------------------------- constants

constexpr std::uint64_t kSplitSeed = 20240611;   // documented in the dataset README
constexpr int kImageWidth = 320, kImageHeight = 240;
constexpr int kThumbWidth = 64, kThumbHeight = 48;
// Two flags count as identical when their 64x48 thumbnails differ by less
// than kIdenticalMeanDifference on average per colour channel (0..255) AND
// at most kIdenticalOffPixels of their pixels differ by more than
// kStrongDifference in some channel. Flags drawn the same way in slightly
// different shades (no/sj) pass; similar but different flags fail one test
// (eg/iq: emblems differ; id/mc: shades of red differ). The converter prints
// the closest pair that fails.
constexpr double kIdenticalMeanDifference = 6.0;
constexpr double kIdenticalOffPixels = 0.005;
constexpr int kStrongDifference = 48;
// flag-icons draws a few territories' flags, which are their sovereign
// state's flag, with other proportions, so their pixels do not match:
// Bouvet Island flies the flag of Norway. {territory, sovereign} by cca2.
const std::pair<const char *, const char *> kSameFlagAs[] = {{"bv", "no"}};

const QString kCountry = QStringLiteral("country");
const QString kRegion = QStringLiteral("region");
const QString kSubregion = QStringLiteral("subregion");
const QString kLanguage = QStringLiteral("language");
const QString kCurrency = QStringLiteral("currency");
const QString kUnGroup = QStringLiteral("un_regional_group");

const QString kBorder = QStringLiteral("sharesBorderWith");
const QString kInRegion = QStringLiteral("locatedInRegion");
const QString kInSubregion = QStringLiteral("locatedInSubregion");
const QString kSubregionOf = QStringLiteral("subregionOf");
const QString kLanguageRel = QStringLiteral("officialLanguage");
const QString kCurrencyRel = QStringLiteral("usesCurrency");
const QString kUnGroupRel = QStringLiteral("unRegionalGroup");

const QString kSeparator = QStringLiteral(" \u00B7 ");   // " · "

[[noreturn]] void fail(const QString &message)
{
    std::fprintf(stderr, "momok-make-countries: %s\n", qPrintable(message));
    std::exit(1);
}

void info(const QString &message)
{
    std::printf("%s\n", message.toUtf8().constData());
}

// ---------------------------------------------------------------- PRNG

// splitmix64 (Steele, Lea, Flood 2014): tiny, portable, fully specified.
class SplitMix64
{
public:
    explicit SplitMix64(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next()
    {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    // Uniform in [0, n) without modulo bias (rejection sampling).
    std::uint64_t below(std::uint64_t n)
    {
        const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max()
                                    - std::numeric_limits<std::uint64_t>::max() % n;
        for (;;) {
            const std::uint64_t x = next();
            if (x < limit)
                return x % n;
        }
    }

private:
    std::uint64_t m_state;
};

// Fisher-Yates, written out so the permutation is the same everywhere.
template<typename T>
void shuffle(std::vector<T> &items, SplitMix64 &rng)
{
    for (std::size_t i = items.size(); i > 1; --i) {
        const std::size_t j = static_cast<std::size_t>(rng.below(i));
        std::swap(items[i - 1], items[j]);
    }
}

// ---------------------------------------------------------------- helpers

QString identifier(const QString &name)
{
    QString id = name.simplified();
    id.replace(QLatin1Char(' '), QLatin1Char('_'));
    return id;
}

// Every UTF-8 byte outside [A-Za-z0-9._-] becomes %XX (upper-case hex).
QString safeFileName(const QString &entity)
{
    static const char hex[] = "0123456789ABCDEF";
    QString out;
    for (const char c : entity.toUtf8()) {
        const auto b = static_cast<unsigned char>(c);
        if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')
            || b == '.' || b == '_' || b == '-') {
            out += QLatin1Char(static_cast<char>(b));
        } else {
            out += QLatin1Char('%');
            out += QLatin1Char(hex[b >> 4]);
            out += QLatin1Char(hex[b & 15]);
        }
    }
    return out;
}

qsizetype codePoints(const QString &s)
{
    return s.toUcs4().size();
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        fail(QStringLiteral("cannot read %1: %2").arg(path, f.errorString()));
    return f.readAll();
}

void writeLines(const QString &path, const QStringList &lines)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        fail(QStringLiteral("cannot write %1: %2").arg(path, f.errorString()));
    QByteArray bytes;
    for (const QString &line : lines) {
        bytes += line.toUtf8();
        bytes += '\n';
    }
    if (f.write(bytes) != bytes.size())
        fail(QStringLiteral("short write to %1").arg(path));
}

void writeBytes(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(bytes) != bytes.size())
        fail(QStringLiteral("cannot write %1: %2").arg(path, f.errorString()));
}

QString packageVersion(const QString &dir)
{
    const QJsonDocument doc = QJsonDocument::fromJson(readFile(dir + QStringLiteral("/package.json")));
    return doc.object().value(QStringLiteral("version")).toString();
}

// Picks one spelling where the data disagrees between countries (e.g. one
// currency code named "Norwegian krone" by one country and "krone" by
// another): the variant used by most countries, then the one used by the
// country with the largest area, then the smallest string.
class VariantVote
{
public:
    void add(const QString &variant, double area)
    {
        Tally &t = m_tally[variant];
        t.count += 1;
        t.maxArea = std::max(t.maxArea, area);
    }
    QString winner() const
    {
        QString best;
        const Tally *bestTally = nullptr;
        for (auto it = m_tally.cbegin(); it != m_tally.cend(); ++it) {   // QMap: sorted keys
            const Tally &t = it.value();
            if (!bestTally || t.count > bestTally->count
                || (t.count == bestTally->count && t.maxArea > bestTally->maxArea)) {
                best = it.key();
                bestTally = &t;
            }
        }
        return best;
    }

private:
    struct Tally {
        int count = 0;
        double maxArea = -1;
    };
    QMap<QString, Tally> m_tally;
};

// ---------------------------------------------------------------- model

struct Country {
    QString id, cca2, cca3;
    QString common, official;
    QStringList nativeNames;   // common and official native names, by language key
    QStringList altSpellings;
    QString region, subregion, unGroup;
    QStringList languageKeys, currencyKeys, borders;
    bool independent = false;
    double area = 0;
};

struct Entity {
    QString id, type, display, text;
};

struct Triple {
    QString head, relation, tail;
    int order = 0;   // generation order, used to write each split in a stable order
};

QStringList nonEmptyStrings(const QJsonValue &value)
{
    QStringList out;
    for (const QJsonValue &v : value.toArray()) {
        const QString s = v.toString().trimmed();
        if (!s.isEmpty())
            out << s;
    }
    return out;
}

std::vector<Country> readCountries(const QJsonArray &array)
{
    std::vector<Country> countries;
    for (const QJsonValue &v : array) {
        const QJsonObject o = v.toObject();
        const QJsonObject name = o.value(QStringLiteral("name")).toObject();
        Country c;
        c.common = name.value(QStringLiteral("common")).toString().trimmed();
        c.official = name.value(QStringLiteral("official")).toString().trimmed();
        c.id = identifier(c.common);
        // QJsonObject iterates in key order, so native names come sorted by language key.
        const QJsonObject native = name.value(QStringLiteral("native")).toObject();
        for (auto it = native.begin(); it != native.end(); ++it) {
            const QJsonObject n = it.value().toObject();
            for (const char *field : {"common", "official"}) {
                const QString s = n.value(QLatin1String(field)).toString().trimmed();
                if (!s.isEmpty())
                    c.nativeNames << s;
            }
        }
        c.altSpellings = nonEmptyStrings(o.value(QStringLiteral("altSpellings")));
        c.cca2 = o.value(QStringLiteral("cca2")).toString();
        c.cca3 = o.value(QStringLiteral("cca3")).toString();
        c.region = o.value(QStringLiteral("region")).toString().trimmed();
        c.subregion = o.value(QStringLiteral("subregion")).toString().trimmed();
        c.unGroup = o.value(QStringLiteral("unRegionalGroup")).toString().trimmed();
        c.languageKeys = o.value(QStringLiteral("languages")).toObject().keys();
        c.currencyKeys = o.value(QStringLiteral("currencies")).toObject().keys();
        c.borders = nonEmptyStrings(o.value(QStringLiteral("borders")));
        c.independent = o.value(QStringLiteral("independent")).toBool();
        c.area = o.value(QStringLiteral("area")).toDouble();
        if (c.common.isEmpty() || c.cca2.size() != 2 || c.cca3.size() != 3)
            fail(QStringLiteral("countries.json: a country without a name or code"));
        countries.push_back(c);
    }
    std::sort(countries.begin(), countries.end(),
              [](const Country &a, const Country &b) { return a.id < b.id; });
    return countries;
}

// Words that must not enter a text through an alternative spelling (e.g.
// Thailand's "Thai", Togo's "Togolese"): every country's capitals,
// demonyms, codes, domains, regions, UN group, languages and currencies,
// lower-cased.
QSet<QString> factWords(const QJsonArray &countries)
{
    QSet<QString> words;
    auto add = [&words](const QJsonValue &v) {
        const QString s = v.toString().trimmed().toLower();
        if (!s.isEmpty())
            words << s;
    };
    for (const QJsonValue &v : countries) {
        const QJsonObject o = v.toObject();
        for (const QJsonValue &capital : o.value(QStringLiteral("capital")).toArray())
            add(capital);
        for (const QJsonValue &tld : o.value(QStringLiteral("tld")).toArray())
            add(tld);
        for (const char *field : {"cca2", "cca3", "ccn3", "cioc", "region", "subregion", "unRegionalGroup", "flag"})
            add(o.value(QLatin1String(field)));
        const QJsonObject demonyms = o.value(QStringLiteral("demonyms")).toObject();
        for (auto it = demonyms.begin(); it != demonyms.end(); ++it) {
            add(it.value().toObject().value(QStringLiteral("f")));
            add(it.value().toObject().value(QStringLiteral("m")));
        }
        const QJsonObject languages = o.value(QStringLiteral("languages")).toObject();
        for (auto it = languages.begin(); it != languages.end(); ++it)
            add(it.value());
        const QJsonObject currencies = o.value(QStringLiteral("currencies")).toObject();
        for (auto it = currencies.begin(); it != currencies.end(); ++it) {
            add(it.key());
            add(it.value().toObject().value(QStringLiteral("name")));
            add(it.value().toObject().value(QStringLiteral("symbol")));
        }
    }
    return words;
}

// A country's text: its names only. No capital, demonym, code, domain,
// emoji, region, language or currency: nothing that answers a link. The
// common, official and native names are kept as they are (a city-state's
// name is its capital's); alternative spellings are kept when longer than
// three characters and not one of the fact words.
QString countryText(const Country &c, const QSet<QString> &facts)
{
    QStringList parts;
    auto add = [&parts](const QString &s) {
        if (!s.isEmpty() && !parts.contains(s))
            parts << s;
    };
    add(c.common);
    add(c.official);
    for (const QString &s : c.nativeNames)
        add(s);
    for (const QString &s : c.altSpellings) {
        if (codePoints(s) > 3 && !facts.contains(s.toLower()))
            add(s);
    }
    return parts.join(kSeparator);
}

// ---------------------------------------------------------------- SVG markers

// Qt SVG (6.4) ignores <marker>: the stars of the us and um flags are drawn
// as marker-mid on a polyline. This rewrites the SVG text: each marker
// definition is dropped and every element that references one gets a copy
// of the marker's content, translated to each vertex the marker applies to.
// Supported: markerUnits="strokeWidth" (the default), refX/refY and
// orient="0" (the default); anything else is reported.

QString attribute(const QString &attrs, const QString &name)
{
    const QRegularExpression re(QStringLiteral("(?:^|\\s)%1\\s*=\\s*\"([^\"]*)\"")
                                        .arg(QRegularExpression::escape(name)));
    const QRegularExpressionMatch m = re.match(attrs);
    return m.hasMatch() ? m.captured(1) : QString();
}

QString removeAttribute(QString attrs, const QString &name)
{
    attrs.remove(QRegularExpression(QStringLiteral("\\s%1\\s*=\\s*\"[^\"]*\"")
                                            .arg(QRegularExpression::escape(name))));
    return attrs;
}

// The vertices of an SVG path (the end point of every segment, plus the
// start of every subpath), in order.
std::vector<QPointF> pathVertices(const QString &d, bool *ok)
{
    static const QRegularExpression token(
        QStringLiteral("([MmLlHhVvZzCcSsQqTtAa])|([+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)"));
    std::vector<QPointF> vertices;
    QPointF current, subpathStart;
    QChar command;
    std::vector<double> args;
    *ok = true;
    auto arity = [](QChar c) {
        switch (c.toUpper().toLatin1()) {
        case 'M': case 'L': case 'T': return 2;
        case 'H': case 'V': return 1;
        case 'C': return 6;
        case 'S': case 'Q': return 4;
        case 'A': return 7;
        default: return 0;
        }
    };
    auto flush = [&](bool final) {
        if (command.isNull())
            return;
        const int n = arity(command);
        if (n == 0) {
            current = subpathStart;
            vertices.push_back(current);
            return;
        }
        std::size_t i = 0;
        bool first = true;
        while (i + n <= args.size()) {
            const bool rel = command.isLower();
            char c = command.toUpper().toLatin1();
            if (c == 'M' && !first)
                c = 'L';   // extra pairs after a moveto are linetos
            const QPointF base = rel ? current : QPointF();
            switch (c) {
            case 'M':
                current = base + QPointF(args[i], args[i + 1]);
                subpathStart = current;
                break;
            case 'H':
                current.setX((rel ? current.x() : 0) + args[i]);
                break;
            case 'V':
                current.setY((rel ? current.y() : 0) + args[i]);
                break;
            default:   // the last pair of the segment is its end point
                current = base + QPointF(args[i + n - 2], args[i + n - 1]);
                break;
            }
            vertices.push_back(current);
            i += n;
            first = false;
        }
        if (i != args.size() || (final && args.empty() && n > 0))
            *ok = false;
    };
    QRegularExpressionMatchIterator it = token.globalMatch(d);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        if (m.capturedLength(1) > 0) {
            flush(false);
            command = m.captured(1).at(0);
            args.clear();
        } else {
            args.push_back(m.captured(2).toDouble());
        }
    }
    flush(true);
    return vertices;
}

QByteArray expandMarkers(const QByteArray &svgBytes, const QString &label, int *expanded)
{
    QString svg = QString::fromUtf8(svgBytes);
    *expanded = 0;
    struct Marker {
        QString content;
        double refX = 0, refY = 0;
    };
    QHash<QString, Marker> markers;
    static const QRegularExpression markerRe(QStringLiteral("<marker\\b([^>]*)>(.*?)</marker>"),
                                             QRegularExpression::DotMatchesEverythingOption);
    for (QRegularExpressionMatchIterator it = markerRe.globalMatch(svg); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        const QString attrs = m.captured(1);
        for (const char *unsupported : {"viewBox", "orient", "markerUnits"}) {
            const QString value = attribute(attrs, QLatin1String(unsupported));
            if (!value.isEmpty() && value != QLatin1String("0") && value != QLatin1String("strokeWidth"))
                info(QStringLiteral("warning: %1: marker %2=\"%3\" is not supported")
                         .arg(label, QLatin1String(unsupported), value));
        }
        Marker marker;
        marker.content = m.captured(2).trimmed();
        marker.refX = attribute(attrs, QStringLiteral("refX")).toDouble();
        marker.refY = attribute(attrs, QStringLiteral("refY")).toDouble();
        markers.insert(attribute(attrs, QStringLiteral("id")), marker);
    }
    if (markers.isEmpty())
        return svgBytes;
    svg.remove(markerRe);

    static const QRegularExpression elementRe(QStringLiteral("<(path|polyline|polygon|line)\\b([^>]*?)\\s*/>"));
    static const QRegularExpression urlRe(QStringLiteral("^url\\(#([^)]+)\\)$"));
    QString out;
    qsizetype last = 0;
    for (QRegularExpressionMatchIterator it = elementRe.globalMatch(svg); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        QString attrs = m.captured(2);
        const QString start = attribute(attrs, QStringLiteral("marker-start"));
        const QString mid = attribute(attrs, QStringLiteral("marker-mid"));
        const QString end = attribute(attrs, QStringLiteral("marker-end"));
        if (start.isEmpty() && mid.isEmpty() && end.isEmpty())
            continue;
        if (m.captured(1) != QLatin1String("path"))
            fail(QStringLiteral("%1: markers on <%2> are not supported").arg(label, m.captured(1)));
        bool ok = false;
        const std::vector<QPointF> vertices = pathVertices(attribute(attrs, QStringLiteral("d")), &ok);
        if (!ok || vertices.empty())
            fail(QStringLiteral("%1: cannot parse the path that carries markers").arg(label));
        const QString sw = attribute(attrs, QStringLiteral("stroke-width"));
        const double scale = sw.isEmpty() ? 1.0 : sw.toDouble();
        for (const char *name : {"marker-start", "marker-mid", "marker-end"})
            attrs = removeAttribute(attrs, QLatin1String(name));

        QString replacement = QStringLiteral("<%1%2/>").arg(m.captured(1), attrs);
        auto place = [&](const QString &ref, const QPointF &p) {
            if (ref.isEmpty() || ref == QLatin1String("none"))
                return;
            const QRegularExpressionMatch u = urlRe.match(ref);
            if (!u.hasMatch() || !markers.contains(u.captured(1)))
                fail(QStringLiteral("%1: unknown marker reference %2").arg(label, ref));
            const Marker &marker = markers[u.captured(1)];
            replacement += QStringLiteral("\n  <g transform=\"translate(%1 %2) scale(%3) translate(%4 %5)\">%6</g>")
                               .arg(p.x()).arg(p.y()).arg(scale)
                               .arg(-marker.refX).arg(-marker.refY)
                               .arg(marker.content);
            ++*expanded;
        };
        for (std::size_t i = 0; i < vertices.size(); ++i) {
            if (i == 0)
                place(start, vertices[i]);
            else if (i + 1 == vertices.size())
                place(end, vertices[i]);
            else
                place(mid, vertices[i]);
        }
        out += svg.mid(last, m.capturedStart() - last);
        out += replacement;
        last = m.capturedEnd();
    }
    out += svg.mid(last);
    if (out.contains(QLatin1String("url(#")) && out.contains(QLatin1String("marker-")))
        info(QStringLiteral("warning: %1: marker references left after expansion").arg(label));
    return out.toUtf8();
}

// Qt SVG (6.4) rejects a <radialGradient> without an r attribute ("Could
// not parse node"), and with it every gradient that inherits its stops
// through xlink:href (the emblems of bz, gt, mx). SVG's defaults are
// cx = cy = r = 50% of the bounding box; write them out.
QByteArray completeRadialGradients(const QByteArray &svgBytes)
{
    QString svg = QString::fromUtf8(svgBytes);
    static const QRegularExpression startTagRe(QStringLiteral("<radialGradient\\b([^>]*?)(/?)>"));
    QString out;
    qsizetype last = 0;
    for (QRegularExpressionMatchIterator it = startTagRe.globalMatch(svg); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        QString attrs = m.captured(1);
        const QString units = attribute(attrs, QStringLiteral("gradientUnits"));
        if (units.isEmpty() || units == QLatin1String("objectBoundingBox")) {
            for (const char *name : {"cx", "cy", "r"}) {
                if (attribute(attrs, QLatin1String(name)).isEmpty())
                    attrs += QStringLiteral(" %1=\"0.5\"").arg(QLatin1String(name));
            }
        }
        out += svg.mid(last, m.capturedStart() - last);
        out += QStringLiteral("<radialGradient%1%2>").arg(attrs, m.captured(2));
        last = m.capturedEnd();
    }
    out += svg.mid(last);
    return out.toUtf8();
}

// ---------------------------------------------------------------- flags

QImage renderFlag(const QString &svgPath, int *markersExpanded)
{
    const QByteArray svg = completeRadialGradients(expandMarkers(readFile(svgPath), svgPath, markersExpanded));
    QSvgRenderer renderer(svg);
    if (!renderer.isValid())
        fail(QStringLiteral("cannot render %1").arg(svgPath));
    QImage image(kImageWidth, kImageHeight, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    renderer.setAspectRatioMode(Qt::IgnoreAspectRatio);
    renderer.render(&painter, QRectF(0, 0, kImageWidth, kImageHeight));
    painter.end();
    return image.convertToFormat(QImage::Format_RGB888);
}

struct FlagDifference {
    double mean = 0;        // mean absolute difference per channel
    double offPixels = 0;   // fraction of pixels with a channel off by more than kStrongDifference
    bool identical() const { return mean < kIdenticalMeanDifference && offPixels <= kIdenticalOffPixels; }
};

FlagDifference flagDifference(const QImage &a, const QImage &b)
{
    double sum = 0;
    int off = 0;
    for (int y = 0; y < a.height(); ++y) {
        const uchar *pa = a.constScanLine(y);
        const uchar *pb = b.constScanLine(y);
        for (int x = 0; x < a.width(); ++x) {
            int strongest = 0;
            for (int k = 0; k < 3; ++k) {
                const int d = std::abs(int(pa[3 * x + k]) - int(pb[3 * x + k]));
                sum += d;
                strongest = std::max(strongest, d);
            }
            off += strongest > kStrongDifference ? 1 : 0;
        }
    }
    const double pixels = double(a.width()) * a.height();
    return {sum / (pixels * 3), off / pixels};
}

void savePng(const QImage &image, const QString &path)
{
    if (!image.save(path, "PNG"))
        fail(QStringLiteral("cannot write %1").arg(path));
}

// Removes the PNGs a previous run left in dir, so that a flag that is no
// longer produced does not linger.
void preparePngDir(const QString &dir)
{
    QDir d(dir);
    if (!d.mkpath(QStringLiteral(".")))
        fail(QStringLiteral("cannot create %1").arg(dir));
    for (const QString &name : d.entryList({QStringLiteral("*.png")}, QDir::Files))
        d.remove(name);
}

} // namespace

int main(int argc, char **argv)
{
    // Rendering needs a QGuiApplication but never a display.
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("momok-make-countries"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Builds the bundled countries dataset from the unpacked world-countries and flag-icons npm packages."));
    parser.addHelpOption();
    const QCommandLineOption wcOption(QStringLiteral("world-countries"),
                                      QStringLiteral("The unpacked world-countries package (holds countries.json)."),
                                      QStringLiteral("DIR"));
    const QCommandLineOption fiOption(QStringLiteral("flag-icons"),
                                      QStringLiteral("The unpacked flag-icons package (holds flags/4x3)."),
                                      QStringLiteral("DIR"));
    const QCommandLineOption outOption(QStringLiteral("out"), QStringLiteral("The dataset folder to write."),
                                       QStringLiteral("DIR"));
    parser.addOptions({wcOption, fiOption, outOption});
    parser.process(app);
    if (!parser.isSet(wcOption) || !parser.isSet(fiOption) || !parser.isSet(outOption)) {
        std::fprintf(stderr, "%s", qPrintable(parser.helpText()));
        return 2;
    }
    const QString wcDir = parser.value(wcOption);
    const QString fiDir = parser.value(fiOption);
    const QString outDir = parser.value(outOption);

    const QString wcVersion = packageVersion(wcDir);
    const QString fiVersion = packageVersion(fiDir);
    info(QStringLiteral("world-countries %1, flag-icons %2").arg(wcVersion, fiVersion));
    if (wcVersion != QLatin1String("5.1.0") || fiVersion != QLatin1String("7.5.0"))
        info(QStringLiteral("warning: the dataset README describes world-countries 5.1.0 and flag-icons 7.5.0"));

    const QString countriesJson = wcDir + QStringLiteral("/countries.json");
    QJsonParseError parseError;
    const QJsonDocument raw = QJsonDocument::fromJson(readFile(countriesJson), &parseError);
    if (!raw.isArray())
        fail(QStringLiteral("%1: %2").arg(countriesJson, parseError.errorString()));
    const std::vector<Country> countries = readCountries(raw.array());

    // ---------------------------------------------------------------- entities
    // Languages and currencies become entities when at least two countries
    // use them; their name is voted over the countries (see VariantVote).
    QMap<QString, VariantVote> languageNames, currencyNames, currencySymbols;
    QMap<QString, int> languageUse, currencyUse;
    for (const QJsonValue &v : raw.array()) {
        const QJsonObject o = v.toObject();
        const double area = o.value(QStringLiteral("area")).toDouble();
        const QJsonObject languages = o.value(QStringLiteral("languages")).toObject();
        for (auto it = languages.begin(); it != languages.end(); ++it) {
            languageNames[it.key()].add(it.value().toString().trimmed(), area);
            ++languageUse[it.key()];
        }
        const QJsonObject currencies = o.value(QStringLiteral("currencies")).toObject();
        for (auto it = currencies.begin(); it != currencies.end(); ++it) {
            const QJsonObject c = it.value().toObject();
            currencyNames[it.key()].add(c.value(QStringLiteral("name")).toString().trimmed(), area);
            const QString symbol = c.value(QStringLiteral("symbol")).toString().trimmed();
            if (!symbol.isEmpty())
                currencySymbols[it.key()].add(symbol, area);
            ++currencyUse[it.key()];
        }
    }

    std::vector<Entity> entities;
    QHash<QString, qsizetype> entityIndex;
    auto addEntity = [&](const Entity &e) {
        if (e.id.isEmpty() || e.id.contains(QRegularExpression(QStringLiteral("\\s"))))
            fail(QStringLiteral("bad entity identifier \"%1\"").arg(e.id));
        if (entityIndex.contains(e.id))
            fail(QStringLiteral("entity identifier \"%1\" is used twice").arg(e.id));
        entityIndex.insert(e.id, qsizetype(entities.size()));
        entities.push_back(e);
    };

    const QSet<QString> facts = factWords(raw.array());
    for (const Country &c : countries)
        addEntity({c.id, kCountry, c.common, countryText(c, facts)});

    QMap<QString, QString> regionIds, subregionIds, unGroupIds, languageIds, currencyIds;   // key -> id
    // A name shared with a country (the subregion Micronesia) gets its kind
    // appended: Micronesia_(subregion).
    auto kindId = [&](const QString &name, const QString &type) {
        const QString id = identifier(name);
        return entityIndex.contains(id) ? id + QStringLiteral("_(%1)").arg(type) : id;
    };
    std::map<QString, std::set<QString>> subregionRegions;
    for (const Country &c : countries) {
        if (!c.region.isEmpty())
            regionIds.insert(c.region, kindId(c.region, kRegion));
        if (!c.subregion.isEmpty()) {
            subregionIds.insert(c.subregion, kindId(c.subregion, kSubregion));
            subregionRegions[c.subregion].insert(c.region);
        }
        if (!c.unGroup.isEmpty())
            unGroupIds.insert(c.unGroup, kindId(c.unGroup, kUnGroup));
    }
    for (const auto &[subregion, regions] : subregionRegions) {
        if (regions.size() != 1)
            fail(QStringLiteral("subregion %1 lies in %2 regions").arg(subregion).arg(regions.size()));
    }
    auto addSorted = [&](const QMap<QString, QString> &ids, const QString &type) {
        std::vector<std::pair<QString, QString>> rows;   // id, display
        for (auto it = ids.cbegin(); it != ids.cend(); ++it)
            rows.emplace_back(it.value(), it.key());
        std::sort(rows.begin(), rows.end());
        for (const auto &[id, display] : rows)
            addEntity({id, type, display, display});
    };
    addSorted(regionIds, kRegion);
    addSorted(subregionIds, kSubregion);

    QMap<QString, QString> languageDisplay, currencyDisplay;   // id -> display
    QMap<QString, QString> currencyText;
    for (auto it = languageUse.cbegin(); it != languageUse.cend(); ++it) {
        if (it.value() < 2)
            continue;
        const QString name = languageNames[it.key()].winner();
        languageIds.insert(it.key(), identifier(name) + QStringLiteral("_(language)"));
        languageDisplay.insert(languageIds[it.key()], name);
    }
    for (auto it = currencyUse.cbegin(); it != currencyUse.cend(); ++it) {
        if (it.value() < 2)
            continue;
        const QString name = currencyNames[it.key()].winner();
        const QString id = identifier(name) + QStringLiteral("_(currency)");
        currencyIds.insert(it.key(), id);
        currencyDisplay.insert(id, name);
        const QString symbol = currencySymbols.value(it.key()).winner();
        currencyText.insert(id, symbol.isEmpty() || symbol == name ? name : name + kSeparator + symbol);
    }
    for (auto it = languageDisplay.cbegin(); it != languageDisplay.cend(); ++it)
        addEntity({it.key(), kLanguage, it.value(), it.value()});
    for (auto it = currencyDisplay.cbegin(); it != currencyDisplay.cend(); ++it)
        addEntity({it.key(), kCurrency, it.value(), currencyText.value(it.key())});
    addSorted(unGroupIds, kUnGroup);

    // ---------------------------------------------------------------- triples
    const QStringList relations = {kBorder, kInRegion, kInSubregion, kSubregionOf,
                                   kLanguageRel, kCurrencyRel, kUnGroupRel};
    std::vector<Triple> triples;
    auto addTriple = [&](const QString &h, const QString &r, const QString &t) {
        if (!entityIndex.contains(h) || !entityIndex.contains(t))
            fail(QStringLiteral("triple %1 %2 %3 names an unknown entity").arg(h, r, t));
        triples.push_back({h, r, t, int(triples.size())});
    };

    QHash<QString, QString> idByCca3;
    for (const Country &c : countries)
        idByCca3.insert(c.cca3, c.id);
    std::set<std::pair<QString, QString>> borderPairs;
    int oneSided = 0;
    for (const Country &c : countries) {
        for (const QString &b : c.borders) {
            if (!idByCca3.contains(b))
                fail(QStringLiteral("%1 borders unknown country code %2").arg(c.id, b));
            const QString other = idByCca3.value(b);
            if (other == c.id)
                continue;
            borderPairs.insert(std::minmax(c.id, other));
        }
    }
    for (const Country &c : countries) {
        for (const QString &b : c.borders) {
            const auto it = std::find_if(countries.begin(), countries.end(),
                                         [&](const Country &o) { return o.cca3 == b; });
            if (!it->borders.contains(c.cca3)) {
                ++oneSided;
                info(QStringLiteral("note: only %1 lists the border %1-%2").arg(c.id, it->id));
            }
        }
    }
    for (const auto &[a, b] : borderPairs)   // one direction: the smaller identifier is the head
        addTriple(a, kBorder, b);
    for (const Country &c : countries) {
        if (!c.region.isEmpty())
            addTriple(c.id, kInRegion, regionIds.value(c.region));
    }
    for (const Country &c : countries) {
        if (!c.subregion.isEmpty())
            addTriple(c.id, kInSubregion, subregionIds.value(c.subregion));
    }
    for (const auto &[subregion, regions] : subregionRegions)
        addTriple(subregionIds.value(subregion), kSubregionOf, regionIds.value(*regions.begin()));
    for (const Country &c : countries) {
        QStringList ids;
        for (const QString &k : c.languageKeys) {
            if (languageIds.contains(k))
                ids << languageIds.value(k);
        }
        ids.sort();
        ids.removeDuplicates();
        for (const QString &id : ids)
            addTriple(c.id, kLanguageRel, id);
    }
    for (const Country &c : countries) {
        QStringList ids;
        for (const QString &k : c.currencyKeys) {
            if (currencyIds.contains(k))
                ids << currencyIds.value(k);
        }
        ids.sort();
        ids.removeDuplicates();
        for (const QString &id : ids)
            addTriple(c.id, kCurrencyRel, id);
    }
    for (const Country &c : countries) {
        if (!c.unGroup.isEmpty())
            addTriple(c.id, kUnGroupRel, unGroupIds.value(c.unGroup));
    }

    // ---------------------------------------------------------------- split
    // 80/10/10 over all triples: subregionOf goes to train; the rest is
    // shuffled (splitmix64 seeded with kSplitSeed, Fisher-Yates), the first
    // tenth becomes valid, the next tenth test. Then every valid/test triple
    // whose head or tail does not occur in train moves to train.
    const std::size_t total = triples.size();
    const std::size_t validSize = total / 10, testSize = total / 10;
    std::vector<Triple> pool, train, valid, test;
    for (const Triple &t : triples)
        (t.relation == kSubregionOf ? train : pool).push_back(t);
    SplitMix64 rng(kSplitSeed);
    shuffle(pool, rng);
    if (pool.size() < validSize + testSize)
        fail(QStringLiteral("too few triples to split"));
    for (std::size_t i = 0; i < pool.size(); ++i) {
        if (i < validSize)
            valid.push_back(pool[i]);
        else if (i < validSize + testSize)
            test.push_back(pool[i]);
        else
            train.push_back(pool[i]);
    }
    QSet<QString> trainEntities, trainRelations;
    for (const Triple &t : train) {
        trainEntities << t.head << t.tail;
        trainRelations << t.relation;
    }
    int moved = 0;
    auto keepSeen = [&](std::vector<Triple> &split) {
        std::vector<Triple> kept;
        for (const Triple &t : split) {
            if (trainEntities.contains(t.head) && trainEntities.contains(t.tail)
                && trainRelations.contains(t.relation)) {
                kept.push_back(t);
            } else {
                train.push_back(t);
                trainEntities << t.head << t.tail;
                trainRelations << t.relation;
                ++moved;
            }
        }
        split = kept;
    };
    keepSeen(valid);
    keepSeen(test);
    auto byOrder = [](const Triple &a, const Triple &b) { return a.order < b.order; };
    for (std::vector<Triple> *split : {&train, &valid, &test})
        std::sort(split->begin(), split->end(), byOrder);

    // ---------------------------------------------------------------- write text files
    if (!QDir().mkpath(outDir))
        fail(QStringLiteral("cannot create %1").arg(outDir));
    auto tripleLines = [](const std::vector<Triple> &split) {
        QStringList lines;
        for (const Triple &t : split)
            lines << QStringLiteral("%1 %2 %3 .").arg(t.head, t.relation, t.tail);
        return lines;
    };
    writeLines(outDir + QStringLiteral("/train.txt"), tripleLines(train));
    writeLines(outDir + QStringLiteral("/valid.txt"), tripleLines(valid));
    writeLines(outDir + QStringLiteral("/test.txt"), tripleLines(test));
    QStringList entity2id, names, texts, types, relation2id;
    for (std::size_t i = 0; i < entities.size(); ++i) {
        const Entity &e = entities[i];
        entity2id << QStringLiteral("%1 %2").arg(e.id).arg(i);
        names << e.id + QLatin1Char('\t') + e.display;
        texts << e.id + QLatin1Char('\t') + e.text;
        types << e.id + QLatin1Char('\t') + e.type;
        if (e.display.contains(QLatin1Char('\t')) || e.text.contains(QLatin1Char('\t'))
            || e.text.contains(QLatin1Char('\n')))
            fail(QStringLiteral("a tab or newline in the name or text of %1").arg(e.id));
    }
    for (int i = 0; i < relations.size(); ++i)
        relation2id << QStringLiteral("%1 %2").arg(relations[i]).arg(i);
    writeLines(outDir + QStringLiteral("/entity2id.txt"), entity2id);
    writeLines(outDir + QStringLiteral("/relation2id.txt"), relation2id);
    writeLines(outDir + QStringLiteral("/entity_names.tsv"), names);
    writeLines(outDir + QStringLiteral("/entity_text.tsv"), texts);
    writeLines(outDir + QStringLiteral("/entity_types.tsv"), types);

    // Licences travel with the data.
    writeBytes(outDir + QStringLiteral("/LICENSE-world-countries.txt"),
               QByteArrayLiteral(
                   "The countries dataset (its entities, triples, names and texts) is derived\n"
                   "from world-countries " ) + wcVersion.toUtf8() + QByteArrayLiteral(
                   " by Mohammed Le Doze and contributors.\n"
                   "\n"
                   "Contains information from world-countries, which is made available under\n"
                   "the Open Database License (ODbL).\n"
                   "\n"
                   "world-countries: https://github.com/mledoze/countries\n"
                   "Open Database License (ODbL) 1.0: https://opendatacommons.org/licenses/odbl/1.0/\n"
                   "\n"
                   "The flags are not covered by this licence; see LICENSE-flag-icons.txt.\n"
                   "\n"
                   "The licence text as shipped in the world-countries package follows.\n"
                   "\n"
                   "------------------------------------------------------------------------\n"
                   "\n")
                   + readFile(wcDir + QStringLiteral("/LICENSE")));
    writeBytes(outDir + QStringLiteral("/LICENSE-flag-icons.txt"),
               QByteArrayLiteral(
                   "The flag images (images/ and thumbnails/) are rendered from flag-icons " ) + fiVersion.toUtf8()
                   + QByteArrayLiteral(
                   "\n(https://github.com/lipis/flag-icons), flags/4x3. Its licence as shipped\n"
                   "in the package follows.\n"
                   "\n"
                   "------------------------------------------------------------------------\n"
                   "\n")
                   + readFile(fiDir + QStringLiteral("/LICENSE")));

    // ---------------------------------------------------------------- flags
    const QString imageDir = outDir + QStringLiteral("/images");
    const QString thumbDir = outDir + QStringLiteral("/thumbnails");
    preparePngDir(imageDir);
    preparePngDir(thumbDir);
    std::vector<QImage> images(countries.size()), thumbs(countries.size());
    int totalMarkers = 0;
    for (std::size_t i = 0; i < countries.size(); ++i) {
        const Country &c = countries[i];
        const QString svg = fiDir + QStringLiteral("/flags/4x3/") + c.cca2.toLower() + QStringLiteral(".svg");
        int markers = 0;
        images[i] = renderFlag(svg, &markers);
        if (markers > 0)
            info(QStringLiteral("%1: %2 marker copies drawn as paths").arg(c.cca2.toLower()).arg(markers));
        totalMarkers += markers;
        thumbs[i] = images[i]
                        .scaled(kThumbWidth, kThumbHeight, Qt::IgnoreAspectRatio, Qt::SmoothTransformation)
                        .convertToFormat(QImage::Format_RGB888);
    }

    // Identical flags: union the countries whose thumbnails match; in each
    // group the flag belongs to the sovereign state (independent first, then
    // largest area) and the territories sharing it get no image.
    std::vector<std::size_t> parent(countries.size());
    std::iota(parent.begin(), parent.end(), std::size_t(0));
    auto root = [&parent](std::size_t x) {
        while (parent[x] != x)
            x = parent[x] = parent[parent[x]];
        return x;
    };
    double closestDifferent = 1e9;
    QString closestPair;
    for (std::size_t a = 0; a < countries.size(); ++a) {
        for (std::size_t b = a + 1; b < countries.size(); ++b) {
            const FlagDifference d = flagDifference(thumbs[a], thumbs[b]);
            const QString pair = countries[a].cca2.toLower() + QLatin1Char('/') + countries[b].cca2.toLower();
            if (d.identical()) {
                parent[root(b)] = root(a);
                info(QStringLiteral("identical flags: %1 (mean difference %2, off pixels %3%)")
                         .arg(pair).arg(d.mean, 0, 'f', 2).arg(100 * d.offPixels, 0, 'f', 2));
            } else if (d.mean < closestDifferent) {
                closestDifferent = d.mean;
                closestPair = QStringLiteral("%1 (mean difference %2, off pixels %3%)")
                                  .arg(pair).arg(d.mean, 0, 'f', 2).arg(100 * d.offPixels, 0, 'f', 2);
            }
        }
    }
    info(QStringLiteral("closest different flags: %1").arg(closestPair));
    for (const auto &[territory, sovereign] : kSameFlagAs) {
        std::size_t t = countries.size(), s = countries.size();
        for (std::size_t i = 0; i < countries.size(); ++i) {
            if (countries[i].cca2.toLower() == QLatin1String(territory))
                t = i;
            if (countries[i].cca2.toLower() == QLatin1String(sovereign))
                s = i;
        }
        if (t == countries.size() || s == countries.size())
            fail(QStringLiteral("unknown country code in kSameFlagAs: %1/%2").arg(territory, sovereign));
        parent[root(t)] = root(s);
        info(QStringLiteral("same flag, drawn differently: %1/%2").arg(territory, sovereign));
    }
    std::map<std::size_t, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < countries.size(); ++i)
        groups[root(i)].push_back(i);
    std::vector<bool> hasImage(countries.size(), true);
    QStringList withoutImage;
    for (const auto &[r, members] : groups) {
        if (members.size() < 2)
            continue;
        const std::size_t keeper = *std::max_element(members.begin(), members.end(), [&](std::size_t x, std::size_t y) {
            const Country &cx = countries[x], &cy = countries[y];
            if (cx.independent != cy.independent)
                return !cx.independent;
            return cx.area < cy.area;
        });
        for (std::size_t m : members) {
            if (m == keeper)
                continue;
            if (countries[m].independent) {
                info(QStringLiteral("note: %1 and %2 share a flag; both are sovereign, both keep it")
                         .arg(countries[m].id, countries[keeper].id));
                continue;
            }
            hasImage[m] = false;
            withoutImage << QStringLiteral("%1 (%2, same flag as %3)")
                                .arg(countries[m].id, countries[m].cca2.toLower(), countries[keeper].cca2.toLower());
        }
    }
    int written = 0;
    for (std::size_t i = 0; i < countries.size(); ++i) {
        if (!hasImage[i])
            continue;
        const QString file = safeFileName(countries[i].id) + QStringLiteral(".png");
        savePng(images[i], imageDir + QLatin1Char('/') + file);
        savePng(thumbs[i], thumbDir + QLatin1Char('/') + file);
        ++written;
    }

    // ---------------------------------------------------------------- report
    QMap<QString, int> perType;
    for (const Entity &e : entities)
        ++perType[e.type];
    info(QStringLiteral("entities: %1").arg(entities.size()));
    for (const QString &t : {kCountry, kRegion, kSubregion, kLanguage, kCurrency, kUnGroup})
        info(QStringLiteral("  %1: %2").arg(t).arg(perType.value(t)));
    info(QStringLiteral("triples: %1 (train %2, valid %3, test %4; %5 moved to train)")
             .arg(total).arg(train.size()).arg(valid.size()).arg(test.size()).arg(moved));
    for (const QString &r : relations) {
        auto count = [&r](const std::vector<Triple> &s) {
            return std::count_if(s.begin(), s.end(), [&r](const Triple &t) { return t.relation == r; });
        };
        info(QStringLiteral("  %1: %2 (train %3, valid %4, test %5)")
                 .arg(r).arg(count(train) + count(valid) + count(test))
                 .arg(count(train)).arg(count(valid)).arg(count(test)));
    }
    info(QStringLiteral("one-sided border listings: %1").arg(oneSided));
    info(QStringLiteral("flags: %1 written, %2 without image, %3 marker copies expanded")
             .arg(written).arg(withoutImage.size()).arg(totalMarkers));
    for (const QString &w : withoutImage)
        info(QStringLiteral("  no image: %1").arg(w));
    return 0;
}
