import AtomicFiles
import Datasets
import ExperimentDefinitions
import Foundation
import NeuralNet
import Notebook
import Plots
import Runs

/// `report paper`: the paper's Section 4 regenerated from a finished `paper` run: Figs 2-5 under
/// their numbers, the submission CSV, and a page that sets our numbers beside the paper's.
public struct PaperReproduction {
  /// The paper's reported results.
  public static let paperPeakValidationAccuracy = 0.9954, paperPeakEpoch = 13, paperStopEpoch = 23,
    paperParameters = 692_682

  let paths: RunPaths
  /// The paper's recipe (`experiments/paper.yaml`), to say where the run departs from it.
  let paper: Experiment
  /// Which files the page is written as.
  public var format: PageFormat

  /// The reproduction from the run at `paths`, measured against the `paper` recipe.
  public init(run paths: RunPaths, paper: Experiment, format: PageFormat = .html) {
    (self.paths, self.paper, self.format) = (paths, paper, format)
  }

  /// Settings that do not change the recipe: names, prose, seeds, threads, report layout.
  private static let incidentalKeys: Set<String> = [
    "name", "description", "seed", "seeds", "training.threads", "training.precision",
  ]

  /// The settings where `experiment` departs from the paper's recipe: key, this run's value and
  /// the paper's ("–" where one side does not set it).
  func departures(of experiment: Experiment) -> [[String]] {
    let ours = flatten(experiment.resolved)
    let theirs = flatten(paper.resolved)
    return Set(ours.keys).union(theirs.keys).filter { key in
      !Self.incidentalKeys.contains(key) && !key.hasPrefix("report.") && ours[key] != theirs[key]
    }.sorted().map { [$0, ours[$0] ?? "–", theirs[$0] ?? "–"] }
  }

  /// Writes everything into `directory`; returns the page's path (the notebook's when only it
  /// is written).
  @discardableResult
  public func write(to directory: String) throws -> String {
    let record = try RunRecord(loading: paths)
    try record.requireCompleted(for: "the paper's figures")
    let (summary, experiment, log) = (record.summary, record.experiment, record.log)
    let data = try ExperimentData(experiment)
    guard let evaluation = try record.evaluation() else {
      throw RunError.corruptRecord(path: paths.predictions, reason: "file missing")
    }
    try Directory.create(directory)
    // The paper drew Fig 2 with matplotlib's default viridis and Fig 5 with "binary".
    let samples = RunFigures(
      name: experiment.name,
      report: ReportSpec(samples: 4, gallery: 16, misclassified: 0, colormap: .viridis), log: log,
      evaluation: evaluation, data: data, summary: [])
    let figures = RunFigures(
      name: experiment.name,
      report: ReportSpec(samples: 4, gallery: 16, misclassified: 0, colormap: .gray), log: log,
      evaluation: evaluation, data: data, summary: [])
    var gallery = figures.gallery(evaluation)
    gallery.tiles = gallery.tiles.enumerated().map { i, tile in
      var t = tile
      t.caption = [
        "Real Number is \(data.test.classNames[Int(data.test.labels[i])])",
        "Predict Number is \(data.test.classNames[evaluation.predictions[i]])",
      ]
      return t
    }
    func path(_ name: FigureName) -> String { "\(directory)/\(name.file)" }
    try samples.sampleStrip().render(to: path(.samples))
    try figures.curves(accuracy: true).render(to: path(.accuracy))
    try figures.curves(accuracy: false).render(to: path(.loss))
    var confusion = Heatmap(
      confusion: evaluation.confusion, classNames: data.test.classNames, title: "Confusion matrix")
    confusion.xLabel = "Predicted Values"
    confusion.yLabel = "True Values"
    try confusion.render(to: path(.confusion))
    try gallery.render(to: path(.predictions))
    let submissionNote: String
    if let kaggle = data.submission {
      try TrainedModel(run: record).writeSubmission(for: kaggle, to: directory + "/submission.csv")
      submissionNote = "Kaggle's test.csv, \(kaggle.count) images"
    } else {
      try SubmissionFile.write(evaluation.predictions, to: directory + "/submission.csv")
      submissionNote =
        "the \(data.test.count.withThousandsSeparators) official MNIST test images (Kaggle's "
        + "test.csv is not shipped; `report submit RUN test.csv` writes one for it)"
    }
    return try PageWriter(format: format).write(
      notebook(
        summary: summary, log: log, evaluation: evaluation, submissionNote: submissionNote,
        departures: departures(of: experiment)),
      page: directory + "/index.html")
  }

