/// Errors raised while building, running or loading a network.
public enum NeuralNetError: Error, CustomStringConvertible, Equatable {
  /// A layer cannot take the shape the previous layer produces.
  case shapeMismatch(layer: String, input: TensorShape, reason: String)
  /// A saved tensor is missing, extra or of another shape than the model's.
  case incompatibleWeights(String)
  /// A safetensors payload could not be decoded.
  case malformedSafeTensors(String)
  /// Inputs and labels disagree, or a batch is empty.
  case invalidData(String)
  /// The precision asked for has no kernels on this CPU (bf16 without AVX-512).
  case unsupportedPrecision(Precision, isa: String)
  /// The loss became NaN or infinite.
  case nonFiniteLoss(epoch: Int, batch: Int)

  public var description: String {
    switch self {
    case .shapeMismatch(let layer, let input, let reason):
      return "layer \(layer) cannot take input of shape \(input): \(reason)"
    case .incompatibleWeights(let reason): return "weights do not fit the model: \(reason)"
    case .malformedSafeTensors(let reason): return "malformed safetensors data: \(reason)"
    case .invalidData(let reason): return "invalid training data: \(reason)"
    case .unsupportedPrecision(let precision, let isa):
      return "precision \(precision.rawValue) needs an AVX-512 CPU; oneDNN reports \(isa) here"
    case .nonFiniteLoss(let epoch, let batch):
      return "the loss became NaN or infinite at epoch \(epoch), batch \(batch)"
    }
  }
}
