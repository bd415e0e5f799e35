import Foundation

/// The fuzzer's input bytes as `Data`.
public func fuzzInput(_ start: UnsafeRawPointer, _ count: Int) -> Data {
  Data(bytes: start, count: count)
}

/// Files the fuzz targets hand to the readers: one private directory per process, under
/// `$TMPDIR` (scripts/fuzz.sh points it at a directory it removes afterwards).
public enum Scratch {
  /// The directory, created on first use.
  public static let directory: String = {
    let path = NSTemporaryDirectory() + "/report-fuzz-\(getpid())"
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      fatalError("cannot create the scratch directory \(path): \(error)")
    }
    return path
  }()

  /// Writes `bytes` to `name` (a path relative to the directory, whose folders are created)
  /// and returns the file's path.
  @discardableResult
  public static func write(_ bytes: Data, to name: String) -> String {
    let path = directory + "/" + name
    do {
      try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try bytes.write(to: URL(fileURLWithPath: path))
    } catch {
      fatalError("cannot write the fuzz input to \(path): \(error)")
    }
    return path
  }

  /// `write` for text.
  @discardableResult
  public static func write(_ text: String, to name: String) -> String {
    write(Data(text.utf8), to: name)
  }
}

/// Every reader error must say where the problem is; an error that names none of `places` (file
/// paths, or words such as "override") is a defect, reported as a crash so libFuzzer keeps the
/// input.
public func requireNamed(_ error: Error, _ places: String...) {
  let text = String(describing: error)
  guard places.contains(where: { text.contains($0) }) else {
    fatalError("the error names none of \(places): \(text)")
  }
}

@_silgen_name("LLVMFuzzerRunDriver")
private func llvmFuzzerRunDriver(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
  _ testOneInput: @convention(c) (UnsafeRawPointer, Int) -> CInt
) -> CInt

/// Runs libFuzzer on `testOneInput` with the command line's flags and returns its exit status.
///
/// SwiftPM links an executable's `main` to its own top-level code (`--defsym main=<Module>_main`),
/// so libFuzzer's `main` never runs; each target's main.swift hands over to libFuzzer's driver
/// here instead.
public func runLibFuzzer(_ testOneInput: @convention(c) (UnsafeRawPointer, Int) -> CInt) -> CInt {
  var argc = CommandLine.argc
  var argv = CommandLine.unsafeArgv
  return llvmFuzzerRunDriver(&argc, &argv, testOneInput)
}
