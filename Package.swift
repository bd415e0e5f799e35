// swift-tools-version:5.9
import PackageDescription

let package = Package(
  name: "report",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "report", targets: ["report"]),
    // The readers of outside data, for the fuzz targets in Fuzzing/ (a package of its own,
    // built only by scripts/fuzz.sh with the fuzzer runtime).
    .library(
      name: "ReportReaders",
      targets: ["Datasets", "NeuralNet", "ExperimentDefinitions", "Runs", "Reports"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
  ],
  targets: [
    .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(
      name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev", "libpng-dev"])]),
    .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
    .systemLibrary(name: "CPostgreSQL", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
    .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    // The engine's own vector kernels in C (intrinsics Swift cannot name): the FMA peak probe,
    // Winograd's transforms and products, the one-channel direct convolution.
    .target(name: "CKernels"),
    .target(name: "NeuralNet", dependencies: ["CBLAS", "CDNNL", "CKernels"]),
    .target(name: "AtomicFiles"),
    .target(
      name: "Datasets", dependencies: ["CZlib", .product(name: "Crypto", package: "swift-crypto")]),
    .target(name: "Plots", dependencies: ["AtomicFiles", "CCairo"]),
    .target(name: "Notebook"),
    .target(name: "Deployment", dependencies: ["NeuralNet"]),
    .target(name: "ErrorAnalysis", dependencies: ["NeuralNet"]),
    .target(
      name: "ExperimentDefinitions",
      dependencies: ["NeuralNet", "Datasets", .product(name: "Yams", package: "Yams")]
    ),
    .target(name: "RunStorage", dependencies: ["AtomicFiles", "CSQLite", "CPostgreSQL"]),
    .target(name: "Slurm"),
    .target(
      name: "Runs",
      dependencies: [
        "AtomicFiles", "Deployment", "ErrorAnalysis", "ExperimentDefinitions", "RunStorage",
        "NeuralNet", "Datasets",
      ]
    ),
    .target(
      name: "Reports",
      dependencies: [
        "AtomicFiles", "Deployment", "ErrorAnalysis", "Runs", "ExperimentDefinitions", "NeuralNet",
        "Datasets", "Plots", "Notebook",
      ]
    ),
    .target(
      name: "Sweeps",
      dependencies: [
        "AtomicFiles", "ExperimentDefinitions", "Reports", "Runs", "RunStorage", "Slurm",
        .product(name: "Logging", package: "swift-log"),
      ]),
    .target(
      name: "Server",
      dependencies: [
        "Reports", "Runs", "RunStorage", "Notebook", "Datasets",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "Logging", package: "swift-log"),
      ]),
    .target(
      name: "Benchmarks",
      dependencies: ["Reports", "Runs", "ExperimentDefinitions", "NeuralNet", "Datasets"]),
    .executableTarget(
      name: "report",
      dependencies: [
        "Benchmarks", "Reports", "Runs", "RunStorage", "Server", "Slurm", "Sweeps",
        "ErrorAnalysis", "ExperimentDefinitions",
        "NeuralNet", "Datasets",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .target(name: "TestSupport", dependencies: ["Plots", "Datasets"], path: "Tests/TestSupport"),
    // A second process for the tests that need one: eight processes recording into one run
    // store, a notebook rendered under another hash seed (see Tests/TestChild/main.swift).
    .executableTarget(
      name: "TestChild", dependencies: ["RunStorage", "Notebook"], path: "Tests/TestChild"),
    .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "Datasets"]),
    .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
    .testTarget(name: "DeploymentTests", dependencies: ["Deployment", "NeuralNet"]),
    .testTarget(
      name: "ErrorAnalysisTests",
      dependencies: ["ErrorAnalysis", "NeuralNet", "Datasets", "TestSupport"]),
    .testTarget(name: "PlotsTests", dependencies: ["Plots"], exclude: ["Golden"]),
    .testTarget(name: "NotebookTests", dependencies: ["Notebook", "TestSupport"]),
    .testTarget(
      name: "ExperimentDefinitionsTests", dependencies: ["ExperimentDefinitions", "TestSupport"]),
    .testTarget(name: "RunStorageTests", dependencies: ["RunStorage", "TestSupport"]),
    .testTarget(
      name: "RunsTests", dependencies: ["Runs", "Reports", "Plots", "Datasets", "TestSupport"]),
    .testTarget(
      name: "ReportsTests",
      dependencies: [
        "Reports", "Runs", "RunStorage", "Plots", "Datasets", "Notebook", "TestSupport",
      ]),
    .testTarget(name: "SlurmTests", dependencies: ["Slurm", "TestSupport"]),
    .testTarget(
      name: "SweepsTests",
      dependencies: ["Sweeps", "Runs", "Reports", "RunStorage", "Slurm", "TestSupport"]),
    .testTarget(
      name: "ServerTests",
      dependencies: [
        "Server", "Runs", "Reports", "RunStorage", "Datasets", "TestSupport",
        .product(name: "HummingbirdTesting", package: "hummingbird"),
      ],
      swiftSettings: [.enableUpcomingFeature("BareSlashRegexLiterals")]),
    .testTarget(
      name: "reportTests", dependencies: ["report", "NeuralNet", "Runs", "TestSupport"],
      swiftSettings: [.enableUpcomingFeature("BareSlashRegexLiterals")]),
  ]
)
