// The files that installer/ ships beside the programs stay in step with the programs and
// with each other: the bash completion and the manual page know every command and option
// the built `momok` prints in its help; the desktop entry, the AppStream metainfo, the icon
// and the MIME definition name the same application id and workspace type; the MIME magic
// is the workspace's SQLite application_id and recognises a workspace by its content.
#include "storage/Workspace.h"
#include "storage/WorkspaceSchema.h"

#include <QtTest>

#include <QMimeDatabase>
#include <QXmlStreamReader>

#include <memory>
#include <vector>

namespace {

const QString kAppId = QStringLiteral("org.momokstudio.MoMoKStudio");
const QString kWorkspaceType = QStringLiteral("application/x-momok-workspace");
// The workspace's SQLite application_id ('MMKS'), which the MIME magic matches.
const quint32 kWorkspaceApplicationId = quint32(momok::WorkspaceSchema::kApplicationId);

QString installerPath(const QString &relative)
{
    return QStringLiteral(MOMOK_SOURCE_DIR "/installer/") + relative;
}

QString readText(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return QString::fromUtf8(file.readAll());
}

QString run(const QString &program, const QStringList &args, int expectedExit = 0)
{
    QProcess process;
    process.start(program, args);
    if (!process.waitForFinished(60000))
        qFatal("%s %s did not finish", qPrintable(program), qPrintable(args.join(' ')));
    const QString out = QString::fromUtf8(process.readAllStandardOutput());
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != expectedExit)
        qFatal("%s %s exited with %d:\n%s%s", qPrintable(program), qPrintable(args.join(' ')), process.exitCode(),
               qPrintable(out), process.readAllStandardError().constData());
    return out;
}

// `momok --help` or `momok COMMAND --help`, each run once.
QHash<QString, QString> &helpCache()
{
    static QHash<QString, QString> cache;
    return cache;
}

QString momokHelp(const QString &command = {})
{
    QHash<QString, QString> &cache = helpCache();
    auto it = cache.find(command);
    if (it == cache.end()) {
        const QStringList args = command.isEmpty() ? QStringList{QStringLiteral("--help")}
                                                   : QStringList{command, QStringLiteral("--help")};
        it = cache.insert(command, run(QStringLiteral(MOMOK_CLI), args));
    }
    return *it;
}

// The commands `momok --help` lists: the lines of its "Commands:" block.
QStringList helpCommands()
{
    const QString help = momokHelp();
    const qsizetype start = help.indexOf(QLatin1String("\nCommands:\n"));
    const qsizetype end = help.indexOf(QLatin1String("\nOptions:\n"));
    if (start < 0 || end < start)
        qFatal("momok --help has no Commands: block:\n%s", qPrintable(help));
    QStringList commands;
    static const QRegularExpression line(QStringLiteral("^  ([a-z][a-z-]*)\\s"), QRegularExpression::MultilineOption);
    auto it = line.globalMatch(help.mid(start, end - start));
    while (it.hasNext())
        commands << it.next().captured(1);
    return commands;
}

// The options a command's help defines: the lines that start, two spaces in, with an
// option (description lines are indented further, even when they start with an option).
// WithValue keeps the long options whose help line shows a value placeholder such as <DIR>.
enum class OptionsShown { All, WithValue };
QStringList helpOptions(const QString &help, OptionsShown shown = OptionsShown::All)
{
    QStringList options;
    static const QRegularExpression line(QStringLiteral("^  (?:(-[a-zA-Z]), )?(--[a-z][a-z0-9-]*)( <[A-Z]+>)?"),
                                         QRegularExpression::MultilineOption);
    auto it = line.globalMatch(help);
    while (it.hasNext()) {
        const auto match = it.next();
        if (shown == OptionsShown::WithValue) {
            if (match.hasCaptured(3))
                options << match.captured(2);
            continue;
        }
        if (match.hasCaptured(1))
            options << match.captured(1);
        options << match.captured(2);
    }
    return options;
}

QSet<QString> words(const QString &text)
{
    const QStringList list = text.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
    return {list.begin(), list.end()};
}

QString completionText()
{
    return readText(installerPath(QStringLiteral("completion/momok")));
}

