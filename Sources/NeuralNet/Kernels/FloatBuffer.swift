/// A reusable, zero-initialised Float32 buffer owned by one layer or optimizer.
///
/// Layers keep their activations and gradients in these so that a training step allocates
/// nothing once the batch size has been seen: `reserve` only grows the storage.
public final class FloatBuffer {
  /// The first scalar; valid for `capacity` scalars.
  public private(set) var pointer: UnsafeMutablePointer<Float>
  /// How many scalars the storage holds.
  public private(set) var capacity: Int

  /// A buffer of `count` zeros.
  public init(count: Int = 0) {
    capacity = max(count, 1)
    pointer = .allocate(capacity: capacity)
    pointer.initialize(repeating: 0, count: capacity)
  }

  /// A buffer holding a copy of `values`.
  public convenience init(_ values: [Float]) {
    self.init(count: values.count)
    values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
  }

  deinit { pointer.deallocate() }

  /// Makes room for at least `count` scalars; contents are undefined after growing.
  public func reserve(_ count: Int) {
    guard count > capacity else { return }
    pointer.deallocate()
    capacity = count
    pointer = .allocate(capacity: count)
    pointer.initialize(repeating: 0, count: count)
  }

  /// Sets the first `count` scalars to zero.
  public func zero(_ count: Int) { pointer.update(repeating: 0, count: count) }

  /// A copy of the first `count` scalars.
  public func array(_ count: Int) -> [Float] {
    Array(UnsafeBufferPointer(start: pointer, count: count))
  }

  /// Overwrites the first `values.count` scalars.
  public func assign(_ values: [Float]) {
    reserve(values.count)
    values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
  }
}

/// A reusable Int32 buffer (pooling argmax indices).
final class IndexBuffer {
  private(set) var pointer: UnsafeMutablePointer<Int32>
  private(set) var capacity: Int

  init() {
    capacity = 1
    pointer = .allocate(capacity: 1)
    pointer.initialize(to: 0)
  }

  deinit { pointer.deallocate() }

  func reserve(_ count: Int) {
    guard count > capacity else { return }
    pointer.deallocate()
    capacity = count
    pointer = .allocate(capacity: count)
    pointer.initialize(repeating: 0, count: count)
  }
}
