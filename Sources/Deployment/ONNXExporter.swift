import Foundation
import NeuralNet

/// Writes a trained `Sequential` as an ONNX model (opset 13): input `image` [N, C, H, W] in
/// [0, 1], output `probabilities` [N, classes]. In fp32 every layer maps to its ONNX operator;
/// with a `QuantizationPlan` the model is QDQ int8: weights stored as int8 per channel and
/// biases as int32 behind `DequantizeLinear`, every quantized stage passed through
/// `QuantizeLinear` and `DequantizeLinear`.
///
/// The engine is NHWC and ONNX NCHW: kernels are transposed, and after a `Flatten` of a spatial
/// map the features come in ONNX's (channel, row, column) order, so the layers that follow take
/// their per-feature tensors permuted back to the engine's (row, column, channel) order.
public struct ONNXExporter {
  /// The model to export.
  public let model: Sequential
  /// Quantizes the export when given.
  public let quantization: QuantizationPlan?
  /// `metadata_props` written into the model, in order.
  public let metadata: [(key: String, value: String)]

  public init(
    model: Sequential, quantization: QuantizationPlan? = nil,
    metadata: [(key: String, value: String)] = []
  ) {
    (self.model, self.quantization, self.metadata) = (model, quantization, metadata)
  }

  /// The ONNX file's bytes; throws `DeploymentError.unsupportedLayer` naming a layer that has no
  /// ONNX form.
  public func serialized(name: String, version: String) throws -> Data {
    var builder = GraphBuilder(quantization: quantization)
    let input = model.inputShape
    let classes = model.classCount
    var shape = input
    var current = builder.quantize("image", at: .input, name: "image")
    var featureOrder: [Int]? = nil
    for (index, layer) in model.layers.enumerated() {
      let name = model.layerNames[index]
      let output = model.outputShapes[index]
      switch layer {
      case let conv as Conv2D:
        current = builder.conv(conv, index: index, name: name, input: current, shape: shape)
        current = builder.activation(conv.activation, name: name, input: current)
      case let dense as Dense:
        current = builder.dense(
          dense, index: index, name: name, input: current, featureOrder: featureOrder)
        featureOrder = nil
        current = builder.activation(dense.activation, name: name, input: current)
      case let pool as MaxPool2D:
        current = builder.pool(
          "MaxPool", pool.window, name: name, input: current, shape: shape)
      case let pool as AveragePool2D:
        current = builder.pool(
          "AveragePool", pool.window, name: name, input: current, shape: shape)
      case is GlobalAveragePool2D:
        current = builder.node("GlobalAveragePool", name: name, inputs: [current])
        current = builder.node(
          "Flatten", name: name + "/flatten", inputs: [current], attributes: [.int("axis", 1)])
      case let norm as BatchNormalization:
        current = builder.batchNormalization(
          norm, name: name, input: current, featureOrder: featureOrder)
      case is Flatten:
        if shape.count == 3 {
          current = builder.node(
            "Flatten", name: name, inputs: [current], attributes: [.int("axis", 1)])
          featureOrder = Self.flattenOrder(shape)
        }
      case is Dropout:
        continue
      case let activation as ActivationLayer:
        current = builder.activation(activation.activation, name: name, input: current)
      default:
        throw DeploymentError.unsupportedLayer(name: name, kind: layer.kind)
      }
      shape = output
      if index < model.layers.count - 1 {
        current = builder.quantize(current, at: .layer(index), name: name)
      }
    }
    if let order = featureOrder {
      // A flattened map reached the output with no dense layer to absorb its order.
      var inverse = [Int](repeating: 0, count: order.count)
      for (onnx, engine) in order.enumerated() { inverse[engine] = onnx }
      let indices = builder.constant(
        ONNXGraph.Tensor(
          "output_order", int64: inverse, dimensions: [inverse.count]))
      current = builder.node(
        "Gather", name: "output_order", inputs: [current, indices], attributes: [.int("axis", 1)])
    }
    builder.rename(current, to: "probabilities")
    let graph = ONNXGraph(
      name: name, nodes: builder.nodes, initializers: builder.initializers,
      input: ("image", [input[2], input[0], input[1]]), output: ("probabilities", [classes]),
      metadata: metadata, producerVersion: version,
      documentation:
        "\(name), exported by report \(version)"
        + (quantization == nil ? "" : ", int8 (QDQ, weights per channel, activations per tensor)"))
    return graph.serialized()
  }