// `commands='...'` of the completion.
QSet<QString> completionCommands()
{
    static const QRegularExpression re(QStringLiteral("commands='([^']*)'"));
    const auto match = re.match(completionText());
    return match.hasMatch() ? words(match.captured(1)) : QSet<QString>();
}

// `COMMAND) opts='...'` of the completion: one command's options.
QSet<QString> completionOptions(const QString &command)
{
    const QRegularExpression re(QStringLiteral("(?:^|\\s)") + QRegularExpression::escape(command)
                                + QStringLiteral("\\)\\s*opts='([^']*)'"));
    const auto match = re.match(completionText());
    return match.hasMatch() ? words(match.captured(1)) : QSet<QString>();
}

// Every option named in the completion's `case $prev in ... esac`: those it completes a
// value for (or deliberately offers nothing for).
QSet<QString> completionValueOptions()
{
    const QString text = completionText();
    const qsizetype start = text.indexOf(QLatin1String("case $prev in"));
    const qsizetype end = text.indexOf(QLatin1String("esac"), start);
    QSet<QString> options;
    if (start < 0 || end < 0)
        return options;
    static const QRegularExpression option(QStringLiteral("(--[a-z][a-z0-9-]*)\\s*[|)\\\\]"));
    auto it = option.globalMatch(text.mid(start, end - start));
    while (it.hasNext())
        options << it.next().captured(1);
    return options;
}

// The words `compgen -W` offers after OPTION in the completion.
QSet<QString> completionChoices(const QString &option)
{
    const QRegularExpression re(QRegularExpression::escape(option)
                                + QStringLiteral("\\)\\s*COMPREPLY=\\(\\$\\(compgen -W '([^']*)'"));
    const auto match = re.match(completionText());
    return match.hasMatch() ? words(match.captured(1)) : QSet<QString>();
}

QString sorted(const QSet<QString> &set)
{
    QStringList list(set.begin(), set.end());
    list.sort();
    return list.join(' ');
}

QMap<QString, QString> desktopEntry()
{
    QMap<QString, QString> keys;
    const QStringList lines = readText(installerPath(kAppId + QStringLiteral(".desktop"))).split('\n');
    for (const QString &line : lines) {
        const qsizetype eq = line.indexOf('=');
        if (eq > 0 && !line.startsWith('#'))
            keys.insert(line.left(eq), line.mid(eq + 1));
    }
    return keys;
}

struct MimeDefinition
{
    QString type, subClassOf, glob, icon;
    QString outerType, outerOffset, outerValue; // the top-level magic match
    QString innerType, innerOffset, innerValue; // the match nested in it
};

MimeDefinition mimeDefinition()
{
    MimeDefinition def;
    QXmlStreamReader xml(readText(installerPath(QStringLiteral("mime/")) + kAppId + QStringLiteral(".xml")));
    int matchDepth = 0;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isEndElement() && xml.name() == QLatin1String("match"))
            --matchDepth;
        if (!xml.isStartElement())
            continue;
        const auto attrs = xml.attributes();
        if (xml.name() == QLatin1String("mime-type")) {
            def.type = attrs.value("type").toString();
        } else if (xml.name() == QLatin1String("sub-class-of")) {
            def.subClassOf = attrs.value("type").toString();
        } else if (xml.name() == QLatin1String("glob")) {
            def.glob = attrs.value("pattern").toString();
        } else if (xml.name() == QLatin1String("icon")) {
            def.icon = attrs.value("name").toString();
        } else if (xml.name() == QLatin1String("match")) {
            ++matchDepth;
            if (matchDepth == 1) {
                def.outerType = attrs.value("type").toString();
                def.outerOffset = attrs.value("offset").toString();
                def.outerValue = attrs.value("value").toString();
            } else if (matchDepth == 2) {
                def.innerType = attrs.value("type").toString();
                def.innerOffset = attrs.value("offset").toString();
                def.innerValue = attrs.value("value").toString();
            }
        }
    }
    if (xml.hasError())
        qFatal("MIME definition: %s", qPrintable(xml.errorString()));
    return def;
}

struct Metainfo
{
    QString id, launchable, releaseVersion, projectLicense;
    QStringList binaries, mediatypes;
};

