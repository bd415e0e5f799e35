import CDNNL

/// The three primitives of a layer with a kernel and a bias, for the layouts given (any of
/// which may be `format_tag_any`): convolution or inner product.
protocol WeightedOperation {
  func forward(
    source: TensorLayout, weights: TensorLayout, bias: TensorLayout, destination: TensorLayout,
    kind: dnnl_prop_kind_t, attributes: PrimitiveAttributes?
  ) throws -> PrimitiveDescriptor
  func backwardWeights(
    source: TensorLayout, weightsGradient: TensorLayout, biasGradient: TensorLayout,
    outputGradient: TensorLayout, hint: PrimitiveDescriptor
  ) throws -> PrimitiveDescriptor
  func backwardData(
    inputGradient: TensorLayout, weights: TensorLayout, outputGradient: TensorLayout,
    hint: PrimitiveDescriptor
  ) throws -> PrimitiveDescriptor
}

/// Conv2D or Dense as oneDNN primitives: forward with a relu-family activation fused,
/// backward-weights and backward-data, in the layouts the library picks. The fp32 master kernel
/// stays in Keras's layout (`hwio` for convolutions, `io` for dense layers) and is reordered
/// before every pass; gradients are reordered back into it.
///
/// A softmax (only as the last layer) is computed in fp32 on an fp32 output, and the backward
/// pass then takes the gradient for the logits directly.
final class WeightedStage: Stage {
  let output: DNNLMemory
  /// True when the stage ends in a softmax: `prepareBackward` then expects dLoss/dLogits.
  let takesLogitGradient: Bool
  private let operation: WeightedOperation
  private let context: StageContext
  private let activation: Activation
  private let forwardDescriptor: PrimitiveDescriptor
  private let forwardPrimitive: Primitive
  private let input: Conformed
  private let kernel: Conformed
  private let masterKernel: Parameter
  private let masterKernelLayout: TensorLayout
  private let masterBias: Parameter
  private let bias: DNNLMemory
  private var backwardPass: BackwardPass?

  private struct BackwardPass {
    var gradient: Conformed
    var activation: ActivationBackward?
    var weightsInput: Conformed
    var weights: Primitive
    var kernelGradient: GradientOutput
    var biasGradient: DNNLMemory
    var data: Primitive?
    var dataKernel: Conformed?
    var inputGradient: DNNLMemory?
  }

