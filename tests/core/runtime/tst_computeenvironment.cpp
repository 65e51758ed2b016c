#include "distributed/DistributedSetup.h"
#include "runtime/ComputeEnvironment.h"
#include "runtime/Gemm.h"

#include <torch/torch.h>

#include <QtTest>

using namespace momok;

class TestComputeEnvironment : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void setsRequestedThreadCount()
    {
        const ComputeInfo info = configureComputeEnvironment(3);
        QCOMPARE(at::get_num_threads(), 3);
        QCOMPARE(info.intraOpThreads, 3);
    }
    // The engine's own parallel loops reach every intra-op thread, not just LibTorch's
    // operators (they run serially in a build whose core library lacks OpenMP), and a build
    // where they would not says so.
    void kernelsRunOnEveryIntraOpThread()
    {
        const ComputeInfo info = configureComputeEnvironment(3);
        QCOMPARE(info.kernelThreads, 3);
        QVERIFY(longDescription(info).contains("the engine's kernels: 3"));
        QVERIFY(!performanceWarning(info).contains("OpenMP"));
        ComputeInfo serial = info;
        serial.kernelThreads = 1;
        QVERIFY(performanceWarning(serial).contains("run on 1 of 3 threads"));
        QCOMPARE(configureComputeEnvironment(1).kernelThreads, 1);
    }
    void defaultsToPhysicalCores()
    {
        const int cores = physicalCoreCount();
        QVERIFY(cores >= 1);
        const ComputeInfo info = configureComputeEnvironment();
        QCOMPARE(info.intraOpThreads, cores);
        QCOMPARE(at::get_num_threads(), cores);
    }
    void detectsTheLoadedBlas()
    {
        const ComputeInfo info = currentComputeInfo();
        QVERIFY2(!info.blasLibrary.isEmpty(), "sgemm_ must resolve to a loaded library");
        QVERIFY(QFileInfo::exists(info.blasLibrary));
        // The project installs libopenblas0-pthread for Debian's LibTorch; the reference BLAS
        // here means a broken setup. A LibTorch with its own BLAS inside (PyTorch's wheels:
        // MKL, or OpenBLAS on Arm) names that one.
        const bool insideLibTorch = QFileInfo(info.blasLibrary).fileName().startsWith("libtorch");
        QVERIFY2(info.blasName.startsWith("OpenBLAS") || (insideLibTorch && info.blasName == "Intel MKL"),
                 qPrintable(info.blasName + " from " + info.blasLibrary));
        QVERIFY(!info.referenceBlas);
        QVERIFY(performanceWarning(info).isEmpty());
        ComputeInfo reference = info;
        reference.referenceBlas = true;
        QVERIFY(performanceWarning(reference).contains("reference BLAS"));
    }
    void describesItself()
    {
        ComputeInfo info = configureComputeEnvironment(2);
        QVERIFY(longDescription(info).contains("LibTorch "));
        QVERIFY(longDescription(info).contains("Devices: cpu"));
        // It says whether several processes can use NCCL, as this build was configured.
        QCOMPARE(longDescription(info).contains("NCCL with a GPU per process"), ncclBuiltIn());
        QCOMPARE(longDescription(info).contains("(this build has no NCCL)"), !ncclBuiltIn());
        const QString blas = info.blasName.section(' ', 0, 1);
        info.availableDevices = {QStringLiteral("cpu")};
        // Where the engine's products go is named too, when that is oneDNN.
        QCOMPARE(info.gemm, gemmDescription());
        QCOMPARE(info.gemmOnOneDnn, gemmLibrary() == GemmLibrary::OneDnn);
        info.gemm = QStringLiteral("oneDNN 2.6.3");
        info.gemmOnOneDnn = true;
        QCOMPARE(shortDescription(info), QStringLiteral("CPU · 2 threads · oneDNN 2.6.3 / ") + blas);
        QVERIFY(longDescription(info).contains("The engine's matrix products: oneDNN 2.6.3\n"));
        info.gemm = QStringLiteral("the BLAS (MOMOK_GEMM=blas)");
        info.gemmOnOneDnn = false;
        QCOMPARE(shortDescription(info), QStringLiteral("CPU · 2 threads · ") + blas);
        // A GPU the machine offers is named; a run on it names its device first.
        info.availableDevices << QStringLiteral("cuda:0");
        QCOMPARE(shortDescription(info), QStringLiteral("CPU · 2 threads · %1 · GPU cuda:0").arg(blas));
        info.device = QStringLiteral("cuda:0");
        QCOMPARE(shortDescription(info), QStringLiteral("CUDA:0 · 2 threads · ") + blas);
    }
    // MOMOK_GEMM takes blas or onednn; anything else keeps the default and is said at start.
    void readsTheProductsSetting()
    {
        QString problem;
        QCOMPARE(readGemmRequest(nullptr, &problem), GemmRequest::Default);
        QCOMPARE(readGemmRequest("", &problem), GemmRequest::Default);
        QCOMPARE(readGemmRequest("blas", &problem), GemmRequest::Blas);
        QCOMPARE(readGemmRequest(" BLAS\n", &problem), GemmRequest::Blas);
        QCOMPARE(readGemmRequest("oneDNN", &problem), GemmRequest::OneDnn);
        QVERIFY(problem.isEmpty());
        QCOMPARE(readGemmRequest("mkl", &problem), GemmRequest::Default);
        QVERIFY2(problem.contains("MOMOK_GEMM=mkl") && problem.contains("blas or onednn"), qPrintable(problem));
        // This process's own setting (the suite runs without one) raises no warning.
        ComputeInfo info = currentComputeInfo();
        QVERIFY(info.gemmSettingProblem.isEmpty());
        QVERIFY(!performanceWarning(info).contains("MOMOK_GEMM"));
        info.gemmSettingProblem = problem;
        QVERIFY(performanceWarning(info).contains("warning: MOMOK_GEMM=mkl is not understood"));
    }
};

QTEST_GUILESS_MAIN(TestComputeEnvironment)
#include "tst_computeenvironment.moc"
