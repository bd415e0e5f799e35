// NeuralNet: a CPU engine for convolutional networks: layers compiled into oneDNN primitives
// (fp32 or bf16), and the same layers as plain forward/backward pairs over OpenBLAS sgemm, the
// reference the oneDNN path is checked against.
//
// Tensor layout, stated once for the whole module: activations are channels-last (NHWC),
// row-major, Float32. A batch of images is one contiguous buffer of shape
// [batch, height, width, channels]; a flat feature vector is [batch, features].
// Convolution kernels are [kernelHeight, kernelWidth, inputChannels, filters] and dense kernels
// [inputFeatures, units], the layouts Keras uses, so weights map one to one.

/// The shape of one example, without the batch dimension: [height, width, channels] for images,
/// [features] for vectors.
public typealias TensorShape = [Int]

extension Array where Element == Int {
  /// The number of scalars in one example of this shape.
  public var elementCount: Int { reduce(1, *) }
}
