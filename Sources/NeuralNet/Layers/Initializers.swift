import Foundation

/// Keras's default kernel initialiser: uniform in ±sqrt(6 / (fanIn + fanOut)).
func glorotUniform(
  _ parameter: Parameter, fanIn: Int, fanOut: Int, generator: inout SeededGenerator
) {
  let limit = Float(sqrt(6.0 / Double(fanIn + fanOut)))
  for i in 0..<parameter.count { parameter.value.pointer[i] = generator.uniform(-limit, limit) }
}
