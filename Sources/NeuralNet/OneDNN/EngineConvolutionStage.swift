import CDNNL

/// A convolution the engine computes with kernels of its own, on plain NHWC fp32 and the
/// layer's Keras-layout kernel [3, 3, channels, filters] as it is, so that no weights or
/// gradients are reordered: what an `EngineConvolutionStage` runs.
protocol EngineConvolution: AnyObject {
  /// How reports name the kernels ("winograd F(2x2,3x3):avx2").
  var implementation: String { get }
  /// y = x (*) w + bias, then ReLU when `relu`: x is [batch, height, width, channels], y
  /// [batch, outputHeight, outputWidth, filters].
  func forward(
    _ x: UnsafePointer<Float>, kernel w: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    relu: Bool, into y: UnsafeMutablePointer<Float>)
  /// Whether `backwardWeights` takes a ReLU's gradient itself, from the forward output, so that
  /// the stage runs no pass of its own for it.
  var appliesReLUGradient: Bool { get }
  /// dL/dw and dL/dbias from the forward input x and dL/dy, overwriting both. With `reluOutput`
  /// (given only where `appliesReLUGradient`), dy is the gradient of that ReLU output instead.
  func backwardWeights(
    _ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
    reluOutput: UnsafePointer<Float>?, kernelGradient dw: UnsafeMutablePointer<Float>,
    biasGradient db: UnsafeMutablePointer<Float>)
}

/// An `EngineConvolution` that also computes dL/dx, so that it can run anywhere in a network.
protocol InputGradientConvolution: EngineConvolution {
  /// dL/dx [batch, height, width, channels] from dL/dy [batch, outputHeight, outputWidth,
  /// filters].
  func backwardData(
    _ dy: UnsafePointer<Float>, kernel w: UnsafePointer<Float>,
    into dx: UnsafeMutablePointer<Float>)
}

/// A Conv2D computed by the engine's own kernels instead of oneDNN's direct convolution:
/// - `WinogradConvolution` where `WinogradPolicy` chooses it;
/// - else `SingleChannelConvolution` for a first layer on one-channel images, which needs no
///   input gradient.
///
/// It reads plain NHWC fp32 (reordered from the stage before where that chose a blocked
/// layout), writes plain NHWC fp32, and fuses a ReLU into the forward pass.
final class EngineConvolutionStage: Stage {
  let output: DNNLMemory
  private let convolution: EngineConvolution
  private let input: Conformed
  private let inputLayout: TensorLayout
  /// ReLU (fused into the forward pass) or linear.
  private let activation: Activation
  private let kernel: Parameter
  private let bias: Parameter
  private var backwardPass:
    (gradient: Conformed, activation: ActivationBackward?, inputGradient: DNNLMemory?)?

  /// Nil when no kernel of the engine's computes `layer` here: `isFirst` says whether its input
  /// is the network's.
  init?(
    _ layer: Conv2D, input source: DNNLMemory, inputShape: TensorShape, isFirst: Bool,
    context: StageContext
  ) throws {
    guard context.dataType == dnnl_f32, layer.activation == .relu || layer.activation == .linear,
      let geometry = WindowGeometry(
        input: inputShape, kernel: layer.kernelSize, stride: layer.stride, padding: layer.padding),
      let convolution = Self.convolution(
        geometry, filters: layer.filters, isFirst: isFirst, context: context)
    else { return nil }
    self.convolution = convolution
    activation = layer.activation
    kernel = layer.parameter(named: "kernel")
    bias = layer.parameter(named: "bias")
    inputLayout = context.plain(inputShape, dnnl_f32)
    input = try Conformed(source, to: inputLayout)
    output = DNNLMemory(
      context.plain([geometry.outputHeight, geometry.outputWidth, layer.filters], dnnl_f32))
  }

  private static func convolution(
    _ geometry: WindowGeometry, filters: Int, isFirst: Bool, context: StageContext
  ) -> EngineConvolution? {
    if WinogradConvolution.fits(geometry), context.winograd.chooses(geometry, filters: filters) {
      return WinogradConvolution(geometry, filters: filters, batch: context.batch)
    }
    if isFirst, SingleChannelConvolution.isSupported,
      SingleChannelConvolution.fits(geometry, filters: filters)
    {
      return SingleChannelConvolution(geometry, filters: filters, batch: context.batch)
    }
    return nil
  }

  var implementations: [String] {
    let name = convolution.implementation
    guard let pass = backwardPass else { return ["forward \(name)"] }
    return ["forward \(name)", "backward-weights \(name)"]
      + (pass.inputGradient == nil ? [] : ["backward-data \(name)"])
  }

  /// The direct convolution's arithmetic, so that GFLOP/s compare with oneDNN's kernels (the
  /// products Winograd runs are 2.25x fewer).
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
    precondition(
      !needsInputGradient || convolution is InputGradientConvolution,
      "\(convolution.implementation) computes no input gradient: it runs first layers only")
    let gradient = try Conformed(outputGradient, to: output.layout)
    let inputGradient = needsInputGradient ? DNNLMemory(inputLayout) : nil
    let reluGradient =
      convolution.appliesReLUGradient
      ? nil : try ActivationBackward(activation, output: output, gradient: gradient.memory)
    backwardPass = (gradient, reluGradient, inputGradient)
    return inputGradient
  }

  func backward() { backward(clock: nil, layer: "") }

  /// ReLU's gradient (where the kernels do not take it themselves) and backward-weights, then
  /// backward-data, each timed apart.
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
        reluOutput: convolution.appliesReLUGradient && activation == .relu
          ? UnsafePointer(output.floats) : nil,
        kernelGradient: kernel.gradient.pointer, biasGradient: bias.gradient.pointer)
    }
    guard let inputGradient = pass.inputGradient,
      let convolution = convolution as? InputGradientConvolution
    else { return }
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
