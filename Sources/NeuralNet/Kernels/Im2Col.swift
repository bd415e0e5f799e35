/// Where a sliding window (convolution or pooling) reads its input: sizes, strides and padding,
/// computed the way Keras/TensorFlow do for `valid` and `same`.
public struct WindowGeometry: Equatable {
  public let inputHeight: Int, inputWidth: Int, channels: Int
  public let kernelHeight: Int, kernelWidth: Int
  public let strideHeight: Int, strideWidth: Int
  public let padTop: Int, padLeft: Int
  public let outputHeight: Int, outputWidth: Int

  /// Returns nil when the window does not fit the input (a 3x3 kernel on a 2x2 `valid` input).
  init?(input: TensorShape, kernel: (Int, Int), stride: (Int, Int), padding: Padding) {
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

/// im2col and col2im for NHWC images: one row per output position, laid out
/// [kernelHeight, kernelWidth, channels] to match a Keras kernel read as a [patchSize x filters]
/// matrix.
enum Im2Col {
  /// Unrolls one image `[H, W, C]` into `columns` `[outputPixels, patchSize]`.
  static func unroll(
    _ image: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>,
    _ g: WindowGeometry
  ) {
    let c = g.channels
    var row = columns
    for oh in 0..<g.outputHeight {
      for ow in 0..<g.outputWidth {
        var out = row
        for kh in 0..<g.kernelHeight {
          let ih = oh * g.strideHeight + kh - g.padTop
          if ih < 0 || ih >= g.inputHeight {
            out.update(repeating: 0, count: g.kernelWidth * c)
            out += g.kernelWidth * c
            continue
          }
          let firstColumn = ow * g.strideWidth - g.padLeft
          if firstColumn >= 0 && firstColumn + g.kernelWidth <= g.inputWidth {
            // The kernel row's pixels are adjacent in NHWC: one contiguous copy.
            out.update(from: image + (ih * g.inputWidth + firstColumn) * c, count: g.kernelWidth * c)
            out += g.kernelWidth * c
            continue
          }
          for kw in 0..<g.kernelWidth {
            let iw = firstColumn + kw
            if iw < 0 || iw >= g.inputWidth {
              out.update(repeating: 0, count: c)
            } else {
              out.update(from: image + (ih * g.inputWidth + iw) * c, count: c)
            }
            out += c
          }
        }
        row += g.patchSize
      }
    }
  }

  /// Adds `columns` `[outputPixels, patchSize]` back into one image gradient `[H, W, C]`,
  /// which must start zeroed: the transpose of `unroll`.
  static func fold(
    _ columns: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>,
    _ g: WindowGeometry
  ) {
    let c = g.channels
    var row = columns
    for oh in 0..<g.outputHeight {
      for ow in 0..<g.outputWidth {
        var source = row
        for kh in 0..<g.kernelHeight {
          let ih = oh * g.strideHeight + kh - g.padTop
          if ih < 0 || ih >= g.inputHeight {
            source += g.kernelWidth * c
            continue
          }
          let firstColumn = ow * g.strideWidth - g.padLeft
          if firstColumn >= 0 && firstColumn + g.kernelWidth <= g.inputWidth {
            let target = image + (ih * g.inputWidth + firstColumn) * c
            for i in 0..<(g.kernelWidth * c) { target[i] += source[i] }
            source += g.kernelWidth * c
            continue
          }
          for kw in 0..<g.kernelWidth {
            let iw = firstColumn + kw
            if iw >= 0 && iw < g.inputWidth {
              let target = image + (ih * g.inputWidth + iw) * c
              for i in 0..<c { target[i] += source[i] }
            }
            source += c
          }
        }
        row += g.patchSize
      }
    }
  }
}
