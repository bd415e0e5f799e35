import Foundation

/// The exclusive lock (`flock` on the run folder's `.lock` file) that the process training a run
/// holds until it finishes or dies, however it dies: the kernel releases it with the process.
/// Two `resume`s of one lost run read its status at the same moment; only one gets the lock.
final class RunLock {
  private let descriptor: Int32

  /// Takes the lock of the run in `paths`, or throws `stillRunning` when another process holds
  /// it (`process` is what the run's heartbeat says trains it).
  init(_ paths: RunPaths, process: @autoclosure () -> ProcessIdentity?) throws {
    // Close-on-exec: child processes (sweep trials, git) must not keep the lock alive.
    descriptor = open(paths.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw RunError.corruptRecord(
        path: paths.lock, reason: "cannot open the run's lock: \(String(cString: strerror(errno)))")
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      let reason = errno
      close(descriptor)
      guard reason == EWOULDBLOCK else {
        throw RunError.corruptRecord(
          path: paths.lock, reason: "cannot lock the run: \(String(cString: strerror(reason)))")
      }
      throw RunError.stillRunning(runID: paths.runID, process: process())
    }
  }

  deinit { close(descriptor) }
}
