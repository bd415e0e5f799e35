import Foundation
import XCTest

@testable import Slurm

/// The script `sbatch` gets: its options, and a command that bash runs word for word.
final class BatchScriptTests: XCTestCase {
  func testOptionsBecomeSbatchLines() throws {
    var script = BatchScript(
      jobName: "report-demo", arrayIndices: [0, 2, 3], throttle: 2, partition: "gpu",
      timeLimit: "1:30:00", cpusPerTask: 2, logPath: "/shared/out/trial-%a.log",
      command: ["report", "run", "demo"])
    script.workingDirectory = "/shared"
    script.stopSignalSeconds = 120
    script.requeue = true
    try script.validate()
    XCTAssertEqual(
      script.text,
      """
      #!/bin/bash
      #SBATCH --job-name="report-demo"
      #SBATCH --array=0,2,3%2
      #SBATCH --partition=gpu
      #SBATCH --time=1:30:00
      #SBATCH --cpus-per-task=2
      #SBATCH --output="/shared/out/trial-%a.log"
      #SBATCH --chdir="/shared"
      #SBATCH --signal=B:TERM@120
      #SBATCH --requeue
      exec "report" "run" "demo"

      """)
  }

  func testCommandWordsReachTheProgramUnchangedButTaskVariables() throws {
    let words = ["it's \"quoted\"", "$HOME", "`date`", "back\\slash", "t${SLURM_ARRAY_TASK_ID}-x"]
    let script = BatchScript(
      jobName: "j", logPath: "/dev/null", command: ["/usr/bin/printf", "%s\\n"] + words)
    let path = NSTemporaryDirectory() + "report-slurm-words-\(getpid()).sh"
    try script.text.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [path]
    process.environment = ["SLURM_ARRAY_TASK_ID": "7", "HOME": "/root"]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(
      printed.split(separator: "\n").map(String.init),
      ["it's \"quoted\"", "$HOME", "`date`", "back\\slash", "t7-x"])
  }

  func testOptionsSlurmWouldMisreadAreRefused() {
    let base = BatchScript(jobName: "j", logPath: "l", command: ["true"])
    var cases: [(BatchScript, String)] = []
    var script = base
    script.timeLimit = "90 minutes"
    cases.append((script, "time limit '90 minutes': expected minutes, MM:SS, HH:MM:SS"))
    script = base
    script.partition = "a b"
    cases.append((script, "partition 'a b': expected a partition name without spaces"))
    script = base
    script.cpusPerTask = 0
    cases.append((script, "CPUs per task '0': expected 1 or more"))
    for (script, message) in cases {
      XCTAssertThrowsError(try script.validate()) { error in
        XCTAssert("\(error)".hasPrefix(message), "\(error)")
      }
    }
    for limit in ["30", "10:00", "2:00:00", "1-12", "1-12:30:00"] {
      script = base
      script.timeLimit = limit
      XCTAssertNoThrow(try script.validate(), limit)
    }
  }
}
