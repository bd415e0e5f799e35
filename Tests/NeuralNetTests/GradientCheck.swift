import XCTest

@testable import NeuralNet

/// Finite-difference gradient checks: for loss = sum(r * layer(x)) with fixed random r, the
/// analytic dLoss/dx and dLoss/dParameter must match central differences.
enum GradientCheck {
  static func loss(_ layer: Layer, _ x: [Float], _ r: [Float], batch: Int) -> Double {
    let y = x.withUnsafeBufferPointer {
      layer.forward($0.baseAddress!, batch: batch, mode: .training)
    }
    return (0..<r.count).reduce(0.0) { $0 + Double(r[$1]) * Double(y[$1]) }
  }

  /// Checks every input and parameter entry (up to `samples` of each, spread evenly).
  static func verify(
    _ layer: Layer, inputShape: TensorShape, batch: Int = 2, seed: UInt64 = 1, samples: Int = 40,
    step: Float = 1e-2, tolerance: Double = 2e-2, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    var generator = SeededGenerator(seed: seed)
    let outShape = try layer.build(inputShape: inputShape, generator: &generator)
    // Inputs away from zero keep ReLU and max-pool kinks out of the finite differences.
    var x = (0..<(batch * inputShape.elementCount)).map { _ -> Float in
      let v = generator.uniform(0.2, 1.0)
      return generator.uniform(0, 1) < 0.5 ? -v : v
    }
    let r = (0..<(batch * outShape.elementCount)).map { _ in generator.uniform(-1, 1) }
    _ = loss(layer, x, r, batch: batch)
    let dx = r.withUnsafeBufferPointer { g -> [Float] in
      guard let p = layer.backward(g.baseAddress!, batch: batch, needsInputGradient: true) else {
        return []
      }
      return Array(UnsafeBufferPointer(start: p, count: x.count))
    }
    let parameterGradients = layer.parameters.filter(\.isTrainable).map {
      $0.gradient.array($0.count)
    }
    func compare(_ analytic: Float, _ numeric: Double, _ what: String) {
      let scale = max(1, abs(numeric), Double(abs(analytic)))
      XCTAssertLessThan(
        abs(Double(analytic) - numeric) / scale, tolerance, what, file: file, line: line)
    }
    for i in stride(from: 0, to: x.count, by: max(1, x.count / samples)) {
      let saved = x[i]
      x[i] = saved + step
      let plus = loss(layer, x, r, batch: batch)
      x[i] = saved - step
      let minus = loss(layer, x, r, batch: batch)
      x[i] = saved
      compare(dx[i], (plus - minus) / Double(2 * step), "\(layer.kind) dInput[\(i)]")
    }
    for (p, parameter) in layer.parameters.filter(\.isTrainable).enumerated() {
      for i in stride(from: 0, to: parameter.count, by: max(1, parameter.count / samples)) {
        let saved = parameter.value.pointer[i]
        parameter.value.pointer[i] = saved + step
        let plus = loss(layer, x, r, batch: batch)
        parameter.value.pointer[i] = saved - step
        let minus = loss(layer, x, r, batch: batch)
        parameter.value.pointer[i] = saved
        compare(
          parameterGradients[p][i], (plus - minus) / Double(2 * step),
          "\(layer.kind) d\(parameter.name)[\(i)]")
      }
    }
  }
}
