import CDNNL

/// Flatten: reorders a blocked [N, C, H, W] activation into plain NHWC, which read as [N, H*W*C]
/// is Keras's flatten order, so a Dense kernel keeps its Keras layout. Its gradient is the
/// same reinterpretation backwards.
final class FlattenStage: Stage {
  let output: DNNLMemory
  private let input: Conformed
  private let imageLayout: TensorLayout
  private var backwardPass: (gradient: Conformed, inputGradient: DNNLMemory)?

  init(input source: DNNLMemory, context: StageContext) {
    let dims = source.layout.dims
    let type = source.layout.dataType
    imageLayout = TensorLayout(dims, type, dims.count == 4 ? dnnl_nhwc : dnnl_nc)
    // A reorder between two layouts of one tensor always exists.
    input = Self.conform(source, to: imageLayout)
    output = DNNLMemory(
      TensorLayout([dims[0], dims.dropFirst().reduce(1, *)], type, dnnl_nc), at: nil)
  }

  private static func conform(_ source: DNNLMemory, to layout: TensorLayout) -> Conformed {
    do { return try Conformed(source, to: layout) } catch {
      preconditionFailure("no reorder to a plain layout: \(error)")
    }
  }

  var implementations: [String] { [] }

  // The views are re-pointed on every pass: a reference stage before may move its buffers.
  func forward() {
    input.refresh()
    output.point(at: input.memory.data)
  }

  func prepareBackward(outputGradient: DNNLMemory, needsInputGradient: Bool) throws -> DNNLMemory? {
    guard needsInputGradient else { return nil }
    let pass = (Self.conform(outputGradient, to: output.layout), DNNLMemory(imageLayout, at: nil))
    backwardPass = pass
    return pass.1
  }

  func backward() {
    guard let pass = backwardPass else { return }
    pass.gradient.refresh()
    pass.inputGradient.point(at: pass.gradient.memory.data)
  }
}

/// A layer oneDNN has no primitive for here (Dropout, a standalone activation, a softmax before
/// the last layer), or one its reference computes faster (`ConvolutionOperation
/// .prefersMatrixProduct`): its reference implementation runs on plain fp32 copies of its input
/// and gradient, so any model trains, only that layer at reference speed.
final class ReferenceStage: Stage {
  let output: DNNLMemory
  let implementations: [String]
  private let layer: Layer
  private let context: StageContext
  private let input: Conformed
  private let inputLayout: TensorLayout
  private var backwardPass: (gradient: Conformed, inputGradient: DNNLMemory?)?

  init(
    _ layer: Layer, input source: DNNLMemory, inputShape: TensorShape, outputShape: TensorShape,
    implementation: String = "reference (Swift, fp32)", context: StageContext
  ) throws {
    implementations = [implementation]
    self.layer = layer
    self.context = context
    inputLayout = context.plain(inputShape, dnnl_f32)
    input = try Conformed(source, to: inputLayout)
    output = DNNLMemory(context.plain(outputShape, dnnl_f32), at: nil)
  }

  func forward() {
    input.refresh()
    let result = layer.forward(
      UnsafePointer(input.memory.floats), batch: context.batch, mode: context.mode)
    output.point(at: UnsafeMutableRawPointer(mutating: result))
  }

  func prepareBackward(outputGradient: DNNLMemory, needsInputGradient: Bool) throws -> DNNLMemory? {
    let gradient = try Conformed(outputGradient, to: output.layout)
    let inputGradient = needsInputGradient ? DNNLMemory(inputLayout, at: nil) : nil
    backwardPass = (gradient, inputGradient)
    return inputGradient
  }

  /// The forward pass's products, for a layer with a kernel.
  var flops: Double? {
    layer.parameters.first { $0.name == "kernel" }.map {
      $0.productFLOPs(outputElements: output.layout.dims.reduce(1, *))
    }
  }

  /// Runs `backward()` timed as one pass: the kernel gradient and, when needed, the input
  /// gradient, each as large as the forward pass.
  func backward(clock: PassClock?, layer name: String) {
    let passes: Double = backwardPass?.inputGradient == nil ? 1 : 2
    PassClock.run(
      clock, name, LayerPass.backward.rawValue, flops: flops.map { $0 * passes },
      implementation: implementation(of: .backward), backward)
  }

  func backward() {
    guard let pass = backwardPass else { preconditionFailure("backward() before prepareBackward") }
    pass.gradient.refresh()
    let result = layer.backward(
      UnsafePointer(pass.gradient.memory.floats), batch: context.batch,
      needsInputGradient: pass.inputGradient != nil)
    if let result, let inputGradient = pass.inputGradient {
      inputGradient.point(at: UnsafeMutableRawPointer(mutating: result))
    }
  }
}
