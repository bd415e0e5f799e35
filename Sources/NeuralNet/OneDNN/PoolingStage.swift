import CDNNL

/// MaxPool2D, AveragePool2D and GlobalAveragePool2D as oneDNN pooling, in the layout of the
/// stage before. Max pooling keeps oneDNN's workspace (the argmax) for its backward pass;
/// average pooling excludes padding from the mean, as Keras does.
final class PoolingStage: Stage {
  let output: DNNLMemory
  private let source: DNNLMemory
  private let algorithm: dnnl_alg_kind_t
  private let window: WindowArguments
  private let forwardDescriptor: PrimitiveDescriptor
  private let forwardPrimitive: Primitive
  private let workspace: DNNLMemory?
  private var backwardPass: (gradient: Conformed, primitive: Primitive, inputGradient: DNNLMemory)?

  /// Pooling of `geometry`'s windows; `maximum` false averages.
  init(
    maximum: Bool, geometry g: WindowGeometry, input source: DNNLMemory, context: StageContext
  ) throws {
    self.source = source
    algorithm = maximum ? dnnl_pooling_max : dnnl_pooling_avg_exclude_padding
    window = WindowArguments(g)
    var src = source.layout.raw
    var dst = context.free(
      [context.batch, g.channels, g.outputHeight, g.outputWidth], source.layout.dataType
    ).raw
    var w = window
    var description = dnnl_pooling_desc_t()
    DNNL.mustSucceed(
      dnnl_pooling_forward_desc_init(
        &description, context.forwardKind, algorithm, &src, &dst, &w.strides, &w.kernel,
        &w.paddingLeft, &w.paddingRight), "describing a pooling")
    forwardDescriptor = try PrimitiveDescriptor(&description, name: "pooling forward")
    forwardPrimitive = try Primitive(forwardDescriptor)
    output = DNNLMemory(forwardDescriptor.layout(dnnl_query_dst_md))
    workspace =
      maximum && context.mode == .training
      ? DNNLMemory(forwardDescriptor.layout(dnnl_query_workspace_md)) : nil
  }

  /// The whole image as one window (Keras `GlobalAveragePooling2D`); the output is [N, C, 1, 1].
  convenience init(
    globalAverageOf inputShape: TensorShape, input: DNNLMemory, context: StageContext
  )
    throws
  {
    guard
      let g = WindowGeometry(
        input: inputShape, kernel: (inputShape[0], inputShape[1]),
        stride: (inputShape[0], inputShape[1]), padding: .valid)
    else {
      throw DNNLFailure(operation: "global pooling of \(inputShape)", status: "unimplemented")
    }
    try self.init(maximum: false, geometry: g, input: input, context: context)
  }

  var implementations: [String] {
    ["forward \(forwardDescriptor.implementation)"]
      + (backwardPass.map { ["backward \($0.primitive.descriptor.implementation)"] } ?? [])
  }

  func forward() {
    var arguments = [(DNNL_ARG_SRC, source), (DNNL_ARG_DST, output)]
    if let workspace { arguments.append((DNNL_ARG_WORKSPACE, workspace)) }
    forwardPrimitive.execute(arguments)
  }

  func prepareBackward(outputGradient: DNNLMemory, needsInputGradient: Bool) throws -> DNNLMemory? {
    guard needsInputGradient else { return nil }
    let gradient = try Conformed(outputGradient, to: output.layout)
    var diffSrc = source.layout.raw
    var diffDst = output.layout.raw
    var w = window
    var description = dnnl_pooling_desc_t()
    DNNL.mustSucceed(
      dnnl_pooling_backward_desc_init(
        &description, algorithm, &diffSrc, &diffDst, &w.strides, &w.kernel, &w.paddingLeft,
        &w.paddingRight), "describing a pooling gradient")
    let primitive = try Primitive(
      PrimitiveDescriptor(&description, hint: forwardDescriptor, name: "pooling backward"))
    let inputGradient = DNNLMemory(primitive.descriptor.layout(dnnl_query_diff_src_md))
    backwardPass = (gradient, primitive, inputGradient)
    return inputGradient
  }

  func backward() {
    guard let pass = backwardPass else { return }
    pass.gradient.refresh()
    var arguments = [
      (DNNL_ARG_DIFF_DST, pass.gradient.memory), (DNNL_ARG_DIFF_SRC, pass.inputGradient),
    ]
    if let workspace { arguments.append((DNNL_ARG_WORKSPACE, workspace)) }
    pass.primitive.execute(arguments)
  }
}
