import ArgumentParser
import Datasets
import ExperimentDefinitions
import Foundation
import Reports
import Runs

extension Report {
  /// `report paper`: regenerate the paper's Section 4.
  struct Paper: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Reproduce the paper's figures, submission CSV and results table into OUTPUT/paper/ "
        + "(training `paper` first if no completed run exists)."
    )

    @Option(
      name: .customLong("run"),
      help: "Use this run instead of the newest completed run of the `paper` experiment.")
    var chosenRun: String?

    @OptionGroup var options: OutputOptions

    func run() throws {
      let runner = options.trainingRunner()
      let paper = try ExperimentLibrary(directory: options.experiments).load("paper")
      let paths: RunPaths
      if let chosenRun {
        paths = try runner.locate(chosenRun)
      } else if let finished = try? runner.locate("paper"),
        (try? RunRecord(loading: finished))?.summary.status == .completed
      {
        paths = finished
      } else {
        FileHandle.standardError.write(
          Data(
            "no completed run of `paper` yet: training it (up to 100 epochs with early stopping)\n"
              .utf8))
        paths = try runner.run(paper)
      }
      print(
        try PaperReproduction(run: paths, paper: paper, format: options.format).write(
          to: options.output + "/paper"))
    }
  }

  /// `report predict RUN image.png ...`: classify the user's own digit images.
  struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Classify PNG images of digits (any size; converted to MNIST style) with a trained run.")

    @OptionGroup var target: RunReference

    @Argument(help: "PNG images, one digit each.")
    var images: [String]

    @OptionGroup var options: OutputOptions

    func validate() throws {
      guard !images.isEmpty else { throw ValidationError("give at least one PNG image") }
    }

    func run() throws {
      let trained = try TrainedModel(
        run: try RunRecord(loading: try target.paths(in: options.runner())))
      let digits = try images.map { try TrainedModel.digit(fromPNG: $0) }
      for (path, probabilities) in zip(images, trained.probabilities(digits)) {
        let best = predictedClasses(probabilities, width: probabilities.count).first ?? 0
        let ranked = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }.prefix(
          3)
        let alternatives = ranked.map {
          String(format: "%@ %.1f%%", trained.classNames[$0], probabilities[$0] * 100)
        }.joined(separator: ", ")
        print("\(path): \(trained.classNames[best]) (\(alternatives))")
      }
    }
  }

  /// `report submit RUN test.csv`: Kaggle's Digit Recognizer submission.
  struct Submit: ParsableCommand {
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
        run: try RunRecord(loading: try target.paths(in: options.runner())))
      let images = try KaggleCSV.load(testCSV, labelled: false)
      try trained.writeSubmission(for: images, to: out)
      print("\(out): \(images.count) predictions")
    }
  }
}
