#include "data/TorchFileCheck.h"

#include <torch/torch.h>

#include <QHash>

#include <cstdint>
#include <memory>
#include <vector>

namespace momok {

namespace {

// ---------------------------------------------------------------- zip archive

uint32_t le(const QByteArray &b, qsizetype at, int bytes)
{
    uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = (v << 8) | uchar(b[at + i]);
    return v;
}

struct Entry {
    qsizetype offset = 0, size = 0; // of the entry's data in the file
};

constexpr int kMaxEntries = 4096;

// The entries of an uncompressed zip archive, by name.
bool readArchive(const QByteArray &b, QHash<QByteArray, Entry> *entries, QString *reason)
{
    const qsizetype n = b.size();
    constexpr qsizetype kEndSize = 22;
    if (n < kEndSize || !b.startsWith("PK\x03\x04")) {
        *reason = QStringLiteral("not a PyTorch file (a .pt file is a zip archive, as torch.save writes it)");
        return false;
    }
    qsizetype end = -1;
    for (qsizetype at = n - kEndSize; at >= 0 && at >= n - kEndSize - 0xFFFF; --at) {
        if (le(b, at, 4) == 0x06054b50 && at + kEndSize + qsizetype(le(b, at + 20, 2)) == n) {
            end = at;
            break;
        }
    }
    if (end < 0) {
        *reason = QStringLiteral("not a complete zip archive (no end of central directory)");
        return false;
    }
    const qsizetype count = le(b, end + 10, 2), directorySize = le(b, end + 12, 4), directory = le(b, end + 16, 4);
    if (le(b, end + 4, 2) != 0 || le(b, end + 6, 2) != 0 || le(b, end + 8, 2) != count) {
        *reason = QStringLiteral("a multi-part zip archive");
        return false;
    }
    if (count == 0xFFFF || directory == 0xFFFFFFFF || directorySize == 0xFFFFFFFF || count > kMaxEntries) {
        *reason = QStringLiteral("a zip archive with %1 entries or ZIP64 fields (not a feature file)").arg(count);
        return false;
    }
    if (directory > end || directorySize > end - directory) {
        *reason = QStringLiteral("a damaged zip archive (central directory outside the file)");
        return false;
    }
    // The central directory ends where the end record starts, or where a ZIP64 end record
    // and its locator (written by torch.save even for small files) start; then they must
    // agree with the end record, as LibTorch's zip reader uses them.
    const qsizetype directoryEnd = directory + directorySize;
    if (directoryEnd != end) {
        constexpr qsizetype kZip64End = 56, kLocator = 20;
        auto le64 = [&b](qsizetype at) { return (qsizetype(le(b, at + 4, 4)) << 32) | qsizetype(le(b, at, 4)); };
        const bool zip64 = directoryEnd + kZip64End + kLocator == end && le(b, directoryEnd, 4) == 0x06064b50
                           && le64(directoryEnd + 4) == kZip64End - 12 && le(b, directoryEnd + 16, 4) == 0
                           && le(b, directoryEnd + 20, 4) == 0 && le64(directoryEnd + 24) == count
                           && le64(directoryEnd + 32) == count && le64(directoryEnd + 40) == directorySize
                           && le64(directoryEnd + 48) == directory && le(b, end - kLocator, 4) == 0x07064b50
                           && le(b, end - kLocator + 4, 4) == 0 && le64(end - kLocator + 8) == directoryEnd
                           && le(b, end - kLocator + 16, 4) == 1;
        if (!zip64) {
            *reason = QStringLiteral("a damaged zip archive (data between the central directory and its end)");
            return false;
        }
    }
    qsizetype at = directory;
    for (qsizetype i = 0; i < count; ++i) {
        if (at + 46 > directoryEnd || le(b, at, 4) != 0x02014b50) {
            *reason = QStringLiteral("a damaged zip archive (central directory entry %1)").arg(i);
            return false;
        }
        const uint32_t flags = le(b, at + 8, 2), method = le(b, at + 10, 2);
        const qsizetype compressed = le(b, at + 20, 4), size = le(b, at + 24, 4);
        const qsizetype nameLength = le(b, at + 28, 2), extraLength = le(b, at + 30, 2), commentLength = le(b, at + 32, 2);
        const qsizetype local = le(b, at + 42, 4);
        if (at + 46 + nameLength + extraLength + commentLength > directoryEnd) {
            *reason = QStringLiteral("a damaged zip archive (central directory entry %1)").arg(i);
            return false;
        }
        const QByteArray name = b.mid(at + 46, nameLength);
        at += 46 + nameLength + extraLength + commentLength;
        if (flags & 1) {
            *reason = QStringLiteral("an encrypted zip archive");
            return false;
        }
        if (method != 0 || compressed != size) {
            // torch.save stores entries uncompressed; a compressed one could inflate without bound.
            *reason = QStringLiteral("a compressed zip entry (%1): PyTorch files store their data uncompressed")
                          .arg(QString::fromUtf8(name));
            return false;
        }
        if (size == 0xFFFFFFFF || local == 0xFFFFFFFF || local + 30 > directory || le(b, local, 4) != 0x04034b50) {
            *reason = QStringLiteral("a damaged zip archive (entry %1)").arg(QString::fromUtf8(name));
            return false;
        }
        const qsizetype data = local + 30 + qsizetype(le(b, local + 26, 2)) + qsizetype(le(b, local + 28, 2));
        if (data > directory || size > directory - data) {
            *reason = QStringLiteral("a damaged zip archive (entry %1 runs past its end)").arg(QString::fromUtf8(name));
            return false;
        }
        if (entries->contains(name)) {
            *reason = QStringLiteral("a zip archive with two entries named %1").arg(QString::fromUtf8(name));
            return false;
        }
        entries->insert(name, {data, size});
    }
    return true;
}

// ---------------------------------------------------------------- pickle

// What an abstract stack item is. Values matter only where a check needs them.
struct Item {
    enum Kind { Mark, Int, Bool, None, Str, Global, Tuple, Storage, Tensor, Dict } kind = None;
    int64_t value = 0;          // Int; Storage: element count; Global: element size of a storage type
    QByteArray text;            // Str; Global: "module.name"; Storage: its entry's name
    // Tuple; shared, so that BINGET copies a tuple in constant time and memory.
    std::shared_ptr<const std::vector<Item>> tupleElements;
    const std::vector<Item> &elements() const
    {
        static const std::vector<Item> kNone;
        return tupleElements ? *tupleElements : kNone;
    }
};

const char *kindName(Item::Kind kind)
{
    static const char *const kNames[] = {"mark", "integer", "bool", "None", "string", "global",
                                         "tuple", "storage", "tensor", "dict"};
    return kNames[kind];
}

// The globals a feature file may name, with the element size of the storage types.
int64_t allowedGlobal(const QByteArray &name)
{
    static const QHash<QByteArray, int64_t> kAllowed = {
        {"torch._utils._rebuild_tensor_v2", 0}, {"collections.OrderedDict", 0},
        {"torch.FloatStorage", 4},  {"torch.DoubleStorage", 8}, {"torch.HalfStorage", 2},
        {"torch.BFloat16Storage", 2}, {"torch.LongStorage", 8}, {"torch.IntStorage", 4},
        {"torch.ShortStorage", 2},  {"torch.CharStorage", 1},   {"torch.ByteStorage", 1},
        {"torch.BoolStorage", 1}};
    return kAllowed.value(name, -1);
}

class PickleCheck
{
public:
    PickleCheck(const QByteArray &pickle, const QByteArray &prefix, const QHash<QByteArray, Entry> &entries)
        : m_p(pickle), m_prefix(prefix), m_entries(entries)
    {
    }

