import Foundation
import Runs

/// A small completed run folder with every file valid, for the targets that fuzz one of its
/// files: the input replaces that file and the rest stay as a real run wrote them.
public enum RunFixture {
  /// `config.yaml`: a model small enough to build on every input.
  public static let config = """
    name: tiny
    seed: 1
    dataset:
      name: mnist
    model:
      - conv2d: {filters: 2, kernel: 3, activation: relu}
      - maxpool: {size: 2}
      - flatten
      - dense: {units: 10, activation: softmax}
    training:
      epochs: 2

    """

  /// `summary.json` of a completed run.
  public static let summary = """
    {"best_epoch":2,"best_val_accuracy":0.5,"config_hash":"c0ffee","epochs_run":2,\
    "experiment":"tiny","finished_at":"2026-11-25T10:00:09Z","parameters":3402,\
    "provenance":{"binary_version":"0.1","blas":"OpenBLAS 0.3.21","dataset_checksums":\
    {"t10k-images-idx3-ubyte":"0fa7"},"engine":"oneDNN fp32","git_commit":"f7ae360",\
    "git_dirty":false,"isa":"avx2","machine":"x86_64, 2 cores","swift_version":"6.3.1",\
    "threads":2},"run_id":"20261125-100000-0001","seed":1,"started_at":"2026-11-25T10:00:00Z",\
    "status":"completed","test_accuracy":0.5,"test_loss":1.25,"total_seconds":9.5,\
    "training_seconds":8}

    """

  /// `metrics.json`: two epochs and a learning-rate change.
  public static let metrics = """
    {"epochs":[{"accuracy":0.4,"epoch":1,"imagesPerSecond":350,"learningRate":0.001,\
    "loss":1.9,"seconds":4,"valAccuracy":0.45,"valLoss":1.6},{"accuracy":0.55,"epoch":2,\
    "imagesPerSecond":360,"learningRate":0.0002,"loss":1.4,"seconds":4,"valAccuracy":0.5,\
    "valLoss":1.3}],"events":[{"learningRateChanged":{"epoch":1,"from":0.001,"to":0.0002}}]}

    """

  /// `predictions.csv`: two test images.
  public static let predictions = """
    index,label,predicted,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9
    0,7,7,0.01,0.01,0.01,0.01,0.01,0.01,0.01,0.9,0.02,0.01
    1,2,3,0.01,0.01,0.3,0.6,0.01,0.01,0.01,0.03,0.01,0.01

    """

  /// Writes the run folder `<root>/runs/tiny/<run id>` under the scratch directory, with `file`
  /// (a name such as "summary.json") holding `content` instead of its valid text, and returns
  /// its paths. `weights` is `weights.safetensors` unless `file` names it.
  public static func write(root: String, replacing file: String, with content: Data, weights: Data)
    -> RunPaths
  {
    let folder = "\(root)/runs/tiny/20261125-100000-0001"
    let files = [
      "config.yaml": Data(config.utf8), "summary.json": Data(summary.utf8),
      "metrics.json": Data(metrics.utf8), "predictions.csv": Data(predictions.utf8),
      "weights.safetensors": weights,
    ]
    for (name, valid) in files {
      Scratch.write(name == file ? content : valid, to: "\(folder)/\(name)")
    }
    return RunPaths(directory: Scratch.directory + "/" + folder)
  }
}