  private func notebook(
    summary: RunSummary, log: TrainingLog, evaluation: Evaluation, submissionNote: String,
    departures: [[String]]
  ) -> Notebook {
    let stopped = log.events.compactMap { event -> Int? in
      if case .earlyStopped(let epoch, _) = event { return epoch }
      return nil
    }.first
    let rows = [
      [
        "peak validation accuracy", percentText(Self.paperPeakValidationAccuracy),
        percentText(summary.bestValAccuracy),
      ],
      [
        "epoch of the peak", String(Self.paperPeakEpoch), summary.bestEpoch.map(String.init) ?? "–",
      ],
      [
        "early stop after epoch", String(Self.paperStopEpoch),
        stopped.map(String.init) ?? "did not stop early (\(summary.epochsRun) epochs)",
      ],
      ["test accuracy (10,000 images)", "not reported", percentText(evaluation.accuracy)],
      [
        "parameters", Self.paperParameters.withThousandsSeparators,
        summary.parameters.withThousandsSeparators,
      ],
      ["training time", "not reported", RunReport.duration(summary.trainingSeconds)],
    ]
    let difference = (summary.bestValAccuracy ?? 0) - Self.paperPeakValidationAccuracy
    let peak: [Inline] = [
      .strong(percentText(summary.bestValAccuracy)),
      .text(String(format: ", %+.2f points from the paper's 99.54%%.", difference * 100)),
    ]
    let introduction: [Cell] =
      departures.isEmpty
      ? [
        .prose(
          [
            .text(
              "The paper's model (\(Self.paperParameters.withThousandsSeparators) parameters) "
                + "trained with its recipe in Swift: Adam, batch 128, rotation/zoom/shift "
                + "augmentation, EarlyStopping and ReduceLROnPlateau on validation accuracy. Our "
                + "peak validation accuracy is ")
          ] + peak)
      ]
      : [
        .prose(
          [
            .text(
              "This is not the paper's recipe: run \(summary.runID) of experiment "
                + "\(summary.experiment) departs from it in \(departures.count) "
                + "setting\(departures.count == 1 ? "" : "s") (below), so its numbers say how "
                + "that variant compares with the paper, not whether the paper reproduces. Its "
                + "peak validation accuracy is ")
          ] + peak),
        .table(
          Table(
            header: ["setting", "this run", "paper"], rows: departures,
            caption: "Where this run's resolved definition differs from experiments/paper.yaml.")),
      ]
    return Notebook(
      title: "Handwritten Digit Recognition using Convolutional Neural Networks — Section 4, "
        + (departures.isEmpty ? "reproduced" : "beside \(summary.experiment)"),
      subtitle:
        "From run \(summary.runID) of experiment \(summary.experiment), \(summary.startedAt)",
      cells: introduction + [
        .table(Table(header: ["", "paper", "this run"], rows: rows)),
        .heading("Fig 2. Training samples"),
        .figure(
          path: FigureName.samples.file,
          caption: "Fig 2. Training images titled with their labels.", alt: "training samples"),
        .heading("Fig 3. Accuracy and loss"),
        .figureRow([
          (FigureName.accuracy.file, "Fig 3a. Training vs validation accuracy."),
          (FigureName.loss.file, "Fig 3b. Training vs validation loss."),
        ]),
        .heading("Fig 4. Confusion matrix"),
        .figure(
          path: FigureName.confusion.file, caption: "Fig 4. Confusion matrix on the test set.",
          alt: "confusion matrix"),
        .heading("Fig 5. Predictions"),
        .figure(
          path: FigureName.predictions.file, caption: "Fig 5. Test images, real vs predicted.",
          alt: "prediction gallery"),
        .heading("Submission"),
        .prose([
          .code("submission.csv"),
          .text(" (ImageId,Label) holds predictions for \(submissionNote)."),
        ]),
      ])
  }
}
