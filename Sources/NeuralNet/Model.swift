/// A stack of layers applied in order (Keras `Sequential`), built for one input shape.
public final class Sequential {
  /// Shape of one input example.
  public let inputShape: TensorShape
  /// The layers, first to last.
  public let layers: [Layer]
  /// Keras-style unique names: "conv2d", "conv2d_1", "max_pooling2d", ...
  public let layerNames: [String]
  /// Output shape of each layer, without the batch dimension.
  public let outputShapes: [TensorShape]

  /// What computes the passes; oneDNN at this machine's best precision unless set.
  public var engine: ComputeEngine = .oneDNN(.auto) {
    didSet { compiled.removeAll() }
  }

  /// Which 3x3 convolutions the oneDNN engine hands to its own Winograd kernels (`auto`: where
  /// they measured faster).
  public var winograd: WinogradPolicy = .auto {
    didSet { compiled.removeAll() }
  }

  /// The layers whose weights training leaves alone (Keras's `layer.trainable = False`), by name.
  /// Their tensors keep their values and get no optimizer state, and a frozen BatchNormalization
  /// trains in inference mode (moving statistics, none updated), as in Keras. Names not in
  /// `layerNames` are ignored; `Experiment` checks them against the file.
  public var frozenLayers: Set<String> = [] {
    didSet {
      for (name, layer) in zip(layerNames, layers) {
        let frozen = frozenLayers.contains(name)
        for parameter in layer.parameters { parameter.isFrozen = frozen }
        (layer as? BatchNormalization)?.usesMovingStatistics = frozen
      }
      compiled.removeAll()
    }
  }

  /// A factor on the optimizer's learning rate for every tensor of the named layers (1 for the
  /// rest): discriminative fine-tuning.
  public var learningRateMultipliers: [String: Float] = [:] {
    didSet {
      for (name, layer) in zip(layerNames, layers) {
        for parameter in layer.parameters {
          parameter.learningRateMultiplier = learningRateMultipliers[name] ?? 1
        }
      }
    }
  }

  /// Inference runs in slices of at most this many examples, the last one padded: one compiled
  /// network serves every batch size, and its activations stay small.
  static let inferenceSlice = 128

  private let logits = FloatBuffer()
  private let paddedInputs = FloatBuffer()
  private let slicedProbabilities = FloatBuffer()
  /// At most one network per mode: a new batch size replaces the old one (oneDNN's primitive
  /// cache makes recompiling cheap), so memory holds two networks, not one per size seen.
  private var compiled: [Bool: CompiledNetwork] = [:]

  /// Builds every layer in turn, initialising weights from `seed`. Throws, naming the layer, when
  /// a layer cannot take the shape before it.
  public init(inputShape: TensorShape, layers: [Layer], seed: UInt64) throws {
    guard !layers.isEmpty else {
      throw NeuralNetError.shapeMismatch(
        layer: "Sequential", input: inputShape, reason: "no layers")
    }
    self.inputShape = inputShape
    self.layers = layers
    var generator = SeededGenerator(seed: seed)
    var shape = inputShape
    var shapes: [TensorShape] = []
    var names: [String] = []
    var seen: [String: Int] = [:]
    for layer in layers {
      let base = Sequential.snakeCase(layer.kind)
      let index = seen[base, default: 0]
      seen[base] = index + 1
      let name = index == 0 ? base : "\(base)_\(index)"
      names.append(name)
      do {
        var layerGenerator = generator.split()
        shape = try layer.build(inputShape: shape, generator: &layerGenerator)
      } catch NeuralNetError.shapeMismatch(let kind, let input, let reason) {
        throw NeuralNetError.shapeMismatch(
          layer: "\(name) (\(kind), layer \(names.count) of \(layers.count))", input: input,
          reason: reason)
      }
      shapes.append(shape)
    }
    layerNames = names
    outputShapes = shapes
  }

  /// Keras's `to_snake_case`: "MaxPooling2D" -> "max_pooling2d", "Conv2D" -> "conv2d".
  static func snakeCase(_ kind: String) -> String {
    let characters = Array(kind)
    var result = ""
    for (i, ch) in characters.enumerated() {
      let previous = i > 0 ? characters[i - 1] : nil
      let next = i + 1 < characters.count ? characters[i + 1] : nil
      let startsWord = ch.isUppercase && (next?.isLowercase ?? false) && previous != nil
      let afterLower = ch.isUppercase && (previous?.isLowercase ?? false)
      if startsWord || afterLower { result += "_" }
      result += ch.lowercased()
    }
    return result
  }

  /// Throws unless every label names one of the model's outputs: a last layer narrower than
  /// the data's classes would otherwise index past its output.
  public func checkLabels(_ labels: [Int32]) throws {
    guard let largest = labels.max(), let smallest = labels.min() else { return }
    guard smallest >= 0, Int(largest) < classCount else {
      let last = layerNames[layerNames.count - 1]
      throw NeuralNetError.invalidData(
        "the labels run from \(smallest) to \(largest), but the last layer (\(last)) has "
          + "\(classCount) outputs, one per class: it needs at least \(Int(largest) + 1)")
    }
  }

