import CZlib
import Foundation

/// gzip decompression through zlib.
enum Gzip {
  /// Whether `data` starts with the gzip magic bytes 1f 8b.
  static func isCompressed(_ data: Data) -> Bool {
    data.count >= 2 && data[data.startIndex] == 0x1f && data[data.startIndex + 1] == 0x8b
  }

  /// The decompressed bytes of a complete gzip stream; throws a reason on truncation, corruption,
  /// or output beyond `limit` bytes (a few kilobytes of gzip can expand to terabytes).
  static func decompress(_ data: Data, limit: Int) throws -> Data {
    var stream = z_stream()
    // 16 + MAX_WBITS: expect a gzip header (zlib manual, inflateInit2).
    guard
      inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        == Z_OK
    else {
      throw DatasetError.unreadable(path: "", reason: "zlib could not start")
    }
    defer { inflateEnd(&stream) }
    var output = Data()
    let chunk = 1 << 20
    var buffer = [UInt8](repeating: 0, count: chunk)
    var status: Int32 = Z_OK
    try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
      stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
      stream.avail_in = uInt(input.count)
      repeat {
        try buffer.withUnsafeMutableBufferPointer { out in
          stream.next_out = out.baseAddress
          stream.avail_out = uInt(chunk)
          status = inflate(&stream, Z_NO_FLUSH)
          guard status == Z_OK || status == Z_STREAM_END else {
            throw DatasetError.unreadable(
              path: "", reason: "corrupt gzip data (zlib status \(status))")
          }
          let produced = chunk - Int(stream.avail_out)
          guard produced <= limit - output.count else {
            throw DatasetError.unreadable(
              path: "", reason: "the gzip stream decompresses to more than \(limit) bytes")
          }
          output.append(out.baseAddress!, count: produced)
        }
      } while status != Z_STREAM_END && (stream.avail_in > 0 || stream.avail_out == 0)
    }
    guard status == Z_STREAM_END else {
      throw DatasetError.unreadable(path: "", reason: "the gzip stream is truncated")
    }
    return output
  }
}
