/// Why a model cannot be exported.
public enum DeploymentError: Error, CustomStringConvertible, Equatable {
  /// A layer with no ONNX form.
  case unsupportedLayer(name: String, kind: String)
  /// No examples to calibrate or measure on.
  case noExamples(String)

  public var description: String {
    switch self {
    case .unsupportedLayer(let name, let kind):
      return "layer \(name) (\(kind)) has no ONNX form; the export supports Conv2D, Dense, "
        + "MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, BatchNormalization, Flatten, "
        + "Dropout and Activation"
    case .noExamples(let what): return "no \(what) to run the model on"
    }
  }
}
