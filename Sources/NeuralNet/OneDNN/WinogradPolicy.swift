/// Which 3x3 stride-1 fp32 convolutions of a compiled network run on the engine's own
/// Winograd kernels (`WinogradConvolution`) instead of oneDNN's direct convolution.
public enum WinogradPolicy: String, CaseIterable, Codable, Sendable {
  /// Where it measured faster than oneDNN's direct convolution (`report bench --layers
  /// --winograd always` against `never`): layers of at least 32 input channels and 32 filters
  /// with outputs of at least 8x8 pixels. In the paper's model these are the 24x24, 10x10 and
  /// 8x8 convolutions. The first (one input channel) runs on `SingleChannelConvolution`, the
  /// last (2x2 outputs, where a tile is the whole image) on im2col + sgemm
  /// (`ConvolutionOperation.prefersMatrixProduct`).
  case auto
  /// Every layer that fits (3x3, stride 1, fp32, a ReLU or no activation), for checks.
  case always
  /// Never: no convolution runs on Winograd. (A one-channel first layer and 2x2-output layers
  /// keep their own kernels, which this policy does not choose.)
  case never

  /// Whether a convolution of `geometry` into `filters` channels runs on Winograd.
  func chooses(_ geometry: WindowGeometry, filters: Int) -> Bool {
    switch self {
    case .never: return false
    case .always: return WinogradConvolution.isSupported
    case .auto:
      return WinogradConvolution.isSupported && geometry.channels >= 32 && filters >= 32
        && geometry.outputHeight >= 8 && geometry.outputWidth >= 8
    }
  }
}
