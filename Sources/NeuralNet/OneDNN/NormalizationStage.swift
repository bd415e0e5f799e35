import CDNNL

/// BatchNormalization as oneDNN batch normalization in the layout of the stage before, with
/// gamma and beta read from (and their gradients written into) the layer's fp32 parameters.
/// In training the batch statistics come from oneDNN and the moving averages are updated here
/// as Keras does: moving = momentum * moving + (1 - momentum) * batch.
final class NormalizationStage: Stage {
  let output: DNNLMemory
  private let layer: BatchNormalization
  private let source: DNNLMemory
  private let training: Bool
  private let forwardDescriptor: PrimitiveDescriptor
  private let forwardPrimitive: Primitive
  private let gamma: Parameter, beta: Parameter
  private let movingMean: Parameter, movingVariance: Parameter
  private let scale: DNNLMemory, shift: DNNLMemory
  private let mean: DNNLMemory, variance: DNNLMemory
  private let channels: Int
  private var backwardPass:
    (
      gradient: Conformed, primitive: Primitive, inputGradient: DNNLMemory,
      parameterGradients: [DNNLMemory]
    )?

  private static let scaleAndShift = dnnl_use_scale.rawValue | dnnl_use_shift.rawValue

  init(_ layer: BatchNormalization, input source: DNNLMemory, context: StageContext) throws {
    self.layer = layer
    self.source = source
    // A frozen layer trains in inference mode: moving statistics, none updated.
    training = context.mode == .training && !layer.usesMovingStatistics
    channels = source.layout.dims[1]
    gamma = layer.parameter(named: "gamma")
    beta = layer.parameter(named: "beta")
    movingMean = layer.parameter(named: "moving_mean")
    movingVariance = layer.parameter(named: "moving_variance")
    var data = source.layout.raw
    var description = dnnl_batch_normalization_desc_t()
    DNNL.mustSucceed(
      dnnl_batch_normalization_forward_desc_init(
        &description, context.forwardKind, &data, layer.epsilon, Self.flags(training: training)),
      "describing a batch normalization")
    forwardDescriptor = try PrimitiveDescriptor(&description, name: "batch normalization forward")
    forwardPrimitive = try Primitive(forwardDescriptor)
    output = DNNLMemory(forwardDescriptor.layout(dnnl_query_dst_md))
    let vector = TensorLayout([channels], dnnl_f32, dnnl_x)
    scale = gamma.valueMemory(vector)
    shift = beta.valueMemory(vector)
    mean = training ? DNNLMemory(vector) : movingMean.valueMemory(vector)
    variance = training ? DNNLMemory(vector) : movingVariance.valueMemory(vector)
  }

  /// Scale and shift, with the moving statistics outside training.
  private static func flags(training: Bool) -> UInt32 {
    scaleAndShift | (training ? 0 : dnnl_use_global_stats.rawValue)
  }

  var implementations: [String] {
    ["forward \(forwardDescriptor.implementation)"]
      + (backwardPass.map { ["backward \($0.primitive.descriptor.implementation)"] } ?? [])
  }

  func forward() {
    forwardPrimitive.execute([
      (DNNL_ARG_SRC, source), (DNNL_ARG_DST, output), (DNNL_ARG_SCALE, scale),
      (DNNL_ARG_SHIFT, shift), (DNNL_ARG_MEAN, mean), (DNNL_ARG_VARIANCE, variance),
    ])
    guard training else { return }
    let m = layer.momentum
    let batchMean = mean.floats
    let batchVariance = variance.floats
    let runningMean = movingMean.value.pointer
    let runningVariance = movingVariance.value.pointer
    for j in 0..<channels {
      runningMean[j] = m * runningMean[j] + (1 - m) * batchMean[j]
      runningVariance[j] = m * runningVariance[j] + (1 - m) * batchVariance[j]
    }
  }

  func prepareBackward(outputGradient: DNNLMemory, needsInputGradient: Bool) throws -> DNNLMemory? {
    let gradient = try Conformed(outputGradient, to: output.layout)
    var diff = output.layout.raw
    var data = source.layout.raw
    var description = dnnl_batch_normalization_desc_t()
    DNNL.mustSucceed(
      dnnl_batch_normalization_backward_desc_init(
        &description, dnnl_backward, &diff, &data, layer.epsilon, Self.flags(training: training)),
      "describing a batch normalization gradient")
    let primitive = try Primitive(
      PrimitiveDescriptor(
        &description, hint: forwardDescriptor, name: "batch normalization backward"))
    let inputGradient = DNNLMemory(primitive.descriptor.layout(dnnl_query_diff_src_md))
    let vector = TensorLayout([channels], dnnl_f32, dnnl_x)
    backwardPass = (
      gradient, primitive, inputGradient,
      [gamma.gradientMemory(vector), beta.gradientMemory(vector)]
    )
    return needsInputGradient ? inputGradient : nil
  }

  func backward() {
    guard let pass = backwardPass else { preconditionFailure("backward() before prepareBackward") }
    pass.gradient.refresh()
    pass.primitive.execute([
      (DNNL_ARG_SRC, source), (DNNL_ARG_MEAN, mean), (DNNL_ARG_VARIANCE, variance),
      (DNNL_ARG_DIFF_DST, pass.gradient.memory), (DNNL_ARG_SCALE, scale),
      (DNNL_ARG_SHIFT, shift), (DNNL_ARG_DIFF_SRC, pass.inputGradient),
      (DNNL_ARG_DIFF_SCALE, pass.parameterGradients[0]),
      (DNNL_ARG_DIFF_SHIFT, pass.parameterGradients[1]),
    ])
  }
}
