import CDNNL

/// What every stage of a compiled network is built for: one batch size, one mode, one
/// element type for activations and their gradients.
struct StageContext {
  /// Examples per pass.
  var batch: Int
  /// Training keeps what the backward pass needs (pooling workspaces, batch statistics).
  var mode: Mode
  /// `dnnl_bf16` or `dnnl_f32`: the type of activations and their gradients.
  var dataType: dnnl_data_type_t
  /// Which convolutions run on the engine's own Winograd kernels.
  var winograd: WinogradPolicy

  var forwardKind: dnnl_prop_kind_t {
    mode == .training ? dnnl_forward_training : dnnl_forward_inference
  }

  /// The logical layout of a batch of `shape` (`[H, W, C]` or `[F]`) in plain order (NHWC or
  /// NC), oneDNN dims being (N, C, H, W) or (N, F).
  func plain(_ shape: TensorShape, _ type: dnnl_data_type_t) -> TensorLayout {
    shape.count == 3
      ? TensorLayout([batch, shape[2], shape[0], shape[1]], type, dnnl_nhwc)
      : TensorLayout([batch, shape.elementCount], type, dnnl_nc)
  }

  /// A layout of `dims` that the primitive may choose.
  func free(_ dims: [Int], _ type: dnnl_data_type_t? = nil) -> TensorLayout {
    TensorLayout(dims, type ?? dataType, dnnl_format_tag_any)
  }
}

/// One step of a compiled network: a layer (or part of one) as oneDNN primitives.
///
/// Memories are wired once when the network is compiled: a stage reads the memory object the
/// stage before it produces and writes its own, so running a pass is only executing primitives.
protocol Stage: AnyObject {
  /// The forward result, valid after `forward()`.
  var output: DNNLMemory { get }
  func forward()
  /// Wires the backward pass from the memory that will hold dLoss/dOutput; returns the memory
  /// that `backward()` fills with dLoss/dInput, or nil when `needsInputGradient` is false.
  func prepareBackward(outputGradient: DNNLMemory, needsInputGradient: Bool) throws -> DNNLMemory?
  /// Fills the layer's parameter gradients and dLoss/dInput.
  func backward()
  /// The implementations chosen, one per pass, for reports ("forward jit:avx2"); a stage that
  /// runs its backward as one pass names one implementation for all.
  var implementations: [String] { get }
  /// Arithmetic of each of the stage's product passes per step (a multiply-add counts two);
  /// nil for stages that move memory rather than multiply (pooling, normalization, flatten).
  var flops: Double? { get }
  /// Runs `backward()`, timing its passes under `layer` when there is a clock.
  func backward(clock: PassClock?, layer: String)
}

extension Stage {
  var flops: Double? { nil }

  func backward(clock: PassClock?, layer: String) {
    PassClock.run(
      clock, layer, LayerPass.backward.rawValue, implementation: implementation(of: .backward),
      backward)
  }

  /// Runs `forward()`, timed under `layer` when there is a clock.
  func forward(clock: PassClock?, layer: String) {
    PassClock.run(
      clock, layer, LayerPass.forward.rawValue, flops: flops,
      implementation: implementation(of: .forward), forward)
  }

  /// The implementation `implementations` names for `pass`; "—" for a stage that runs none
  /// (flatten is a view).
  func implementation(of pass: LayerPass) -> String {
    let prefix = pass.rawValue + " "
    if let named = implementations.first(where: { $0.hasPrefix(prefix) }) {
      return String(named.dropFirst(prefix.count))
    }
    return implementations.first ?? "—"
  }
}

/// Spatial arguments of a windowed primitive (convolution, pooling), from Keras's geometry.
struct WindowArguments {
  var strides: [Int64]
  var kernel: [Int64]
  var paddingLeft: [Int64]
  var paddingRight: [Int64]

  init(_ g: WindowGeometry) {
    strides = [g.strideHeight, g.strideWidth].map(Int64.init)
    kernel = [g.kernelHeight, g.kernelWidth].map(Int64.init)
    paddingLeft = [g.padTop, g.padLeft].map(Int64.init)
    // TensorFlow puts the odd padding row and column at the end.
    let bottom = (g.outputHeight - 1) * g.strideHeight + g.kernelHeight - g.inputHeight - g.padTop
    let right = (g.outputWidth - 1) * g.strideWidth + g.kernelWidth - g.inputWidth - g.padLeft
    paddingRight = [max(bottom, 0), max(right, 0)].map(Int64.init)
  }
}

/// A parameter gradient computed in the layout a primitive chose, delivered into the
/// parameter's own (Keras-layout) gradient buffer.
final class GradientOutput {
  /// Where the primitive writes.
  let memory: DNNLMemory
  private let reorder: Primitive?
  private let target: DNNLMemory

  init(_ layout: TensorLayout, into target: DNNLMemory) throws {
    self.target = target
    if layout == target.layout {
      memory = target
      reorder = nil
    } else {
      memory = DNNLMemory(layout)
      reorder = try Primitive(PrimitiveDescriptor(reorderFrom: layout, to: target.layout))
    }
  }

  /// Copies the primitive's result into the parameter's gradient when the layouts differ.
  func deliver() {
    reorder?.execute([(DNNL_ARG_FROM, memory), (DNNL_ARG_TO, target)])
  }
}

/// The backward pass of a relu-family activation from the activation's own output, in place on
/// the incoming gradient.
final class ActivationBackward {
  private let primitive: Primitive
  private let output: DNNLMemory
  private let gradient: DNNLMemory

  /// nil for activations that are not element-wise (linear).
  init?(_ activation: Activation, output: DNNLMemory, gradient: DNNLMemory) throws {
    guard let (_, alpha) = activation.eltwise else { return nil }
    let algorithm = dnnl_eltwise_relu_use_dst_for_bwd
    var data = output.layout.raw
    var diff = gradient.layout.raw
    var forward = dnnl_eltwise_desc_t()
    DNNL.mustSucceed(
      dnnl_eltwise_forward_desc_init(&forward, dnnl_forward_training, algorithm, &data, alpha, 0),
      "describing an activation")
    let hint = try PrimitiveDescriptor(&forward, name: "activation forward")
    var backward = dnnl_eltwise_desc_t()
    DNNL.mustSucceed(
      dnnl_eltwise_backward_desc_init(&backward, algorithm, &diff, &data, alpha, 0),
      "describing an activation gradient")
    primitive = try Primitive(
      PrimitiveDescriptor(&backward, hint: hint, name: "activation backward"))
    self.output = output
    self.gradient = gradient
  }

  func run() {
    primitive.execute([
      (DNNL_ARG_DST, output), (DNNL_ARG_DIFF_DST, gradient), (DNNL_ARG_DIFF_SRC, gradient),
    ])
  }
}

extension Parameter {
  /// The value buffer as a oneDNN memory of `layout` (f32), shared, not copied.
  func valueMemory(_ layout: TensorLayout) -> DNNLMemory {
    DNNLMemory(layout, at: UnsafeMutableRawPointer(value.pointer))
  }

  /// The gradient buffer as a oneDNN memory of `layout` (f32), shared, not copied.
  func gradientMemory(_ layout: TensorLayout) -> DNNLMemory {
    DNNLMemory(layout, at: UnsafeMutableRawPointer(gradient.pointer))
  }
}
