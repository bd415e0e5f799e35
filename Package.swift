// swift-tools-version:5.9
import PackageDescription

let package = Package(
  name: "report",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "report", targets: ["report"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
  ],
  targets: [
    .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev", "libpng-dev"])]),
    .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
    .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .target(name: "NeuralNet", dependencies: ["CBLAS", "CDNNL"]),
    .target(name: "Datasets", dependencies: ["CZlib"]),
    .target(name: "Plots", dependencies: ["CCairo"]),
    .target(name: "Notebook"),
    .target(
      name: "Experiments",
      dependencies: ["NeuralNet", "Datasets", "Plots", "Notebook", "CSQLite", .product(name: "Yams", package: "Yams")]
    ),
    .executableTarget(
      name: "report",
      dependencies: ["Experiments", "NeuralNet", "Datasets", .product(name: "ArgumentParser", package: "swift-argument-parser")]
    ),
    .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "Datasets"]),
    .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
    .testTarget(name: "PlotsTests", dependencies: ["Plots"]),
    .testTarget(name: "NotebookTests", dependencies: ["Notebook"]),
    .testTarget(name: "ExperimentsTests", dependencies: ["Experiments"]),
    .testTarget(name: "reportTests", dependencies: ["report"]),
  ]
)
