import Foundation
import NeuralNet

/// Shows training progress on standard error: a live bar on a terminal, one plain line per
/// epoch otherwise; nothing with `--quiet`.
final class ProgressDisplay: TrainingCallback {
  private let interactive = isatty(STDERR_FILENO) == 1
  private var lastDraw = Date.distantPast

  /// The bar redraws itself with carriage returns, so it is written as it is, not logged.
  private func write(_ text: String) {
    guard PlainStandardErrorLogHandler.level.value <= .info else { return }
    FileHandle.standardError.write(Data(text.utf8))
  }

  func batchDidEnd(_ p: BatchProgress, state: TrainingState) {
    guard interactive, Date().timeIntervalSince(lastDraw) > 0.1 || p.batch == p.batches else {
      return
    }
    lastDraw = Date()
    let width = 28
    let done = Int(Double(width) * Double(p.batch) / Double(p.batches))
    let eta = p.elapsed / Double(p.batch) * Double(p.batches - p.batch)
    let bar =
      String(repeating: "=", count: done) + (done < width ? ">" : "")
      + String(repeating: " ", count: max(0, width - done - 1))
    write(
      String(
        format: "\r\u{1B}[2KEpoch %d/%d [%@] %d/%d  loss %.4f  acc %.4f  %.0f img/s  ETA %.0fs",
        p.epoch, p.epochs, bar, p.batch, p.batches, p.loss, p.accuracy, p.imagesPerSecond, eta))
  }

  func epochDidEnd(_ m: EpochMetrics, state: TrainingState) {
    let validation =
      m.valAccuracy.map { String(format: "  val_loss %.4f  val_acc %.4f", m.valLoss ?? .nan, $0) }
      ?? ""
    write(
      (interactive ? "\r\u{1B}[2K" : "")
        + String(
          format: "epoch %d: loss %.4f  acc %.4f%@  lr %.2g  %.1fs  %.0f img/s\n", m.epoch, m.loss,
          m.accuracy, validation, m.learningRate, m.seconds, m.imagesPerSecond))
  }
}

/// Ctrl-C (SIGINT), SIGTERM and SIGHUP ask the running training to stop after the current
/// batch, checkpoint and record the run as interrupted; a second signal quits at once. SIGTERM is
/// what Slurm sends at a time limit, on `scancel` and on preemption, and what systemd and
/// container runtimes send; SIGHUP comes when the terminal goes away.
enum Interruption {
  /// The signals handled, each as Ctrl-C is.
  static let signals = [SIGINT, SIGTERM, SIGHUP]
  /// The first signal received; 0 while none has come.
  nonisolated(unsafe) private static var received: sig_atomic_t = 0

  static var isRequested: Bool { received != 0 }

  /// The exit status that says which signal stopped the process, as a shell reports one that
  /// killed it: 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM).
  static var exitStatus: Int32 { 128 + (received != 0 ? received : SIGINT) }

  /// The signal a process that runs others must pass on to them: SIGTERM, sent to it alone.
  /// Ctrl-C and a closed terminal reach the whole process group by themselves.
  static var signalForChildren: Int32? { received == SIGTERM ? SIGTERM : nil }

  static func install() {
    for number in signals {
      signal(number) { number in
        if Interruption.received != 0 { _exit(128 + number) }
        Interruption.received = number
      }
    }
  }
}
