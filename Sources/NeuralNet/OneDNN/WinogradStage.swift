import CDNNL

/// Which 3x3 stride-1 fp32 convolutions of a compiled network run on the engine's own
/// Winograd kernels (`WinogradConvolution`) instead of oneDNN's direct convolution.
public enum WinogradPolicy: String, CaseIterable, Codable, Sendable {
  /// Where it measured faster than oneDNN's direct convolution (`report bench --layers
  /// --winograd always` against `never`): layers of at least 32 input channels and 32 filters
  /// with outputs of at least 8x8 pixels. In the paper's model these are the 24x24, 10x10 and
  /// 8x8 convolutions; the first (one input channel) and the last (2x2 outputs, where a tile is
  /// the whole image) stay on oneDNN.
  case auto
  /// Every layer that fits (3x3, stride 1, fp32, a ReLU or no activation), for checks.
  case always
  /// Never: oneDNN computes every convolution.
  case never

  /// Whether a convolution of `geometry` into `filters` channels runs on Winograd.
  func chooses(_ geometry: WindowGeometry, filters: Int) -> Bool {
    switch self {
    case .never: return false
    case .always: return WinogradConvolution.isSupported
    case .auto:
      return WinogradConvolution.isSupported && geometry.channels >= 32 && filters >= 32
        && geometry.outputHeight >= 8 && geometry.outputWidth >= 8
    }
  }
}

/// A Conv2D computed by `WinogradConvolution`: it reads plain NHWC fp32 (reordered from the
/// stage before where that chose a blocked layout), writes plain NHWC fp32, and uses the
/// layer's Keras-layout kernel as it is, so no reorder of weights or gradients is needed.
final class WinogradStage: Stage {
  let output: DNNLMemory
  private let convolution: WinogradConvolution
  private let input: Conformed
  private let inputLayout: TensorLayout
  /// ReLU (fused into the output transform) or linear.
  private let activation: Activation
  private let kernel: Parameter
  private let bias: Parameter
  private var backwardPass:
    (gradient: Conformed, activation: ActivationBackward?, inputGradient: DNNLMemory?)?

  /// Nil when `policy` does not choose Winograd for `layer` or the layer does not fit it.
  init?(
    _ layer: Conv2D, input source: DNNLMemory, inputShape: TensorShape, policy: WinogradPolicy,
    context: StageContext
  ) throws {
    guard context.dataType == dnnl_f32, layer.activation == .relu || layer.activation == .linear,
      let geometry = WindowGeometry(
        input: inputShape, kernel: layer.kernelSize, stride: layer.stride, padding: layer.padding),
      WinogradConvolution.fits(geometry),
      policy.chooses(geometry, filters: layer.filters)
    else { return nil }
    convolution = WinogradConvolution(geometry, filters: layer.filters, batch: context.batch)
    activation = layer.activation
    kernel = layer.parameter(named: "kernel")
    bias = layer.parameter(named: "bias")
    inputLayout = context.plain(inputShape, dnnl_f32)
    input = try Conformed(source, to: inputLayout)
    output = DNNLMemory(
      context.plain([geometry.outputHeight, geometry.outputWidth, layer.filters], dnnl_f32))
  }

  var implementations: [String] {
    let name = "winograd F(2x2,3x3):avx2"
    guard let pass = backwardPass else { return ["forward \(name)"] }
    return ["forward \(name)", "backward-weights \(name)"]
      + (pass.inputGradient == nil ? [] : ["backward-data \(name)"])
  }

  /// The direct convolution's arithmetic, so that GFLOP/s compare with oneDNN's kernels; the
  /// products Winograd runs are 2.25x fewer.
  var flops: Double? {
    kernel.productFLOPs(outputElements: output.layout.dims.reduce(1, *))
  }

  func forward() {
    input.refresh()
    convolution.forward(
      UnsafePointer(input.memory.floats), kernel: UnsafePointer(kernel.value.pointer),
      bias: UnsafePointer(bias.value.pointer), relu: activation == .relu, into: output.floats)
  }

  func prepareBackward(outputGradient: DNNLMemory, needsInputGradient: Bool) throws -> DNNLMemory? {
    let gradient = try Conformed(outputGradient, to: output.layout)
    let inputGradient = needsInputGradient ? DNNLMemory(inputLayout) : nil
    backwardPass = (
      gradient, try ActivationBackward(activation, output: output, gradient: gradient.memory),
      inputGradient
    )
    return inputGradient
  }

  func backward() { backward(clock: nil, layer: "") }

  /// ReLU's gradient and backward-weights, then backward-data, each timed apart.
  func backward(clock: PassClock?, layer: String) {
    guard let pass = backwardPass else { preconditionFailure("backward() before prepareBackward") }
    PassClock.run(
      clock, layer, LayerPass.backwardWeights.rawValue, flops: flops,
      implementation: implementation(of: .backwardWeights)
    ) {
      pass.gradient.refresh()
      pass.activation?.run()
      convolution.backwardWeights(
        UnsafePointer(input.memory.floats),
        outputGradient: UnsafePointer(pass.gradient.memory.floats),
        kernelGradient: kernel.gradient.pointer, biasGradient: bias.gradient.pointer)
    }
    guard let inputGradient = pass.inputGradient else { return }
    PassClock.run(
      clock, layer, LayerPass.backwardData.rawValue, flops: flops,
      implementation: implementation(of: .backwardData)
    ) {
      convolution.backwardData(
        UnsafePointer(pass.gradient.memory.floats), kernel: UnsafePointer(kernel.value.pointer),
        into: inputGradient.floats)
    }
  }
}
