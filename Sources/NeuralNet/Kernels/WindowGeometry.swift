/// Where a sliding window (convolution or pooling) reads its input: sizes, strides and padding,
/// computed the way Keras/TensorFlow do for `valid` and `same`.
public struct WindowGeometry: Equatable {
  public let inputHeight: Int, inputWidth: Int, channels: Int
  public let kernelHeight: Int, kernelWidth: Int
  public let strideHeight: Int, strideWidth: Int
  public let padTop: Int, padLeft: Int
  public let outputHeight: Int, outputWidth: Int

  /// Returns nil when the window does not fit the input (a 3x3 kernel on a 2x2 `valid` input).
  public init?(input: TensorShape, kernel: (Int, Int), stride: (Int, Int), padding: Padding) {
    guard input.count == 3 else { return nil }
    (inputHeight, inputWidth, channels) = (input[0], input[1], input[2])
    (kernelHeight, kernelWidth) = kernel
    (strideHeight, strideWidth) = stride
    switch padding {
    case .valid:
      guard inputHeight >= kernelHeight, inputWidth >= kernelWidth else { return nil }
      outputHeight = (inputHeight - kernelHeight) / strideHeight + 1
      outputWidth = (inputWidth - kernelWidth) / strideWidth + 1
      (padTop, padLeft) = (0, 0)
    case .same:
      // TensorFlow's rule: output = ceil(input / stride); the extra row/column goes at the end.
      outputHeight = (inputHeight + strideHeight - 1) / strideHeight
      outputWidth = (inputWidth + strideWidth - 1) / strideWidth
      padTop = max((outputHeight - 1) * strideHeight + kernelHeight - inputHeight, 0) / 2
      padLeft = max((outputWidth - 1) * strideWidth + kernelWidth - inputWidth, 0) / 2
    }
    guard outputHeight > 0, outputWidth > 0 else { return nil }
  }

  /// Scalars in one unrolled window: the row length of the im2col matrix.
  var patchSize: Int { kernelHeight * kernelWidth * channels }
  /// Output positions per image: the rows of one image's im2col matrix.
  var outputPixels: Int { outputHeight * outputWidth }
  /// Scalars in one input image.
  var inputSize: Int { inputHeight * inputWidth * channels }
}

/// How a window treats the border.
public enum Padding: String, Codable, Sendable {
  /// No padding; windows that would cross the border are dropped.
  case valid
  /// Zero padding so that output size is ceil(input / stride).
  case same
}
