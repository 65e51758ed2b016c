#include "distributed/DistributedSetup.h"

#include <QStringList>
#include <QtGlobal>

namespace momok {

int collectiveTimeoutSeconds()
{
    bool ok = false;
    const int seconds = qEnvironmentVariableIntValue("MOMOK_COLLECTIVE_TIMEOUT", &ok);
    return ok && seconds > 0 ? seconds : 60;
}

QString communicationBackendName(CommunicationBackend backend)
{
    return backend == CommunicationBackend::Nccl ? QStringLiteral("nccl") : QStringLiteral("gloo");
}

bool parseCommunicationBackend(const QString &name, CommunicationBackend *backend)
{
    for (const CommunicationBackend candidate : kCommunicationBackends) {
        if (name == communicationBackendName(candidate)) {
            *backend = candidate;
            return true;
        }
    }
    return false;
}

QString communicationBackendNames()
{
    QStringList names;
    for (const CommunicationBackend backend : kCommunicationBackends)
        names << communicationBackendName(backend);
    return names.join(QLatin1String(", "));
}

QString communicationBackendTitle(CommunicationBackend backend)
{
    return backend == CommunicationBackend::Nccl ? QStringLiteral("NCCL") : QStringLiteral("Gloo");
}

bool ncclBuiltIn()
{
#ifdef MOMOK_HAVE_NCCL
    return true;
#else
    return false;
#endif
}

CommunicationBackend chooseCommunicationBackend(const QString &device, int localProcesses, int gpus, bool ncclAvailable)
{
    // NCCL refuses two ranks of one communicator on one GPU, so it needs a GPU per process here.
    const bool ownGpuEach = device == QLatin1String("cuda") && localProcesses >= 1 && gpus >= localProcesses;
    return ncclAvailable && ownGpuEach ? CommunicationBackend::Nccl : CommunicationBackend::Gloo;
}

QString processDevice(const QString &device, int localRank, CommunicationBackend backend)
{
    return backend == CommunicationBackend::Nccl ? QStringLiteral("cuda:%1").arg(localRank) : device;
}

bool parseMasterAddress(const QString &value, QString *host, int *port, QString *error)
{
    const int colon = value.lastIndexOf(QLatin1Char(':'));
    bool ok = false;
    const int p = colon > 0 ? value.mid(colon + 1).toInt(&ok) : 0;
    if (colon <= 0 || !ok || p <= 0 || p > 65535) {
        if (error)
            *error = QStringLiteral("--master %1: expected HOST:PORT with a port from 1 to 65535").arg(value);
        return false;
    }
    *host = value.left(colon);
    if (host->startsWith(QLatin1Char('[')) && host->endsWith(QLatin1Char(']')))
        *host = host->mid(1, host->size() - 2);
    *port = p;
    return true;
}

} // namespace momok
