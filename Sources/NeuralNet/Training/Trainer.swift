import Foundation

/// Trains a `Sequential` model with mini-batches (Keras `Model.fit`): shuffles each epoch,
/// augments, steps the optimizer, validates, and calls the callbacks.
///
/// Everything random is drawn from `seed` and the epoch number, so a run is bit-identical for
/// the same seed and thread count, and a resumed run continues exactly as an unbroken one.
public final class Trainer {
  /// The network.
  public let model: Sequential
  /// Its optimizer.
  public let optimizer: Optimizer
  /// The loss.
  public var loss: CategoricalCrossEntropy
  /// Examples per step (Keras default 32; the paper uses 128).
  public var batchSize: Int
  /// Applied to every training batch when set.
  public var augmentation: RandomAffine?
  /// Called in order at every hook.
  public var callbacks: [TrainingCallback]
  /// Root of the shuffling and augmentation streams.
  public var seed: UInt64
  /// Polled after every batch; returning true ends training as interrupted.
  public var isCancelled: () -> Bool = { false }

  private let batchInputs = FloatBuffer()
  private let augmentedInputs = FloatBuffer()

  /// A trainer.
  public init(
    model: Sequential, optimizer: Optimizer, loss: CategoricalCrossEntropy = .init(),
    batchSize: Int = 32,
    augmentation: RandomAffine? = nil, callbacks: [TrainingCallback] = [], seed: UInt64 = 0
  ) {
    self.model = model
    self.optimizer = optimizer
    self.loss = loss
    self.batchSize = batchSize
    self.augmentation = augmentation
    self.callbacks = callbacks
    self.seed = seed
  }

  /// Trains until `epochs` (counted from 1, including those already in `state.history`), an
  /// early stop, a cancellation or a non-finite loss; the returned state says which.
  @discardableResult
  public func fit(
    _ train: Examples, validation: Examples?, epochs: Int, resuming state: TrainingState? = nil
  ) throws -> TrainingState {
    guard train.count > 0, batchSize > 0 else {
      throw NeuralNetError.invalidData("no training examples, or a batch size below 1")
    }
    guard train.shape == model.inputShape, validation.map({ $0.shape == model.inputShape }) ?? true
    else {
      throw NeuralNetError.invalidData(
        "examples of shape \(train.shape) for a model taking \(model.inputShape)")
    }
    for examples in [train] + (validation.map { [$0] } ?? []) {
      try model.checkLabels(examples.labels)
    }
    if case .oneDNN(let precision) = model.engine, !precision.isSupported {
      throw NeuralNetError.unsupportedPrecision(precision, isa: ComputeEngine.isa)
    }
    let state = state ?? TrainingState(model: model, optimizer: optimizer)
    // What follows training (tests, exports, reports) infers; the training network's buffers
    // would only add to the process's peak, whether training ended or threw.
    defer { model.releaseCompiledNetworks() }
    for callback in callbacks { callback.trainingWillBegin(state: state) }
    var epoch = (state.history.last?.epoch ?? 0) + 1
    while epoch <= epochs, !state.stopTraining {
      for callback in callbacks { callback.epochWillBegin(epoch, state: state) }
      guard
        let metrics = try runEpoch(
          epoch, of: epochs, train: train, validation: validation, state: state)
      else {
        break
      }
      state.history.append(metrics)
      for callback in callbacks { callback.epochDidEnd(metrics, state: state) }
      epoch += 1
    }
    if state.stopTraining, state.outcome == .completed { state.outcome = .earlyStopped }
    for callback in callbacks { callback.trainingDidEnd(state: state) }
    return state
  }