  /// For a [height, width, channels] map flattened in ONNX's order, the engine's index of each
  /// ONNX feature: ONNX puts (c, h, w) at (c * H + h) * W + w, the engine at (h * W + w) * C + c.
  static func flattenOrder(_ shape: TensorShape) -> [Int]? {
    let (h, w, c) = (shape[0], shape[1], shape[2])
    guard c > 1, h * w > 1 else { return nil }
    var order = [Int](repeating: 0, count: h * w * c)
    for channel in 0..<c {
      for row in 0..<h {
        for column in 0..<w {
          order[(channel * h + row) * w + column] = (row * w + column) * c + channel
        }
      }
    }
    return order
  }
}

/// Accumulates nodes and initializers with unique value names.
private struct GraphBuilder {
  let quantization: QuantizationPlan?
  var nodes: [ONNXGraph.Node] = []
  var initializers: [ONNXGraph.Tensor] = []

  /// Appends a node with one output, named after the node; returns the output's name.
  mutating func node(
    _ operation: String, name: String, inputs: [String], attributes: [ONNXGraph.Attribute] = []
  ) -> String {
    nodes.append(
      ONNXGraph.Node(
        operation: operation, inputs: inputs, outputs: [name], name: name, attributes: attributes))
    return name
  }

  /// Adds a constant; returns its name.
  mutating func constant(_ tensor: ONNXGraph.Tensor) -> String {
    initializers.append(tensor)
    return tensor.name
  }

  /// Renames the value `old`, a node's output, to `new`.
  mutating func rename(_ old: String, to new: String) {
    for i in nodes.indices {
      nodes[i].outputs = nodes[i].outputs.map { $0 == old ? new : $0 }
      nodes[i].inputs = nodes[i].inputs.map { $0 == old ? new : $0 }
    }
  }

  /// `QuantizeLinear` then `DequantizeLinear` of `input` when the plan quantizes `stage`.
  mutating func quantize(_ input: String, at stage: Sequential.Stage, name: String) -> String {
    guard let q = quantization?.activations[stage] else { return input }
    let scale = constant(ONNXGraph.Tensor(name + "/scale", floats: [q.scale], dimensions: []))
    let zero = constant(
      ONNXGraph.Tensor(name + "/zero_point", uint8: [q.zeroPoint], dimensions: []))
    let quantized = node("QuantizeLinear", name: name + "/quantize", inputs: [input, scale, zero])
    return node("DequantizeLinear", name: name + "/dequantize", inputs: [quantized, scale, zero])
  }

  /// A layer's kernel and bias as constants, float or (with a plan) int8 and int32 behind
  /// `DequantizeLinear` along `axis`, the output-channel axis of the ONNX kernel.
  /// `reorder(values, perElement)` puts the engine's kernel into ONNX's layout.
  mutating func weights(
    index: Int, name: String, kernel: Parameter, bias: Parameter, dimensions: [Int], axis: Int,
    reorder: ([Int]) -> [Int]
  ) -> (kernel: String, bias: String) {
    let order = reorder(Array(0..<kernel.count))
    guard let quantized = quantization?.weights[index] else {
      let values = kernel.value.array(kernel.count)
      return (
        constant(
          ONNXGraph.Tensor(
            name + "/kernel", floats: order.map { values[$0] }, dimensions: dimensions)),
        constant(
          ONNXGraph.Tensor(
            name + "/bias", floats: bias.value.array(bias.count), dimensions: [bias.count]))
      )
    }
    let channels = bias.count
    let q = constant(
      ONNXGraph.Tensor(
        name + "/kernel_quantized", int8: order.map { quantized.kernel[$0] }, dimensions: dimensions
      ))
    let kernelScale = constant(
      ONNXGraph.Tensor(
        name + "/kernel_scale", floats: quantized.kernelScales, dimensions: [channels]))
    let kernelZero = constant(
      ONNXGraph.Tensor(
        name + "/kernel_zero_point", int8: [Int8](repeating: 0, count: channels),
        dimensions: [channels]))
    let b = constant(
      ONNXGraph.Tensor(name + "/bias_quantized", int32: quantized.bias, dimensions: [channels]))
    let biasScale = constant(
      ONNXGraph.Tensor(name + "/bias_scale", floats: quantized.biasScales, dimensions: [channels]))
    let biasZero = constant(
      ONNXGraph.Tensor(
        name + "/bias_zero_point", int32: [Int32](repeating: 0, count: channels),
        dimensions: [channels]))
    return (
      node(
        "DequantizeLinear", name: name + "/kernel", inputs: [q, kernelScale, kernelZero],
        attributes: [.int("axis", axis)]),
      node(
        "DequantizeLinear", name: name + "/bias", inputs: [b, biasScale, biasZero],
        attributes: [.int("axis", 0)])
    )
  }

