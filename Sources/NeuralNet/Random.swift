/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64) so that every
/// random choice in training, from initial weights to augmentation, is reproducible.
public struct SeededGenerator: RandomNumberGenerator, Codable, Equatable, Sendable {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  /// A generator whose whole sequence is fixed by `seed`.
  public init(seed: UInt64) {
    var s = seed
    func splitMix() -> UInt64 {
      s &+= 0x9E37_79B9_7F4A_7C15
      var z = s
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (splitMix(), splitMix(), splitMix(), splitMix())
  }

  public mutating func next() -> UInt64 {
    let result = rotate(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotate(state.3, 45)
    return result
  }

  private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// A uniform Float in [low, high).
  public mutating func uniform(_ low: Float, _ high: Float) -> Float {
    let unit = Float(next() >> 40) * (1.0 / Float(1 << 24))
    return low + (high - low) * unit
  }

  /// An independent generator derived from this one, for a sub-task such as one layer's init.
  public mutating func split() -> SeededGenerator { SeededGenerator(seed: next()) }

  enum CodingKeys: CodingKey { case state }
  public init(from decoder: Decoder) throws {
    let words = try decoder.container(keyedBy: CodingKeys.self).decode(
      [UInt64].self, forKey: .state)
    guard words.count == 4 else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "generator state needs 4 words"))
    }
    state = (words[0], words[1], words[2], words[3])
  }
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode([state.0, state.1, state.2, state.3], forKey: .state)
  }
  public static func == (a: Self, b: Self) -> Bool {
    a.state.0 == b.state.0 && a.state.1 == b.state.1 && a.state.2 == b.state.2
      && a.state.3 == b.state.3
  }
}
