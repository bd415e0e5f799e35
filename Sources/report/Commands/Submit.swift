import ArgumentParser
import Datasets
import Foundation
import Reports
import Runs

extension Report {
  /// `report submit RUN test.csv`: Kaggle's Digit Recognizer submission.
  struct Submit: ParsableCommand, OutputCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write Kaggle's ImageId,Label submission for a Digit Recognizer test.csv.")

    @OptionGroup var target: RunReference

    @Argument(help: "Kaggle's test.csv (pixel0..pixel783, with a header).")
    var testCSV: String

    @Option(name: .shortAndLong, help: "Where to write the submission (default: submission.csv).")
    var out = "submission.csv"

    @OptionGroup var options: OutputOptions

    func run() throws {
      let trained = try TrainedModel(
        run: try RunRecord(loading: try target.paths(in: options.catalog())))
      let images = try KaggleCSV.load(testCSV, labelled: false)
      try trained.writeSubmission(for: images, to: out)
      print("\(out): \(images.count) predictions")
    }
  }
}
