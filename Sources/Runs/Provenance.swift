import Foundation
import NeuralNet

extension Provenance {
  /// The version of this build of `report`.
  public static let binaryVersion = "0.1.0"

  /// The Swift compiler that built this binary.
  static var swiftVersion: String {
    #if compiler(>=6.3)
      return "Swift 6.3"
    #elseif compiler(>=6.2)
      return "Swift 6.2"
    #elseif compiler(>=6.1)
      return "Swift 6.1"
    #elseif compiler(>=6.0)
      return "Swift 6.0"
    #else
      return "Swift 5"
    #endif
  }

  /// The paths, from the repository's top, whose content builds `report`.
  static let codePaths = ["Sources", "Package.swift"]

  /// What names the code that ran, and whether it differed from that name: the code's git
  /// hashes, or, in runs recorded before those, the commit.
  var codeVersion: (id: String?, dirty: Bool?) {
    codeTree != nil ? (codeTree, codeDirty) : (gitCommit, gitDirty)
  }

  /// Whether the code that ran is exactly a commit's, so the commit says what ran.
  public var isCommittedCode: Bool { codeVersion.id != nil && codeVersion.dirty == false }

  /// What git says about the code in the working tree.
  struct CodeState {
    var commit: String?
    var dirty: Bool?
    /// Git's hashes of `codePaths` at the commit, space-separated.
    var tree: String?
    /// Whether the working tree's `codePaths` differ from them (new files included).
    var treeDirty: Bool?
  }

  /// Asks git (four processes) about the working tree's code.
  static func currentCode() -> CodeState {
    let commit = run("git", ["rev-parse", "HEAD"])
    let status =
      commit == nil ? nil : run("git", ["status", "--porcelain", "--untracked-files=no"])
    // Git's own hashes of the committed code, and whether the working tree's code differs from
    // them (new files included: they compile too).
    let codeTree = commit == nil ? nil : run("git", ["rev-parse"] + codePaths.map { "HEAD:" + $0 })
    let codeStatus =
      codeTree == nil
      ? nil : run("git", ["status", "--porcelain", "--"] + codePaths.map { ":/" + $0 })
    return CodeState(
      commit: commit, dirty: status.map { !$0.isEmpty },
      tree: codeTree?.split(separator: "\n").joined(separator: " "),
      treeDirty: codeStatus.map { !$0.isEmpty })
  }

  /// Facts about this process, machine and working tree (`code`, else what git says now).
  static func current(datasetChecksums: [String: String], code: CodeState? = nil) -> Provenance {
    let code = code ?? currentCode()
    return Provenance(
      gitCommit: code.commit, gitDirty: code.dirty, codeTree: code.tree,
      codeDirty: code.treeDirty, binaryVersion: binaryVersion, swiftVersion: swiftVersion,
      blas: "\(BLASInfo.configuration) (kernels: \(BLASInfo.coreName))",
      machine: machineDescription(),
      threads: Parallel.workers, datasetChecksums: datasetChecksums)
  }

  /// `current`, asking git about the code at the first call only: every run of one process is
  /// trained by the same binary, and a sweep plans thousands of trials.
  static func recorder() -> (_ datasetChecksums: [String: String]) -> Provenance {
    var code: CodeState?
    return { datasetChecksums in
      let state = code ?? currentCode()
      code = state
      return current(datasetChecksums: datasetChecksums, code: state)
    }
  }

  private static func machineDescription() -> String {
    let cpuinfo =
      FileManager.default.contents(atPath: "/proc/cpuinfo").map {
        String(decoding: $0, as: UTF8.self)
      } ?? ""
    let model =
      cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":")
      .last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
    return String(
      format: "%@, %d cores, %.0f GiB, %@", model, ProcessInfo.processInfo.activeProcessorCount,
      memory, ProcessInfo.processInfo.operatingSystemVersionString)
  }

  /// The trimmed output of a command, or nil when it fails.
  private static func run(_ command: String, _ arguments: [String]) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [command] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }
}

/// What makes a run reproducible and where it ran.
public struct Provenance: Codable, Sendable {
  /// The working tree's commit (nil outside a git checkout).
  public var gitCommit: String?
  /// Whether tracked files differed from that commit.
  public var gitDirty: Bool?
  /// Git's hashes of the committed `Sources` tree and `Package.swift`, the code that builds
  /// `report` (nil outside this repository, and in runs recorded before it). The run cache keys
  /// on them rather than on the commit, so a commit that changes only documentation or
  /// experiment files keeps finished runs reusable, as DVC keys a stage on its dependencies.
  public var codeTree: String?
  /// Whether that code, untracked files included, differed from the commit.
  public var codeDirty: Bool?
  public var binaryVersion: String
  public var swiftVersion: String
  public var blas: String
  public var machine: String
  public var threads: Int
  /// SHA-256 of each dataset file's content.
  public var datasetChecksums: [String: String]
  /// What computed the layers, e.g. "oneDNN bf16" (nil in runs recorded before oneDNN).
  public var engine: String?
  /// The instruction set oneDNN dispatched to, e.g. "avx512_core_bf16".
  public var isa: String?

  enum CodingKeys: String, CodingKey {
    case gitCommit = "git_commit"
    case gitDirty = "git_dirty"
    case codeTree = "code_tree"
    case codeDirty = "code_dirty"
    case binaryVersion = "binary_version"
    case swiftVersion = "swift_version"
    case blas, machine, threads, engine, isa
    case datasetChecksums = "dataset_checksums"
  }
}
