/// The kernels this process selects, checked against the plain reference engine: each layer of
/// a model alone, at the shape it sees in the model, runs one inference pass and one training
/// step on the oneDNN engine and on the reference engine, and every result is compared. `report
/// check` runs it on the paper's model at its real shapes.
///
/// Layer by layer rather than the whole model at once: in a deep model the engines' conv outputs
/// differ in the last bit, and where two values of a max-pooling window are that close the two
/// engines route the gradient to different pixels. That is rounding, not a wrong kernel, yet it
/// moves one channel's weight gradient by a visible amount. Alone, each layer sees bit-identical
/// inputs on both engines: a 1x1 "lift" layer widens one distinct value per pixel into the layer's
/// channels exactly (one product, zero bias), and its weight gradient carries the layer's input
/// gradient back, so forward, backward-data and backward-weights are all compared. The model's
/// first layer is probed as it runs in training, without a lift: nothing needs its input
/// gradient, so the engine computes none (and may choose kernels that cannot).
public struct EngineCheck: Sendable {
  /// One compared result: the probabilities, the loss, a parameter's gradient or a moving
  /// statistic after the step, of one probed layer.
  public struct Quantity: Sendable, Equatable {
    /// "conv2d_1 [24, 24, 64]: kernel gradient".
    public let name: String
    /// The largest absolute difference over the largest magnitude of the reference.
    public let relativeError: Float
    /// The root mean square of the differences over that of the reference: what rounding of
    /// every value gives, where a few values flipped across a ReLU or a pooling tie barely count
    /// and a wrong kernel gives about 1.
    public let relativeRMSError: Float
    /// The largest magnitude of the reference: zero means the quantity checks nothing.
    public let referenceMagnitude: Float
  }

  /// Every result, layer by layer.
  public let quantities: [Quantity]
  /// The implementation chosen for every pass of every probed layer ("conv2d_1: forward
  /// jit:avx2"). A layer that runs on its own reference code inside the compiled network (the
  /// 2x2-output convolutions' im2col + sgemm) is compared with that same code: only the
  /// network's plumbing around it is checked.
  public let implementations: [String]

