import Foundation

/// Protocol Buffers' wire format, written field by field: just what an ONNX model needs
/// (varints, 32-bit floats, length-delimited bytes and nested messages, packed repeated
/// scalars). Fields are written in the order they are appended.
struct ProtobufWriter {
  /// The encoded message so far.
  private(set) var data = Data()

  private enum WireType: UInt64 {
    case varint = 0
    case lengthDelimited = 2
    case fixed32 = 5
  }

  private mutating func key(_ field: Int, _ type: WireType) {
    varint(UInt64(field) << 3 | type.rawValue)
  }

  private mutating func varint(_ value: UInt64) {
    var v = value
    while v >= 0x80 {
      data.append(UInt8(v & 0x7f) | 0x80)
      v >>= 7
    }
    data.append(UInt8(v))
  }

  /// An int64 or int32 field; negative values take ten bytes, as protobuf's two's complement.
  mutating func integer(_ field: Int, _ value: Int) {
    key(field, .varint)
    varint(UInt64(bitPattern: Int64(value)))
  }

  /// A float field.
  mutating func float(_ field: Int, _ value: Float) {
    key(field, .fixed32)
    withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
  }

  /// A bytes field.
  mutating func bytes(_ field: Int, _ value: Data) {
    key(field, .lengthDelimited)
    varint(UInt64(value.count))
    data.append(value)
  }

  /// A string field, UTF-8.
  mutating func string(_ field: Int, _ value: String) { bytes(field, Data(value.utf8)) }

  /// A nested message field.
  mutating func message(_ field: Int, _ build: (inout ProtobufWriter) -> Void) {
    var nested = ProtobufWriter()
    build(&nested)
    bytes(field, nested.data)
  }

  /// A packed repeated int64 field.
  mutating func packedIntegers(_ field: Int, _ values: [Int]) {
    var packed = ProtobufWriter()
    for v in values { packed.varint(UInt64(bitPattern: Int64(v))) }
    bytes(field, packed.data)
  }

  /// A packed repeated float field.
  mutating func packedFloats(_ field: Int, _ values: [Float]) {
    var packed = Data(capacity: values.count * 4)
    for v in values {
      withUnsafeBytes(of: v.bitPattern.littleEndian) { packed.append(contentsOf: $0) }
    }
    bytes(field, packed)
  }
}
