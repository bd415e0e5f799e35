import Datasets
import Foundation
import NeuralNet

extension Experiment {
  /// Decodes a resolved tree, checking every key, type and range.
  init(tree: ConfigTree, name defaultName: String) throws {
    var root = try ConfigReader(tree, section: "")
    _ = root.tree("extends")
    name = try root.string("name") ?? defaultName
    description = try root.string("description") ?? ""
    tags = try root.strings("tags", allowed: Experiment.isValidTag, rule: Experiment.tagRule) ?? []
    seed = UInt64(try root.int("seed", in: 0...Int.max) ?? 42)
    seeds = try root.int("seeds", in: 1...100) ?? 1
    var datasetReader = try root.section("dataset")
    dataset = try DatasetSpec(&datasetReader)
    guard let modelTree = root.tree("model") else {
      throw ConfigError.missingKey(at: root.location, key: "model", section: "")
    }
    model = try LayerSpec.list(modelTree)
    if root.tree("init") != nil {
      var initReader = try root.section("init")
      initialization = try TransferSpec(&initReader)
    }
    let trainingTree = root.tree("training")
    var trainingReader = try root.section("training")
    training = try TrainingSpec(&trainingReader)
    var reportReader = try root.section("report")
    report = try ReportSpec(&reportReader)
    try root.finish()
    resolved = tree
    if let unfreezeAt = training.unfreezeAt {
      var location = tree.location
      if case .mapping(let entries, _)? = trainingTree,
        let entry = entries.last(where: { $0.key == "unfreeze_at" })
      {
        location = entry.value.location
      }
      let frozen: Bool
      switch initialization?.freeze {
      case .layers(let layers)?: frozen = !layers.isEmpty
      case .allButLast?: frozen = true
      case nil: frozen = false
      }
      guard frozen else {
        throw ConfigError.invalid(
          at: location, "training.unfreeze_at needs init.freeze: there is nothing to unfreeze")
      }
      guard unfreezeAt <= training.epochs else {
        throw ConfigError.invalid(
          at: location,
          "training.unfreeze_at (\(unfreezeAt)) is after the last epoch (\(training.epochs))")
      }
    }
    guard Experiment.isValidName(name) else {
      throw ConfigError.invalid(
        at: tree.location,
        "name '\(name)' \(Experiment.nameRule) (it names a folder under the output directory)"
      )
    }
    if case .sequence(let items, _) = modelTree {
      try LayerSpec.checkHead(
        model, items: items, classes: dataset.classNames.count, dataset: dataset.name)
    }
  }
}

