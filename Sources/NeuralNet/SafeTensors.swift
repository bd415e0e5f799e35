import Foundation

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
/// mapping each tensor name to {dtype, shape, data_offsets} plus optional string
/// `__metadata__`, then the raw little-endian data. Only F32 is written or read here.
public enum SafeTensors {
  /// A named tensor.
  public typealias Tensor = (shape: [Int], values: [Float])

  /// Encodes tensors (in name order, so equal input gives equal bytes) and string metadata.
  public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws
    -> Data
  {
    var header: [String: Any] = [:]
    if !metadata.isEmpty { header["__metadata__"] = metadata }
    var offset = 0
    let sorted = tensors.sorted { $0.key < $1.key }
    for (name, t) in sorted {
      guard t.shape.elementCount == t.values.count else {
        throw NeuralNetError.malformedSafeTensors(
          "tensor '\(name)' has \(t.values.count) values for shape \(t.shape)")
      }
      header[name] = [
        "dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.values.count],
      ]
      offset += 4 * t.values.count
    }
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
    while (8 + json.count) % 8 != 0 { json.append(0x20) }
    var data = Data(capacity: 8 + json.count + offset)
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(json)
    for (_, t) in sorted {
      t.values.withUnsafeBytes { data.append(contentsOf: $0) }
    }
    return data
  }

  /// Decodes every F32 tensor and the metadata, checking offsets against the payload.
  public static func decode(_ data: Data) throws -> (
    tensors: [String: Tensor], metadata: [String: String]
  ) {
    guard data.count >= 8 else {
      throw NeuralNetError.malformedSafeTensors(
        "\(data.count) bytes, shorter than the 8-byte header length")
    }
    let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) {
      $0 | UInt64($1.element) << (8 * UInt64($1.offset))
    }
    guard headerLength <= UInt64(data.count - 8) else {
      throw NeuralNetError.malformedSafeTensors(
        "header length \(headerLength) exceeds the \(data.count)-byte payload")
    }
    let start = data.startIndex + 8
    let headerData = data[start..<(start + Int(headerLength))]
    guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
      throw NeuralNetError.malformedSafeTensors("the header is not a JSON object")
    }
    let body = data[(start + Int(headerLength))...]
    var tensors: [String: Tensor] = [:]
    var metadata: [String: String] = [:]
    for (name, entry) in header {
      if name == "__metadata__" {
        metadata = entry as? [String: String] ?? [:]
        continue
      }
      guard let info = entry as? [String: Any], let dtype = info["dtype"] as? String,
        let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int],
        offsets.count == 2
      else {
        throw NeuralNetError.malformedSafeTensors(
          "tensor '\(name)' lacks dtype, shape or data_offsets")
      }
      guard dtype == "F32" else {
        throw NeuralNetError.malformedSafeTensors(
          "tensor '\(name)' is \(dtype); only F32 is supported")
      }
      // The shape comes from the file: its product is only taken once it is known to fit.
      guard let count = elementCount(shape), count <= Int.max / 4 else {
        throw NeuralNetError.malformedSafeTensors(
          "tensor '\(name)' has shape \(shape): sizes must be 0 or more, with a product below 2^61")
      }
      let (begin, end) = (offsets[0], offsets[1])
      guard begin >= 0, end >= begin, end <= body.count, end - begin == 4 * count
      else {
        throw NeuralNetError.malformedSafeTensors(
          "tensor '\(name)' has offsets \(offsets) for shape \(shape) in \(body.count) data bytes")
      }
      var values = [Float](repeating: 0, count: count)
      values.withUnsafeMutableBytes { target in
        _ = body[(body.startIndex + begin)..<(body.startIndex + end)].copyBytes(to: target)
      }
      tensors[name] = (shape, values)
    }
    return (tensors, metadata)
  }

  /// The number of values of `shape`, nil when a dimension is negative or the product overflows.
  private static func elementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for dimension in shape {
      guard dimension >= 0 else { return nil }
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      guard !overflow else { return nil }
      count = product
    }
    return count
  }
}
