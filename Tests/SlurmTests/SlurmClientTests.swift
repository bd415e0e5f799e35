import Foundation
import TestSupport
import XCTest

@testable import Slurm

/// `sbatch`, `scontrol` and `scancel` against the one-node test cluster (`scripts/services.sh`).
final class SlurmClientTests: XCTestCase {
  private var searchPath: String { ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin" }

  private func scratch() throws -> String {
    let dir = NSTemporaryDirectory() + "report-slurm-\(name.filter(\.isLetter))-\(getpid())"
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  func testMissingSbatchIsNamedWithThePathSearched() {
    XCTAssertThrowsError(try SlurmClient(searchPath: "/nonexistent:/also-not")) { error in
      XCTAssertEqual(
        error as? SlurmError, .missingCommand("sbatch", searched: "/nonexistent:/also-not"))
      XCTAssertEqual(
        "\(error)",
        "sbatch is not on the PATH (/nonexistent:/also-not): Slurm's client commands are needed")
    }
  }

  func testARejectedSubmissionCarriesSlurmsMessage() throws {
    _ = try TestServices.slurm()
    let dir = try scratch()
    var script = BatchScript(jobName: "rejected", logPath: dir + "/log", command: ["true"])
    script.partition = "no_such_partition"
    try script.text.write(toFile: dir + "/job.sbatch", atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try SlurmClient(searchPath: searchPath).submit(dir + "/job.sbatch")) {
      error in
      guard case .rejected(let command, let message) = error as? SlurmError else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual(command, "sbatch --parsable \(dir)/job.sbatch")
      XCTAssert(message.contains("invalid partition specified: no_such_partition"), message)
    }
  }

  func testAHeldArrayRunsEveryTaskOnceReleasedAndItsDependentAfterIt() throws {
    _ = try TestServices.slurm()
    let dir = try scratch()
    let slurm = try SlurmClient(searchPath: searchPath)
    let array = BatchScript(
      jobName: "array", arrayIndices: [1, 3], logPath: dir + "/task-%a.log",
      command: [
        "/bin/sh", "-c", "echo task ${SLURM_ARRAY_TASK_ID} > \(dir)/done-${SLURM_ARRAY_TASK_ID}",
      ])
    try array.text.write(toFile: dir + "/array.sbatch", atomically: true, encoding: .utf8)
    let job = try slurm.submit(dir + "/array.sbatch", hold: true)
    let after = BatchScript(
      jobName: "after", logPath: dir + "/after.log",
      command: ["/bin/sh", "-c", "ls \(dir) | grep -c '^done-' > \(dir)/after"])
    try after.text.write(toFile: dir + "/after.sbatch", atomically: true, encoding: .utf8)
    _ = try slurm.submit(dir + "/after.sbatch", dependency: "afterany:\(job)")
    // Held: nothing runs until released.
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/done-1"))
    try slurm.release(job)
    let deadline = Date().addingTimeInterval(120)
    while !FileManager.default.fileExists(atPath: dir + "/after"), Date() < deadline {
      usleep(200_000)
    }
    usleep(200_000)
    XCTAssertEqual(
      try String(contentsOfFile: dir + "/done-1", encoding: .utf8), "task 1\n")
    XCTAssertEqual(
      try String(contentsOfFile: dir + "/done-3", encoding: .utf8), "task 3\n")
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/done-0"))
    XCTAssertEqual(try String(contentsOfFile: dir + "/after", encoding: .utf8), "2\n")
  }

  func testCancellingAHeldJobRunsNothing() throws {
    _ = try TestServices.slurm()
    let dir = try scratch()
    let slurm = try SlurmClient(searchPath: searchPath)
    let script = BatchScript(
      jobName: "cancelled", logPath: dir + "/log", command: ["/usr/bin/touch", dir + "/ran"])
    try script.text.write(toFile: dir + "/job.sbatch", atomically: true, encoding: .utf8)
    let job = try slurm.submit(dir + "/job.sbatch", hold: true)
    try slurm.cancel(job)
    XCTAssertThrowsError(try slurm.release(job)) { error in
      XCTAssert("\(error)".contains("scontrol release \(job)"), "\(error)")
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/ran"))
  }
}
