/// The arithmetic a model's layers run in (`training.precision`, `report bench --precision`).
public enum Precision: String, CaseIterable, Codable, Sendable {
  /// bf16 where the CPU computes it natively (avx512_core_bf16 or AMX), fp32 elsewhere.
  case auto
  /// Mixed precision as Keras's `mixed_bfloat16`: layers compute in bf16, while master weights,
  /// optimizer state, the softmax and the loss stay fp32.
  case bf16
  /// fp32 throughout.
  case fp32

  /// Whether oneDNN computes this precision on this CPU: bf16 needs AVX-512 (native with
  /// avx512_core_bf16 or AMX, emulated in fp32 arithmetic on plain AVX-512 cores).
  public var isSupported: Bool { self != .bf16 || DNNL.hasAVX512 }

  /// Whether the CPU has instructions for it (bf16 dot products for `bf16`).
  public var isNative: Bool { self != .bf16 || DNNL.hasNativeBF16 }

  /// `auto` decided for this machine; `bf16` and `fp32` as they are.
  public var resolved: Precision {
    guard self == .auto else { return self }
    return DNNL.hasNativeBF16 ? .bf16 : .fp32
  }
}

/// What computes a model's forward and backward passes.
public enum ComputeEngine: Equatable, Sendable, CustomStringConvertible {
  /// oneDNN primitives in blocked layouts, at a precision: the default, `.oneDNN(.auto)`.
  case oneDNN(Precision)
  /// The plain NHWC layers (im2col + OpenBLAS sgemm, loops in Swift): the fp32 reference that
  /// the oneDNN engine is checked against.
  case reference

  public var description: String {
    switch self {
    case .oneDNN: return "oneDNN \(precision.rawValue)"
    case .reference: return "reference \(precision.rawValue)"
    }
  }

  /// The precision the layers run in: `bf16` or `fp32`.
  public var precision: Precision {
    switch self {
    case .oneDNN(let precision): return precision.resolved
    case .reference: return .fp32
    }
  }

  /// The instruction set oneDNN dispatches to on this machine, e.g. "avx512_core_bf16".
  public static var isa: String { DNNL.isa }
}