    bool run(QString *reason)
    {
        if (!walk()) {
            *reason = QStringLiteral("not a tensor file torch.save would write: %1 (pickle byte %2)").arg(m_reason).arg(m_at);
            return false;
        }
        return true;
    }

private:
    static constexpr size_t kMaxStack = 4096, kMaxMemo = 4096;
    static constexpr int kMaxDims = 64;
    const QByteArray &m_p;
    const QByteArray m_prefix;
    const QHash<QByteArray, Entry> &m_entries;
    std::vector<Item> m_stack;
    QHash<uint32_t, Item> m_memo;
    qsizetype m_at = 0;
    QString m_reason;

    bool fail(const QString &reason)
    {
        m_reason = reason;
        return false;
    }
    bool need(qsizetype bytes) { return m_at + bytes <= m_p.size(); }
    bool push(Item item)
    {
        if (m_stack.size() >= kMaxStack)
            return fail(QStringLiteral("too deep"));
        m_stack.push_back(std::move(item));
        return true;
    }
    // The items above the topmost mark, which is removed.
    bool popToMark(std::vector<Item> *items)
    {
        for (size_t i = m_stack.size(); i-- > 0;) {
            if (m_stack[i].kind == Item::Mark) {
                items->assign(std::make_move_iterator(m_stack.begin() + qsizetype(i) + 1),
                              std::make_move_iterator(m_stack.end()));
                m_stack.resize(i);
                return true;
            }
        }
        return fail(QStringLiteral("a tuple without its mark"));
    }
    bool pop(Item *item, const char *what)
    {
        if (m_stack.empty() || m_stack.back().kind == Item::Mark)
            return fail(QStringLiteral("%1 on an empty stack").arg(QLatin1String(what)));
        *item = std::move(m_stack.back());
        m_stack.pop_back();
        return true;
    }
    bool readLine(QByteArray *line)
    {
        const qsizetype newline = m_p.indexOf('\n', m_at);
        if (newline < 0 || newline - m_at > 256)
            return fail(QStringLiteral("an unterminated name"));
        *line = m_p.mid(m_at, newline - m_at);
        m_at = newline + 1;
        return true;
    }
    bool tuple(std::vector<Item> elements)
    {
        Item t;
        t.kind = Item::Tuple;
        t.tupleElements = std::make_shared<const std::vector<Item>>(std::move(elements));
        return push(std::move(t));
    }
    bool tupleOf(size_t count)
    {
        if (m_stack.size() < count)
            return fail(QStringLiteral("a tuple on an empty stack"));
        std::vector<Item> elements(std::make_move_iterator(m_stack.end() - qsizetype(count)),
                                   std::make_move_iterator(m_stack.end()));
        m_stack.resize(m_stack.size() - count);
        for (const Item &e : elements)
            if (e.kind == Item::Mark)
                return fail(QStringLiteral("a tuple across a mark"));
        return tuple(std::move(elements));
    }
    static bool isIntTuple(const Item &t, size_t *length)
    {
        if (t.kind != Item::Tuple || t.elements().size() > size_t(kMaxDims))
            return false;
        for (const Item &e : t.elements())
            if (e.kind != Item::Int || e.value < 0)
                return false;
        *length = t.elements().size();
        return true;
    }