  /// `inputDims`, `kernelDims` and `outputDims` in oneDNN's logical order; `kernelTag` says how
  /// the layer's own kernel is laid out.
  init(
    _ operation: WeightedOperation, layer: Layer, activation: Activation, input source: DNNLMemory,
    inputDims: [Int], kernelDims: [Int], kernelTag: dnnl_format_tag_t, outputDims: [Int],
    context: StageContext
  ) throws {
    self.operation = operation
    self.context = context
    self.activation = activation
    takesLogitGradient = activation == .softmax
    masterKernel = layer.parameter(named: "kernel")
    masterBias = layer.parameter(named: "bias")
    masterKernelLayout = TensorLayout(kernelDims, dnnl_f32, kernelTag)
    let biasLayout = TensorLayout([kernelDims[0]], dnnl_f32, dnnl_x)
    // Softmax and the loss read fp32 logits: bf16 keeps only 3 significant digits.
    let destination =
      takesLogitGradient
      ? TensorLayout(outputDims, dnnl_f32, dnnl_nc) : context.free(outputDims)
    forwardDescriptor = try operation.forward(
      source: context.free(inputDims), weights: context.free(kernelDims), bias: biasLayout,
      destination: destination, kind: context.forwardKind,
      attributes: PrimitiveAttributes(fusing: activation))
    forwardPrimitive = try Primitive(forwardDescriptor)
    input = try Conformed(source, to: forwardDescriptor.layout(dnnl_query_src_md))
    kernel = try Conformed(
      masterKernel.valueMemory(masterKernelLayout),
      to: forwardDescriptor.layout(dnnl_query_weights_md))
    bias = masterBias.valueMemory(biasLayout)
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
      let dims = output.layout.dims
      Activation.softmax.apply(output.floats, rows: dims[0], width: dims[1])
    }
  }

  func prepareBackward(outputGradient: DNNLMemory, needsInputGradient: Bool) throws -> DNNLMemory? {
    let gradientLayout =
      takesLogitGradient ? output.layout.with(context.dataType, dnnl_nc) : output.layout
    let gradient = try Conformed(outputGradient, to: gradientLayout)
    let kernelDims = masterKernelLayout.dims
    let inputDims = input.memory.layout.dims
    // The source layout is the primitive's choice too: for one input channel the forward pass
    // reads plain NCHW, which only oneDNN's slow reference backward-weights kernel accepts.
    let weights = try Primitive(
      operation.backwardWeights(
        source: context.free(inputDims), weightsGradient: context.free(kernelDims, dnnl_f32),
        biasGradient: TensorLayout([kernelDims[0]], dnnl_f32, dnnl_x),
        outputGradient: gradientLayout, hint: forwardDescriptor))
    var pass = BackwardPass(
      gradient: gradient,
      activation: takesLogitGradient
        ? nil : try ActivationBackward(activation, output: output, gradient: gradient.memory),
      weightsInput: try Conformed(input.memory, to: weights.descriptor.layout(dnnl_query_src_md)),
      weights: weights,
      kernelGradient: try GradientOutput(
        weights.descriptor.layout(dnnl_query_diff_weights_md),
        into: masterKernel.gradientMemory(masterKernelLayout)),
      biasGradient: masterBias.gradientMemory(TensorLayout([kernelDims[0]], dnnl_f32, dnnl_x)))
    if needsInputGradient {
      let data = try Primitive(
        operation.backwardData(
          inputGradient: context.free(inputDims), weights: context.free(kernelDims),
          outputGradient: gradientLayout, hint: forwardDescriptor))
      let wanted = data.descriptor.layout(dnnl_query_weights_md)
      // Forward and backward-data often want the kernel in different blocked layouts.
      pass.dataKernel =
        wanted == kernel.memory.layout
        ? nil : try Conformed(masterKernel.valueMemory(masterKernelLayout), to: wanted)
      pass.data = data
      pass.inputGradient = DNNLMemory(data.descriptor.layout(dnnl_query_diff_src_md))
    }
    backwardPass = pass
    return pass.inputGradient
  }

  /// Every output element is a dot product over a kernel's slice for one output channel.
  var flops: Double? {
    masterKernel.productFLOPs(outputElements: output.layout.dims.reduce(1, *))
  }

  func backward() { backward(clock: nil, layer: "") }

  /// The activation's gradient and backward-weights, then backward-data, each timed apart.
  func backward(clock: PassClock?, layer: String) {
    guard let pass = backwardPass else { preconditionFailure("backward() before prepareBackward") }
    PassClock.run(
      clock, layer, LayerPass.backwardWeights.rawValue, flops: flops,
      implementation: pass.weights.descriptor.implementation
    ) {
      pass.gradient.refresh()
      pass.activation?.run()
      pass.weightsInput.refresh()
      pass.weights.execute([
        (DNNL_ARG_SRC, pass.weightsInput.memory), (DNNL_ARG_DIFF_DST, pass.gradient.memory),
        (DNNL_ARG_DIFF_WEIGHTS, pass.kernelGradient.memory),
        (DNNL_ARG_DIFF_BIAS, pass.biasGradient),
      ])
      pass.kernelGradient.deliver()
    }
    guard let data = pass.data, let inputGradient = pass.inputGradient else { return }
    PassClock.run(
      clock, layer, LayerPass.backwardData.rawValue, flops: flops,
      implementation: data.descriptor.implementation
    ) {
      pass.dataKernel?.refresh()
      data.execute([
        (DNNL_ARG_DIFF_DST, pass.gradient.memory),
        (DNNL_ARG_WEIGHTS, pass.dataKernel?.memory ?? kernel.memory),
        (DNNL_ARG_DIFF_SRC, inputGradient),
      ])
    }
  }
}
