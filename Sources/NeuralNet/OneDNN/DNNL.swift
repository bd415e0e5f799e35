import CDNNL
import Foundation

// Thin owners of oneDNN's C handles. oneDNN is always called from one thread (the trainer's);
// it spreads each primitive over its own OpenMP threads.

/// A oneDNN call that failed while a network was being compiled.
struct DNNLFailure: Error, CustomStringConvertible {
  /// What was being created, e.g. "bf16 convolution backward-weights".
  var operation: String
  /// oneDNN's status code name.
  var status: String
  var description: String { "oneDNN could not create a \(operation) (\(status))" }
}

/// The process-wide CPU engine and stream, and the library's facts about this machine.
enum DNNL {
  nonisolated(unsafe) static let engine: dnnl_engine_t = {
    var engine: dnnl_engine_t?
    mustSucceed(dnnl_engine_create(&engine, dnnl_cpu, 0), "creating the CPU engine")
    return engine!
  }()

  nonisolated(unsafe) static let stream: dnnl_stream_t = {
    var stream: dnnl_stream_t?
    mustSucceed(
      dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "creating a stream")
    return stream!
  }()

  /// Calls that cannot fail for valid arguments: a failure is a programming error.
  static func mustSucceed(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
    precondition(status == dnnl_success, "oneDNN failed \(what()): \(name(of: status))")
  }

  /// Calls that fail when the library has no implementation for a configuration.
  static func attempt(_ status: dnnl_status_t, _ operation: @autoclosure () -> String) throws {
    guard status == dnnl_success else {
      throw DNNLFailure(operation: operation(), status: name(of: status))
    }
  }

  static func name(of status: dnnl_status_t) -> String {
    switch status {
    case dnnl_success: return "success"
    case dnnl_out_of_memory: return "out of memory"
    case dnnl_invalid_arguments: return "invalid arguments"
    case dnnl_unimplemented: return "unimplemented"
    default: return "status \(status.rawValue)"
    }
  }

  /// The instruction set oneDNN dispatches to, in its own words ("avx512_core_bf16").
  static var isa: String {
    switch dnnl_get_effective_cpu_isa() {
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
    case dnnl_cpu_isa_avx512_core: return "avx512_core"
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni"
    case dnnl_cpu_isa_avx2: return "avx2"
    case dnnl_cpu_isa_avx: return "avx"
    case dnnl_cpu_isa_sse41: return "sse41"
    default: return "isa \(dnnl_get_effective_cpu_isa().rawValue)"
    }
  }

  /// True where the CPU runs bf16 dot products natively (avx512_core_bf16 or AMX).
  static var hasNativeBF16: Bool { isaIncludes(dnnl_cpu_isa_avx512_core_bf16) }

  /// True on AVX-512 cores, where oneDNN has bf16 kernels (emulated without avx512_core_bf16).
  static var hasAVX512: Bool { isaIncludes(dnnl_cpu_isa_avx512_core) }

  private static func isaIncludes(_ wanted: dnnl_cpu_isa_t) -> Bool {
    dnnl_get_effective_cpu_isa().rawValue & wanted.rawValue == wanted.rawValue
  }

  /// Sets the OpenMP team size of every later primitive (Debian builds oneDNN on libgomp).
  static func setThreads(_ count: Int) {
    typealias SetThreads = @convention(c) (Int32) -> Void
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "omp_set_num_threads") else { return }
    unsafeBitCast(symbol, to: SetThreads.self)(Int32(count))
  }
}

/// A memory descriptor: logical dimensions, element type and layout.
struct TensorLayout {
  var raw: dnnl_memory_desc_t

  /// `dims` in oneDNN's logical order (N, C, H, W for images) with a format tag.
  init(_ dims: [Int], _ type: dnnl_data_type_t, _ tag: dnnl_format_tag_t) {
    raw = dnnl_memory_desc_t()
    var values = dims.map { Int64($0) }
    DNNL.mustSucceed(
      dnnl_memory_desc_init_by_tag(&raw, Int32(dims.count), &values, type, tag),
      "describing a tensor of \(dims)")
  }

  init(_ raw: dnnl_memory_desc_t) { self.raw = raw }

  var dataType: dnnl_data_type_t { raw.data_type }
  var dims: [Int] {
    withUnsafeBytes(of: raw.dims) { Array($0.bindMemory(to: Int64.self).prefix(Int(raw.ndims))) }
      .map { Int($0) }
  }

  /// The same logical tensor in another type and layout.
  func with(_ type: dnnl_data_type_t, _ tag: dnnl_format_tag_t) -> TensorLayout {
    TensorLayout(dims, type, tag)
  }

  static func == (a: TensorLayout, b: TensorLayout) -> Bool {
    var a = a.raw
    var b = b.raw
    return dnnl_memory_desc_equal(&a, &b) != 0
  }
}

/// A oneDNN memory object, either owning its storage or pointing at a Swift buffer.
final class DNNLMemory {
  let handle: dnnl_memory_t
  let layout: TensorLayout

  /// Storage allocated (and freed) by oneDNN.
  init(_ layout: TensorLayout) {
    self.layout = layout
    var raw = layout.raw
    var handle: dnnl_memory_t?
    DNNL.mustSucceed(
      dnnl_memory_create(&handle, &raw, DNNL.engine, UnsafeMutableRawPointer(bitPattern: -1)),
      "allocating \(layout.dims)")
    self.handle = handle!
  }

  /// A view of `pointer`, which the caller keeps alive; rebind with `point(at:)`.
  init(_ layout: TensorLayout, at pointer: UnsafeMutableRawPointer?) {
    self.layout = layout
    var raw = layout.raw
    var handle: dnnl_memory_t?
    DNNL.mustSucceed(dnnl_memory_create(&handle, &raw, DNNL.engine, pointer), "wrapping a buffer")
    self.handle = handle!
  }

