import Crypto
import Foundation

/// SHA-256 digests as lowercase hex, from swift-crypto: dataset files are checked against their
/// published checksums with it, and experiment definitions and run-cache keys are named by it.
public enum Checksum {
  private static let hexDigits = Array("0123456789abcdef".utf8)

  /// The lowercase hex SHA-256 digest of `data`.
  public static func sha256(_ data: Data) -> String {
    var text: [UInt8] = []
    text.reserveCapacity(64)
    for byte in SHA256.hash(data: data) {
      text.append(hexDigits[Int(byte >> 4)])
      text.append(hexDigits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
  }
}