Metainfo metainfo()
{
    Metainfo info;
    QXmlStreamReader xml(readText(installerPath(kAppId + QStringLiteral(".metainfo.xml"))));
    bool firstRelease = true;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        if (xml.name() == QLatin1String("id")) {
            info.id = xml.readElementText();
        } else if (xml.name() == QLatin1String("launchable")) {
            info.launchable = xml.readElementText();
        } else if (xml.name() == QLatin1String("project_license")) {
            info.projectLicense = xml.readElementText();
        } else if (xml.name() == QLatin1String("binary")) {
            info.binaries << xml.readElementText();
        } else if (xml.name() == QLatin1String("mediatype")) {
            info.mediatypes << xml.readElementText();
        } else if (xml.name() == QLatin1String("release") && firstRelease) {
            info.releaseVersion = xml.attributes().value("version").toString();
            firstRelease = false;
        }
    }
    if (xml.hasError())
        qFatal("metainfo: %s", qPrintable(xml.errorString()));
    return info;
}

// The first 100 bytes of an SQLite database file: the header, with PRAGMA application_id
// stored big-endian at offset 68.
QByteArray sqliteHeader(quint32 applicationId)
{
    QByteArray header(100, '\0');
    header.replace(0, 16, QByteArray("SQLite format 3\0", 16));
    header[68] = char(applicationId >> 24);
    header[69] = char(applicationId >> 16);
    header[70] = char(applicationId >> 8);
    header[71] = char(applicationId);
    return header;
}

} // namespace