  deinit { dnnl_memory_destroy(handle) }

  var data: UnsafeMutableRawPointer {
    var pointer: UnsafeMutableRawPointer?
    DNNL.mustSucceed(dnnl_memory_get_data_handle(handle, &pointer), "reading a data handle")
    return pointer!
  }

  func point(at pointer: UnsafeMutableRawPointer) {
    DNNL.mustSucceed(dnnl_memory_set_data_handle(handle, pointer), "setting a data handle")
  }

  /// The storage as Float32 (only for f32 layouts).
  var floats: UnsafeMutablePointer<Float> { data.assumingMemoryBound(to: Float.self) }
}

/// A primitive descriptor: the implementation oneDNN chose and the layouts it wants.
final class PrimitiveDescriptor {
  let handle: dnnl_primitive_desc_t

  /// Creates the descriptor for `operation` (a pointer to an initialised op descriptor).
  init(
    _ operation: UnsafeRawPointer, attributes: dnnl_primitive_attr_t? = nil,
    hint: PrimitiveDescriptor? = nil, name: @autoclosure () -> String
  ) throws {
    var handle: dnnl_primitive_desc_t?
    try DNNL.attempt(
      dnnl_primitive_desc_create(&handle, operation, attributes, DNNL.engine, hint?.handle), name())
    self.handle = handle!
  }

  /// A reorder from one layout to another.
  init(reorderFrom source: TensorLayout, to target: TensorLayout) throws {
    var handle: dnnl_primitive_desc_t?
    var from = source.raw
    var to = target.raw
    try DNNL.attempt(
      dnnl_reorder_primitive_desc_create(&handle, &from, DNNL.engine, &to, DNNL.engine, nil),
      "reorder")
    self.handle = handle!
  }

  deinit { dnnl_primitive_desc_destroy(handle) }

  func layout(_ query: dnnl_query_t, _ index: Int32 = 0) -> TensorLayout {
    guard let md = dnnl_primitive_desc_query_md(handle, query, index) else {
      preconditionFailure("primitive has no tensor for query \(query.rawValue)")
    }
    return TensorLayout(md.pointee)
  }

  /// The implementation's name, e.g. "jit_bf16:avx512_core_bf16".
  var implementation: String {
    var text: UnsafePointer<CChar>?
    dnnl_primitive_desc_query(handle, dnnl_query_impl_info_str, 0, &text)
    return text.map { String(cString: $0) } ?? "?"
  }
}

/// A compiled primitive and its descriptor.
final class Primitive {
  let descriptor: PrimitiveDescriptor
  private let handle: dnnl_primitive_t

  init(_ descriptor: PrimitiveDescriptor) throws {
    self.descriptor = descriptor
    var handle: dnnl_primitive_t?
    try DNNL.attempt(dnnl_primitive_create(&handle, descriptor.handle), "primitive")
    self.handle = handle!
  }

  deinit { dnnl_primitive_destroy(handle) }

  /// Runs the primitive on `arguments` (DNNL_ARG_* to memory) and waits for it.
  func execute(_ arguments: [(Int32, DNNLMemory)]) {
    var args = arguments.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
    DNNL.mustSucceed(
      dnnl_primitive_execute(handle, DNNL.stream, Int32(args.count), &args), "executing a primitive"
    )
  }
}

/// Delivers `source` in the layout a primitive wants: the source itself when the layouts
/// agree, otherwise a copy refreshed by a reorder.
final class Conformed {
  let memory: DNNLMemory
  private let source: DNNLMemory
  private let reorder: Primitive?

  init(_ source: DNNLMemory, to layout: TensorLayout) throws {
    self.source = source
    if source.layout == layout {
      memory = source
      reorder = nil
    } else {
      memory = DNNLMemory(layout)
      reorder = try Primitive(PrimitiveDescriptor(reorderFrom: source.layout, to: layout))
    }
  }

  /// Brings the copy up to date with the source; free when no reorder is needed.
  func refresh() {
    reorder?.execute([(DNNL_ARG_FROM, source), (DNNL_ARG_TO, memory)])
  }
}

/// Owns a oneDNN attribute set (here: a fused element-wise post-op).
final class PrimitiveAttributes {
  let handle: dnnl_primitive_attr_t

  /// Attributes fusing `activation` (relu or leaky relu) after the operation; nil for none.
  init?(fusing activation: Activation) {
    guard let (algorithm, alpha) = activation.eltwise else { return nil }
    var attributes: dnnl_primitive_attr_t?
    var postOps: dnnl_post_ops_t?
    DNNL.mustSucceed(dnnl_primitive_attr_create(&attributes), "creating attributes")
    DNNL.mustSucceed(dnnl_post_ops_create(&postOps), "creating post-ops")
    DNNL.mustSucceed(
      dnnl_post_ops_append_eltwise(postOps, 1, algorithm, alpha, 0), "appending an activation")
    DNNL.mustSucceed(dnnl_primitive_attr_set_post_ops(attributes, postOps), "setting post-ops")
    dnnl_post_ops_destroy(postOps)
    handle = attributes!
  }

  deinit { dnnl_primitive_attr_destroy(handle) }
}

extension Activation {
  /// The oneDNN element-wise algorithm (and alpha) of a relu-family activation; nil for linear
  /// and softmax, which are not element-wise post-ops.
  var eltwise: (dnnl_alg_kind_t, Float)? {
    switch self {
    case .relu: return (dnnl_eltwise_relu, 0)
    case .leakyRelu(let alpha): return (dnnl_eltwise_relu, alpha)
    case .linear, .softmax: return nil
    }
  }
}
