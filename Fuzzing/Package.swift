// swift-tools-version:5.9
// Coverage-guided fuzz targets (libFuzzer) for every reader of outside data in `report`. A
// package of its own so that the normal `swift build` and `swift test` never need the fuzzer
// runtime: scripts/fuzz.sh builds it with `-sanitize=fuzzer,address` and runs each target.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder: wherever the repository was cloned.
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().lastPathComponent.lowercased()
let readers = Target.Dependency.product(name: "ReportReaders", package: repository)

/// One executable per reader; each defines `LLVMFuzzerTestOneInput` and libFuzzer supplies `main`.
let fuzzTargets = [
  "FuzzExperimentYAML", "FuzzIDX", "FuzzKaggleCSV", "FuzzDigitPNG", "FuzzSafeTensors",
  "FuzzRunFolder",
]

let package = Package(
  name: "report-fuzz",
  platforms: [.macOS(.v13)],
  dependencies: [.package(path: "..")],
  targets: [.target(name: "FuzzSupport", dependencies: [readers])]
    + fuzzTargets.map { .executableTarget(name: $0, dependencies: ["FuzzSupport", readers]) }
)
