import Datasets
import Foundation
import NeuralNet

/// A hyper-parameter sweep: the trials an experiment file's `sweep:` block, or `--set KEY=a,b,c`
/// on the command line, declares. Trial `k` is one ordinary run: the experiment with the trial's
/// parameter values set as `--set` would, at one of the sweep's seeds.
public struct Sweep: Sendable {
  /// How parameter values are chosen.
  public enum Method: String, Sendable, CaseIterable {
    /// Every combination of the parameters' values (the first parameter varies slowest).
    case grid
    /// `trials` draws from the parameters' distributions, seeded by the experiment's seed.
    case random
  }

  /// What one parameter ranges over.
  public enum Domain: Sendable, Equatable {
    /// A list of values: an axis of the grid, or a uniform choice when random.
    case values([ConfigTree])
    /// A number drawn uniformly from [low, high] (random only).
    case uniform(Double, Double)
    /// A positive number whose logarithm is uniform in [log low, log high] (random only).
    case logUniform(Double, Double)
    /// A whole number in low...high: every one of them in a grid, a uniform draw when random.
    case integer(Int, Int)
  }

  /// One swept key and what it ranges over.
  public struct Parameter: Sendable, Equatable {
    /// The dotted `--set` key, e.g. `training.optimizer.learning_rate` or `model.0.conv2d.filters`.
    public var key: String
    public var domain: Domain
    /// Where the key was declared (a file position, or the `--set` override).
    public var location: SourceLocation
  }

  /// The swept experiment as declared, without the sweep (trial 0's seed is its seed).
  public let base: Experiment
  public let method: Method
  public let parameters: [Parameter]
  /// Seeds per parameter combination: trial k trains seed index `k % seeds`.
  public let seeds: Int
  /// The metric trials are ranked and pruned by (default `val_accuracy`).
  public let metric: Metric
  /// When to stop unpromising trials early, if at all.
  public let earlyTermination: EarlyTermination?
  /// Every trial, in index order.
  public let trials: [SweepTrial]

  /// Larger grids need an explicit confirmation (`allowLarge`).
  public static let largeTrialCount = 10_000

  /// The experiment trial `index` trains: the base with the trial's values set, at its seed.
  public func experiment(trial index: Int) throws -> Experiment {
    guard trials.indices.contains(index) else {
      throw ConfigError.noSuchTrial(sweep: base.name, index: index, count: trials.count)
    }
    let trial = trials[index]
    var tree = base.resolved
    for setting in trial.settings {
      tree = try tree.setting(setting.key.split(separator: ".").map(String.init), to: setting.value)
    }
    return try Experiment(tree: tree, name: base.name).withSeed(index: trial.seedIndex)
  }
}

/// One trial of a sweep: its parameter values and seed.
public struct SweepTrial: Sendable, Equatable {
  /// One swept key's value in this trial.
  public struct Setting: Sendable, Equatable {
    public var key: String
    public var value: ConfigTree
    /// The value as `--set KEY=VALUE` writes it (one line of YAML).
    public var text: String { value.oneLine }
  }

  /// 0-based position in the sweep's trial list.
  public var index: Int
  /// The swept keys' values, in the sweep's parameter order.
  public var settings: [Setting]
  /// Which of the sweep's seeds (0 is the experiment's own seed).
  public var seedIndex: Int

  /// The values as `KEY=VALUE` overrides, e.g. `training.optimizer.learning_rate=0.001`.
  public var overrides: [String] { settings.map { "\($0.key)=\($0.text)" } }
  /// The values by key, as recorded with the trial's run.
  public var values: [String: String] {
    Dictionary(settings.map { ($0.key, $0.text) }, uniquingKeysWith: { $1 })
  }
}

/// Stopping unpromising trials before their last epoch. Both rules compare a trial's best value
/// of the sweep's metric so far with the other trials' best values up to the same epoch.
public struct EarlyTermination: Sendable, Equatable {
  /// The rule applied.
  public enum Rule: String, Sendable, CaseIterable {
    /// Median stopping (Golovin et al. 2017, Google Vizier): at an epoch e >= min_epochs, a
    /// trial whose best so far is worse than the median of the other trials' best up to e is
    /// stopped, once at least `minTrials` others have reached e.
    case median
    /// Asynchronous successive halving (ASHA, Li et al. 2020), as Optuna's
    /// SuccessiveHalvingPruner decides it: rungs at min_epochs * factor^k; at a rung a trial
    /// continues only when its best so far is at least as good as the
    /// max(1, n / factor)-th best of the n trials that reached the rung (itself included).
    case asha
  }
  public var rule: Rule
  /// No trial is stopped before this epoch (1-based).
  public var minEpochs: Int
  /// ASHA's reduction factor (keep the top 1/factor at each rung).
  public var reductionFactor: Int
  /// Median stopping waits until this many other trials have reached the epoch.
  public var minTrials: Int

  /// An early-termination rule.
  public init(rule: Rule, minEpochs: Int = 1, reductionFactor: Int = 3, minTrials: Int = 2) {
    (self.rule, self.minEpochs, self.reductionFactor, self.minTrials) = (
      rule, minEpochs, reductionFactor, minTrials
    )
  }

  /// Why a trial should stop at `epoch`, or nil to go on. `own` is the trial's best value so
  /// far; `others` are the other trials' best values up to `epoch`, for those that reached it.
  /// `maximize` says whether larger is better.
  public func decision(epoch: Int, own: Double, others: [Double], maximize: Bool) -> String? {
    guard epoch >= minEpochs else { return nil }
    func better(_ a: Double, _ b: Double) -> Bool { maximize ? a > b : a < b }
    switch rule {
    case .median:
      guard others.count >= minTrials else { return nil }
      let sorted = others.sorted()
      let n = sorted.count
      let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
      guard better(median, own) else { return nil }
      return "median stopping at epoch \(epoch): best so far \(Self.format(own)) is worse than "
        + "the median \(Self.format(median)) of \(n) other trials"
    case .asha:
      guard isRung(epoch) else { return nil }
      let competing = (others + [own]).sorted { better($0, $1) }
      let keep = max(1, competing.count / reductionFactor)
      let threshold = competing[keep - 1]
      guard better(threshold, own) else { return nil }
      return "successive halving at rung epoch \(epoch): best so far \(Self.format(own)) is not "
        + "in the top \(keep) of \(competing.count) trials (threshold \(Self.format(threshold)))"
    }
  }

  /// Whether `epoch` is an ASHA rung: min_epochs * factor^k.
  public func isRung(_ epoch: Int) -> Bool {
    var rung = minEpochs
    while rung < epoch { rung *= reductionFactor }
    return rung == epoch
  }

  private static func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
