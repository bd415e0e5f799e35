import Datasets
import ExperimentDefinitions
import Foundation
import NeuralNet

/// What a transfer-learning run records of where its weights came from (`summary.json`'s
/// `transfer`): the source run, which layers it gave and which were frozen.
public struct TransferRecord: Codable, Equatable, Sendable {
  /// The source run's id and experiment.
  public var runID: String, experiment: String
  /// The source run's folder.
  public var directory: String
  /// The layers whose weights were loaded, and the ones frozen, in model order.
  public var loadedLayers: [String], frozenLayers: [String]
  /// The epoch at which the frozen layers start to train, when set.
  public var unfreezeAt: Int?

  enum CodingKeys: String, CodingKey {
    case runID = "run_id"
    case experiment, directory
    case loadedLayers = "loaded_layers"
    case frozenLayers = "frozen_layers"
    case unfreezeAt = "unfreeze_at"
  }
}

/// The completed run an experiment's `init.from` names, with its final weights: an experiment
/// name stands for its newest completed run.
public struct TransferSource {
  /// The source run's folder.
  public let paths: RunPaths
  /// Its experiment name.
  public let experiment: String
  /// Its final weights by qualified name ("conv2d.kernel").
  private let tensors: [String: (shape: [Int], values: [Float])]
  /// SHA-256 of its weights file: the run's identity in a new run's cache key.
  public let checksum: String

  /// Finds and reads the source of `spec` among `workspace`'s runs. Throws, naming `init.from`'s
  /// place, when there is no such run or it has not completed.
  public init(_ spec: TransferSpec, workspace: RunWorkspace) throws {
    let place = "init.from (\(spec.fromLocation))"
    let found: RunPaths
    if let newest = try Self.newestCompletedRun(of: spec.from, in: workspace) {
      found = newest
    } else {
      do {
        found = try RunCatalog(workspace: workspace).run(spec.from)
      } catch RunError.missingRun {
        throw ConfigError.invalid(
          at: spec.fromLocation,
          "init.from: no run or experiment '\(spec.from)' in \(workspace.outputRoot)/runs")
      }
    }
    let record = try RunRecord(loading: found)
    try record.requireCompleted(for: place)
    guard record.summary.ensemble == nil else {
      throw ConfigError.invalid(
        at: spec.fromLocation,
        "init.from: run \(found.runID) is an ensemble, with no weights of its own; name a member")
    }
    guard let data = FileManager.default.contents(atPath: found.weights) else {
      throw RunError.corruptRecord(path: found.weights, reason: "no final weights")
    }
    paths = found
    experiment = record.summary.experiment
    tensors = try RunError.naming(found.weights) { try SafeTensors.decode(data).tensors }
    checksum = Checksum.sha256(data)
  }

  /// The newest completed training run of experiment `name` in `workspace`'s index, if any: what
  /// `init.from: name` loads.
  public static func newestCompletedRun(of name: String, in workspace: RunWorkspace) throws
    -> RunPaths?
  {
    try workspace.openStore().runs(experiment: name, status: .completed)
      .first { $0.kind == .training }.map { RunPaths(directory: $0.directory) }
  }

  /// The dataset-checksum entry that puts this source into a run's provenance and cache key.
  public var provenanceEntry: [String: String] { ["init:\(paths.runID)": checksum] }

  /// Copies the source's weights into the layers of `model` that `spec` loads, after checking
  /// every one (present in the source, same shapes), so that a mismatch changes nothing.
  public func load(into model: Sequential, as spec: TransferSpec, unfreezeAt: Int?) throws
    -> TransferRecord
  {
    let (loaded, frozen) = try spec.resolve(in: model)
    let layers = Dictionary(uniqueKeysWithValues: zip(model.layerNames, model.layers))
    let copies = try loaded.flatMap { name in
      try layers[name]!.parameters.map { parameter in
        (parameter, try tensor("\(name).\(parameter.name)", for: parameter, layer: name, spec))
      }
    }
    for (parameter, values) in copies { parameter.value.assign(values) }
    return TransferRecord(
      runID: paths.runID, experiment: experiment, directory: paths.directory,
      loadedLayers: loaded, frozenLayers: frozen, unfreezeAt: unfreezeAt)
  }

  /// The source's tensor `name`, checked against `parameter`'s shape.
  private func tensor(_ name: String, for parameter: Parameter, layer: String, _ spec: TransferSpec)
    throws -> [Float]
  {
    let location = spec.layers?.first { $0.name == layer }?.location ?? spec.fromLocation
    guard let tensor = tensors[name] else {
      let sourceLayers = Set(tensors.keys.map { String($0.prefix { $0 != "." }) }).sorted()
      throw ConfigError.invalid(
        at: location,
        "init.layers: \(layer) is not a layer with weights of run \(paths.runID) "
          + "(\(experiment); its layers: \(sourceLayers.joined(separator: ", ")))")
    }
    guard tensor.shape == parameter.shape else {
      throw ConfigError.invalid(
        at: location,
        "init.layers: \(name) has shape \(tensor.shape) in run \(paths.runID) (\(experiment)), "
          + "but this model's is \(parameter.shape)")
    }
    return tensor.values
  }
}
