extension Sequential {
  /// Where a layer-wise pass stands: the model's input, or the output of layer `index`.
  public enum Stage: Hashable, Sendable {
    case input
    case layer(Int)
  }

  /// Inference on the reference layers, one layer at a time, over `examples` in slices of at
  /// most `batchSize`. Before the first layer and after every layer, `visit` sees the values
  /// that go on, [slice, shape of that stage], and may rewrite them in place (a copy: the
  /// layer's own buffer is untouched). Returns the probabilities, [count, classCount].
  ///
  /// This is how an analysis looks inside the network (calibration ranges) or changes what
  /// flows through it (quantization simulated in floating point); `forward` stays the fast path.
  /// The reference layers keep buffers for the largest slice they have seen, so slices of 64
  /// (as for saliency) hold the paper's model's to about 35 MB where 256 took 140.
  public func predictLayerwise(
    _ examples: Examples, batchSize: Int = 64,
    visit: (Stage, UnsafeMutableBufferPointer<Float>) -> Void
  ) -> [Float] {
    let scratch = FloatBuffer()
    let current = FloatBuffer()
    let shapes = [inputShape] + outputShapes
    return predict(count: examples.count, batchSize: batchSize) { range in
      let batch = range.count
      examples.withScalars(range, scratch: scratch) { x in
        let count = batch * inputShape.elementCount
        current.reserve(count)
        current.pointer.update(from: x, count: count)
      }
      visit(
        .input,
        UnsafeMutableBufferPointer(start: current.pointer, count: batch * shapes[0].elementCount))
      for (index, layer) in layers.enumerated() {
        let output = layer.forward(UnsafePointer(current.pointer), batch: batch, mode: .inference)
        let count = batch * shapes[index + 1].elementCount
        // Dropout and Flatten hand back their input itself at inference.
        if output != UnsafePointer(current.pointer) {
          current.reserve(count)
          current.pointer.update(from: output, count: count)
        }
        visit(.layer(index), UnsafeMutableBufferPointer(start: current.pointer, count: count))
      }
      return UnsafePointer(current.pointer)
    }
  }
}
