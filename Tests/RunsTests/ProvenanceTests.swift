import Datasets
import Foundation
import TestSupport
import XCTest

@testable import Runs

/// The run cache keys on the code that builds `report`, not on the whole commit.
final class ProvenanceTests: XCTestCase {
  private var repository = ""

  override func setUpWithError() throws {
    repository = try scratch()
    try FileManager.default.createDirectory(
      atPath: repository + "/Sources/report", withIntermediateDirectories: true)
    try write("let answer = 42\n", to: repository + "/Sources/report/main.swift")
    try write("// swift-tools-version:6.0\n", to: repository + "/Package.swift")
    try write("# report\n", to: repository + "/README.md")
    try git("init", "-q")
    try commitAll("code")
  }

  func testADocumentationCommitKeepsTheCodeTreeAndTheCacheKey() throws {
    let before = try provenanceHere()
    XCTAssertNotNil(before.codeTree)
    XCTAssertEqual(before.codeDirty, false)
    XCTAssert(before.isCommittedCode)

    try write("# report\n\nMore words.\n", to: repository + "/README.md")
    let dirtyReadme = try provenanceHere()
    XCTAssertEqual(dirtyReadme.gitDirty, true)
    XCTAssertEqual(dirtyReadme.codeDirty, false, "a changed README is not changed code")
    XCTAssert(dirtyReadme.isCommittedCode)

    try commitAll("docs")
    let after = try provenanceHere()
    XCTAssertNotEqual(after.gitCommit, before.gitCommit)
    XCTAssertEqual(after.codeTree, before.codeTree)
    XCTAssertEqual(summary(after).cacheKey, summary(before).cacheKey)

    try write("let answer = 43\n", to: repository + "/Sources/report/main.swift")
    try commitAll("code change")
    let changed = try provenanceHere()
    XCTAssertNotEqual(changed.codeTree, before.codeTree)
    XCTAssertNotEqual(summary(changed).cacheKey, summary(before).cacheKey)
  }

  func testUncommittedOrNewCodeIsNeverReused() throws {
    try write("let more = 1\n", to: repository + "/Sources/report/new.swift")
    let untracked = try provenanceHere()
    XCTAssertEqual(untracked.gitDirty, false, "git's tracked-file view sees nothing")
    XCTAssertEqual(untracked.codeDirty, true, "but the new file compiles into report")
    XCTAssertFalse(untracked.isCommittedCode)
    XCTAssertFalse(summary(untracked).isReusable)
  }

  /// Runs recorded before the code hashes keep the key they were indexed under.
  func testRunsRecordedBeforeTheCodeHashesKeepTheirKey() {
    let old = Provenance(
      gitCommit: "0123456789abcdef", gitDirty: false, binaryVersion: "0.1.0",
      swiftVersion: "test", blas: "test", machine: "test", threads: 2,
      datasetChecksums: ["train": "aa", "test": "bb"])
    let parts = ["cfg", "test=bb;train=aa", "0123456789abcdef", "false", "0.1.0", "7"]
    XCTAssertEqual(
      summary(old).cacheKey,
      Checksum.sha256(Data((parts + ["reference fp32"]).joined(separator: "\n").utf8)))
    XCTAssert(summary(old).isReusable)
  }

  private func summary(_ provenance: Provenance) -> RunSummary {
    RunSummary(
      runID: "r", experiment: "e", status: .completed, startedAt: "", trainingSeconds: 0,
      totalSeconds: 0, epochsRun: 0, parameters: 0, seed: 7, configHash: "cfg",
      provenance: provenance)
  }

  /// A runner's provenance names the code its process started from: a commit made while a long
  /// sweep plans or trains its trials does not change what that binary is.
  func testARecorderAsksGitAboutTheCodeOnce() throws {
    let record = Provenance.recorder()
    let first = try provenanceHere(record)
    try write("let answer = 43\n", to: repository + "/Sources/report/main.swift")
    try commitAll("code change")
    XCTAssertEqual(try provenanceHere(record).codeTree, first.codeTree)
    XCTAssertEqual(try provenanceHere(record).gitCommit, first.gitCommit)
    XCTAssertNotEqual(try provenanceHere().codeTree, first.codeTree, "git itself moved on")
  }

  /// `Provenance.current` (or `record`) as seen from a subfolder of the repository.
  private func provenanceHere(
    _ record: ([String: String]) -> Provenance = { Provenance.current(datasetChecksums: $0) }
  ) throws -> Provenance {
    let previous = FileManager.default.currentDirectoryPath
    defer { FileManager.default.changeCurrentDirectoryPath(previous) }
    XCTAssert(FileManager.default.changeCurrentDirectoryPath(repository + "/Sources"))
    return record([:])
  }

  private func commitAll(_ message: String) throws {
    try git("add", "-A")
    try git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message)
  }

  private func git(_ arguments: String...) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "-C", repository] + arguments
    try process.run()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, "git \(arguments)")
  }
}