    // ('storage', torch.<Type>Storage, key, location, numel) -> a storage.
    bool persistentLoad()
    {
        Item id;
        if (!pop(&id, "BINPERSID"))
            return false;
        const std::vector<Item> &e = id.elements();
        if (id.kind != Item::Tuple || e.size() != 5 || e[0].kind != Item::Str || e[0].text != "storage"
            || e[1].kind != Item::Global || e[1].value <= 0 || e[2].kind != Item::Str || e[3].kind != Item::Str
            || e[4].kind != Item::Int)
            return fail(QStringLiteral("a persistent id other than a storage"));
        const QByteArray entry = m_prefix + "data/" + e[2].text;
        const auto found = m_entries.constFind(entry);
        if (found == m_entries.constEnd())
            return fail(QStringLiteral("a storage whose data (%1) is not in the archive").arg(QString::fromUtf8(entry)));
        const int64_t numel = e[4].value, itemSize = e[1].value;
        if (numel < 0 || numel > found->size / itemSize)
            return fail(QStringLiteral("a storage of %1 elements of %2 bytes in %3 bytes of data")
                            .arg(numel).arg(itemSize).arg(found->size));
        Item storage;
        storage.kind = Item::Storage;
        storage.value = numel;
        storage.text = entry;
        return push(std::move(storage));
    }