class TestPackaging : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        // Every command's help at once: each `momok` start loads LibTorch (about 2 s).
        std::vector<std::unique_ptr<QProcess>> processes;
        const QStringList commands = helpCommands();
        for (const QString &command : commands) {
            processes.push_back(std::make_unique<QProcess>());
            processes.back()->start(QStringLiteral(MOMOK_CLI), {command, QStringLiteral("--help")});
        }
        for (qsizetype i = 0; i < commands.size(); ++i) {
            QProcess &process = *processes[i];
            QVERIFY(process.waitForFinished(120000));
            QVERIFY2(process.exitCode() == 0, qPrintable(commands[i]));
            helpCache().insert(commands[i], QString::fromUtf8(process.readAllStandardOutput()));
        }

        // A MIME database as an installed system has it: the system's freedesktop.org
        // definitions and the package's, merged by update-mime-database into one cache
        // (without that tool, QMimeDatabase reads the two XML files of the folder). It is
        // the only one QMimeDatabase sees; the environment is read at its first use.
        // (One merged database matters: Qt 6.4 lets the last folder's magic match win over
        // an earlier folder's, whatever their priorities.)
        QVERIFY(m_mimeHome.isValid());
        // shared-mime-info comes with Qt (libqt6core6 depends on it).
        const QString system = QStringLiteral("/usr/share/mime/packages/freedesktop.org.xml");
        QVERIFY2(QFileInfo::exists(system), "no /usr/share/mime/packages/freedesktop.org.xml (shared-mime-info)");
        const QString packages = m_mimeHome.filePath(QStringLiteral("share/mime/packages/"));
        QVERIFY(QDir().mkpath(packages));
        QVERIFY(QDir().mkpath(m_mimeHome.filePath(QStringLiteral("home"))));
        QVERIFY(QFile::copy(system, packages + QStringLiteral("freedesktop.org.xml")));
        QVERIFY(QFile::copy(installerPath(QStringLiteral("mime/")) + kAppId + QStringLiteral(".xml"),
                            packages + kAppId + QStringLiteral(".xml")));
        const QString update = QStandardPaths::findExecutable(QStringLiteral("update-mime-database"));
        if (!update.isEmpty())
            run(update, {m_mimeHome.filePath(QStringLiteral("share/mime"))});
        qputenv("XDG_DATA_HOME", QFile::encodeName(m_mimeHome.filePath(QStringLiteral("home"))));
        qputenv("XDG_DATA_DIRS", QFile::encodeName(m_mimeHome.filePath(QStringLiteral("share"))));
        m_mimeReady = true;
    }

    void completionListsEveryCommand()
    {
        const QStringList commands = helpCommands();
        QVERIFY2(commands.size() >= 10, qPrintable(commands.join(' ')));
        const QSet<QString> help(commands.begin(), commands.end());
        const QSet<QString> completion = completionCommands();
        QVERIFY2(help - completion == QSet<QString>(),
                 qPrintable("missing from the completion: " + sorted(help - completion)));
        QVERIFY2(completion - help == QSet<QString>(),
                 qPrintable("in the completion, not in momok --help: " + sorted(completion - help)));
    }

    void completionListsEveryOption_data()
    {
        QTest::addColumn<QString>("command");
        for (const QString &command : helpCommands())
            QTest::newRow(qPrintable(command)) << command;
    }
    void completionListsEveryOption()
    {
        QFETCH(QString, command);
        const QString help = momokHelp(command);
        const QStringList list = helpOptions(help);
        QVERIFY2(list.contains(QLatin1String("--help")), qPrintable(help));
        const QSet<QString> options(list.begin(), list.end());
        const QSet<QString> completion = completionOptions(command);
        QVERIFY2(options - completion == QSet<QString>(),
                 qPrintable("missing from the completion: " + sorted(options - completion)));
        QVERIFY2(completion - options == QSet<QString>(),
                 qPrintable("in the completion, not in --help: " + sorted(completion - options)));
        // Every option that takes a value is handled where the completion completes values,
        // so that a new FILE or DIR option is not completed as if it took none.
        const QStringList valueList = helpOptions(help, OptionsShown::WithValue);
        const QSet<QString> valueOptions(valueList.begin(), valueList.end());
        const QSet<QString> handled = completionValueOptions();
        QVERIFY2(valueOptions - handled == QSet<QString>(),
                 qPrintable("takes a value, not in the completion's `case $prev`: " + sorted(valueOptions - handled)));
    }

    void completionOffersThePresetsTrainNames()
    {
        const QString help = momokHelp(QStringLiteral("train")).simplified();
        static const QRegularExpression re(QStringLiteral("start from a preset: ((?:[a-z][a-z-]*, )*[a-z][a-z-]*)"));
        const auto match = re.match(help);
        QVERIFY2(match.hasMatch(), qPrintable(help));
        const QStringList presets = match.captured(1).split(QStringLiteral(", "));
        QCOMPARE(sorted(completionChoices(QStringLiteral("--preset"))), sorted(QSet<QString>(presets.begin(), presets.end())));
        QCOMPARE(sorted(completionChoices(QStringLiteral("--modality"))), QStringLiteral("I S T joint"));
        QCOMPARE(sorted(completionChoices(QStringLiteral("--format"))), QStringLiteral("npy projector"));
    }

    void manualPageDescribesEveryCommandAndOption()
    {
        QString page = readText(installerPath(QStringLiteral("man/momok.1")));
        page.replace(QLatin1String("\\-"), QLatin1String("-"));
        for (const QString &command : helpCommands()) {
            QVERIFY2(page.contains(QStringLiteral(".SS \"momok ") + command + QLatin1Char(' ')),
                     qPrintable("no section for " + command));
            for (const QString &option : helpOptions(momokHelp(command)))
                QVERIFY2(page.contains(QRegularExpression(QRegularExpression::escape(option) + QStringLiteral("(?![a-z0-9-])"))),
                         qPrintable(command + " " + option + " is not in momok.1"));
        }
        QString studioPage = readText(installerPath(QStringLiteral("man/momok-studio.1")));
        studioPage.replace(QLatin1String("\\-"), QLatin1String("-"));
        const QString studioHelp = run(QStringLiteral(MOMOK_STUDIO), {QStringLiteral("--help")});
        const QStringList studioOptions = helpOptions(studioHelp);
        QVERIFY2(studioOptions.contains(QLatin1String("--dataset")), qPrintable(studioHelp));
        for (const QString &option : studioOptions)
            QVERIFY2(studioPage.contains(QRegularExpression(QRegularExpression::escape(option) + QStringLiteral("(?![a-z0-9-])"))),
                     qPrintable(option + " is not in momok-studio.1"));
    }

    void desktopEntryMetainfoAndMimeAgree()
    {
        const MimeDefinition mime = mimeDefinition();
        QCOMPARE(mime.type, kWorkspaceType);
        QCOMPARE(mime.glob, QStringLiteral("*.momok"));
        QCOMPARE(mime.subClassOf, QStringLiteral("application/vnd.sqlite3"));
        QCOMPARE(mime.icon, kAppId);

        const auto desktop = desktopEntry();
        QCOMPARE(desktop.value("Icon"), kAppId);
        QVERIFY2(desktop.value("MimeType").split(';', Qt::SkipEmptyParts).contains(mime.type),
                 qPrintable(desktop.value("MimeType")));
        QCOMPARE(desktop.value("Exec"), QStringLiteral("momok-studio %f"));

        const Metainfo meta = metainfo();
        QCOMPARE(meta.id, kAppId);
        QCOMPARE(meta.launchable, kAppId + QStringLiteral(".desktop"));
        QVERIFY(QFileInfo::exists(installerPath(meta.launchable)));
        QCOMPARE(meta.mediatypes, QStringList{mime.type});
        QCOMPARE(meta.binaries, (QStringList{QStringLiteral("momok"), QStringLiteral("momok-studio")}));
        QVERIFY(QFileInfo::exists(installerPath(QStringLiteral("icons/")) + kAppId + QStringLiteral(".svg")));
    }

    void metainfoAndChangelogCarryTheProjectVersion()
    {
        const Metainfo meta = metainfo();
        QCOMPARE(meta.releaseVersion, QStringLiteral(MOMOK_PROJECT_VERSION));
        // project_license names the licence of LICENSE.
        QVERIFY(readText(QStringLiteral(MOMOK_SOURCE_DIR "/LICENSE")).startsWith(QLatin1String("MIT License")));
        QCOMPARE(meta.projectLicense, QStringLiteral("MIT"));
        const QString changelog = readText(installerPath(QStringLiteral("debian/changelog")));
        QVERIFY2(changelog.startsWith(QStringLiteral("momok-studio (" MOMOK_PROJECT_VERSION "-1) ")),
                 qPrintable(changelog.section('\n', 0, 0)));
    }

    void mimeMagicIsTheWorkspaceApplicationId()
    {
        const MimeDefinition mime = mimeDefinition();
        QCOMPARE(mime.outerType, QStringLiteral("string"));
        QCOMPARE(mime.outerOffset, QStringLiteral("0"));
        QCOMPARE(mime.outerValue, QStringLiteral("SQLite format 3"));
        QCOMPARE(mime.innerType, QStringLiteral("big32"));
        QCOMPARE(mime.innerOffset, QStringLiteral("68"));
        bool ok = false;
        QCOMPARE(mime.innerValue.toUInt(&ok, 0), kWorkspaceApplicationId);
        QVERIFY(ok);
    }

    void mimeDatabaseRecognisesAWorkspaceByContent()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto write = [&dir](const QString &name, const QByteArray &bytes) {
            QFile file(dir.filePath(name));
            if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
                qFatal("cannot write %s", qPrintable(file.fileName()));
            return file.fileName();
        };
        QVERIFY(m_mimeReady);
        QMimeDatabase db;
        QVERIFY2(db.mimeTypeForName(kWorkspaceType).isValid(), "the MIME definition was not loaded");
        // Content alone: a workspace named like any SQLite file, and a plain SQLite file.
        // A real workspace, as the app creates it, under a name that says nothing.
        {
            QString error;
            QVERIFY2(momok::Workspace::open(dir.filePath("x.db"), &error) != nullptr, qPrintable(error));
        }
        const QMimeType marked = db.mimeTypeForFile(dir.filePath("x.db"));
        QCOMPARE(marked.name(), kWorkspaceType);
        QVERIFY(marked.inherits(QStringLiteral("application/vnd.sqlite3")));
        QCOMPARE(db.mimeTypeForFile(write("plain.db", sqliteHeader(0))).name(), QStringLiteral("application/vnd.sqlite3"));
        QCOMPARE(db.mimeTypeForFile(write("other.db", sqliteHeader(kWorkspaceApplicationId + 1))).name(),
                 QStringLiteral("application/vnd.sqlite3"));
        // The name: workspace.momok, the default workspace file.
        QCOMPARE(db.mimeTypeForFile(write("workspace.momok", sqliteHeader(kWorkspaceApplicationId))).name(), kWorkspaceType);
        QCOMPARE(db.mimeTypeForFile(dir.filePath("not-yet-created.momok"), QMimeDatabase::MatchExtension).name(),
                 kWorkspaceType);
    }

private:
    QTemporaryDir m_mimeHome;
    bool m_mimeReady = false;
};

QTEST_GUILESS_MAIN(TestPackaging)
#include "tst_packaging.moc"
