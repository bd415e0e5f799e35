import Foundation

/// Chooses OpenBLAS's AVX-512 kernels where the CPU has them.
///
/// Debian's OpenBLAS 0.3.21 falls back to its AVX2 (Haswell) kernels on AMD Zen 4, and some
/// environments pin `OPENBLAS_CORETYPE=Haswell` for portability; either way the paper's model
/// trains at two thirds of the speed the SkylakeX/Cooperlake kernels reach. OpenBLAS reads
/// `OPENBLAS_CORETYPE` once, when the library loads, so the process restarts itself with the
/// wanted value. `REPORT_BLAS_CORETYPE` overrides the choice: a core name forces it, `inherit`
/// keeps whatever `OPENBLAS_CORETYPE` already says.
enum KernelSelection {
  static let openBLASVariable = "OPENBLAS_CORETYPE"
  static let overrideVariable = "REPORT_BLAS_CORETYPE"

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

  /// Re-executes the current binary with the wanted core type when it differs from the current
  /// one; returns (continuing in this process) when nothing changes or the restart fails.
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
    guard let wanted = wantedCoreType(environment: environment, cpuFlags: flags),
      environment[openBLASVariable]?.uppercased() != wanted.uppercased()
    else { return }
    setenv(openBLASVariable, wanted, 1)
    var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) } + [nil]
    execv("/proc/self/exe", &argv)
    // execv only returns on failure: carry on with the kernels already loaded.
  }
}
