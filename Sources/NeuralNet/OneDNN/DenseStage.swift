import CDNNL

/// Dense as oneDNN inner products. A relu-family activation is fused; a softmax (the last
/// layer's) is computed in fp32 on an fp32 output, and its backward pass takes the gradient for
/// the logits directly. The fp32 master kernel stays [in, units] (oneDNN's `io`).
final class DenseStage: Stage {
  let output: DNNLMemory
  /// True when the stage ends in a softmax: `prepareBackward` then expects dLoss/dLogits.
  let takesLogitGradient: Bool
  private let layer: Dense
  private let context: StageContext
  private let features: Int
  private let forwardDescriptor: PrimitiveDescriptor
  private let forwardPrimitive: Primitive
  private let input: Conformed
  private let kernel: Conformed
  private let masterKernel: Parameter
  private let masterBias: Parameter
  private let bias: DNNLMemory
  private var backwardPass: BackwardPass?

  private struct BackwardPass {
    var gradient: Conformed
    var activation: ActivationBackward?
    var weights: Primitive
    var kernelGradient: GradientOutput
    var biasGradient: DNNLMemory
    var data: Primitive?
    var dataKernel: Conformed?
    var inputGradient: DNNLMemory?
  }

  init(_ layer: Dense, input source: DNNLMemory, context: StageContext) throws {
    let dims = source.layout.dims
    guard dims.count == 2 else {
      throw DNNLFailure(operation: "inner product on a \(dims.count)-D input", status: "unimplemented")
    }
    self.layer = layer
    self.context = context
    features = dims[1]
    takesLogitGradient = layer.activation == .softmax
    masterKernel = layer.parameter(named: "kernel")
    masterBias = layer.parameter(named: "bias")
    let n = context.batch, units = layer.units
    var src = context.free([n, features]).raw
    var weights = context.free([units, features]).raw
    var biasLayout = TensorLayout([units], dnnl_f32, dnnl_x).raw
    // Softmax and the loss read fp32 logits: bf16 keeps only 3 significant digits.
    var dst =
      (takesLogitGradient
      ? TensorLayout([n, units], dnnl_f32, dnnl_nc) : context.free([n, units])).raw
    var description = dnnl_inner_product_desc_t()
    DNNL.mustSucceed(
      dnnl_inner_product_forward_desc_init(
        &description, context.forwardKind, &src, &weights, &biasLayout, &dst),
      "describing an inner product")
    let attributes = PrimitiveAttributes(fusing: layer.activation)
    forwardDescriptor = try PrimitiveDescriptor(
      &description, attributes: attributes?.handle, name: "inner product forward")
    forwardPrimitive = try Primitive(forwardDescriptor)
    input = try Conformed(source, to: forwardDescriptor.layout(dnnl_query_src_md))
    kernel = try Conformed(
      masterKernel.valueMemory(TensorLayout([units, features], dnnl_f32, dnnl_io)),
      to: forwardDescriptor.layout(dnnl_query_weights_md))
    bias = masterBias.valueMemory(TensorLayout([units], dnnl_f32, dnnl_x))
    output = DNNLMemory(forwardDescriptor.layout(dnnl_query_dst_md))
  }

  var implementations: [String] {
    var names = ["forward \(forwardDescriptor.implementation)"]
    if let pass = backwardPass {
      names.append("backward-weights \(pass.weights.descriptor.implementation)")
      if let data = pass.data { names.append("backward-data \(data.descriptor.implementation)") }
    }
    return names
  }

  func forward() {
    input.refresh()
    kernel.refresh()
    forwardPrimitive.execute([
      (DNNL_ARG_SRC, input.memory), (DNNL_ARG_WEIGHTS, kernel.memory), (DNNL_ARG_BIAS, bias),
      (DNNL_ARG_DST, output),
    ])
    if takesLogitGradient {
      Activation.softmax.apply(output.floats, rows: context.batch, width: layer.units)
    }
  }

  func prepareBackward(outputGradient: DNNLMemory, needsInputGradient: Bool) throws -> DNNLMemory?
  {
    let units = layer.units, n = context.batch
    let diffLayout =
      takesLogitGradient ? TensorLayout([n, units], context.dataType, dnnl_nc) : output.layout
    let gradient = try Conformed(outputGradient, to: diffLayout)
    var src = forwardDescriptor.layout(dnnl_query_src_md).raw, diffDst = diffLayout.raw
    var diffWeights = context.free([units, features], dnnl_f32).raw
    var diffBias = TensorLayout([units], dnnl_f32, dnnl_x).raw
    var weightsDescription = dnnl_inner_product_desc_t()
    DNNL.mustSucceed(
      dnnl_inner_product_backward_weights_desc_init(
        &weightsDescription, &src, &diffWeights, &diffBias, &diffDst),
      "describing a dense kernel gradient")
    let weights = try Primitive(
      PrimitiveDescriptor(
        &weightsDescription, hint: forwardDescriptor, name: "inner product backward-weights"))
    let kernelLayout = TensorLayout([units, features], dnnl_f32, dnnl_io)
    var pass = BackwardPass(
      gradient: gradient,
      activation: takesLogitGradient
        ? nil
        : try ActivationBackward(layer.activation, output: output, gradient: gradient.memory),
      weights: weights,
      kernelGradient: try GradientOutput(
        weights.descriptor.layout(dnnl_query_diff_weights_md),
        into: masterKernel.gradientMemory(kernelLayout)),
      biasGradient: masterBias.gradientMemory(TensorLayout([units], dnnl_f32, dnnl_x)))
    if needsInputGradient {
      var diffSrc = context.free([n, features]).raw
      var kernelAny = context.free([units, features]).raw
      var dataDescription = dnnl_inner_product_desc_t()
      DNNL.mustSucceed(
        dnnl_inner_product_backward_data_desc_init(
          &dataDescription, &diffSrc, &kernelAny, &diffDst),
        "describing a dense input gradient")
      let data = try Primitive(
        PrimitiveDescriptor(
          &dataDescription, hint: forwardDescriptor, name: "inner product backward-data"))
      let wanted = data.descriptor.layout(dnnl_query_weights_md)
      pass.dataKernel =
        wanted == kernel.memory.layout
        ? nil : try Conformed(masterKernel.valueMemory(kernelLayout), to: wanted)
      pass.data = data
      pass.inputGradient = DNNLMemory(data.descriptor.layout(dnnl_query_diff_src_md))
    }
    backwardPass = pass
    return pass.inputGradient
  }

  func backward() {
    guard let pass = backwardPass else { preconditionFailure("backward() before prepareBackward") }
    pass.gradient.refresh()
    pass.activation?.run()
    pass.weights.execute([
      (DNNL_ARG_SRC, input.memory), (DNNL_ARG_DIFF_DST, pass.gradient.memory),
      (DNNL_ARG_DIFF_WEIGHTS, pass.kernelGradient.memory), (DNNL_ARG_DIFF_BIAS, pass.biasGradient),
    ])
    pass.kernelGradient.deliver()
    guard let data = pass.data, let inputGradient = pass.inputGradient else { return }
    pass.dataKernel?.refresh()
    data.execute([
      (DNNL_ARG_DIFF_DST, pass.gradient.memory),
      (DNNL_ARG_WEIGHTS, pass.dataKernel?.memory ?? kernel.memory),
      (DNNL_ARG_DIFF_SRC, inputGradient),
    ])
  }
}
