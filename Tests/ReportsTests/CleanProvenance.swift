@testable import Runs

/// The provenance of a run made from committed code, so the run cache may reuse it.
func cleanProvenance(_ checksums: [String: String]) -> Provenance {
  Provenance(
    gitCommit: "0123456789abcdef", gitDirty: false, binaryVersion: Provenance.binaryVersion,
    swiftVersion: "test", blas: "test", machine: "test", threads: 2, datasetChecksums: checksums)
}