extension Experiment {
  /// Whether `name` can name a folder under the output directory: letters and digits of any
  /// script (with their combining marks), '-', '_' and '.', starting with a letter or digit,
  /// never "..".
  public static func isValidName(_ name: String) -> Bool {
    name.range(of: #"^[\p{L}\p{N}][\p{L}\p{M}\p{N}_.-]*$"#, options: .regularExpression) != nil
      && !name.contains("..")
  }

  /// `isValidName` in words, for errors.
  public static let nameRule =
    "may use only letters and digits (of any script), '-', '_' and '.', starting with a letter "
    + "or digit"

  /// The experiment name a file name gives: the name itself when it is valid, else with every
  /// run of other characters (spaces, punctuation) turned into one '-' and the ends trimmed, as
  /// "my run (v2)" -> "my-run-v2"; "experiment" when nothing is left.
  public static func name(fromFileName fileName: String) -> String {
    guard !isValidName(fileName) else { return fileName }
    var name = fileName.replacingOccurrences(
      of: #"[^\p{L}\p{M}\p{N}_.-]+"#, with: "-", options: .regularExpression)
    name = name.replacingOccurrences(of: #"\.{2,}"#, with: ".", options: .regularExpression)
    name = name.replacingOccurrences(
      of: #"^[^\p{L}\p{N}]+|[-.]+$"#, with: "", options: .regularExpression)
    return name.isEmpty ? "experiment" : name
  }

  /// What a tag may be: letters, digits, '-', '_', '.' and ':' (no comma: the index stores a
  /// run's tags comma-separated).
  public static func isValidTag(_ tag: String) -> Bool {
    tag.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"#, options: .regularExpression) != nil
  }

  /// `isValidTag` in words, for the error.
  static let tagRule = "a word of letters, digits, '-', '_', '.' and ':'"
}

extension DatasetSpec {
  init(_ r: inout ConfigReader) throws {
    let kind =
      try r.choice(
        "name", ["mnist": "mnist", "fashion-mnist": "fashion-mnist", "kaggle-csv": "kaggle-csv"])
      ?? "mnist"
    let directory = try r.string("directory")
    let train = try r.string("train_csv")
    let test = try r.string("test_csv")
    switch kind {
    case "kaggle-csv":
      // `directory` holds the CSVs that are named relative to it.
      func inDirectory(_ path: String?) -> String? {
        guard let path, let directory, !path.hasPrefix("/") else { return path }
        return (directory as NSString).appendingPathComponent(path)
      }
      source = .kaggleCSV(
        train: try r.require(inDirectory(train), "train_csv"), test: inDirectory(test))
    default:
      if let key = train != nil ? "train_csv" : (test != nil ? "test_csv" : nil) {
        throw ConfigError.invalid(at: r.location, "dataset.\(key) applies to name: kaggle-csv only")
      }
      source = .idx(kind == "mnist" ? .mnist : .fashionMNIST, directory: directory)
    }
    validationSplit = try r.double("validation_split", in: 0...0.9) ?? 0.1
    subset = try r.int("subset", in: 10...1_000_000)
    testSubset = try r.int("test_subset", in: 1...1_000_000)
    exclude = try r.string("exclude")
    labelsPerClass = try r.int("labels_per_class", in: 1...1_000_000)
    let classesTree = r.tree("classes")
    if let classesTree,
      let listed = try r.strings(
        "classes", allowed: { Int($0) != nil }, rule: "a class number such as 5")
    {
      classes = try Self.classes(
        listed.map { Int($0)! }, of: sourceClassNames, at: classesTree.location)
      if case .kaggleCSV(_, let test?) = source {
        throw ConfigError.invalid(
          at: classesTree.location,
          "dataset.classes cannot go with test_csv (\(test)): a Kaggle submission needs every digit"
        )
      }
    }
    let heldOut = r.tree("held_out_fold")?.location
    if let count = try r.int("folds", in: 2...100) {
      fold = HeldOutFold(
        count: count,
        index: try r.require(try r.int("held_out_fold", in: 0...(count - 1)), "held_out_fold"))
    } else if let heldOut {
      throw ConfigError.invalid(at: heldOut, "dataset.held_out_fold needs dataset.folds")
    }
    try r.finish()
  }
}

extension DatasetSpec {
  /// `dataset.classes` checked against the source's `names`: at least two, each once, each a
  /// class of the source.
  static func classes(_ listed: [Int], of names: [String], at location: SourceLocation) throws
    -> [Int]
  {
    guard listed.count >= 2 else {
      throw ConfigError.invalid(at: location, "dataset.classes must list at least two classes")
    }
    if let outside = listed.first(where: { !names.indices.contains($0) }) {
      throw ConfigError.invalid(
        at: location,
        "dataset.classes: \(outside) is not a class of this dataset (0 to \(names.count - 1))")
    }
    if let repeated = listed.indices.first(where: { listed[..<$0].contains(listed[$0]) }) {
      throw ConfigError.invalid(
        at: location, "dataset.classes lists \(listed[repeated]) twice")
    }
    return listed
  }
}

extension TrainingSpec {
  init(_ r: inout ConfigReader) throws {
    epochs = try r.int("epochs", in: 1...10_000) ?? 10
    batchSize = try r.int("batch_size", in: 1...65_536) ?? 128
    var o = try r.section("optimizer")
    optimizer = try OptimizerSpec(&o)
    labelSmoothing = try r.double("label_smoothing", in: 0...0.99) ?? 0
    if r.tree("augmentation") != nil {
      var a = try r.section("augmentation")
      augmentation = RandomAffine(
        rotationDegrees: Float(try a.double("rotation", in: 0...180) ?? 0),
        zoom: Float(try a.double("zoom", in: 0...0.9) ?? 0),
        widthShift: Float(try a.double("width_shift", in: 0...0.9) ?? 0),
        heightShift: Float(try a.double("height_shift", in: 0...0.9) ?? 0),
        horizontalFlip: try a.bool("horizontal_flip") ?? false)
      try a.finish()
    }
    if r.tree("early_stopping") != nil {
      var e = try r.section("early_stopping")
      earlyStopping = EarlyStoppingSpec(
        monitor: try e.choice("monitor", Metric.self) ?? .valLoss,
        mode: try e.choice("mode", MonitorMode.self) ?? .auto,
        patience: try e.int("patience", in: 0...10_000) ?? 0,
        minDelta: try e.double("min_delta", in: 0...1) ?? 0,
        restoreBestWeights: try e.bool("restore_best_weights") ?? false)
      try e.finish()
    }
    if r.tree("reduce_lr_on_plateau") != nil {
      var p = try r.section("reduce_lr_on_plateau")
      reduceLROnPlateau = PlateauSpec(
        monitor: try p.choice("monitor", Metric.self) ?? .valLoss,
        mode: try p.choice("mode", MonitorMode.self) ?? .auto,
        factor: try p.double("factor", in: 1e-6...0.999_999) ?? 0.1,
        patience: try p.int("patience", in: 0...10_000) ?? 10,
        minDelta: try p.double("min_delta", in: 0...1) ?? 1e-4,
        minLearningRate: try p.double("min_lr", in: 0...1) ?? 0)
      try p.finish()
    }
    exponentialDecay = try r.double("exponential_decay", in: 1e-6...1)
    if let tree = r.tree("schedule") {
      var s = try ConfigReader(tree, section: "training.schedule")
      schedule = try ScheduleSpec(&s)
      let rival =
        exponentialDecay != nil
        ? "exponential_decay" : (reduceLROnPlateau != nil ? "reduce_lr_on_plateau" : nil)
      if let rival {
        throw ConfigError.invalid(
          at: tree.location,
          "training.schedule and training.\(rival) both set the learning rate: keep one "
            + "(write `\(rival): null` to drop an inherited one)")
      }
      if case .cosine(let warmup, _) = schedule, warmup >= epochs {
        throw ConfigError.invalid(
          at: tree.location,
          "training.schedule.warmup_epochs (\(warmup)) must be below training.epochs (\(epochs))")
      }
    }
    ema = try r.double("ema", in: 0...0.999_999)
    threads = try r.int("threads", in: 1...256)
    precision = try r.choice("precision", Precision.self) ?? .auto
    unfreezeAt = try r.int("unfreeze_at", in: 2...10_000)
    if let tree = r.tree("learning_rate_multipliers") {
      learningRateMultipliers = try Self.multipliers(tree)
    }
    try r.finish()
  }
}

extension TrainingSpec {
  /// `learning_rate_multipliers: {layer: factor, ...}`.
  static func multipliers(_ tree: ConfigTree) throws -> [LayerMultiplier] {
    guard case .mapping(let entries, _) = tree else {
      throw ConfigError.invalid(
        at: tree.location,
        "training.learning_rate_multipliers must map layer names to factors, like {conv2d: 0.1}")
    }
    return try entries.map { entry in
      guard case .scalar(let text, _) = entry.value, let factor = Double(text), factor.isFinite,
        (0...100).contains(factor)
      else {
        throw ConfigError.invalid(
          at: entry.value.location,
          "training.learning_rate_multipliers.\(entry.key) must be a number in 0...100, got "
            + entry.value.yaml())
      }
      return LayerMultiplier(
        layer: LayerReference(name: entry.key, location: entry.keyLocation), factor: factor)
    }
  }
}

extension ScheduleSpec {
  init(_ r: inout ConfigReader) throws {
    let name = try r.require(
      try r.choice("name", ["cosine": "cosine", "one_cycle": "one_cycle"]), "name")
    if name == "cosine" {
      self = .cosine(
        warmupEpochs: try r.int("warmup_epochs", in: 0...10_000) ?? 0,
        minLearningRate: try r.double("min_lr", in: 0...10) ?? 0)
    } else {
      let cycles = try r.bool("cycle_momentum") ?? true
      let base = try r.double("base_momentum", in: 0...0.999_999) ?? 0.85
      let peak = try r.double("max_momentum", in: 0...0.999_999) ?? 0.95
      guard base <= peak else {
        throw ConfigError.invalid(
          at: r.location,
          "training.schedule.base_momentum (\(base)) must not exceed max_momentum (\(peak))")
      }
      self = .oneCycle(
        warmupFraction: try r.double("pct_start", in: 0.01...0.99) ?? 0.3,
        divFactor: try r.double("div_factor", in: 1...1e6) ?? 25,
        finalDivFactor: try r.double("final_div_factor", in: 1...1e9) ?? 1e4,
        momentum: cycles ? base...peak : nil)
    }
    try r.finish()
  }
}

extension OptimizerSpec {
  init(_ r: inout ConfigReader) throws {
    kind = try r.choice("name", ["adam": Kind.adam, "sgd": .sgd]) ?? .adam
    learningRate = try r.double("learning_rate", in: 1e-12...10) ?? (kind == .adam ? 1e-3 : 1e-2)
    beta1 = try r.double("beta1", in: 0...0.999_999) ?? beta1
    beta2 = try r.double("beta2", in: 0...0.999_999_999) ?? beta2
    epsilon = try r.double("epsilon", in: 0...1) ?? epsilon
    momentum = try r.double("momentum", in: 0...0.999_999) ?? momentum
    nesterov = try r.bool("nesterov") ?? nesterov
    weightDecay = try r.double("weight_decay", in: 0...1) ?? weightDecay
    try r.finish()
  }
}

extension ReportSpec {
  init(_ r: inout ConfigReader) throws {
    samples = try r.int("samples", in: 0...1000) ?? 4
    gallery = try r.int("gallery", in: 0...1000) ?? 16
    misclassified = try r.int("misclassified", in: 0...1000) ?? 64
    colormap = try r.choice("colormap", ReportSpec.Colormap.self) ?? .gray
    try r.finish()
  }
}

extension LayerSpec {
  /// The layer kinds an experiment file may name, and their keys.
  static let kinds = [
    "conv2d", "maxpool", "avgpool", "global_avgpool", "batchnorm", "flatten", "dense", "dropout",
    "activation",
  ]

  /// Decodes the `model:` list: each item is a layer name, or a one-key mapping from a layer name
  /// to its settings.
  static func list(_ tree: ConfigTree) throws -> [LayerSpec] {
    guard case .sequence(let items, _) = tree, !items.isEmpty else {
      throw ConfigError.invalid(at: tree.location, "model must be a non-empty list of layers")
    }
    return try items.enumerated().map { index, item in try LayerSpec(item, index: index) }
  }

  init(_ item: ConfigTree, index: Int) throws {
    let kind: String
    let settings: ConfigTree
    let location: SourceLocation
    switch item {
    case .scalar(let name, let at): (kind, settings, location) = (name, .null(at), at)
    case .mapping(let entries, _) where entries.count == 1:
      (kind, settings, location) = (entries[0].key, entries[0].value, entries[0].keyLocation)
    default:
      throw ConfigError.invalid(
        at: item.location,
        "model[\(index)] must be a layer name or a single 'layer: {settings}' pair")
    }
    var r = try ConfigReader(settings, section: "model[\(index)].\(kind)")
    func activation(_ fallback: ActivationSpec?) throws -> ActivationSpec? {
      guard let text = try r.string("activation") else { return fallback }
      guard let value = ActivationSpec(text) else {
        throw ConfigError.invalid(
          at: r.location,
          "model[\(index)].\(kind).activation must be linear, relu, softmax, leaky_relu or "
            + "leaky_relu(ALPHA), got '\(text)'"
        )
      }
      return value
    }
    let paddings: [String: Padding] = ["valid": .valid, "same": .same]
    switch kind {
    case "conv2d":
      self = .conv2d(
        filters: try r.require(try r.int("filters", in: 1...65_536), "filters"),
        kernel: try r.int("kernel", in: 1...64) ?? 3,
        stride: try r.int("stride", in: 1...64) ?? 1,
        padding: try r.choice("padding", paddings) ?? .valid,
        activation: try activation(.linear) ?? .linear)
    case "maxpool", "avgpool":
      let size = try r.int("size", in: 1...64) ?? 2
      let stride = try r.int("stride", in: 1...64)
      let padding = try r.choice("padding", paddings) ?? .valid
      self =
        kind == "maxpool"
        ? .maxPool(size: size, stride: stride, padding: padding)
        : .averagePool(size: size, stride: stride, padding: padding)
    case "global_avgpool": self = .globalAveragePool
    case "batchnorm":
      self = .batchNorm(
        momentum: try r.double("momentum", in: 0...0.999_999) ?? 0.99,
        epsilon: try r.double("epsilon", in: 1e-12...1) ?? 1e-3)
    case "flatten": self = .flatten
    case "dense":
      self = .dense(
        units: try r.require(try r.int("units", in: 1...1_000_000), "units"),
        activation: try activation(.linear) ?? .linear)
    case "dropout": self = .dropout(rate: try r.require(try r.double("rate", in: 0...0.99), "rate"))
    case "activation": self = .activation(try r.require(try activation(nil), "activation"))
    default:
      throw ConfigError.unknownKey(
        at: location, key: kind, section: "model[\(index)]",
        suggestion: closest(to: kind, in: LayerSpec.kinds))
    }
    try r.finish()
  }
}
