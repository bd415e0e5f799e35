import Foundation
import NeuralNet

/// Where a model looked, as one map per digit over its pixels ([count, height · width]; larger
/// means more important for the class asked about).
///
/// Two methods, chosen per model by `init(for:)`:
/// - Grad-CAM (Selvaraju et al. 2017) on the last convolution whose map is at least 8x8: each
///   channel of that map weighted by the mean gradient of log p(class) over it, summed, kept
///   where positive, resized to the input bilinearly. Coarse but class-specific.
/// - Input gradient × input (Shrikumar et al. 2016), summed over channels and kept where
///   positive (evidence for the class, as Grad-CAM keeps): for models with no such convolution.
public struct Saliency: Equatable, Sendable {
  /// How the maps are made.
  public enum Method: Equatable, Sendable {
    /// Grad-CAM on the output of layer `layer`.
    case gradCAM(layer: Int)
    case gradientTimesInput
  }

  /// The method used.
  public let method: Method

  /// The smallest convolution map Grad-CAM is used on.
  public static let smallestGradCAMSide = 8

  /// Grad-CAM on the last convolution of `model` whose map is at least 8x8, else input
  /// gradient × input.
  public init(for model: Sequential) {
    let candidates = model.layers.indices.filter { index in
      let shape = model.outputShapes[index]
      return model.layers[index].kind == "Conv2D" && shape.count == 3
        && shape[0] >= Self.smallestGradCAMSide && shape[1] >= Self.smallestGradCAMSide
    }
    method = candidates.last.map { .gradCAM(layer: $0) } ?? .gradientTimesInput
  }

  /// A given method.
  public init(method: Method) { self.method = method }

  /// What the report calls the method, naming the layer for Grad-CAM.
  public func description(layerNames: [String]) -> String {
    switch method {
    case .gradCAM(let layer): return "Grad-CAM on \(layerNames[layer])"
    case .gradientTimesInput: return "input gradient × input"
    }
  }

  /// How many pixels one of `model`'s maps has: the input's height × width.
  public static func pixelCount(of model: Sequential) -> Int {
    model.inputShape[0] * (model.inputShape.count > 1 ? model.inputShape[1] : 1)
  }

  /// The maps of `inputs` (examples of `model.inputShape` one after another) for `classes`, one
  /// per example, [count, height · width].
  public func maps(model: Sequential, inputs: [Float], classes: [Int]) -> [Float] {
    let shape = model.inputShape
    let (height, width) = (shape[0], shape.count > 1 ? shape[1] : 1)
    let channels = shape.elementCount / Self.pixelCount(of: model)
    switch method {
    case .gradientTimesInput:
      let gradients = model.gradients(inputs, classes: classes).gradients
      return stride(from: 0, to: inputs.count, by: channels).map { start in
        max(0, (start..<(start + channels)).reduce(Float(0)) { $0 + gradients[$1] * inputs[$1] })
      }
    case .gradCAM(let layer):
      let stage = model.gradients(inputs, classes: classes, at: .layer(layer))
      let mapShape = model.outputShapes[layer]
      let (rows, columns, filters) = (mapShape[0], mapShape[1], mapShape[2])
      let cells = rows * columns
      return classes.indices.flatMap { n -> [Float] in
        let values = stage.values[(n * cells * filters)..<((n + 1) * cells * filters)]
        let gradients = stage.gradients[(n * cells * filters)..<((n + 1) * cells * filters)]
        var weights = [Float](repeating: 0, count: filters)
        for (i, g) in gradients.enumerated() { weights[i % filters] += g / Float(cells) }
        let cam = (0..<cells).map { cell in
          max(
            0,
            (0..<filters).reduce(Float(0)) {
              $0 + weights[$1] * values[values.startIndex + cell * filters + $1]
            })
        }
        return Self.resize(cam, rows: rows, columns: columns, toRows: height, columns: width)
      }
    }
  }

