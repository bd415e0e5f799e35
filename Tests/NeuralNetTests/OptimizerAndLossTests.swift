import XCTest

@testable import NeuralNet

final class OptimizerAndLossTests: XCTestCase {
  private func parameter(_ value: Float, gradient: Float) -> Parameter {
    let p = Parameter(name: "w", shape: [1])
    p.value.pointer[0] = value
    p.gradient.pointer[0] = gradient
    return p
  }

  func testAdamFirstStepsByHand() {
    let p = parameter(1, gradient: 0.5)
    let adam = Adam(learningRate: 0.1)
    adam.step([p])
    // m = 0.05, v = 0.00025, alpha = 0.1 * sqrt(0.001) / 0.1: the first step is lr * sign(g).
    XCTAssertEqual(p.value.pointer[0], 0.9, accuracy: 1e-5)
    adam.step([p])
    // m = 0.095, v = 0.00049975; alpha = 0.1 * sqrt(1 - 0.998001) / (1 - 0.81)
    let alpha = 0.1 * (1 - 0.999 * 0.999).squareRoot() / (1 - 0.81)
    let expected = 0.9 - alpha * 0.095 / (0.00049975.squareRoot() + 1e-7)
    XCTAssertEqual(Double(p.value.pointer[0]), expected, accuracy: 1e-5)
  }

  func testSGDMomentumAndNesterovByHand() {
    let p = parameter(1, gradient: 1)
    let sgd = SGD(learningRate: 0.1, momentum: 0.9)
    sgd.step([p])
    XCTAssertEqual(p.value.pointer[0], 0.9, accuracy: 1e-6)  // v = -0.1
    sgd.step([p])
    XCTAssertEqual(p.value.pointer[0], 0.71, accuracy: 1e-6)  // v = -0.19
    let q = parameter(1, gradient: 1)
    let nesterov = SGD(learningRate: 0.1, momentum: 0.9, nesterov: true)
    nesterov.step([q])
    XCTAssertEqual(q.value.pointer[0], 1 + 0.9 * -0.1 - 0.1, accuracy: 1e-6)
  }

  func testWeightDecayShrinksWeights() {
    let p = parameter(2, gradient: 0)
    SGD(learningRate: 0.1, weightDecay: 0.5).step([p])
    XCTAssertEqual(p.value.pointer[0], 2 - 0.1 * 0.5 * 2, accuracy: 1e-6)
  }

  func testCrossEntropyWithLabelSmoothingByHand() {
    let p: [Float] = [0.7, 0.2, 0.1]
    let labels: [Int32] = [0]
    let plain = CategoricalCrossEntropy().totalLoss(
      probabilities: p, labels: labels, batch: 1, classes: 3)
    XCTAssertEqual(plain, -log(0.7), accuracy: 1e-6)
    let smooth = CategoricalCrossEntropy(labelSmoothing: 0.3).totalLoss(
      probabilities: p, labels: labels, batch: 1, classes: 3)
    XCTAssertEqual(smooth, -(0.8 * log(0.7) + 0.1 * log(0.2) + 0.1 * log(0.1)), accuracy: 1e-6)
  }

  func testFusedSoftmaxCrossEntropyGradientMatchesFiniteDifferences() throws {
    let model = try Sequential(
      inputShape: [4], layers: [Dense(units: 3, activation: .softmax)], seed: 5)
    // fp32: bf16 would round the perturbed weights of the finite differences (spacing 2^-8 near
    // 0.5), which measures the rounding, not the gradient.
    model.engine = .oneDNN(.fp32)
    let x: [Float] = [0.5, -1, 2, 0.3, 1, 1, -0.5, 0.2]
    let labels: [Int32] = [2, 0]
    let loss = CategoricalCrossEntropy(labelSmoothing: 0.1)
    func meanLoss() -> Double {
      let p = x.withUnsafeBufferPointer {
        model.forward($0.baseAddress!, batch: 2, mode: .training)
      }
      return loss.totalLoss(probabilities: p, labels: labels, batch: 2, classes: 3) / 2
    }
    _ = x.withUnsafeBufferPointer { xs in
      labels.withUnsafeBufferPointer {
        model.trainStep(xs.baseAddress!, labels: $0.baseAddress!, batch: 2, loss: loss)
      }
    }
    let kernel = model.layers[0].parameters[0]
    let analytic = kernel.gradient.array(kernel.count)
    for i in 0..<kernel.count {
      let saved = kernel.value.pointer[i]
      kernel.value.pointer[i] = saved + 1e-2
      let plus = meanLoss()
      kernel.value.pointer[i] = saved - 1e-2
      let minus = meanLoss()
      kernel.value.pointer[i] = saved
      XCTAssertEqual(Double(analytic[i]), (plus - minus) / 2e-2, accuracy: 2e-3, "kernel[\(i)]")
    }
  }
}
