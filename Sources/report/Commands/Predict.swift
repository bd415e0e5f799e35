import ArgumentParser
import Datasets
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

    @OptionGroup var options: OutputOptions

    func validate() throws {
      guard !images.isEmpty else { throw ValidationError("give at least one PNG image") }
    }

    func run() throws {
      let trained = try TrainedModel(
        run: try RunRecord(loading: try target.paths(in: options.catalog())))
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
}
