import Datasets
import Foundation
import NeuralNet
import Notebook
import Plots

/// `report paper`: the paper's Section 4 regenerated from a finished `paper` run: Figs 2-5 under
/// their numbers, the submission CSV, and a page that sets our numbers beside the paper's.
public struct PaperReproduction {
  /// The paper's reported results.
  public static let paperPeakValidationAccuracy = 0.9954, paperPeakEpoch = 13, paperStopEpoch = 23, paperParameters = 692_682

  let paths: RunPaths

  public init(run paths: RunPaths) { self.paths = paths }

  /// Writes everything into `directory`; returns the page's path.
  @discardableResult
  public func write(to directory: String) throws -> String {
    let summary = try readJSON(RunSummary.self, from: paths.summary)
    guard summary.status == .completed else {
      throw RunError.notResumable("run \(paths.runID) is \(summary.status.rawValue); the paper's figures need a completed run")
    }
    let experiment = try ExperimentRunner.recordedExperiment(paths)
    let data = try ExperimentData(experiment)
    let log = try readJSON(TrainingLog.self, from: paths.metricsJSON)
    let classes = data.test.classNames.count
    let recorded = try PredictionsFile.read(paths.predictions, classCount: classes)
    let evaluation = Evaluation(probabilities: recorded.probabilities, labels: recorded.labels, classCount: classes)
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw RunError.unwritable(path: directory, reason: error.localizedDescription)
    }
    // The paper drew Fig 2 with matplotlib's default viridis and Fig 5 with "binary".
    let samples = RunFigures(name: experiment.name, report: ReportSpec(samples: 4, gallery: 16, misclassified: 0, colormap: "viridis"), log: log, evaluation: evaluation, data: data, summary: [])
    let figures = RunFigures(name: experiment.name, report: ReportSpec(samples: 4, gallery: 16, misclassified: 0, colormap: "gray"), log: log, evaluation: evaluation, data: data, summary: [])
    var gallery = figures.gallery(evaluation)
    gallery.tiles = gallery.tiles.enumerated().map { i, tile in
      var t = tile
      t.caption = ["Real Number is \(data.test.classNames[Int(data.test.labels[i])])", "Predict Number is \(data.test.classNames[evaluation.predictions[i]])"]
      return t
    }
    try samples.sampleStrip().render(to: directory + "/fig2_samples.png")
    try figures.curves(accuracy: true).render(to: directory + "/fig3a_accuracy.png")
    try figures.curves(accuracy: false).render(to: directory + "/fig3b_loss.png")
    var confusion = Heatmap(confusion: evaluation.confusion, classNames: data.test.classNames, title: "Confusion matrix")
    confusion.xLabel = "Predicted Values"
    confusion.yLabel = "True Values"
    try confusion.render(to: directory + "/fig4_confusion.png")
    try gallery.render(to: directory + "/fig5_predictions.png")
    let submissionNote: String
    if let kaggle = data.submission {
      try TrainedModel(run: paths).writeSubmission(for: kaggle, to: directory + "/submission.csv")
      submissionNote = "Kaggle's test.csv, \(kaggle.count) images"
    } else {
      var lines = ["ImageId,Label"]
      for (i, p) in evaluation.predictions.enumerated() { lines.append("\(i + 1),\(p)") }
      try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: directory + "/submission.csv")
      submissionNote = "the \(data.test.count.withThousandsSeparators) official MNIST test images (Kaggle's test.csv is not shipped; `report submit RUN test.csv` writes one for it)"
    }
    let page = directory + "/index.html"
    try AtomicFile.write(try HTMLRenderer().render(notebook(summary: summary, log: log, evaluation: evaluation, submissionNote: submissionNote)), to: page)
    return page
  }

  private func notebook(summary: RunSummary, log: TrainingLog, evaluation: Evaluation, submissionNote: String) -> Notebook {
    let stopped = log.events.compactMap { event -> Int? in
      if case .earlyStopped(let epoch, _) = event { return epoch }
      return nil
    }.first
    let rows = [
      ["peak validation accuracy", percentText(Self.paperPeakValidationAccuracy), percentText(summary.bestValAccuracy)],
      ["epoch of the peak", String(Self.paperPeakEpoch), summary.bestEpoch.map(String.init) ?? "–"],
      ["early stop after epoch", String(Self.paperStopEpoch), stopped.map(String.init) ?? "did not stop early (\(summary.epochsRun) epochs)"],
      ["test accuracy (10,000 images)", "not reported", percentText(evaluation.accuracy)],
      ["parameters", Self.paperParameters.withThousandsSeparators, summary.parameters.withThousandsSeparators],
      ["training time", "not reported", RunReport.duration(summary.trainingSeconds)],
    ]
    let difference = (summary.bestValAccuracy ?? 0) - Self.paperPeakValidationAccuracy
    return Notebook(
      title: "Handwritten Digit Recognition using Convolutional Neural Networks — Section 4, reproduced",
      subtitle: "From run \(summary.runID) of experiment \(summary.experiment), \(summary.startedAt)",
      cells: [
        .prose([.text("The paper's model (\(Self.paperParameters.withThousandsSeparators) parameters) trained with its recipe in Swift: Adam, batch 128, rotation/zoom/shift augmentation, EarlyStopping and ReduceLROnPlateau on validation accuracy. Our peak validation accuracy is "), .strong(percentText(summary.bestValAccuracy)), .text(String(format: ", %+.2f points from the paper's 99.54%%.", difference * 100))]),
        .table(Table(header: ["", "paper", "this run"], rows: rows)),
        .heading("Fig 2. Training samples"), .figure(path: "fig2_samples.png", caption: "Fig 2. Training images titled with their labels.", alt: "training samples"),
        .heading("Fig 3. Accuracy and loss"),
        .figureRow([("fig3a_accuracy.png", "Fig 3a. Training vs validation accuracy."), ("fig3b_loss.png", "Fig 3b. Training vs validation loss.")]),
        .heading("Fig 4. Confusion matrix"), .figure(path: "fig4_confusion.png", caption: "Fig 4. Confusion matrix on the test set.", alt: "confusion matrix"),
        .heading("Fig 5. Predictions"), .figure(path: "fig5_predictions.png", caption: "Fig 5. Test images, real vs predicted.", alt: "prediction gallery"),
        .heading("Submission"), .prose([.code("submission.csv"), .text(" (ImageId,Label) holds predictions for \(submissionNote).")]),
      ])
  }
}
