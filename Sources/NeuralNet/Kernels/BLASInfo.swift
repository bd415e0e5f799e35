import CBLAS

/// What the linked OpenBLAS reports about itself, for reports and benchmarks.
public enum BLASInfo {
  /// The kernel family in use, e.g. "SkylakeX" or "Haswell".
  public static var coreName: String { String(cString: openblas_get_corename()) }
  /// The build configuration line, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY ...".
  public static var configuration: String { String(cString: openblas_get_config()) }
}
