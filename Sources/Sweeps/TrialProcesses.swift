import Foundation

/// Sweep trials as child processes of `report` (`report sweep NAME --trial K`), at most `jobs`
/// at once, their output prefixed with the trial.
struct TrialProcesses {
  let name: String
  let options: SweepOptions
  /// Stops starting new trials when it returns true (Ctrl-C: the children, in the same process
  /// group, get it too and stop as interrupted).
  let isCancelled: () -> Bool
  /// A signal to send the running children once cancelled: SIGTERM, which was sent to this
  /// process alone (nil for Ctrl-C, which the whole process group received).
  let passOn: () -> Int32?

  /// The arguments that run trial `trial` (a number, or a shell reference to one) of the sweep
  /// with `threads` threads, exactly as this process would; without a trial, the sweep as a
  /// whole (its page).
  static func arguments(name: String, options: SweepOptions, trial: String?, threads: Int)
    -> [String]
  {
    ["sweep", options.definition ?? name] + (trial.map { ["--trial", $0] } ?? []) + [
      "--threads", String(threads),
    ]
      + (options.force ? ["--force"] : []) + options.sharedArguments
  }

  /// Runs `indices`; returns those whose process failed or never started.
  func run(_ indices: [Int]) throws -> [Int] {
    let executable = try options.binary()
    var queue = indices[...]
    var running: [Int: Process] = [:]
    var failed: [Int] = []
    let exited = ExitedTrials()
    var signalled = false
    while !queue.isEmpty || !running.isEmpty {
      while running.count < options.jobs, let index = queue.first, !isCancelled() {
        queue.removeFirst()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Self.arguments(
          name: name, options: options, trial: String(index), threads: options.threadsPerTrial)
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        errors.fileHandleForReading.readabilityHandler = { handle in
          exited.write(prefixed(handle.availableData, trial: index))
        }
        process.terminationHandler = { _ in exited.insert(index) }
        try process.run()
        running[index] = process
      }
      if running.isEmpty { break }
      let done = exited.wait(seconds: 0.2)
      if isCancelled(), !signalled, let number = passOn() {
        for process in running.values { kill(process.processIdentifier, number) }
        signalled = true
      }
      for (index, process) in running where done.contains(index) {
        process.waitUntilExit()
        if let pipe = process.standardError as? Pipe {
          pipe.fileHandleForReading.readabilityHandler = nil
          exited.write(prefixed(pipe.fileHandleForReading.readDataToEndOfFile(), trial: index))
        }
        if process.terminationStatus != 0 { failed.append(index) }
        running[index] = nil
      }
    }
    return failed + queue
  }
}

/// A child's output with every line prefixed by its trial.
private func prefixed(_ data: Data, trial index: Int) -> String {
  String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
    .map { "[trial \(index)] \($0)\n" }.joined()
}

/// The trials whose processes have exited, filled in from Foundation's handler threads, and the
/// one lock their prefixed output is written under.
private final class ExitedTrials: @unchecked Sendable {
  private let lock = NSLock()
  private let signal = DispatchSemaphore(value: 0)
  private var indices: Set<Int> = []

  func insert(_ index: Int) {
    lock.lock()
    indices.insert(index)
    lock.unlock()
    signal.signal()
  }

  /// Blocks until a process exits or `seconds` pass; returns every trial that has exited so far.
  func wait(seconds: Double) -> Set<Int> {
    _ = signal.wait(timeout: .now() + seconds)
    lock.lock()
    defer { lock.unlock() }
    return indices
  }

  /// Passes a child's lines on to this process's standard error, one child's chunk at a time.
  func write(_ text: String) {
    lock.lock()
    FileHandle.standardError.write(Data(text.utf8))
    lock.unlock()
  }
}