  /// Probes each of `layers` (a model for `inputShape`) at its own input shape with `batch`
  /// seeded inputs, the oneDNN engine choosing Winograd convolutions by `winograd`.
  public init(
    inputShape: TensorShape, layers: @escaping () -> [Layer], precision: Precision, batch: Int,
    seed: UInt64 = 11, winograd: WinogradPolicy = .auto
  ) throws {
    let model = try Sequential(inputShape: inputShape, layers: layers(), seed: seed)
    var quantities: [Quantity] = []
    var implementations: [String] = []
    for (i, name) in model.layerNames.enumerated() {
      let shape = i == 0 ? inputShape : model.outputShapes[i - 1]
      let lifted = i > 0
      let probe = {
        Self.probe(layers()[i], inputShape: shape, output: model.outputShapes[i], lifted: lifted)
      }
      let probeInput = lifted ? Array(shape.dropLast()) + [1] : shape
      let reference = try Self.step(
        inputShape: probeInput, layers: probe, lifted: lifted, engine: .reference, batch: batch,
        seed: seed, winograd: .never)
      let fast = try Self.step(
        inputShape: probeInput, layers: probe, lifted: lifted, engine: .oneDNN(precision),
        batch: batch, seed: seed, winograd: winograd)
      for ((quantity, expected), (_, actual)) in zip(reference.values, fast.values) {
        let scale = expected.map(abs).max() ?? 0
        let difference = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
        let rms = { (values: [Float]) in
          (values.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(values.count, 1)))
            .squareRoot()
        }
        let rmsDifference = rms(zip(actual, expected).map { $0 - $1 })
        quantities.append(
          Quantity(
            name: "\(name) \(shape): \(quantity)", relativeError: difference / max(scale, 1e-6),
            relativeRMSError: Float(rmsDifference / max(rms(expected), 1e-12)),
            referenceMagnitude: scale))
      }
      implementations += fast.implementations.map { name + $0 }
    }
    (self.quantities, self.implementations) = (quantities, implementations)
  }

  /// How far from the reference a result of `precision` may be, as a relative RMS error.
  ///
  /// Every value is compared, so a value near zero that rounding moves across a ReLU (or a
  /// pooling tie) carries its whole gradient to or from another place: single values then differ
  /// by far more than their rounding while the rest agree, and the largest relative error says
  /// little. The RMS of the differences over the RMS of the reference does not: a wrong kernel (a
  /// transposed or misplaced operand, one channel or a border wrong) gives 0.1 to 1.
  /// - fp32 sums in another order than the reference: within 1e-3. Measured on an
  ///   avx512_core CPU on 2026-12-03 at batch 128: at most 7.5e-5 (the 64-channel convolution's
  ///   kernel gradient, a sum of 73,728 products, whose largest relative error was 2.3e-4).
  /// - bf16 rounds every layer's inputs, outputs and incoming gradients to 8 significant bits,
  ///   and at initialization a gradient is a sum whose terms largely cancel: within 0.25.
  ///   Measured on an avx512_core_bf16 CPU: forward passes 1e-4 to 4e-4, the paper model's
  ///   gradients at batch 128 up to 6.4e-2, a one-channel convolution's at batch 6 (behind a lift) up to 0.14; a
  ///   dense layer's gradient agreed with fp32 oneDNN to 3e-3.
  public static func tolerance(for precision: Precision) -> Float {
    precision.resolved == .bf16 ? 0.25 : 1e-3
  }

  /// The quantities further from the reference than `precision` allows (`tolerance(for:)`), or
  /// that check nothing.
  public func failures(precision: Precision) -> [Quantity] {
    let limit = Self.tolerance(for: precision)
    return quantities.filter { !($0.relativeRMSError < limit) || $0.referenceMagnitude == 0 }
  }

  /// The lift when `lifted`, `layer`, and a softmax head when `layer` does not end in one.
  private static func probe(
    _ layer: Layer, inputShape: TensorShape, output: TensorShape, lifted: Bool
  ) -> [Layer] {
    let lift: Layer =
      inputShape.count == 3
      ? Conv2D(filters: inputShape[2], kernelSize: (1, 1)) : Dense(units: inputShape[0])
    let endsInSoftmax = (layer as? ActivatedLayer)?.activation == .softmax
    let head: [Layer] =
      endsInSoftmax
      ? [] : (output.count == 3 ? [Flatten()] : []) + [Dense(units: 10, activation: .softmax)]
    return (lifted ? [lift] : []) + [layer] + head
  }

  /// What one engine computes for a probe (`lifted`: its first layer is the lift): named value
  /// lists in a fixed order, and the probed layer's implementations (": forward jit:avx2").
  private static func step(
    inputShape: TensorShape, layers: () -> [Layer], lifted: Bool, engine: ComputeEngine,
    batch: Int, seed: UInt64, winograd: WinogradPolicy
  ) throws -> (values: [(name: String, values: [Float])], implementations: [String]) {
    let model = try Sequential(inputShape: inputShape, layers: layers(), seed: seed)
    model.engine = engine
    model.winograd = winograd
    for case let layer as StochasticLayer in model.layers { layer.reseed(seed &+ 1) }
    // Distinct values in (0, 1), so no pooling window holds a tie either engine may break its way.
    var generator = SeededGenerator(seed: seed &+ 2)
    let count = batch * inputShape.elementCount
    let inputs = (0..<count).shuffled(using: &generator).map { (Float($0) + 0.5) / Float(count) }
    let labels = (0..<batch).map { _ in Int32(generator.next() % UInt64(model.classCount)) }
    let inference = model.predict(inputs, batchSize: batch)
    let result = inputs.withUnsafeBufferPointer { x in
      labels.withUnsafeBufferPointer { y in
        model.trainStep(x.baseAddress!, labels: y.baseAddress!, batch: batch, loss: .init())
      }
    }
    var values: [(name: String, values: [Float])] = [
      ("inference", inference), ("loss", [Float(result.loss)]),
    ]
    let lift = lifted ? model.layerNames[0] : nil
    let probed = model.layerNames[lifted ? 1 : 0]
    // The lift's kernel and bias gradients together are the probed layer's input gradient, on
    // one scale: a batch normalization's input gradient sums to zero per channel, so the bias
    // part alone is rounding noise.
    var inputGradient: [Float] = []
    for (name, parameter) in model.namedParameters {
      let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
      if parts[0] == lift {
        inputGradient += parameter.gradient.array(parameter.count)
        continue
      }
      let suffix = parameter.isTrainable ? " gradient" : ""
      values.append(
        (
          parts[0] == probed ? parts[1] + suffix : "head \(name)\(suffix)",
          parameter.isTrainable
            ? parameter.gradient.array(parameter.count) : parameter.value.array(parameter.count)
        ))
    }
    if lifted { values.insert(("input gradient", inputGradient), at: 2) }
    // Only the probed layer's passes, without its name inside the probe.
    let implementations = model.implementations(batch: batch).filter { $0.hasPrefix(probed + ":") }
      .map { String($0.dropFirst(probed.count)) }
    return (values, implementations)
  }
}
