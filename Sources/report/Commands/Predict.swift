import ArgumentParser
import Datasets
import ErrorAnalysis
import Foundation
import Reports
import Runs

extension Report {
  /// `report predict RUN image.png ...`: classify the user's own digit images.
  struct Predict: ParsableCommand, OutputCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Classify PNG images of digits (any size; converted to MNIST style) with a trained run.")

    @OptionGroup var target: RunReference

    @Argument(help: "PNG images, one digit each.")
    var images: [String]

    @Flag(
      help: ArgumentHelp(
        "Divide the logits by the temperature fitted on the run's validation split (the Errors "
          + "section's calibration): same classes, better calibrated probabilities."))
    var calibrated = false

    @OptionGroup var options: OutputOptions

    func validate() throws {
      guard !images.isEmpty else { throw ValidationError("give at least one PNG image") }
    }

    func run() throws {
      let run = try RunRecord(loading: try target.paths(in: options.catalog()))
      let trained = try TrainedModel(run: run)
      let digits = try images.map { try TrainedModel.digit(fromPNG: $0) }
      var predicted = trained.probabilities(digits)
      if calibrated {
        let scaling = try RunErrorAnalysis.temperature(of: run)
        let line = String(
          format: "calibrated: temperature %.3f, fitted on the validation split",
          scaling.temperature)
        logger.info("\(line)")
        predicted = predicted.map { scaling.apply($0, classCount: $0.count) }
      }
      for (path, probabilities) in zip(images, predicted) {
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
}
