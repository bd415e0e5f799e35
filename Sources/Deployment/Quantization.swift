import NeuralNet

/// Per-tensor asymmetric uint8 quantization of activations, ONNX's `QuantizeLinear`:
/// q = saturate(round_half_even(x / scale) + zeroPoint), x' = (q - zeroPoint) * scale.
public struct ActivationQuantization: Equatable, Sendable {
  public var scale: Float
  public var zeroPoint: UInt8

  /// The scale and zero point that map [minimum, maximum], widened to hold 0, onto 0...255
  /// (ONNX Runtime's MinMax calibration).
  public init(minimum: Float, maximum: Float) {
    let low = min(minimum, 0)
    let high = max(maximum, 0)
    scale = high > low ? (high - low) / 255 : 1
    zeroPoint = UInt8(min(max((-low / scale).rounded(.toNearestOrEven), 0), 255))
  }

  /// Replaces every value by its quantized-then-dequantized self.
  func fakeQuantize(_ values: UnsafeMutableBufferPointer<Float>) {
    let zero = Float(zeroPoint)
    for i in values.indices {
      let q = min(max((values[i] / scale).rounded(.toNearestOrEven) + zero, 0), 255)
      values[i] = (q - zero) * scale
    }
  }
}

/// A weighted layer's kernel as int8, symmetric per output channel (the kernel's last axis), and
/// its bias as int32 at the scale of input times weight, as a QDQ model stores them.
public struct QuantizedWeights: Sendable {
  /// Weights lie in -limit...limit: 7 bits, so that AVX2's u8 x s8 pair sums
  /// (`vpmaddubsw`, 2 x 255 x 63 = 32,130) never saturate int16 on CPUs without VNNI.
  public static let limit: Float = 63

  /// The kernel in the engine's layout, as the float tensor's shape says.
  public let kernel: [Int8]
  /// One scale per output channel.
  public let kernelScales: [Float]
  /// The bias, one per output channel, at scale inputScale * kernelScales[c].
  public let bias: [Int32]
  public let biasScales: [Float]

  init(kernel values: [Float], bias: [Float], inputScale: Float) {
    let channels = bias.count
    var largest = [Float](repeating: 0, count: channels)
    for (i, w) in values.enumerated() { largest[i % channels] = max(largest[i % channels], abs(w)) }
    let scales = largest.map { $0 > 0 ? $0 / Self.limit : 1 }
    kernel = values.enumerated().map { i, w in
      Int8(min(max((w / scales[i % channels]).rounded(.toNearestOrEven), -Self.limit), Self.limit))
    }
    kernelScales = scales
    biasScales = scales.map { inputScale * $0 }
    self.bias = zip(bias, biasScales).map { b, s in
      let q = (b / s).rounded(.toNearestOrEven)
      return Int32(min(max(q, Float(Int32.min / 2)), Float(Int32.max / 2)))
    }
  }

  /// The kernel and bias as the int8 model computes with them.
  var dequantized: (kernel: [Float], bias: [Float]) {
    let channels = kernelScales.count
    return (
      kernel.enumerated().map { Float($1) * kernelScales[$0 % channels] },
      zip(bias, biasScales).map { Float($0) * $1 }
    )
  }
}

/// Post-training static quantization of a model: activations per tensor, calibrated on example
/// images (MinMax), weights per channel. It says where the int8 model quantizes, and computes
/// what that model predicts with the engine's own layers in floating point, exactly as the QDQ
/// graph `ONNXExporter` writes defines it.
public struct QuantizationPlan: Sendable {
  /// The quantization of the values at each quantized stage: the input and every layer's output
  /// but the last layer's and dropout's (an identity at inference).
  public let activations: [Sequential.Stage: ActivationQuantization]
  /// The quantized kernel and bias of each weighted layer, by layer index.
  public let weights: [Int: QuantizedWeights]
  /// How many images calibrated the activation ranges.
  public let calibrationImages: Int

  /// Calibrates `model` on `calibration` and quantizes its weights.
  public init(model: Sequential, calibration: Examples) {
    var ranges: [Sequential.Stage: (Float, Float)] = [:]
    _ = model.predictLayerwise(calibration) { stage, values in
      var (low, high) = ranges[stage] ?? (Float.infinity, -Float.infinity)
      for v in values {
        low = min(low, v)
        high = max(high, v)
      }
      ranges[stage] = (low, high)
    }
    var activations: [Sequential.Stage: ActivationQuantization] = [:]
    var weights: [Int: QuantizedWeights] = [:]
    let (low, high) = ranges[.input] ?? (0, 1)
    var current = ActivationQuantization(minimum: low, maximum: high)
    activations[.input] = current
    for (index, layer) in model.layers.enumerated() {
      if layer is Conv2D || layer is Dense {
        weights[index] = QuantizedWeights(
          kernel: layer.parameters[0].value.array(layer.parameters[0].count),
          bias: layer.parameters[1].value.array(layer.parameters[1].count),
          inputScale: current.scale)
      }
      guard index < model.layers.count - 1, !(layer is Dropout) else { continue }
      if !(layer is MaxPool2D || layer is Flatten) {
        let (low, high) = ranges[.layer(index)] ?? (0, 0)
        current = ActivationQuantization(minimum: low, maximum: high)
      }
      activations[.layer(index)] = current
    }
    (self.activations, self.weights, calibrationImages) = (activations, weights, calibration.count)
  }

  /// What the int8 model predicts for `examples`, [count, classCount], computed on `scratch`, a
  /// second model of the same definition whose weights this replaces.
  public func predict(_ examples: Examples, from model: Sequential, scratch: Sequential) throws
    -> [Float]
  {
    var tensors = model.weights()
    for (index, quantized) in weights {
      let name = model.layerNames[index]
      let (kernel, bias) = quantized.dequantized
      tensors[name + ".kernel"]?.values = kernel
      tensors[name + ".bias"]?.values = bias
    }
    try scratch.load(weights: tensors)
    return scratch.predictLayerwise(examples) { stage, values in
      activations[stage]?.fakeQuantize(values)
    }
  }
}
