import CDNNL

/// A `Sequential` model compiled into oneDNN stages for one batch size and mode.
///
/// The input arrives as plain fp32 NHWC and is reordered once into the layout the first layer
/// wants; from there activations stay in the layouts the primitives pick (blocked, bf16 in mixed
/// precision) until Flatten or the class probabilities, which are fp32 [batch, classes]. The
/// layers' fp32 parameters remain the master weights that optimizers update and files store.
final class CompiledNetwork {
  /// Examples per pass.
  let batch: Int
  private let stages: [(layer: String, stage: Stage)]
  private let input: DNNLMemory
  private let probabilities: Conformed
  private let classes: Int
  private let lossGradient: DNNLMemory?
  private let lastTakesLogitGradient: Bool

  init(_ model: Sequential, batch: Int, mode: Mode, precision: Precision) throws {
    self.batch = batch
    let context = StageContext(
      batch: batch, mode: mode, dataType: precision == .bf16 ? dnnl_bf16 : dnnl_f32,
      winograd: model.winograd)
    input = DNNLMemory(context.plain(model.inputShape, dnnl_f32), at: nil)
    var source = input
    var shape = model.inputShape
    var stages: [(String, Stage)] = []
    for (index, layer) in model.layers.enumerated() {
      let isLast = index == model.layers.count - 1
      let outputShape = model.outputShapes[index]
      var made: [Stage]
      do {
        made = try Self.lower(
          layer, source: source, shape: shape, outputShape: outputShape, isFirst: index == 0,
          isLast: isLast, context: context)
      } catch is DNNLFailure {
        made = [
          try ReferenceStage(
            layer, input: source, inputShape: shape, outputShape: outputShape, context: context)
        ]
      }
      for stage in made {
        stages.append((model.layerNames[index], stage))
        source = stage.output
      }
      shape = outputShape
    }
    self.stages = stages
    classes = model.classCount
    probabilities = try Conformed(source, to: context.plain([classes], dnnl_f32))
    lastTakesLogitGradient = (stages.last?.1 as? WeightedStage)?.takesLogitGradient ?? false
    guard mode == .training else {
      lossGradient = nil
      return
    }
    let gradient = DNNLMemory(context.plain([classes], dnnl_f32))
    lossGradient = gradient
    var outputGradient: DNNLMemory? = gradient
    for (position, entry) in stages.enumerated().reversed() {
      guard let next = outputGradient else { break }
      outputGradient = try entry.1.prepareBackward(
        outputGradient: next, needsInputGradient: position > 0)
    }
  }

  /// The stages for one layer; throws `DNNLFailure` where the layer runs on its reference.
  private static func lower(
    _ layer: Layer, source: DNNLMemory, shape: TensorShape, outputShape: TensorShape,
    isFirst: Bool, isLast: Bool, context: StageContext
  ) throws -> [Stage] {
    switch layer {
    case let conv as Conv2D:
      if let stage = try EngineConvolutionStage(
        conv, input: source, inputShape: shape, isFirst: isFirst, context: context)
      {
        return [stage]
      }
      if ConvolutionOperation.prefersMatrixProduct(conv, over: shape, context: context) {
        return [
          try ReferenceStage(
            conv, input: source, inputShape: shape, outputShape: outputShape,
            implementation: "im2col + sgemm (OpenBLAS, fp32)", context: context)
        ]
      }
      return [
        try ConvolutionOperation.stage(conv, input: source, inputShape: shape, context: context)
      ]
    case let dense as Dense where dense.activation != .softmax || isLast:
      return [try InnerProductOperation.stage(dense, input: source, context: context)]
    case let pool as MaxPool2D:
      return [
        try PoolingStage(
          maximum: true, geometry: try pool.window.geometry(pool.kind, over: shape), input: source,
          context: context)
      ]
    case let pool as AveragePool2D:
      return [
        try PoolingStage(
          maximum: false, geometry: try pool.window.geometry(pool.kind, over: shape), input: source,
          context: context)
      ]
    case is GlobalAveragePool2D:
      let pool = try PoolingStage(globalAverageOf: shape, input: source, context: context)
      return [pool, FlattenStage(input: pool.output, context: context)]
    case let norm as BatchNormalization:
      return [try NormalizationStage(norm, input: source, context: context)]
    case is Flatten:
      return [FlattenStage(input: source, context: context)]
    default:
      throw DNNLFailure(operation: layer.kind, status: "no oneDNN lowering")
    }
  }

  /// Each layer's chosen implementations, "conv2d: forward jit_bf16:avx512_core_bf16".
  var implementations: [String] {
    stages.flatMap { layer, stage in stage.implementations.map { "\(layer): \($0)" } }
  }

  /// Class probabilities for `batch` examples, [batch, classes]; valid until the next pass.
  /// With a clock, every stage's pass is timed.
  func forward(_ examples: UnsafePointer<Float>, clock: PassClock? = nil) -> UnsafePointer<Float> {
    input.point(at: UnsafeMutableRawPointer(mutating: examples))
    for (layer, stage) in stages { stage.forward(clock: clock, layer: layer) }
    PassClock.run(clock, "probabilities", "forward", implementation: "reorder to fp32 NC") {
      probabilities.refresh()
    }
    return UnsafePointer(probabilities.memory.floats)
  }

  /// One forward and backward pass: returns the summed loss and the correct predictions, and
  /// leaves every parameter gradient in the layers' parameters. With a clock, every stage's
  /// passes are timed.
  func trainStep(
    _ examples: UnsafePointer<Float>, labels: UnsafePointer<Int32>, loss: CategoricalCrossEntropy,
    clock: PassClock? = nil
  ) -> (loss: Double, correct: Int) {
    guard let lossGradient else { preconditionFailure("trainStep on an inference network") }
    let p = forward(examples, clock: clock)
    var total = 0.0
    var correct = 0
    PassClock.run(clock, "loss", "step", implementation: "cross-entropy (Swift)") {
      total = loss.totalLoss(probabilities: p, labels: labels, batch: batch, classes: classes)
      correct = Sequential.countCorrect(p, labels: labels, batch: batch, classes: classes)
      if lastTakesLogitGradient {
        loss.logitGradient(
          probabilities: p, labels: labels, batch: batch, classes: classes,
          into: lossGradient.floats)
      } else {
        loss.probabilityGradient(
          probabilities: p, labels: labels, batch: batch, classes: classes,
          into: lossGradient.floats)
      }
    }
    for (layer, stage) in stages.reversed() { stage.backward(clock: clock, layer: layer) }
    return (total, correct)
  }
}
