import NeuralNet

/// A layer named in an experiment file (Keras-style, as the model summary shows it), with where.
public struct LayerReference: Sendable, Equatable {
  public var name: String
  public var location: SourceLocation
}

/// `init:`: start from another run's weights (transfer learning) instead of random ones.
public struct TransferSpec: Sendable, Equatable {
  /// Which layers a run freezes.
  public enum Freeze: Sendable, Equatable {
    /// These layers.
    case layers([LayerReference])
    /// Every layer with weights except the last N of them ("all but last 2"), at `location`.
    case allButLast(Int, SourceLocation)
  }

  /// A run id, or an experiment name whose newest completed run is taken.
  public var from: String
  /// Where `init.from` is written.
  public var fromLocation: SourceLocation
  /// The layers whose weights are loaded; nil loads every layer with weights.
  public var layers: [LayerReference]?
  /// The layers training leaves alone.
  public var freeze: Freeze

  /// The loaded and frozen layers of `model`, checked: each named layer exists and has weights,
  /// and a frozen layer is a loaded one (else it would stay random).
  public func resolve(in model: Sequential) throws -> (loaded: [String], frozen: [String]) {
    let weighted = model.layerNames.indices.filter { !model.layers[$0].parameters.isEmpty }
      .map { model.layerNames[$0] }
    func check(_ references: [LayerReference], key: String) throws -> [String] {
      for reference in references where !weighted.contains(reference.name) {
        let what =
          model.layerNames.contains(reference.name)
          ? "has no weights" : "is not a layer of this model"
        throw ConfigError.invalid(
          at: reference.location,
          "init.\(key): \(reference.name) \(what) (layers with weights: "
            + "\(weighted.joined(separator: ", ")))")
      }
      return weighted.filter { name in references.contains { $0.name == name } }
    }
    let loaded = try layers.map { try check($0, key: "layers") } ?? weighted
    let frozen: [String]
    switch freeze {
    case .layers(let references):
      frozen = try check(references, key: "freeze")
      if let reference = references.first(where: { !loaded.contains($0.name) }) {
        throw ConfigError.invalid(
          at: reference.location,
          "init.freeze: \(reference.name) is not loaded by init.layers, so freezing it would "
            + "keep its random weights")
      }
    case .allButLast(let count, let location):
      guard count < weighted.count else {
        throw ConfigError.invalid(
          at: location,
          "init.freeze: all but last \(count) leaves nothing frozen: the model has "
            + "\(weighted.count) layers with weights")
      }
      frozen = Array(weighted.dropLast(count))
      if let unloaded = frozen.first(where: { !loaded.contains($0) }) {
        throw ConfigError.invalid(
          at: location,
          "init.freeze: \(unloaded) is not loaded by init.layers, so freezing it would keep its "
            + "random weights")
      }
    }
    return (loaded, frozen)
  }
}

extension TransferSpec {
  init(_ r: inout ConfigReader) throws {
    guard let fromTree = r.tree("from"), case .scalar(let source, let at) = fromTree else {
      throw ConfigError.missingKey(at: r.location, key: "from", section: "init")
    }
    (from, fromLocation) = (source, at)
    if let tree = r.tree("layers"), !Self.isWord(tree, "all") {
      layers = try Self.references(tree, key: "layers")
    }
    freeze = .layers([])
    if let tree = r.tree("freeze") {
      if case .scalar(let text, let at) = tree {
        let match = text.wholeMatch(of: #/all but last (\d+)/#)
        guard let count = match.flatMap({ Int($0.1) }) else {
          throw ConfigError.invalid(
            at: at, "init.freeze must be a list of layers or \"all but last N\", got '\(text)'")
        }
        freeze = .allButLast(count, at)
      } else {
        freeze = .layers(try Self.references(tree, key: "freeze"))
      }
    }
    try r.finish()
  }

  private static func isWord(_ tree: ConfigTree, _ word: String) -> Bool {
    if case .scalar(let text, _) = tree { return text == word }
    return false
  }

  private static func references(_ tree: ConfigTree, key: String) throws -> [LayerReference] {
    guard case .sequence(let items, _) = tree else {
      throw ConfigError.invalid(
        at: tree.location, "init.\(key) must be all or a list of layer names, like [conv2d, dense]")
    }
    return try items.map { item in
      guard case .scalar(let name, let at) = item else {
        throw ConfigError.invalid(
          at: item.location, "each of init.\(key) must be a layer name, got \(item.yaml())")
      }
      return LayerReference(name: name, location: at)
    }
  }
}

/// `training.learning_rate_multipliers` and `training.unfreeze_at`, checked against the model.
extension Experiment {
  /// Applies the definition's frozen layers (when `frozen`, the state before
  /// `training.unfreeze_at`) and learning-rate multipliers to `model`.
  func applyLayerTraining(to model: Sequential) throws {
    let weighted = Set(
      model.layerNames.indices.filter { !model.layers[$0].parameters.isEmpty }
        .map { model.layerNames[$0] })
    for multiplier in training.learningRateMultipliers
    where !weighted.contains(multiplier.layer.name) {
      throw ConfigError.invalid(
        at: multiplier.layer.location,
        "training.learning_rate_multipliers: \(multiplier.layer.name) is not a layer with "
          + "weights of this model (\(model.layerNames.filter(weighted.contains).joined(separator: ", ")))"
      )
    }
    model.learningRateMultipliers = Dictionary(
      training.learningRateMultipliers.map { ($0.layer.name, Float($0.factor)) },
      uniquingKeysWith: { $1 })
    if let initialization {
      model.frozenLayers = Set(try initialization.resolve(in: model).frozen)
    }
  }
}

/// `training.learning_rate_multipliers`: a factor on the learning rate of one layer's weights.
public struct LayerMultiplier: Sendable, Equatable {
  public var layer: LayerReference
  public var factor: Double
}