    bool reduce()
    {
        Item args, callable;
        if (!pop(&args, "REDUCE") || !pop(&callable, "REDUCE"))
            return false;
        if (callable.kind != Item::Global || args.kind != Item::Tuple)
            return fail(QStringLiteral("REDUCE calls a %1").arg(QLatin1String(kindName(callable.kind))));
        const std::vector<Item> &a = args.elements();
        Item result;
        if (callable.text == "collections.OrderedDict") {
            if (!a.empty())
                return fail(QStringLiteral("OrderedDict with arguments"));
            result.kind = Item::Dict;
            return push(std::move(result));
        }
        if (callable.text != "torch._utils._rebuild_tensor_v2")
            return fail(QStringLiteral("REDUCE calls %1").arg(QString::fromUtf8(callable.text)));
        // (storage, offset, sizes, strides, requires_grad, backward_hooks[, metadata])
        size_t dims = 0, strideDims = 0;
        if (a.size() < 4 || a.size() > 7 || a[0].kind != Item::Storage || a[1].kind != Item::Int || a[1].value < 0
            || !isIntTuple(a[2], &dims) || !isIntTuple(a[3], &strideDims) || dims != strideDims)
            return fail(QStringLiteral("a tensor rebuilt from arguments of the wrong kinds"));
        if (a.size() > 4 && a[4].kind != Item::Bool)
            return fail(QStringLiteral("a tensor whose requires_grad is not a bool"));
        if (a.size() > 5 && a[5].kind != Item::Dict)
            return fail(QStringLiteral("a tensor with backward hooks"));
        if (a.size() > 6 && a[6].kind != Item::None && a[6].kind != Item::Dict)
            return fail(QStringLiteral("a tensor with metadata"));
        // The last element it reaches, and its element count, within the storage.
        int64_t last = a[1].value, numel = 1;
        for (size_t d = 0; d < dims; ++d) {
            const int64_t size = a[2].elements()[d].value, stride = a[3].elements()[d].value;
            if (size == 0) {
                numel = 0;
                break;
            }
            int64_t reach = 0;
            if (__builtin_mul_overflow(size - 1, stride, &reach) || __builtin_add_overflow(last, reach, &last)
                || __builtin_mul_overflow(numel, size, &numel) || numel > a[0].value)
                return fail(QStringLiteral("a tensor larger than its storage"));
        }
        if (numel > 0 && last >= a[0].value)
            return fail(QStringLiteral("a tensor reaching past its storage of %1 elements").arg(a[0].value));
        result.kind = Item::Tensor;
        return push(std::move(result));
    }