  /// Bilinear resizing with half-pixel centres (as image libraries resize), edges clamped.
  static func resize(_ map: [Float], rows: Int, columns: Int, toRows: Int, columns toColumns: Int)
    -> [Float]
  {
    func source(_ target: Int, _ from: Int, _ to: Int) -> (Int, Int, Float) {
      let position = min(
        max((Float(target) + 0.5) * Float(from) / Float(to) - 0.5, 0), Float(from - 1))
      let low = Int(position)
      return (low, min(low + 1, from - 1), position - Float(low))
    }
    return (0..<toRows).flatMap { r -> [Float] in
      let (r0, r1, fr) = source(r, rows, toRows)
      return (0..<toColumns).map { c in
        let (c0, c1, fc) = source(c, columns, toColumns)
        let top = map[r0 * columns + c0] * (1 - fc) + map[r0 * columns + c1] * fc
        let bottom = map[r1 * columns + c0] * (1 - fc) + map[r1 * columns + c1] * fc
        return top * (1 - fr) + bottom * fr
      }
    }
  }

  /// Each map scaled to [0, 1] by its largest value, for drawing (an all-zero map stays zero).
  public static func normalised(_ maps: [Float], size: Int) -> [Float] {
    stride(from: 0, to: maps.count, by: size).flatMap { start -> [Float] in
      let map = Array(maps[start..<(start + size)])
      let top = map.max() ?? 0
      return top > 0 ? map.map { $0 / top } : map
    }
  }
}

/// Checks that saliency maps show what the model uses (Adebayo et al. 2018, "Sanity Checks for
/// Saliency Maps"; Samek et al. 2017's deletion curves).
public enum SaliencyChecks {
  /// The result of the deletion test on a set of digits.
  public struct Deletion: Equatable, Sendable {
    /// Mean drop of the predicted class's probability when its most salient pixels are set to 0.
    public var salientDrop: Double
    /// The same when as many pixels chosen at random are set to 0.
    public var randomDrop: Double
    /// Whether removing salient pixels hurt more than removing random ones.
    public var passes: Bool { salientDrop > randomDrop }
  }

  /// What `model` predicts for `inputs`: the probabilities, and each example's class.
  struct Predictions {
    var probabilities: [Float]
    var classes: [Int]

    init(_ model: Sequential, _ inputs: [Float]) {
      probabilities = model.predict(inputs)
      let count = inputs.count / model.inputShape.elementCount
      classes = probabilities.withUnsafeBufferPointer { p in
        (0..<count).map { argmax(p.baseAddress! + $0 * model.classCount, model.classCount) }
      }
    }
  }

  /// Sets the `fraction` most salient pixels of each input to 0, and as many random pixels in a
  /// copy, and compares the mean drop of the predicted class's probability. Random choices come
  /// from `seed`.
  public static func deletion(
    _ saliency: Saliency, model: Sequential, inputs: [Float], fraction: Double = 0.1,
    seed: UInt64 = 42
  ) -> Deletion {
    let predictions = Predictions(model, inputs)
    return deletion(
      maps: saliency.maps(model: model, inputs: inputs, classes: predictions.classes),
      predictions: predictions, model: model, inputs: inputs, fraction: fraction, seed: seed)
  }

  /// The deletion test with the model's `maps` and `predictions` on `inputs` already made.
  static func deletion(
    maps: [Float], predictions: Predictions, model: Sequential, inputs: [Float],
    fraction: Double = 0.1, seed: UInt64 = 42
  ) -> Deletion {
    let inputSize = model.inputShape.elementCount
    let size = Saliency.pixelCount(of: model)
    let channels = inputSize / size
    let count = inputs.count / inputSize
    let removed = Int((Double(size) * fraction).rounded())
    var salient = inputs
    var random = inputs
    var generator = SeededGenerator(seed: seed)
    for n in 0..<count {
      let map = maps[(n * size)..<((n + 1) * size)]
      let order = map.indices.sorted { map[$0] > map[$1] }
      for pixel in order.prefix(removed) {
        let first = n * inputSize + (pixel - n * size) * channels
        for j in first..<(first + channels) { salient[j] = 0 }
      }
      var pixels = Array(0..<size)
      for i in 0..<removed {
        pixels.swapAt(i, i + Int(generator.next() % UInt64(size - i)))
        let first = n * inputSize + pixels[i] * channels
        for j in first..<(first + channels) { random[j] = 0 }
      }
    }
    func meanDrop(_ changed: [Float]) -> Double {
      let after = model.predict(changed)
      let classCount = model.classCount
      return (0..<count).reduce(0.0) { sum, n in
        let k = n * classCount + predictions.classes[n]
        return sum + Double(predictions.probabilities[k] - after[k])
      } / Double(max(count, 1))
    }
    return Deletion(salientDrop: meanDrop(salient), randomDrop: meanDrop(random))
  }

