import Foundation

/// The environment variable naming a Python that has the `nbformat` package.
public let notebookPythonVariable = "REPORT_TEST_PYTHON"

/// The Python with `nbformat` that validates Jupyter notebooks: `$REPORT_TEST_PYTHON`, else the
/// virtual environment `scripts/setup.sh` makes (`.venv-tests`); nil when neither exists.
public func notebookPython() -> String? {
  if let python = ProcessInfo.processInfo.environment[notebookPythonVariable], !python.isEmpty {
    return python
  }
  let venv = repositoryRoot + "/.venv-tests/bin/python"
  return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
}

/// Why the notebook at `path` is not a valid nbformat 4 notebook, as `nbformat.validate` says,
/// or nil when it is valid.
public func notebookValidationError(_ path: String, python: String) throws -> String? {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: python)
  process.arguments = [
    "-c",
    "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))",
    path,
  ]
  let err = Pipe()
  process.standardError = err
  process.standardOutput = err
  do {
    try process.run()
  } catch {
    throw ValidatorUnavailable(
      description: "\(python) (from $\(notebookPythonVariable) or .venv-tests) cannot run: \(error)"
    )
  }
  let message = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return process.terminationStatus == 0 ? nil : String(decoding: message, as: UTF8.self)
}

/// The Python meant to validate notebooks could not be started.
public struct ValidatorUnavailable: Error, CustomStringConvertible {
  public let description: String
}
