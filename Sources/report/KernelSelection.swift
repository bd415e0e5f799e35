import Foundation

/// Sets the variables that libraries read once, when they load: OpenBLAS's kernel family and
/// how oneDNN's OpenMP threads wait.
///
/// oneDNN runs on libgomp, whose idle threads spin by default. On a machine shared with other
/// work (a build, a second trial) a spinning thread waits for a descheduled one and training
/// slowed 2-6x in our measurements, against about 5% lost on an idle machine, so `report` asks
/// for `OMP_WAIT_POLICY=PASSIVE` unless the variable is set already.
///
/// OpenBLAS (the reference engine's sgemm) gets its AVX-512 kernels where the CPU has them.
/// Debian's OpenBLAS 0.3.21 falls back to its AVX2 (Haswell) kernels on AMD Zen 4, and some
/// environments pin `OPENBLAS_CORETYPE=Haswell` for portability; either way the paper's model
/// trains at two thirds of the speed the SkylakeX/Cooperlake kernels reach. OpenBLAS reads
/// `OPENBLAS_CORETYPE` once, when the library loads, so the process restarts itself with the
/// wanted value. `REPORT_BLAS_CORETYPE` overrides the choice: a core name forces it, `inherit`
/// keeps whatever `OPENBLAS_CORETYPE` already says.
enum KernelSelection {
  static let openBLASVariable = "OPENBLAS_CORETYPE"
  static let overrideVariable = "REPORT_BLAS_CORETYPE"
  static let waitPolicyVariable = "OMP_WAIT_POLICY"

  /// The best OpenBLAS core type for CPU feature flags, or nil when the CPU lacks AVX-512.
  static func preferredCoreType(cpuFlags: Set<Substring>) -> String? {
    let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy {
      cpuFlags.contains(Substring($0))
    }
    guard avx512 else { return nil }
    return cpuFlags.contains("avx512_bf16") ? "COOPERLAKE" : "SKYLAKEX"
  }

  /// The core type the process should run with, or nil to leave OpenBLAS as it is.
  static func wantedCoreType(environment: [String: String], cpuFlags: Set<Substring>) -> String? {
    switch environment[overrideVariable] {
    case "inherit": return nil
    case let forced? where !forced.isEmpty: return forced
    default: return preferredCoreType(cpuFlags: cpuFlags)
    }
  }

  /// The variables to change before the libraries load; empty when all are as wanted.
  static func wantedChanges(environment: [String: String], cpuFlags: Set<Substring>) -> [String:
    String]
  {
    var changes: [String: String] = [:]
    if let wanted = wantedCoreType(environment: environment, cpuFlags: cpuFlags),
      environment[openBLASVariable]?.uppercased() != wanted.uppercased()
    {
      changes[openBLASVariable] = wanted
    }
    if environment[waitPolicyVariable] == nil { changes[waitPolicyVariable] = "PASSIVE" }
    return changes
  }

  /// Re-executes the current binary once with the wanted variables; returns (continuing in this
  /// process) when nothing changes or the restart fails.
  static func restartWithPreferredKernelsIfNeeded() {
    let environment = ProcessInfo.processInfo.environment
    let cpuinfo =
      FileManager.default.contents(atPath: "/proc/cpuinfo").map {
        String(decoding: $0, as: UTF8.self)
      } ?? ""
    let flags =
      cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }).map {
        Set($0.split(separator: " "))
      } ?? []
    let changes = wantedChanges(environment: environment, cpuFlags: flags)
    guard !changes.isEmpty else { return }
    for (name, value) in changes { setenv(name, value, 1) }
    var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
    execv("/proc/self/exe", &argv)
    // execv only returns on failure: carry on with the settings already loaded.
  }
}