  /// Adebayo et al.'s model randomisation test: the mean rank correlation between the maps of
  /// `model` and of `randomised` (the same architecture with fresh random weights) on the same
  /// inputs, each for the class `model` predicts. Maps that show what the model learned change
  /// when the weights go: the correlation falls well below 1.
  public static func randomisationCorrelation(
    _ saliency: Saliency, model: Sequential, randomised: Sequential, inputs: [Float]
  ) -> Double {
    let classes = Predictions(model, inputs).classes
    return randomisationCorrelation(
      saliency, trainedMaps: saliency.maps(model: model, inputs: inputs, classes: classes),
      classes: classes, randomised: randomised, inputs: inputs)
  }

  /// The randomisation test with the trained model's maps for `classes` already made.
  static func randomisationCorrelation(
    _ saliency: Saliency, trainedMaps trained: [Float], classes: [Int], randomised: Sequential,
    inputs: [Float]
  ) -> Double {
    let size = Saliency.pixelCount(of: randomised)
    let count = classes.count
    let random = saliency.maps(model: randomised, inputs: inputs, classes: classes)
    let total = (0..<count).reduce(0.0) { sum, n in
      let range = (n * size)..<((n + 1) * size)
      return sum + rankCorrelation(trained[range], random[range])
    }
    return total / Double(max(count, 1))
  }

  /// Spearman's rank correlation of two maps (ties take their mean rank).
  public static func rankCorrelation(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
    let (x, y) = (ranks(Array(a)), ranks(Array(b)))
    let n = Double(x.count)
    let (mx, my) = (x.reduce(0, +) / n, y.reduce(0, +) / n)
    var (sxy, sxx, syy) = (0.0, 0.0, 0.0)
    for i in x.indices {
      sxy += (x[i] - mx) * (y[i] - my)
      sxx += (x[i] - mx) * (x[i] - mx)
      syy += (y[i] - my) * (y[i] - my)
    }
    return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
  }

  private static func ranks(_ values: [Float]) -> [Double] {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var result = [Double](repeating: 0, count: values.count)
    var start = 0
    while start < order.count {
      var end = start
      while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
      for i in start...end { result[order[i]] = Double(start + end) / 2 + 1 }
      start = end + 1
    }
    return result
  }
}

/// A saliency method with the evidence that it works on one model.
public struct CheckedSaliency: Sendable {
  public let saliency: Saliency
  /// The deletion test and the randomisation correlation on the check digits.
  public let deletion: SaliencyChecks.Deletion
  public let randomisationCorrelation: Double
  /// How many digits the checks used.
  public let digits: Int

  /// The correlation under which maps count as changed by randomised weights.
  public static let randomisationLimit = 0.5

  /// Whether both checks pass.
  public var passes: Bool { deletion.passes && randomisationCorrelation < Self.randomisationLimit }

  /// The method `Saliency(for:)` picks for `model` when it passes both checks on `inputs`,
  /// else input gradient × input when that passes, else the first with its failing evidence
  /// (the report says so). `randomised` is the same architecture with fresh weights.
  public init(model: Sequential, randomised: Sequential, inputs: [Float]) {
    let candidates = [Saliency(for: model), Saliency(method: .gradientTimesInput)]
    let predictions = SaliencyChecks.Predictions(model, inputs)
    var first: CheckedSaliency?
    for saliency in candidates where saliency != first?.saliency {
      let maps = saliency.maps(model: model, inputs: inputs, classes: predictions.classes)
      let checked = CheckedSaliency(
        saliency: saliency,
        deletion: SaliencyChecks.deletion(
          maps: maps, predictions: predictions, model: model, inputs: inputs),
        randomisationCorrelation: SaliencyChecks.randomisationCorrelation(
          saliency, trainedMaps: maps, classes: predictions.classes, randomised: randomised,
          inputs: inputs),
        digits: predictions.classes.count)
      if checked.passes {
        self = checked
        return
      }
      first = first ?? checked
    }
    self = first!
  }

  private init(
    saliency: Saliency, deletion: SaliencyChecks.Deletion, randomisationCorrelation: Double,
    digits: Int
  ) {
    (self.saliency, self.deletion, self.randomisationCorrelation, self.digits) = (
      saliency, deletion, randomisationCorrelation, digits
    )
  }
}
