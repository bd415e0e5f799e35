import Datasets
import Foundation
import Reports
import Runs

/// What `POST /api/runs/ID/predict` answers: the class probabilities, the class, the classes'
/// names, and the 28x28 image the model saw (0-255, white ink on black, row-major), which the
/// draw page shows.
struct Prediction: Codable, Equatable {
  var probabilities: [Float]
  var `class`: Int
  var classes: [String]
  var image: [UInt8]
}

/// Classifies digits with completed runs' models, each loaded once and kept. One model computes
/// one batch at a time (its layers own their buffers), so requests take turns here.
actor Predictor {
  private var models: [String: TrainedModel] = [:]

  /// The largest request body predict reads: 2 MB.
  static let largestBody = 2 << 20

  /// The prediction for `body` by the model of run `runID`: PNG bytes of a digit (any size,
  /// converted as `report predict` converts), or JSON, an array of 784 numbers in [0, 1] already
  /// in MNIST style. `record` reads the run, the first time its model is asked for.
  func predict(runID: String, body: [UInt8], isJSON: Bool, record: () throws -> RunRecord)
    throws -> Prediction
  {
    let model = try models[runID] ?? load(try record())
    let pixels: [Float]
    if isJSON {
      pixels = try Self.pixels(fromJSON: body)
    } else {
      do {
        pixels = try TrainedModel.digit(fromPNGData: body, source: "the request body").map {
          Float($0) / 255
        }
      } catch let error as DatasetError {
        throw APIError.badRequest("\(error)")
      }
    }
    let probabilities = model.probabilities(scaled: [pixels])[0]
    return Prediction(
      probabilities: probabilities,
      class: predictedClasses(probabilities, width: probabilities.count)[0],
      classes: model.classNames,
      image: pixels.map { UInt8(($0 * 255).rounded()) })
  }

  private func load(_ run: RunRecord) throws -> TrainedModel {
    do {
      try run.requireCompleted(for: "prediction")
    } catch {
      throw APIError(status: .conflict, reason: "\(error)")
    }
    let model = try TrainedModel(run: run)
    models[run.summary.runID] = model
    return model
  }

  /// 784 numbers in [0, 1] from a JSON array.
  private static func pixels(fromJSON body: [UInt8]) throws -> [Float] {
    guard let values = try? JSONDecoder().decode([Float].self, from: Data(body)) else {
      throw APIError.badRequest("the JSON body must be an array of 784 numbers")
    }
    guard values.count == 784 else {
      throw APIError.badRequest("the JSON body holds \(values.count) numbers; a digit is 784")
    }
    guard values.allSatisfy({ $0.isFinite && (0...1).contains($0) }) else {
      throw APIError.badRequest("pixel values must lie in [0, 1]")
    }
    return values
  }
}
