import Datasets
import Foundation
import NeuralNet

/// A fully resolved experiment definition: what to train, on what, how, and what to report.
public struct Experiment: Sendable {
  public var name: String
  public var description: String
  /// Labels to find runs by (`report serve`'s tag filter); like the description, not part of
  /// the configuration a run is cached and grouped by.
  public var tags: [String]
  /// Root of every random choice: split, initial weights, shuffling, augmentation.
  public var seed: UInt64
  /// How many seeds to train (seed, seed + 1, ...); comparisons aggregate over them.
  public var seeds: Int
  public var dataset: DatasetSpec
  public var model: [LayerSpec]
  /// Where the initial weights come from (`init:`): another run's, for transfer learning; nil
  /// draws them from the seed.
  public var initialization: TransferSpec?
  public var training: TrainingSpec
  public var report: ReportSpec
  /// The merged definition (after `extends:` and `--set`), recorded with every run.
  public var resolved: ConfigTree

  /// The experiment with seed number `index` of its `seeds` (0 is the experiment itself).
  public func withSeed(index: Int) throws -> Experiment {
    guard index > 0 else { return self }
    let newSeed = seed + UInt64(index)
    let location = SourceLocation(file: "seeds", line: 0, column: 0)
    var copy = self
    copy.seed = newSeed
    copy.resolved = try resolved.setting(["seed"], to: .scalar(String(newSeed), location))
    return copy
  }

  /// SHA-256 of the resolved definition's canonical YAML: equal configs, equal hashes.
  public var configHash: String { Checksum.sha256(Data(resolved.yaml().utf8)) }

  /// SHA-256 of the resolved definition without `seed`, `seeds` and `description`: runs that
  /// differ only by seed share it, and are grouped (means over seeds) by it.
  public var groupHash: String { resolved.groupHash }
  /// SHA-256 of the resolved definition with `dataset.held_out_fold` cleared: the folds of one
  /// label audit share it, and differ from each other in nothing else.
  public var foldlessHash: String {
    let cleared = try? resolved.setting(["dataset", "held_out_fold"], to: .null(resolved.location))
    return Checksum.sha256(Data((cleared ?? resolved).yaml().utf8))
  }

  /// The model this definition declares, for its dataset's images, with weights drawn from its
  /// seed (the one place a definition becomes an engine model).
  public func makeModel() throws -> Sequential {
    let built: Sequential
    do {
      built = try LayerSpec.buildModel(model, inputShape: dataset.imageShape, seed: seed)
    } catch let error as NeuralNetError {
      throw ConfigError.invalid(
        at: resolved.location, "\(error), with \(dataset.name)'s \(dataset.imageShape) images")
    }
    let classes = dataset.classNames.count
    guard built.classCount == classes else {
      let last = built.layerNames[built.layerNames.count - 1]
      throw ConfigError.invalid(
        at: resolved.location,
        "the model's last layer (\(last)) gives \(built.classCount) outputs per image, but "
          + "\(dataset.name) has \(classes) classes: it needs one output per class")
    }
    try applyLayerTraining(to: built)
    built.engine = .oneDNN(training.precision)
    return built
  }
}

/// Fold `index` of `count` stratified folds of the training images (`dataset.folds`,
/// `dataset.held_out_fold`): it neither trains nor validates, and the run predicts it.
public struct HeldOutFold: Sendable, Equatable {
  public var count: Int, index: Int
}

/// Where the images come from and how they are split.
public struct DatasetSpec: Sendable, Equatable {
  public enum Source: Sendable, Equatable {
    /// MNIST or Fashion-MNIST IDX files; the directory defaults to the dataset's usual place.
    case idx(IDXDataset, directory: String?)
    /// Kaggle Digit Recognizer CSVs; metrics use the validation split, test.csv feeds the
    /// submission.
    case kaggleCSV(train: String, test: String?)
  }
  public var source: Source
  /// Fraction of the training set held out for validation, stratified (the paper: 0.1).
  public var validationSplit: Double
  /// Train on a stratified subset of this many images (before the split), when set.
  public var subset: Int?
  /// Evaluate on the first this many test images, when set.
  public var testSubset: Int?
  /// The classes kept (`dataset.classes`), relabelled 0, 1, ... in the order given, each keeping
  /// its name; nil keeps them all.
  public var classes: [Int]?
  /// Labelled images kept per class (`dataset.labels_per_class`), chosen by the seed before the
  /// validation split, which then takes its share of them; nil keeps all.
  public var labelsPerClass: Int?
  /// A CSV whose `index` column lists training images to leave out (`ExclusionList`), when set.
  public var exclude: String?
  /// The fold held out of training and validation, for out-of-fold predictions
  /// (`report audit-labels`), when set.
  public var fold: HeldOutFold?

  /// The dataset's name as experiment files write it.
  public var name: String {
    switch source {
    case .idx(let kind, _): return kind.rawValue
    case .kaggleCSV: return "kaggle-csv"
    }
  }

  /// The name of each class: MNIST's digits for Kaggle's Digit Recognizer CSVs.
  public var classNames: [String] {
    let all = sourceClassNames
    return classes.map { $0.map { all[$0] } } ?? all
  }

  /// The name of each class of the source, before any selection.
  public var sourceClassNames: [String] {
    switch source {
    case .idx(let kind, _): return kind.classNames
    case .kaggleCSV: return IDXDataset.mnist.classNames
    }
  }

