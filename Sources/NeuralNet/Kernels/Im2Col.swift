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
            out.update(
              from: image + (ih * g.inputWidth + firstColumn) * c, count: g.kernelWidth * c)
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

  /// Unrolls `count` consecutive images into consecutive column blocks
  /// `[count * outputPixels, patchSize]`.
  static func unroll(
    images: UnsafePointer<Float>, count: Int, into columns: UnsafeMutablePointer<Float>,
    _ g: WindowGeometry
  ) {
    for i in 0..<count {
      unroll(images + i * g.inputSize, into: columns + i * g.outputPixels * g.patchSize, g)
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
