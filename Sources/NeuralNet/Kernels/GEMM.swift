import CBLAS

/// Row-major single-precision matrix products, the only place the engine calls BLAS.
enum GEMM {
  /// C[m x n] = op(A) * op(B) + beta * C, all row-major, with leading dimensions equal to
  /// the stored row lengths: A is [m x k] (or [k x m] when `transposeA`), B is [k x n] (or
  /// [n x k] when `transposeB`).
  static func multiply(
    _ a: UnsafePointer<Float>, transposeA: Bool = false,
    _ b: UnsafePointer<Float>, transposeB: Bool = false,
    into c: UnsafeMutablePointer<Float>,
    m: Int, n: Int, k: Int, beta: Float = 0
  ) {
    cblas_sgemm(
      CblasRowMajor,
      transposeA ? CblasTrans : CblasNoTrans,
      transposeB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), 1,
      a, Int32(transposeA ? m : k),
      b, Int32(transposeB ? k : n),
      beta, c, Int32(n))
  }
}