  /// The shape of one image, [rows, columns, channels]. Every source holds 28x28 greyscale
  /// digits: the MNIST and Fashion-MNIST IDX headers say so and Kaggle's CSVs have pixel0..783;
  /// `ExperimentData` checks the loaded images against it.
  public var imageShape: TensorShape { [28, 28, 1] }
}

/// How to train.
public struct TrainingSpec: Sendable, Equatable {
  public var epochs: Int
  public var batchSize: Int
  public var optimizer: OptimizerSpec
  public var labelSmoothing: Double
  public var augmentation: RandomAffine?
  public var earlyStopping: EarlyStoppingSpec?
  public var reduceLROnPlateau: PlateauSpec?
  /// Multiply the learning rate by this every epoch, when set.
  public var exponentialDecay: Double?
  /// A per-step learning-rate schedule (cosine or one-cycle) peaking at the optimizer's rate.
  public var schedule: ScheduleSpec?
  /// Momentum of an exponential moving average of the weights used for validation and kept as
  /// the trained model, when set (`training.ema: 0.999`).
  public var ema: Double?
  /// Worker threads; all cores when nil.
  public var threads: Int?
  /// The layers' arithmetic: bf16 mixed precision where the CPU has native bf16, else fp32.
  public var precision: Precision = .auto
  /// The epoch (from 1) at which the layers `init.freeze` froze start to train, when set.
  public var unfreezeAt: Int?
  /// Factors on the learning rate per layer (`training.learning_rate_multipliers`).
  public var learningRateMultipliers: [LayerMultiplier] = []
}

/// An optimizer and its hyper-parameters (Keras defaults where unset).
public struct OptimizerSpec: Sendable, Equatable {
  public enum Kind: String, Sendable { case adam, sgd }
  public var kind: Kind
  public var learningRate: Double
  public var beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7
  public var momentum = 0.0
  public var nesterov = false
  public var weightDecay = 0.0

  /// A fresh engine optimizer with these settings, averaging the weights with momentum `ema`
  /// when it is set.
  public func make(ema: Double? = nil) -> Optimizer {
    let average = ema.map { WeightAverage(momentum: Float($0)) }
    switch kind {
    case .adam:
      return Adam(
        learningRate: Float(learningRate), beta1: Float(beta1), beta2: Float(beta2),
        epsilon: Float(epsilon), weightDecay: Float(weightDecay), weightAverage: average)
    case .sgd:
      return SGD(
        learningRate: Float(learningRate), momentum: Float(momentum), nesterov: nesterov,
        weightDecay: Float(weightDecay), weightAverage: average)
    }
  }
}

/// A learning-rate schedule set before every step, peaking at the optimizer's rate.
public enum ScheduleSpec: Sendable, Equatable {
  /// Cosine decay to `minLearningRate` after `warmupEpochs` of linear warmup from 0.
  case cosine(warmupEpochs: Int, minLearningRate: Double)
  /// PyTorch's `OneCycleLR`; `momentum` is the cycled range, nil to leave it alone.
  case oneCycle(
    warmupFraction: Double, divFactor: Double, finalDivFactor: Double,
    momentum: ClosedRange<Double>?)

  /// The engine callback for training `epochs` epochs from `peakLearningRate`.
  public func makeCallback(peakLearningRate: Double, epochs: Int) -> TrainingCallback {
    switch self {
    case .cosine(let warmupEpochs, let minLearningRate):
      return CosineDecay(
        peakLearningRate: peakLearningRate, minLearningRate: minLearningRate,
        warmupEpochs: warmupEpochs, epochs: epochs)
    case .oneCycle(let warmupFraction, let divFactor, let finalDivFactor, let momentum):
      return OneCycle(
        peakLearningRate: peakLearningRate, epochs: epochs, warmupFraction: warmupFraction,
        divFactor: divFactor, finalDivFactor: finalDivFactor, momentum: momentum)
    }
  }
}

/// Keras EarlyStopping settings.
public struct EarlyStoppingSpec: Sendable, Equatable {
  public var monitor: Metric, mode: MonitorMode, patience: Int, minDelta: Double,
    restoreBestWeights: Bool
}

/// Keras ReduceLROnPlateau settings.
public struct PlateauSpec: Sendable, Equatable {
  public var monitor: Metric, mode: MonitorMode, factor: Double, patience: Int, minDelta: Double,
    minLearningRate: Double
}

/// What the report shows.
public struct ReportSpec: Sendable, Equatable {
  /// Training images in the sample strip (the paper's Fig 2 shows 4).
  public var samples: Int
  /// Test images in the prediction gallery (the paper's Fig 5 shows 16).
  public var gallery: Int
  /// Misclassified test images shown at most.
  public var misclassified: Int
  /// Colormap for digit images.
  public var colormap: Colormap

  /// The colormaps an experiment file may name for digit images (matplotlib's names).
  public enum Colormap: String, CaseIterable, Sendable {
    /// Black background, white ink: the images as stored.
    case gray
    /// White paper, black ink.
    case binary
    /// matplotlib's default, as the paper's Fig 2.
    case viridis
  }

  /// A report specification.
  public init(samples: Int, gallery: Int, misclassified: Int, colormap: Colormap) {
    (self.samples, self.gallery, self.misclassified, self.colormap) = (
      samples, gallery, misclassified, colormap
    )
  }
}