    bool walk()
    {
        if (!need(2) || uchar(m_p[0]) != 0x80 || uchar(m_p[1]) < 2 || uchar(m_p[1]) > 5)
            return fail(QStringLiteral("not a pickle of protocol 2 or later"));
        m_at = 2;
        while (need(1)) {
            const qsizetype opcodeAt = m_at;
            const uchar op = uchar(m_p[m_at++]);
            Item item;
            switch (op) {
            case '(': // MARK
                item.kind = Item::Mark;
                if (!push(std::move(item)))
                    return false;
                break;
            case 't': { // TUPLE
                std::vector<Item> elements;
                if (!popToMark(&elements) || !tuple(std::move(elements)))
                    return false;
                break;
            }
            case ')': // EMPTY_TUPLE
                if (!tuple({}))
                    return false;
                break;
            case 0x85: case 0x86: case 0x87: // TUPLE1..3
                if (!tupleOf(size_t(op - 0x84)))
                    return false;
                break;
            case 'K': case 'M': case 'J': { // BININT1, BININT2, BININT
                const int bytes = op == 'K' ? 1 : op == 'M' ? 2 : 4;
                if (!need(bytes))
                    return fail(QStringLiteral("a truncated integer"));
                const uint32_t raw = le(m_p, m_at, bytes);
                m_at += bytes;
                item.kind = Item::Int;
                item.value = op == 'J' ? int64_t(int32_t(raw)) : int64_t(raw);
                if (!push(std::move(item)))
                    return false;
                break;
            }
            case 0x8a: { // LONG1: little-endian two's complement, up to 8 bytes
                if (!need(1))
                    return fail(QStringLiteral("a truncated integer"));
                const int bytes = uchar(m_p[m_at++]);
                if (bytes > 8 || !need(bytes))
                    return fail(QStringLiteral("an integer of %1 bytes").arg(bytes));
                uint64_t raw = 0;
                for (int i = bytes - 1; i >= 0; --i)
                    raw = (raw << 8) | uchar(m_p[m_at + i]);
                if (bytes > 0 && bytes < 8 && (uchar(m_p[m_at + bytes - 1]) & 0x80))
                    raw |= ~uint64_t(0) << (8 * bytes);
                m_at += bytes;
                item.kind = Item::Int;
                item.value = int64_t(raw);
                if (!push(std::move(item)))
                    return false;
                break;
            }
            case 0x88: case 0x89: // NEWTRUE, NEWFALSE
                item.kind = Item::Bool;
                if (!push(std::move(item)))
                    return false;
                break;
            case 'N': // NONE
                if (!push(std::move(item)))
                    return false;
                break;
            case 'X': case 0x8c: { // BINUNICODE, SHORT_BINUNICODE
                const int bytes = op == 'X' ? 4 : 1;
                if (!need(bytes))
                    return fail(QStringLiteral("a truncated string"));
                const qsizetype length = le(m_p, m_at, bytes);
                m_at += bytes;
                if (length > 4096 || !need(length))
                    return fail(QStringLiteral("a string of %1 bytes").arg(length));
                item.kind = Item::Str;
                item.text = m_p.mid(m_at, length);
                m_at += length;
                if (!push(std::move(item)))
                    return false;
                break;
            }
            case 'c': { // GLOBAL module\nname\n
                QByteArray module, name;
                if (!readLine(&module) || !readLine(&name))
                    return false;
                item.kind = Item::Global;
                item.text = module + '.' + name;
                item.value = allowedGlobal(item.text);
                if (item.value < 0)
                    return fail(QStringLiteral("it names %1, which a tensor file never needs").arg(QString::fromUtf8(item.text)));
                if (!push(std::move(item)))
                    return false;
                break;
            }
            case 'q': case 'r': { // BINPUT, LONG_BINPUT
                const int bytes = op == 'q' ? 1 : 4;
                if (!need(bytes))
                    return fail(QStringLiteral("a truncated memo index"));
                const uint32_t index = le(m_p, m_at, bytes);
                m_at += bytes;
                if (m_stack.empty() || m_stack.back().kind == Item::Mark)
                    return fail(QStringLiteral("BINPUT on an empty stack"));
                if (!m_memo.contains(index) && size_t(m_memo.size()) >= kMaxMemo)
                    return fail(QStringLiteral("too many memo entries"));
                m_memo.insert(index, m_stack.back());
                break;
            }
            case 'h': case 'j': { // BINGET, LONG_BINGET
                const int bytes = op == 'h' ? 1 : 4;
                if (!need(bytes))
                    return fail(QStringLiteral("a truncated memo index"));
                const uint32_t index = le(m_p, m_at, bytes);
                m_at += bytes;
                const auto found = m_memo.constFind(index);
                if (found == m_memo.constEnd())
                    return fail(QStringLiteral("BINGET of memo entry %1, never stored").arg(index));
                if (!push(*found))
                    return false;
                break;
            }
            case 'Q': // BINPERSID
                if (!persistentLoad())
                    return false;
                break;
            case 'R': // REDUCE
                if (!reduce())
                    return false;
                break;
            case '.': // STOP
                if (m_stack.size() != 1 || m_stack[0].kind != Item::Tensor)
                    return fail(QStringLiteral("the pickle does not hold one tensor"));
                return true;
            default:
                m_at = opcodeAt;
                return fail(QStringLiteral("opcode 0x%1, which a tensor file never needs").arg(int(op), 2, 16, QLatin1Char('0')));
            }
        }
        return fail(QStringLiteral("the pickle ends before its STOP"));
    }
};

} // namespace

bool checkTorchFile(const QByteArray &bytes, QString *reason)
{
    QHash<QByteArray, Entry> entries;
    if (!readArchive(bytes, &entries, reason))
        return false;
    // One folder holds everything: FOLDER/data.pkl, FOLDER/data/KEY, FOLDER/version.
    QByteArray pickleName;
    for (auto it = entries.constBegin(); it != entries.constEnd(); ++it) {
        const QByteArray &name = it.key();
        if (name.endsWith("/data.pkl") && name.count('/') == 1) {
            if (!pickleName.isEmpty()) {
                *reason = QStringLiteral("not a PyTorch file: two pickles (%1, %2)")
                              .arg(QString::fromUtf8(pickleName), QString::fromUtf8(name));
                return false;
            }
            pickleName = name;
        }
    }
    if (pickleName.isEmpty()) {
        *reason = QStringLiteral("not a PyTorch file: the archive has no data.pkl");
        return false;
    }
    const Entry pickle = entries.value(pickleName);
    const QByteArray prefix = pickleName.left(pickleName.size() - qsizetype(sizeof("data.pkl") - 1));
    // LibTorch reads the format version first.
    const Entry version = entries.value(prefix + "version", Entry{0, -1});
    bool versionOk = false;
    const int versionNumber = version.size > 0 && version.size <= 8 ? bytes.mid(version.offset, version.size).trimmed().toInt(&versionOk) : 0;
    if (!versionOk || versionNumber < 1 || versionNumber > 10) {
        *reason = QStringLiteral("not a PyTorch file: no readable format version in the archive");
        return false;
    }
    return PickleCheck(bytes.mid(pickle.offset, pickle.size), prefix, entries).run(reason);
}

bool tensorFitsStorage(const at::Tensor &tensor, QString *reason)
{
    const int64_t itemSize = int64_t(tensor.element_size());
    const int64_t capacity = itemSize > 0 ? int64_t(tensor.storage().nbytes()) / itemSize : 0;
    int64_t last = tensor.storage_offset(), numel = 1;
    bool ok = last >= 0;
    for (int64_t d = 0; ok && d < tensor.dim(); ++d) {
        const int64_t size = tensor.size(d), stride = tensor.stride(d);
        if (size < 0 || stride < 0) {
            ok = false;
            break;
        }
        if (size == 0) {
            numel = 0;
            break;
        }
        int64_t reach = 0;
        ok = !__builtin_mul_overflow(size - 1, stride, &reach) && !__builtin_add_overflow(last, reach, &last)
             && !__builtin_mul_overflow(numel, size, &numel) && numel <= capacity;
    }
    if (ok && (numel == 0 || last < capacity))
        return true;
    *reason = QStringLiteral("the tensor's sizes and strides reach past its %1 stored elements").arg(capacity);
    return false;
}

} // namespace momok
