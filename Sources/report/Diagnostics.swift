import ArgumentParser
import Foundation
import Logging

/// The command line's diagnostics. Commands and libraries log through swift-log; this handler
/// prints each message on standard error as a plain line (warnings and errors prefixed so), at
/// the one level that `--quiet` and `--verbose` choose for the whole process. Standard output
/// stays for results (a report's path, JSON), so `report show RUN | jq` works.
struct PlainStandardErrorLogHandler: LogHandler {
  /// The process's level: `info` by default, `warning` with `--quiet`, `debug` with `--verbose`.
  static let level = SharedLevel()

  var metadata: Logger.Metadata = [:]
  var metadataProvider: Logger.MetadataProvider?

  var logLevel: Logger.Level {
    get { Self.level.value }
    set { Self.level.value = newValue }
  }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    let prefix: String
    switch event.level {
    case .trace, .debug, .info, .notice: prefix = ""
    case .warning: prefix = "warning: "
    case .error, .critical: prefix = "error: "
    }
    FileHandle.standardError.write(Data("\(prefix)\(event.message)\n".utf8))
  }

  /// A level every handler of the process reads, set once the command line is parsed.
  final class SharedLevel: @unchecked Sendable {
    private let lock = NSLock()
    private var level = Logger.Level.info

    var value: Logger.Level {
      get { lock.withLock { level } }
      set { lock.withLock { level = newValue } }
    }
  }
}

/// `--quiet` and `--verbose`, which every command takes.
struct LoggingOptions: ParsableArguments {
  @Flag(name: .long, help: "Print only warnings and errors on standard error.")
  var quiet = false

  @Flag(name: .long, help: "Print debugging detail on standard error too.")
  var verbose = false

  func validate() throws {
    guard !(quiet && verbose) else {
      throw ValidationError("--quiet and --verbose cannot be given together")
    }
    PlainStandardErrorLogHandler.level.value = quiet ? .warning : verbose ? .debug : .info
  }
}

/// The executable's logger: what a command says on standard error goes through it.
let logger = Logger(label: "report")