  /// One epoch; nil when it was cut short (cancelled or failed), with `state.outcome` set.
  private func runEpoch(
    _ epoch: Int, of epochs: Int, train: Examples, validation: Examples?, state: TrainingState
  ) throws -> EpochMetrics? {
    let start = DispatchTime.now()
    let size = train.shape.elementCount
    var generator = SeededGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
    var order = Array(0..<train.count)
    order.shuffle(using: &generator)
    for case let layer as StochasticLayer in model.layers { layer.reseed(generator.next()) }
    let batches = (train.count + batchSize - 1) / batchSize
    var labels = [Int32](repeating: 0, count: batchSize)
    var totalLoss = 0.0
    var correct = 0
    var seen = 0
    var learningRate = 0.0  // the rate of the epoch's first step, set below
    batchInputs.reserve(batchSize * size)
    let parameters = model.trainableParameters
    optimizer.weightAverage?.useLiveWeights(parameters)
    for b in 0..<batches {
      for callback in callbacks {
        callback.batchWillBegin(b, of: batches, epoch: epoch, state: state)
      }
      if b == 0 { learningRate = Double(optimizer.learningRate) }
      let first = b * batchSize
      let n = min(batchSize, train.count - first)
      train.copy(order[first..<(first + n)], to: batchInputs.pointer)
      for i in 0..<n { labels[i] = train.labels[order[first + i]] }
      let input = augmented(
        UnsafePointer(batchInputs.pointer), count: n, shape: train.shape, generator: &generator)
      let step = labels.withUnsafeBufferPointer {
        model.trainStep(input, labels: $0.baseAddress!, batch: n, loss: loss)
      }
      guard step.loss.isFinite else {
        state.outcome = .failed(
          reason: NeuralNetError.nonFiniteLoss(epoch: epoch, batch: b + 1).description)
        return nil
      }
      optimizer.step(parameters)
      totalLoss += step.loss
      correct += step.correct
      seen += n
      let elapsed = seconds(since: start)
      let progress = BatchProgress(
        epoch: epoch, epochs: epochs, batch: b + 1, batches: batches,
        loss: totalLoss / Double(seen),
        accuracy: Double(correct) / Double(seen),
        imagesPerSecond: Double(seen) / max(elapsed, 1e-9),
        elapsed: elapsed)
      for callback in callbacks { callback.batchDidEnd(progress, state: state) }
      if isCancelled() {
        state.outcome = .interrupted
        return nil
      }
    }
    let trainingSeconds = seconds(since: start)
    // Validation, the callbacks and a finished run see the averaged weights when there are any.
    optimizer.weightAverage?.useAverages(parameters)
    // Validating at the training batch size keeps every layer buffer at its training size.
    let validationResult = validation.map {
      Evaluation(model: model, examples: $0, loss: loss, batchSize: batchSize)
    }
    return EpochMetrics(
      epoch: epoch, loss: totalLoss / Double(seen), accuracy: Double(correct) / Double(seen),
      valLoss: validationResult?.loss, valAccuracy: validationResult?.accuracy,
      learningRate: learningRate,
      seconds: seconds(since: start), imagesPerSecond: Double(seen) / max(trainingSeconds, 1e-9),
      valConfusion: validationResult?.confusion)
  }

  /// `input` augmented into the trainer's own buffer when augmentation is on, else `input`.
  private func augmented(
    _ input: UnsafePointer<Float>, count: Int, shape: TensorShape, generator: inout SeededGenerator
  ) -> UnsafePointer<Float> {
    guard let augmentation, !augmentation.isIdentity else { return input }
    augmentedInputs.reserve(count * shape.elementCount)
    augmentation.apply(
      input, into: augmentedInputs.pointer, count: count, shape: shape, generator: &generator)
    return UnsafePointer(augmentedInputs.pointer)
  }

  /// Runs `steps` training steps of `batchSize` on `train` without callbacks or validation, for
  /// benchmarks; returns the wall-clock seconds.
  public func benchmarkSteps(_ steps: Int, on train: Examples) -> Double {
    let start = DispatchTime.now()
    runSteps(steps, on: train, clock: nil)
    return seconds(since: start)
  }

  /// Runs `steps` training steps as `benchmarkSteps` does, timing apart each step's batch
  /// (copy and augmentation), every layer's forward, backward-data and backward-weights pass,
  /// and the optimizer: per-step medians, in the order a step runs them. Nil on the reference
  /// engine, whose layers run as one unit.
  public func profileSteps(_ steps: Int, on train: Examples) -> [LayerPassTiming]? {
    guard model.engine != .reference else { return nil }
    let clock = PassClock()
    runSteps(steps, on: train, clock: clock)
    return clock.timings
  }

  private func runSteps(_ steps: Int, on train: Examples, clock: PassClock?) {
    let size = train.shape.elementCount
    let parameters = model.trainableParameters
    batchInputs.reserve(batchSize * size)
    var generator = SeededGenerator(seed: seed)
    train.labels.withUnsafeBufferPointer { y in
      for s in 0..<steps {
        clock?.nextStep()
        let first = (s * batchSize) % max(train.count - batchSize + 1, 1)
        var input = UnsafePointer(batchInputs.pointer)
        PassClock.run(clock, "batch", "step", implementation: "copy and augmentation (Swift)") {
          train.copy(first..<(first + batchSize), to: batchInputs.pointer)
          input = augmented(
            UnsafePointer(batchInputs.pointer), count: batchSize, shape: train.shape,
            generator: &generator)
        }
        _ = model.trainStep(
          input, labels: y.baseAddress! + first, batch: batchSize, loss: loss, clock: clock)
        PassClock.run(clock, "optimizer", "step", implementation: "\(type(of: optimizer)) (Swift)")
        {
          optimizer.step(parameters)
        }
      }
    }
  }
}