  mutating func conv(
    _ conv: Conv2D, index: Int, name: String, input: String, shape: TensorShape
  ) -> String {
    let (kh, kw) = conv.kernelSize
    let (cin, cout) = (shape[2], conv.filters)
    // Engine [kh, kw, cin, cout] to ONNX [cout, cin, kh, kw].
    let (kernel, bias) = weights(
      index: index, name: name, kernel: conv.parameters[0], bias: conv.parameters[1],
      dimensions: [cout, cin, kh, kw], axis: 0
    ) { _ in
      var order: [Int] = []
      order.reserveCapacity(kh * kw * cin * cout)
      for o in 0..<cout {
        for i in 0..<cin {
          for y in 0..<kh {
            for x in 0..<kw { order.append(((y * kw + x) * cin + i) * cout + o) }
          }
        }
      }
      return order
    }
    return node(
      "Conv", name: name, inputs: [input, kernel, bias],
      attributes: Self.window(
        kernel: conv.kernelSize, stride: conv.stride, padding: conv.padding, shape: shape))
  }

  mutating func dense(
    _ dense: Dense, index: Int, name: String, input: String, featureOrder: [Int]?
  ) -> String {
    let units = dense.units
    let inputs = dense.parameters[0].count / units
    // Engine and ONNX both [inputs, units]; rows follow the flattened features' order.
    let (kernel, bias) = weights(
      index: index, name: name, kernel: dense.parameters[0], bias: dense.parameters[1],
      dimensions: [inputs, units], axis: 1
    ) { identity in
      guard let featureOrder else { return identity }
      return featureOrder.flatMap { row in (0..<units).map { row * units + $0 } }
    }
    return node("Gemm", name: name, inputs: [input, kernel, bias])
  }

  mutating func pool(
    _ operation: String, _ window: PoolingWindow, name: String, input: String, shape: TensorShape
  ) -> String {
    var attributes = Self.window(
      kernel: window.size, stride: window.stride, padding: window.padding, shape: shape)
    // Keras averages over the cells inside the image only, as ONNX's default does.
    if operation == "AveragePool" { attributes.append(.int("count_include_pad", 0)) }
    return node(operation, name: name, inputs: [input], attributes: attributes)
  }

  mutating func batchNormalization(
    _ norm: BatchNormalization, name: String, input: String, featureOrder: [Int]?
  ) -> String {
    let tensors = norm.parameters.map { p -> String in
      let values = p.value.array(p.count)
      let ordered = featureOrder.map { $0.map { values[$0] } } ?? values
      return constant(ONNXGraph.Tensor(name + "/" + p.name, floats: ordered, dimensions: [p.count]))
    }
    // Engine order gamma, beta, moving_mean, moving_variance is ONNX's scale, B, mean, var.
    return node(
      "BatchNormalization", name: name, inputs: [input] + tensors,
      attributes: [.float("epsilon", norm.epsilon), .float("momentum", norm.momentum)])
  }

  mutating func activation(_ activation: Activation, name: String, input: String) -> String {
    switch activation {
    case .linear: return input
    case .relu: return node("Relu", name: name + "/relu", inputs: [input])
    case .leakyRelu(let alpha):
      return node(
        "LeakyRelu", name: name + "/leaky_relu", inputs: [input],
        attributes: [.float("alpha", alpha)])
    case .softmax:
      // The engine normalises the last axis: channels in NHWC, which is axis 1 in NCHW, and the
      // features of a vector.
      return node(
        "Softmax", name: name + "/softmax", inputs: [input], attributes: [.int("axis", 1)])
    }
  }

  /// `kernel_shape`, `strides` and `pads` of a window, with TensorFlow's `same` padding (the odd
  /// cell at the end) made explicit.
  static func window(
    kernel: (Int, Int), stride: (Int, Int), padding: Padding, shape: TensorShape
  ) -> [ONNXGraph.Attribute] {
    var pads = [0, 0, 0, 0]
    if let g = WindowGeometry(input: shape, kernel: kernel, stride: stride, padding: padding) {
      let height = max((g.outputHeight - 1) * stride.0 + kernel.0 - shape[0], 0)
      let width = max((g.outputWidth - 1) * stride.1 + kernel.1 - shape[1], 0)
      pads = [g.padTop, g.padLeft, height - g.padTop, width - g.padLeft]
    }
    return [
      .ints("kernel_shape", [kernel.0, kernel.1]), .ints("strides", [stride.0, stride.1]),
      .ints("pads", pads),
    ]
  }
}
