import CDNNL

/// Conv2D as oneDNN convolutions: forward with the activation fused, backward-weights and
/// backward-data, each in the layouts the library picks. The fp32 master kernel stays in
/// Keras's layout [kh, kw, in, out] (oneDNN's `hwio`) and is reordered before every pass.
final class ConvolutionStage: Stage {
  let output: DNNLMemory
  private let layer: Conv2D
  private let context: StageContext
  private let window: WindowArguments
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
    var weightsInput: Conformed
    var activation: ActivationBackward?
    var weights: Primitive
    var kernelGradient: GradientOutput
    var biasGradient: DNNLMemory
    var data: Primitive?
    var dataKernel: Conformed?
    var inputGradient: DNNLMemory?
  }

  init(_ layer: Conv2D, input source: DNNLMemory, inputShape: TensorShape, context: StageContext)
    throws
  {
    guard layer.activation != .softmax,
      let g = WindowGeometry(
        input: inputShape, kernel: layer.kernelSize, stride: layer.stride, padding: layer.padding)
    else { throw DNNLFailure(operation: "convolution with softmax", status: "unimplemented") }
    self.layer = layer
    self.context = context
    window = WindowArguments(g)
    masterKernel = layer.parameter(named: "kernel")
    masterBias = layer.parameter(named: "bias")
    let n = context.batch, filters = layer.filters
    var src = context.free([n, g.channels, g.inputHeight, g.inputWidth]).raw
    var weights = context.free([filters, g.channels, g.kernelHeight, g.kernelWidth]).raw
    var biasLayout = TensorLayout([filters], dnnl_f32, dnnl_x).raw
    var dst = context.free([n, filters, g.outputHeight, g.outputWidth]).raw
    var description = dnnl_convolution_desc_t()
    var w = window
    DNNL.mustSucceed(
      dnnl_convolution_forward_desc_init(
        &description, context.forwardKind, dnnl_convolution_direct, &src, &weights, &biasLayout,
        &dst, &w.strides, &w.paddingLeft, &w.paddingRight), "describing a convolution")
    let attributes = PrimitiveAttributes(fusing: layer.activation)
    forwardDescriptor = try PrimitiveDescriptor(
      &description, attributes: attributes?.handle, name: "convolution forward")
    forwardPrimitive = try Primitive(forwardDescriptor)
    input = try Conformed(source, to: forwardDescriptor.layout(dnnl_query_src_md))
    let kernelLayout = TensorLayout(
      [filters, g.channels, g.kernelHeight, g.kernelWidth], dnnl_f32, dnnl_hwio)
    kernel = try Conformed(
      masterKernel.valueMemory(kernelLayout), to: forwardDescriptor.layout(dnnl_query_weights_md))
    bias = masterBias.valueMemory(TensorLayout([filters], dnnl_f32, dnnl_x))
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
  }

  func prepareBackward(outputGradient: DNNLMemory, needsInputGradient: Bool) throws -> DNNLMemory?
  {
    let gradient = try Conformed(outputGradient, to: output.layout)
    let filters = layer.filters
    let inputDims = input.memory.layout.dims
    // The source layout is the primitive's choice too: for one input channel the forward
    // pass reads plain NCHW, which only the reference backward-weights kernel accepts.
    var src = context.free(input.memory.layout.dims).raw, diffDst = gradient.memory.layout.raw
    var diffWeights = context.free(
      [filters, inputDims[1], layer.kernelSize.0, layer.kernelSize.1], dnnl_f32
    ).raw
    var diffBias = TensorLayout([filters], dnnl_f32, dnnl_x).raw
    var w = window
    var weightsDescription = dnnl_convolution_desc_t()
    DNNL.mustSucceed(
      dnnl_convolution_backward_weights_desc_init(
        &weightsDescription, dnnl_convolution_direct, &src, &diffWeights, &diffBias, &diffDst,
        &w.strides, &w.paddingLeft, &w.paddingRight), "describing a kernel gradient")
    let weights = try Primitive(
      PrimitiveDescriptor(
        &weightsDescription, hint: forwardDescriptor, name: "convolution backward-weights"))
    let kernelLayout = TensorLayout(
      [filters, inputDims[1], layer.kernelSize.0, layer.kernelSize.1], dnnl_f32, dnnl_hwio)
    var pass = BackwardPass(
      gradient: gradient,
      weightsInput: try Conformed(input.memory, to: weights.descriptor.layout(dnnl_query_src_md)),
      activation: try ActivationBackward(
        layer.activation, output: output, gradient: gradient.memory),
      weights: weights,
      kernelGradient: try GradientOutput(
        weights.descriptor.layout(dnnl_query_diff_weights_md),
        into: masterKernel.gradientMemory(kernelLayout)),
      biasGradient: masterBias.gradientMemory(TensorLayout([filters], dnnl_f32, dnnl_x)))
    if needsInputGradient {
      var diffSrc = context.free(inputDims).raw
      var kernelAny = context.free(
        [filters, inputDims[1], layer.kernelSize.0, layer.kernelSize.1]
      ).raw
      var dataDescription = dnnl_convolution_desc_t()
      DNNL.mustSucceed(
        dnnl_convolution_backward_data_desc_init(
          &dataDescription, dnnl_convolution_direct, &diffSrc, &kernelAny, &diffDst, &w.strides,
          &w.paddingLeft, &w.paddingRight), "describing an input gradient")
      let data = try Primitive(
        PrimitiveDescriptor(
          &dataDescription, hint: forwardDescriptor, name: "convolution backward-data"))
      let wanted = data.descriptor.layout(dnnl_query_weights_md)
      // Forward and backward-data often want the kernel in different blocked layouts.
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
    pass.weightsInput.refresh()
    pass.weights.execute([
      (DNNL_ARG_SRC, pass.weightsInput.memory), (DNNL_ARG_DIFF_DST, pass.gradient.memory),
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
