import CDNNL

/// oneDNN's direct convolution over Keras's window geometry.
struct ConvolutionOperation: WeightedOperation {
  var window: WindowArguments

  func forward(
    source: TensorLayout, weights: TensorLayout, bias: TensorLayout, destination: TensorLayout,
    kind: dnnl_prop_kind_t, attributes: PrimitiveAttributes?
  ) throws -> PrimitiveDescriptor {
    var (src, w, b, dst, arguments) = (source.raw, weights.raw, bias.raw, destination.raw, window)
    var description = dnnl_convolution_desc_t()
    DNNL.mustSucceed(
      dnnl_convolution_forward_desc_init(
        &description, kind, dnnl_convolution_direct, &src, &w, &b, &dst, &arguments.strides,
        &arguments.paddingLeft, &arguments.paddingRight), "describing a convolution")
    return try PrimitiveDescriptor(
      &description, attributes: attributes?.handle, name: "convolution forward")
  }

  func backwardWeights(
    source: TensorLayout, weightsGradient: TensorLayout, biasGradient: TensorLayout,
    outputGradient: TensorLayout, hint: PrimitiveDescriptor
  ) throws -> PrimitiveDescriptor {
    var (src, dw, db, dy, arguments) = (
      source.raw, weightsGradient.raw, biasGradient.raw, outputGradient.raw, window
    )
    var description = dnnl_convolution_desc_t()
    DNNL.mustSucceed(
      dnnl_convolution_backward_weights_desc_init(
        &description, dnnl_convolution_direct, &src, &dw, &db, &dy, &arguments.strides,
        &arguments.paddingLeft, &arguments.paddingRight), "describing a kernel gradient")
    return try PrimitiveDescriptor(&description, hint: hint, name: "convolution backward-weights")
  }

  func backwardData(
    inputGradient: TensorLayout, weights: TensorLayout, outputGradient: TensorLayout,
    hint: PrimitiveDescriptor
  ) throws -> PrimitiveDescriptor {
    var (dx, w, dy, arguments) = (inputGradient.raw, weights.raw, outputGradient.raw, window)
    var description = dnnl_convolution_desc_t()
    DNNL.mustSucceed(
      dnnl_convolution_backward_data_desc_init(
        &description, dnnl_convolution_direct, &dx, &w, &dy, &arguments.strides,
        &arguments.paddingLeft, &arguments.paddingRight), "describing an input gradient")
    return try PrimitiveDescriptor(&description, hint: hint, name: "convolution backward-data")
  }

  /// Whether the layer's own im2col and OpenBLAS sgemm (`Conv2D`, as the reference engine runs
  /// it) beat oneDNN's direct convolution: fp32 convolutions with at most 2x2 outputs and at
  /// least 32 input channels (measured at 128; narrower ones stay on oneDNN), where the
  /// direct kernels find little to block over while the products, [batch x outputs, kernel x
  /// channels] by [kernel x channels, filters], are wide. Measured on the paper's 4x4x128 to
  /// 2x2x256 convolution, AVX2-held, side by side on 2026-12-06: 3.6 ms forward and 9.4 ms
  /// backward a step on oneDNN, 2.1 and 4.9 ms on im2col + sgemm.
  static func prefersMatrixProduct(
    _ layer: Conv2D, over inputShape: TensorShape, context: StageContext
  )
    -> Bool
  {
    guard context.dataType == dnnl_f32,
      let g = WindowGeometry(
        input: inputShape, kernel: layer.kernelSize, stride: layer.stride, padding: layer.padding)
    else { return false }
    return g.outputHeight <= 2 && g.outputWidth <= 2 && g.channels >= 32
  }

  /// The stage of `layer` over images of `inputShape` ([H, W, C]).
  static func stage(
    _ layer: Conv2D, input: DNNLMemory, inputShape: TensorShape, context: StageContext
  ) throws -> WeightedStage {
    guard layer.activation != .softmax,
      let g = WindowGeometry(
        input: inputShape, kernel: layer.kernelSize, stride: layer.stride, padding: layer.padding)
    else { throw DNNLFailure(operation: "convolution with softmax", status: "unimplemented") }
    return try WeightedStage(
      ConvolutionOperation(window: WindowArguments(g)), layer: layer,
      activation: layer.activation, input: input,
      inputDims: [context.batch, g.channels, g.inputHeight, g.inputWidth],
      kernelDims: [layer.filters, g.channels, g.kernelHeight, g.kernelWidth], kernelTag: dnnl_hwio,
      outputDims: [context.batch, layer.filters, g.outputHeight, g.outputWidth], context: context)
  }
}

/// oneDNN's inner product: a dense layer on a flat [N, features] input.
struct InnerProductOperation: WeightedOperation {
  func forward(
    source: TensorLayout, weights: TensorLayout, bias: TensorLayout, destination: TensorLayout,
    kind: dnnl_prop_kind_t, attributes: PrimitiveAttributes?
  ) throws -> PrimitiveDescriptor {
    var (src, w, b, dst) = (source.raw, weights.raw, bias.raw, destination.raw)
    var description = dnnl_inner_product_desc_t()
    DNNL.mustSucceed(
      dnnl_inner_product_forward_desc_init(&description, kind, &src, &w, &b, &dst),
      "describing an inner product")
    return try PrimitiveDescriptor(
      &description, attributes: attributes?.handle, name: "inner product forward")
  }

  func backwardWeights(
    source: TensorLayout, weightsGradient: TensorLayout, biasGradient: TensorLayout,
    outputGradient: TensorLayout, hint: PrimitiveDescriptor
  ) throws -> PrimitiveDescriptor {
    var (src, dw, db, dy) = (source.raw, weightsGradient.raw, biasGradient.raw, outputGradient.raw)
    var description = dnnl_inner_product_desc_t()
    DNNL.mustSucceed(
      dnnl_inner_product_backward_weights_desc_init(&description, &src, &dw, &db, &dy),
      "describing a dense kernel gradient")
    return try PrimitiveDescriptor(
      &description, hint: hint, name: "inner product backward-weights")
  }

  func backwardData(
    inputGradient: TensorLayout, weights: TensorLayout, outputGradient: TensorLayout,
    hint: PrimitiveDescriptor
  ) throws -> PrimitiveDescriptor {
    var (dx, w, dy) = (inputGradient.raw, weights.raw, outputGradient.raw)
    var description = dnnl_inner_product_desc_t()
    DNNL.mustSucceed(
      dnnl_inner_product_backward_data_desc_init(&description, &dx, &w, &dy),
      "describing a dense input gradient")
    return try PrimitiveDescriptor(&description, hint: hint, name: "inner product backward-data")
  }

  /// The stage of `layer` on a flat input.
  static func stage(_ layer: Dense, input: DNNLMemory, context: StageContext) throws
    -> WeightedStage
  {
    let dims = input.layout.dims
    guard dims.count == 2 else {
      throw DNNLFailure(
        operation: "inner product on a \(dims.count)-D input", status: "unimplemented")
    }
    return try WeightedStage(
      InnerProductOperation(), layer: layer, activation: layer.activation, input: input,
      inputDims: dims, kernelDims: [layer.units, dims[1]], kernelTag: dnnl_io,
      outputDims: [context.batch, layer.units], context: context)
  }
}