  /// Number of classes (size of the last output).
  public var classCount: Int { outputShapes[outputShapes.count - 1].elementCount }

  /// Every tensor with its qualified name, "conv2d.kernel", in layer order.
  public var namedParameters: [(name: String, parameter: Parameter)] {
    zip(layerNames, layers).flatMap { name, layer in
      layer.parameters.map { ("\(name).\($0.name)", $0) }
    }
  }

  /// Trainable tensors, in the order optimizers see them.
  public var trainableParameters: [Parameter] {
    layers.flatMap { $0.parameters.filter(\.isTrainable) }
  }

  /// All scalars, trainable and state, as Keras's "Total params".
  public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.parameter.count } }
  /// Trainable scalars only.
  public var trainableParameterCount: Int { trainableParameters.reduce(0) { $0 + $1.count } }

  /// One row of `model.summary()`.
  public struct LayerSummary: Sendable, Codable, Equatable {
    public var name: String, kind: String, settings: String, outputShape: TensorShape,
      parameters: Int
  }

  /// The model summary, one row per layer.
  public var summary: [LayerSummary] {
    layers.indices.map { i in
      LayerSummary(
        name: layerNames[i], kind: layers[i].kind, settings: layers[i].settings,
        outputShape: outputShapes[i], parameters: layers[i].parameters.reduce(0) { $0 + $1.count })
    }
  }

  /// The oneDNN network for `batch` and `mode`, compiled on first use; nil on the reference
  /// engine.
  private func compiledNetwork(batch: Int, mode: Mode) -> CompiledNetwork? {
    guard case .oneDNN(let precision) = engine else { return nil }
    let training = mode == .training
    if let network = compiled[training], network.batch == batch { return network }
    compiled[training] = nil
    do {
      let network = try CompiledNetwork(
        self, batch: batch, mode: mode, precision: precision.resolved)
      compiled[training] = network
      return network
    } catch {
      // Every layer without a primitive falls back to its reference; what is left is a bug.
      preconditionFailure("compiling the model for oneDNN failed: \(error)")
    }
  }

  /// Inference through the compiled network in slices; [batch, classCount] in a reused buffer.
  private func inferInSlices(_ input: UnsafePointer<Float>, batch: Int) -> UnsafePointer<Float>? {
    let slice = min(batch, Sequential.inferenceSlice)
    guard let network = compiledNetwork(batch: slice, mode: .inference) else { return nil }
    let size = inputShape.elementCount
    let classes = classCount
    slicedProbabilities.reserve(batch * classes)
    var start = 0
    while start < batch {
      let n = min(slice, batch - start)
      var source = input + start * size
      if n < slice {
        // Inference treats examples independently, so zero padding changes no real result.
        paddedInputs.reserve(slice * size)
        paddedInputs.pointer.update(from: source, count: n * size)
        (paddedInputs.pointer + n * size).update(repeating: 0, count: (slice - n) * size)
        source = UnsafePointer(paddedInputs.pointer)
      }
      let p = network.forward(source)
      (slicedProbabilities.pointer + start * classes).update(from: p, count: n * classes)
      start += n
    }
    return UnsafePointer(slicedProbabilities.pointer)
  }

  /// Frees the compiled oneDNN networks: their activations, gradients and workspaces. The next
  /// pass compiles again (cheaply: oneDNN caches its primitives). For the end of a phase, such as
  /// training, whose network would otherwise stay in memory beside the next phase's.
  public func releaseCompiledNetworks() { compiled.removeAll() }

  /// Arithmetic per example in the layers with a kernel (convolutions, dense layers), a
  /// multiply-add counting two: `inference` is the forward pass; `training` adds backward-data
  /// and backward-weights, each as large as the forward pass, less the first layer's
  /// backward-data, which nothing needs. The paper's model: 79.5 and 237.7 MFLOP.
  public var flopsPerExample: (inference: Double, training: Double) {
    var inference = 0.0
    var training = 0.0
    for (index, layer) in layers.enumerated() {
      guard let kernel = layer.parameters.first(where: { $0.name == "kernel" }) else { continue }
      let forward = kernel.productFLOPs(outputElements: outputShapes[index].elementCount)
      inference += forward
      training += index == 0 ? 2 * forward : 3 * forward
    }
    return (inference, training)
  }

  /// The implementation of every pass of every layer at `batch` in training, as oneDNN chose
  /// them ("conv2d: forward jit_bf16:avx512_core_bf16"); empty on the reference engine.
  public func implementations(batch: Int) -> [String] {
    compiledNetwork(batch: batch, mode: .training)?.implementations ?? []
  }

  /// Runs all layers; the result is [batch, classCount] and lives until the next call.
  public func forward(_ input: UnsafePointer<Float>, batch: Int, mode: Mode) -> UnsafePointer<Float>
  {
    if mode == .inference, let p = inferInSlices(input, batch: batch) { return p }
    if mode == .training, let network = compiledNetwork(batch: batch, mode: mode) {
      return network.forward(input)
    }
    var x = input
    for layer in layers { x = layer.forward(x, batch: batch, mode: mode) }
    return x
  }

  /// One training step's forward and backward pass; returns the summed loss and the number of
  /// correct predictions. Gradients are left in the parameters for an optimizer.
  /// On the oneDNN engine, a clock times every layer's passes.
  func trainStep(
    _ input: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int,
    loss: CategoricalCrossEntropy, clock: PassClock? = nil
  ) -> (loss: Double, correct: Int) {
    if let network = compiledNetwork(batch: batch, mode: .training) {
      return network.trainStep(input, labels: labels, loss: loss, clock: clock)
    }
    let probabilities = forward(input, batch: batch, mode: .training)
    let classes = classCount
    let total = loss.totalLoss(
      probabilities: probabilities, labels: labels, batch: batch, classes: classes)
    let correct = Sequential.countCorrect(
      probabilities, labels: labels, batch: batch, classes: classes)
    logits.reserve(batch * classes)
    var gradient: UnsafePointer<Float>?
    var start = layers.count - 1
    if let last = layers.last as? ActivatedLayer, last.activation == .softmax {
      loss.logitGradient(
        probabilities: probabilities, labels: labels, batch: batch, classes: classes,
        into: logits.pointer)
      gradient = last.backward(
        preActivationGradient: logits.pointer, batch: batch, needsInputGradient: layers.count > 1)
      start -= 1
    } else {
      loss.probabilityGradient(
        probabilities: probabilities, labels: labels, batch: batch, classes: classes,
        into: logits.pointer)
      gradient = UnsafePointer(logits.pointer)
    }
    var i = start
    while i >= 0, let g = gradient {
      gradient = layers[i].backward(g, batch: batch, needsInputGradient: i > 0)
      i -= 1
    }
    return (total, correct)
  }

  static func countCorrect(
    _ probabilities: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, classes: Int
  ) -> Int {
    (0..<batch).reduce(0) { sum, n in
      sum + (argmax(probabilities + n * classes, classes) == Int(labels[n]) ? 1 : 0)
    }
  }

  /// Class probabilities for every example, [count, classCount], computed in inference mode.
  public func predict(_ examples: Examples, batchSize: Int = 500) -> [Float] {
    let scratch = FloatBuffer()
    return predict(count: examples.count, batchSize: batchSize) { range in
      examples.withScalars(range, scratch: scratch) {
        forward($0, batch: range.count, mode: .inference)
      }
    }
  }

  /// Class probabilities for `inputs`, examples of `inputShape` one after another, [count,
  /// classCount], computed in inference mode.
  public func predict(_ inputs: [Float], batchSize: Int = 500) -> [Float] {
    let size = inputShape.elementCount
    return inputs.withUnsafeBufferPointer { x in
      predict(count: inputs.count / size, batchSize: batchSize) { range in
        forward(x.baseAddress! + range.lowerBound * size, batch: range.count, mode: .inference)
      }
    }
  }

  /// Runs `forward` over `count` examples in slices of at most `batchSize`, gathering the
  /// probabilities each slice returns.
  func predict(
    count: Int, batchSize: Int, forward: (Range<Int>) -> UnsafePointer<Float>
  ) -> [Float] {
    let classes = classCount
    var result = [Float](repeating: 0, count: count * classes)
    result.withUnsafeMutableBufferPointer { out in
      var start = 0
      while start < count {
        let slice = start..<min(start + batchSize, count)
        (out.baseAddress! + start * classes).update(
          from: forward(slice), count: slice.count * classes)
        start = slice.upperBound
      }
    }
    return result
  }

  /// Copies of every tensor by qualified name, for saving.
  public func weights() -> [String: (shape: [Int], values: [Float])] {
    Dictionary(
      uniqueKeysWithValues: namedParameters.map {
        ($0.name, ($0.parameter.shape, $0.parameter.value.array($0.parameter.count)))
      })
  }

  /// Replaces every tensor; each must be present with the model's shape, and no extra may be
  /// given.
  public func load(weights: [String: (shape: [Int], values: [Float])]) throws {
    let named = namedParameters
    let expected = Set(named.map(\.name))
    if let extra = weights.keys.sorted().first(where: { !expected.contains($0) }) {
      throw NeuralNetError.incompatibleWeights("unexpected tensor '\(extra)'")
    }
    for (name, parameter) in named {
      guard let tensor = weights[name] else {
        throw NeuralNetError.incompatibleWeights("missing tensor '\(name)'")
      }
      guard tensor.shape == parameter.shape, tensor.values.count == parameter.count else {
        throw NeuralNetError.incompatibleWeights(
          "tensor '\(name)' has shape \(tensor.shape), the model needs \(parameter.shape)")
      }
    }
    for (name, parameter) in named {
      if let tensor = weights[name] { parameter.value.assign(tensor.values) }
    }
  }
}

/// Index of the largest of `count` scalars (the first on ties).
public func argmax(_ x: UnsafePointer<Float>, _ count: Int) -> Int {
  var best = 0
  for j in 1..<max(count, 1) where x[j] > x[best] { best = j }
  return best
}
