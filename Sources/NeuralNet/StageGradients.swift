extension Sequential {
  /// What flows through one stage of the network for a set of examples, and the gradient of
  /// log p(class) with respect to it.
  public struct StageGradients: Sendable {
    /// The values at the stage, [count, stage shape].
    public var values: [Float]
    /// d log p(class) / d value, [count, stage shape].
    public var gradients: [Float]
    /// The model's probabilities, [count, classCount].
    public var probabilities: [Float]
  }

  /// The values at `stage` (the input, or a layer's output) and the gradient of log p(class) for
  /// them, in inference mode, on the reference layers, for `inputs` (examples of `inputShape` one
  /// after another) and one class per example. Saliency maps and Grad-CAM are made of these.
  ///
  /// The model must end in softmax: the backward pass starts from d log p_c / d z = onehot(c) − p
  /// at the last layer's pre-activation. Parameter gradients are overwritten on the way (those of
  /// batch normalisation are left as they were), so this is not for use between a training step
  /// and its optimizer update.
  public func gradients(
    _ inputs: [Float], classes: [Int], at stage: Stage = .input, batchSize: Int = 64
  ) -> StageGradients {
    let size = inputShape.elementCount
    let classCount = self.classCount
    precondition(inputs.count == classes.count * size, "one class per input")
    precondition(classes.allSatisfy { (0..<classCount).contains($0) }, "a class out of range")
    guard let last = layers.last as? ActivatedLayer, last.activation == .softmax else {
      preconditionFailure("gradients of log p need a model that ends in softmax")
    }
    // The layers whose backward pass reaches the stage, and the stage's size per example.
    let (first, stageSize): (Int, Int)
    switch stage {
    case .input: (first, stageSize) = (0, size)
    case .layer(let index):
      precondition(index < layers.count - 1, "the stage must come before the last layer")
      (first, stageSize) = (index + 1, outputShapes[index].elementCount)
    }
    var result = StageGradients(
      values: [Float](repeating: 0, count: classes.count * stageSize),
      gradients: [Float](repeating: 0, count: classes.count * stageSize),
      probabilities: [Float](repeating: 0, count: classes.count * classCount))
    let seed = FloatBuffer()
    inputs.withUnsafeBufferPointer { x in
      for start in stride(from: 0, to: classes.count, by: batchSize) {
        let batch = min(batchSize, classes.count - start)
        let count = batch * stageSize
        var activation = x.baseAddress! + start * size
        if first == 0 { copy(activation, count, into: &result.values, at: start * stageSize) }
        for (index, layer) in layers.enumerated() {
          activation = layer.forward(activation, batch: batch, mode: .inferenceWithGradients)
          if index + 1 == first {
            copy(activation, count, into: &result.values, at: start * stageSize)
          }
        }
        seed.reserve(batch * classCount)
        for n in 0..<batch {
          for k in 0..<classCount {
            let p = activation[n * classCount + k]
            result.probabilities[(start + n) * classCount + k] = p
            seed.pointer[n * classCount + k] = (k == classes[start + n] ? 1 : 0) - p
          }
        }
        var gradient = last.backward(
          preActivationGradient: seed.pointer, batch: batch, needsInputGradient: true)
        for layer in layers[first..<(layers.count - 1)].reversed() {
          guard let g = gradient else { break }
          gradient = layer.backward(g, batch: batch, needsInputGradient: true)
        }
        if let gradient { copy(gradient, count, into: &result.gradients, at: start * stageSize) }
      }
    }
    return result
  }

  private func copy(
    _ source: UnsafePointer<Float>, _ count: Int, into target: inout [Float], at offset: Int
  ) {
    for i in 0..<count { target[offset + i] = source[i] }
  }
}
