import Deployment
import Foundation
import Notebook
import Runs

/// The deployment part of a run's report: the ONNX exports, their sizes and accuracies, and the
/// engine's batch-1 latency.
extension RunReport {
  func deploymentSection() -> [Cell] {
    guard let d = deployment else { return [] }
    return [
      .heading("Deployment"),
      .prose([
        .text("The model is exported to ONNX (opset \(DeploymentFacts.opset)) as "),
        .link("model.onnx", href: "model.onnx"), .text(" in fp32 and "),
        .link("model.int8.onnx", href: "model.int8.onnx"),
        .text(
          " in int8: weights per channel in \(d.weightBits) bits, activations per tensor, "
            + "calibrated on \(d.calibrationImages.withThousandsSeparators) images. On "
            + "\(d.testImages.withThousandsSeparators) test images the int8 model is right "),
        .strong(percentText(d.int8Accuracy)),
        .text(
          " of the time against \(percentText(d.fp32Accuracy)) in fp32, and gives the same class "
            + "on \(percentText(d.agreement)) of them. Load either with "),
        .code(DeploymentFacts.loadSnippet), .text("."),
      ]),
      .table(DeploymentFacts.table([d], labels: nil)),
    ]
  }
}

/// The numbers of the Deployment section, for one run's report, several runs side by side, or
/// the terminal (`report export`).
public enum DeploymentFacts {
  static let opset = 13
  /// How ONNX Runtime loads an export, in one line.
  static let loadSnippet =
    "onnxruntime.InferenceSession(\"model.onnx\").run(None, {\"image\": x})[0]  "
    + "# x: float32 [N, 1, 28, 28] in [0, 1]"

  /// The section's table as text lines, and what it measured.
  public static func lines(_ summary: DeploymentSummary) -> [String] {
    let table = table([summary], labels: nil)
    return TextTable.lines(header: table.header, rows: table.rows) + [table.caption ?? ""]
  }

  /// One row per summary, the run's label first when `labels` are given.
  static func table(_ summaries: [DeploymentSummary], labels: [String]?) -> Table {
    let rows = summaries.enumerated().map { i, d in
      (labels.map { [$0[i]] } ?? []) + [
        d.parameters.withThousandsSeparators, d.fp32Bytes.withThousandsSeparators,
        d.int8Bytes.withThousandsSeparators, percentText(d.fp32Accuracy),
        percentText(d.int8Accuracy), percentText(d.agreement),
        String(format: "%.2f", d.latency.p50Milliseconds),
        String(format: "%.2f", d.latency.p99Milliseconds),
      ]
    }
    let offset = labels == nil ? 0 : 1
    return Table(
      header: (labels == nil ? [] : ["run"]) + [
        "parameters", "fp32 bytes", "int8 bytes", "fp32 test", "int8 test", "agreement",
        "p50 ms", "p99 ms",
      ],
      rows: rows, numericColumns: Set((0..<8).map { $0 + offset }),
      caption:
        "ONNX file sizes, test accuracy in fp32 and int8, the share of test images given the "
        + "same class, and batch-1 latency in report's engine"
        + (summaries.first.map {
          " (\($0.engine), \($0.latency.calls.withThousandsSeparators) calls)"
        }
          ?? "") + ".")
  }
}
