import Foundation

/// An ONNX model under construction: nodes in order, constant tensors, one input, one output and
/// metadata; `serialized()` writes the `ModelProto` (field numbers from onnx.proto).
struct ONNXGraph {
  /// The ONNX opset the nodes are written for, and the IR version that goes with it.
  static let opset = 13
  static let irVersion = 7

  /// `TensorProto.DataType`.
  enum ElementType: Int {
    case float = 1
    case uint8 = 2
    case int8 = 3
    case int32 = 6
    case int64 = 7

    /// Bytes per element.
    var size: Int {
      switch self {
      case .uint8, .int8: return 1
      case .float, .int32: return 4
      case .int64: return 8
      }
    }
  }

  /// A constant tensor (an initializer): little-endian raw data, row-major.
  struct Tensor {
    var name: String
    var type: ElementType
    var dimensions: [Int]
    var raw: Data

    init(_ name: String, floats: [Float], dimensions: [Int]) {
      var raw = Data(capacity: floats.count * 4)
      for v in floats {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) }
      }
      self.init(name: name, type: .float, dimensions: dimensions, raw: raw)
    }

    init(_ name: String, int8: [Int8], dimensions: [Int]) {
      self.init(
        name: name, type: .int8, dimensions: dimensions,
        raw: Data(int8.map { UInt8(bitPattern: $0) }))
    }

    init(_ name: String, uint8: [UInt8], dimensions: [Int]) {
      self.init(name: name, type: .uint8, dimensions: dimensions, raw: Data(uint8))
    }

    init(_ name: String, int32: [Int32], dimensions: [Int]) {
      var raw = Data(capacity: int32.count * 4)
      for v in int32 { withUnsafeBytes(of: v.littleEndian) { raw.append(contentsOf: $0) } }
      self.init(name: name, type: .int32, dimensions: dimensions, raw: raw)
    }

    init(_ name: String, int64: [Int], dimensions: [Int]) {
      var raw = Data(capacity: int64.count * 8)
      for v in int64 { withUnsafeBytes(of: Int64(v).littleEndian) { raw.append(contentsOf: $0) } }
      self.init(name: name, type: .int64, dimensions: dimensions, raw: raw)
    }

    init(name: String, type: ElementType, dimensions: [Int], raw: Data) {
      precondition(
        raw.count == dimensions.reduce(1, *) * type.size, "\(name): data and shape differ")
      (self.name, self.type, self.dimensions, self.raw) = (name, type, dimensions, raw)
    }
  }

  /// A node attribute.
  enum Attribute {
    case int(String, Int)
    case float(String, Float)
    case ints(String, [Int])
  }

  /// One operator applied to named values.
  struct Node {
    var operation: String
    var inputs: [String]
    var outputs: [String]
    var name: String
    var attributes: [Attribute] = []
  }

  var name: String
  var nodes: [Node] = []
  var initializers: [Tensor] = []
  /// The graph input: a float tensor whose first dimension is the symbolic batch size "N".
  var input: (name: String, dimensions: [Int])
  /// The graph output: a float tensor, batch first.
  var output: (name: String, dimensions: [Int])
  /// `metadata_props`, in order.
  var metadata: [(key: String, value: String)] = []
  var producerVersion: String
  var documentation: String

  /// The model as an ONNX protobuf file.
  func serialized() -> Data {
    var model = ProtobufWriter()
    model.integer(1, Self.irVersion)
    model.string(2, "report")
    model.string(3, producerVersion)
    model.string(6, documentation)
    model.message(7) { graph in
      for node in nodes { graph.message(1) { Self.write(node, into: &$0) } }
      graph.string(2, name)
      for tensor in initializers { graph.message(5) { Self.write(tensor, into: &$0) } }
      graph.message(11) { Self.writeValue(input.name, dimensions: input.dimensions, into: &$0) }
      graph.message(12) { Self.writeValue(output.name, dimensions: output.dimensions, into: &$0) }
    }
    model.message(8) { opset in
      opset.string(1, "")
      opset.integer(2, Self.opset)
    }
    for (key, value) in metadata {
      model.message(14) {
        $0.string(1, key)
        $0.string(2, value)
      }
    }
    return model.data
  }

  private static func write(_ node: Node, into writer: inout ProtobufWriter) {
    for input in node.inputs { writer.string(1, input) }
    for output in node.outputs { writer.string(2, output) }
    writer.string(3, node.name)
    writer.string(4, node.operation)
    for attribute in node.attributes {
      writer.message(5) { a in
        switch attribute {
        case .int(let name, let value):
          a.string(1, name)
          a.integer(3, value)
          a.integer(20, 2)
        case .float(let name, let value):
          a.string(1, name)
          a.float(2, value)
          a.integer(20, 1)
        case .ints(let name, let values):
          a.string(1, name)
          a.packedIntegers(8, values)
          a.integer(20, 7)
        }
      }
    }
  }

  private static func write(_ tensor: Tensor, into writer: inout ProtobufWriter) {
    if !tensor.dimensions.isEmpty { writer.packedIntegers(1, tensor.dimensions) }
    writer.integer(2, tensor.type.rawValue)
    writer.string(8, tensor.name)
    writer.bytes(9, tensor.raw)
  }

  /// A `ValueInfoProto` for a float tensor [N, dimensions...].
  private static func writeValue(
    _ name: String, dimensions: [Int], into writer: inout ProtobufWriter
  ) {
    writer.string(1, name)
    writer.message(2) { type in
      type.message(1) { tensor in
        tensor.integer(1, ElementType.float.rawValue)
        tensor.message(2) { shape in
          shape.message(1) { $0.string(2, "N") }
          for d in dimensions { shape.message(1) { $0.integer(1, d) } }
        }
      }
    }
  }
}
