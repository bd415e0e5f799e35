import Foundation
import NeuralNet
import TestSupport
import XCTest

@testable import ExperimentDefinitions

final class ConfigTests: XCTestCase {
  private func library(_ files: [String: String]) throws -> ExperimentLibrary {
    let dir = try scratch(name)
    for (name, text) in files { try write(text, to: "\(dir)/\(name).yaml") }
    return ExperimentLibrary(directory: dir)
  }

  func testShippedExperimentsAllLoadAndPaperMatchesTheReference() throws {
    let library = ExperimentLibrary(directory: repositoryRoot + "/experiments")
    let names = library.available()
    for required in [
      "baseline", "paper", "quick", "lenet5", "wide", "deeper", "no_augmentation", "dropout",
      "gap_head", "fashion",
    ] {
      XCTAssert(names.contains(required), "missing experiments/\(required).yaml")
    }
    for name in names where try library.comparison(name) == nil {
      let experiment = try library.load(name)
      XCTAssertNoThrow(
        try LayerSpec.buildModel(experiment.model, inputShape: [28, 28, 1], seed: 0), name)
    }
    let paper = try library.load("paper")
    XCTAssertEqual(paper.model, LayerSpec.paperModel)
    let model = try LayerSpec.buildModel(paper.model, inputShape: [28, 28, 1], seed: 0)
    XCTAssertEqual(model.parameterCount, 692_682)
    XCTAssertEqual(model.trainableParameterCount, 691_786)
    XCTAssertEqual(paper.training.epochs, 100)
    XCTAssertEqual(
      paper.training.earlyStopping,
      EarlyStoppingSpec(
        monitor: .valAccuracy, mode: .auto, patience: 10, minDelta: 0, restoreBestWeights: true))
    XCTAssertEqual(paper.training.reduceLROnPlateau?.minLearningRate, 1e-5)
    XCTAssertEqual(
      paper.training.augmentation,
      RandomAffine(rotationDegrees: 15, zoom: 0.01, widthShift: 0.1, heightShift: 0.1))
    let baseline = try library.load("baseline")
    XCTAssertEqual(baseline.model, paper.model)
    XCTAssertEqual(baseline.training.epochs, 12)
    XCTAssertEqual(baseline.name, "baseline")
    XCTAssertNil(try library.load("no_augmentation").training.augmentation)
    XCTAssertEqual(try library.load("fashion").dataset.source, .idx(.fashionMNIST, directory: nil))
    XCTAssertEqual(try library.comparison("architectures")?.experiments.first, "baseline")
  }

  func testMisspeltKeyNamesFileLineColumnAndSuggestion() throws {
    let lib = try library([
      "wide": "model: [flatten]\ntraining:\n  optimizer:\n    learing_rate: 0.1\n"
    ])
    XCTAssertThrowsError(try lib.load("wide")) { error in
      XCTAssertEqual(
        "\(error)",
        "\(lib.directory)/wide.yaml:4:5: unknown key 'learing_rate' in training.optimizer; did "
          + "you mean 'learning_rate'?"
      )
    }
  }

  func testWrongTypesImpossibleValuesAndUnknownLayers() throws {
    let cases: [(String, String)] = [
      (
        "model: [flatten]\ntraining:\n  epochs: many\n",
        "3:11: training.epochs must be a whole number, got many"
      ),
      (
        "model: [flatten]\ntraining:\n  batch_size: 0\n",
        "3:15: training.batch_size must be in 1...65536, got 0"
      ),
      (
        "model:\n  - conv2d: {filters: 8, kernal: 3}\n",
        "2:26: unknown key 'kernal' in model[0].conv2d; did you mean 'kernel'?"
      ),
      ("model:\n  - convolution: {filters: 8}\n", "2:5: unknown key 'convolution' in model[0]"),
      ("model:\n  - dense: {activation: relu}\n", "missing required key 'units' in model[0].dense"),
      (
        "model: [flatten]\ndataset:\n  name: cifar\n",
        "3:9: dataset.name must be one of fashion-mnist, kaggle-csv, mnist, got cifar"
      ),
      ("model: [flatten]\nseeed: 1\n", "2:1: unknown key 'seeed'; did you mean 'seed'?"),
      (
        "model: [flatten]\ntraining:\n  precision: fp16\n",
        "3:14: training.precision must be one of auto, bf16, fp32, got fp16"
      ),
      ("training: {epochs: 1}\n", "missing required key 'model'"),
      ("model: [flatten\n", "invalid YAML"),
      ("name: ../../etc\nmodel: [flatten]\n", "name '../../etc' may use only letters"),
    ]
    for (text, expected) in cases {
      let lib = try library(["bad": text])
      XCTAssertThrowsError(try lib.load("bad"), text) { error in
        XCTAssert("\(error)".contains(expected), "\(error)\n  expected: \(expected)")
        XCTAssert("\(error)".hasPrefix("\(lib.directory)/bad.yaml"), "\(error)")
      }
    }
  }

  func testMetricsAreReadByNameAndAnUnknownNameIsRefusedWhereItIsWritten() throws {
    for metric in Metric.allCases {
      let lib = try library([
        "m": "model: [flatten, {dense: {units: 10, activation: softmax}}]\ntraining:\n"
          + "  early_stopping: {monitor: \(metric)}\n"
          + "  reduce_lr_on_plateau: {monitor: \(metric)}\n"
      ])
      let training = try lib.load("m").training
      XCTAssertEqual(training.earlyStopping?.monitor, metric)
      XCTAssertEqual(training.reduceLROnPlateau?.monitor, metric)
    }
    let lib = try library([
      "stop": "model: [flatten]\ntraining:\n  early_stopping:\n    monitor: val_accuray\n",
      "plateau": "model: [flatten]\ntraining:\n  reduce_lr_on_plateau: {monitor: top1}\n",
    ])
    XCTAssertThrowsError(try lib.load("stop")) { error in
      XCTAssertEqual(
        "\(error)",
        "\(lib.directory)/stop.yaml:4:14: training.early_stopping.monitor must be one of "
          + "accuracy, loss, val_accuracy, val_loss, got val_accuray; did you mean 'val_accuracy'?"
      )
    }
    XCTAssertThrowsError(try lib.load("plateau")) { error in
      XCTAssertEqual(
        "\(error)",
        "\(lib.directory)/plateau.yaml:3:35: training.reduce_lr_on_plateau.monitor must be one "
          + "of accuracy, loss, val_accuracy, val_loss, got top1")
    }
  }

  func testADefinitionOutsideTheLibraryExtendsOneBesideItThenAShippedOne() throws {
    let lib = try library([
      "base":
        "seed: 3\nmodel: [flatten, {dense: {units: 10, activation: softmax}}]\ntraining: {epochs: 4}\n"
    ])
    let elsewhere = try scratch(name + "Elsewhere")
    try write("extends: base\ntraining: {epochs: 2}\n", to: elsewhere + "/my.yaml")
    let fromLibrary = try lib.load(elsewhere + "/my.yaml")
    XCTAssertEqual(fromLibrary.seed, 3)
    XCTAssertEqual(fromLibrary.training.epochs, 2)
    // A definition beside the file wins over the library's of the same name.
    try write(
      "seed: 9\nmodel: [flatten, {dense: {units: 10, activation: softmax}}]\n",
      to: elsewhere + "/base.yaml")
    XCTAssertEqual(try lib.load(elsewhere + "/my.yaml").seed, 9)
  }

  func testPrecisionDefaultsToAutoAndBuildsItsEngine() throws {
    let lib = try library([
      "default": "model: [flatten, {dense: {units: 10, activation: softmax}}]\n",
      "fp32": "extends: default\ntraining:\n  precision: fp32\n",
    ])
    let automatic = try lib.load("default")
    XCTAssertEqual(automatic.training.precision, .auto)
    XCTAssertEqual(try automatic.makeModel().engine, .oneDNN(.auto))
    let fp32 = try lib.load("fp32")
    XCTAssertEqual(fp32.training.precision, .fp32)
    XCTAssertEqual(try fp32.makeModel().engine, .oneDNN(.fp32))
  }

  func testExtendsOverridesAndSet() throws {
    let lib = try library([
      "base":
        "description: base\nseed: 1\nmodel: [flatten, {dense: {units: 10, activation: "
        + "softmax}}]\ntraining:\n  epochs: 5\n  optimizer: {name: sgd, momentum: 0.9}\n",
      "child": "extends: base\ntraining:\n  epochs: 2\n",
      "loop_a": "extends: loop_b\nmodel: [flatten]\n", "loop_b": "extends: loop_a\n",
      "orphan": "extends: nothing\nmodel: [flatten]\n",
    ])
    let child = try lib.load("child")
    XCTAssertEqual(child.name, "child")
    XCTAssertEqual(child.description, "")
    XCTAssertEqual(child.training.epochs, 2)
    XCTAssertEqual(child.training.optimizer.kind, .sgd)
    XCTAssertEqual(child.training.optimizer.momentum, 0.9)
    let overridden = try lib.load(
      "child",
      overrides: [
        "training.epochs=7", "seed=9", "model.1.dense.units=10",
        "training.optimizer.learning_rate=0.5",
      ])
    XCTAssertEqual(overridden.training.epochs, 7)
    XCTAssertEqual(overridden.seed, 9)
    XCTAssertEqual(overridden.training.optimizer.learningRate, 0.5)
    XCTAssertNotEqual(overridden.configHash, child.configHash)
    XCTAssertEqual(try lib.load("child").configHash, child.configHash)
    XCTAssertThrowsError(try lib.load("child", overrides: ["training.epocs=3"])) {
      XCTAssert(
        "\($0)".contains("unknown key 'epocs' in training; did you mean 'epochs'?"), "\($0)")
    }
    XCTAssertThrowsError(try lib.load("child", overrides: ["epochs"])) {
      XCTAssert("\($0)".contains("expected KEY=VALUE"), "\($0)")
    }
    XCTAssertThrowsError(try lib.load("child", overrides: ["training.epochs=-1"])) {
      XCTAssert(
        "\($0)".hasPrefix("override training.epochs=-1: training.epochs must be in 1...10000"),
        "\($0)"
      )
    }
    XCTAssertThrowsError(try lib.load("loop_a")) {
      XCTAssert("\($0)".contains("in a loop"), "\($0)")
    }
    XCTAssertThrowsError(try lib.load("orphan")) {
      XCTAssert("\($0)".contains("orphan.yaml:1:10: extends names 'nothing'"), "\($0)")
    }
  }

  func testAModelThatDoesNotFitItsDataIsAnErrorBeforeTraining() throws {
    let head = "  - flatten\n  - dense: {units: 64, activation: relu}\n"
    let cases: [(String, String)] = [
      (
        head + "  - dense: {units: 10}\n",
        "4:5: the model ends with model[2].dense and applies no softmax; categorical "
          + "cross-entropy needs class probabilities: give the last dense layer activation: softmax"
      ),
      (
        head
          + "  - dense: {units: 10, activation: softmax}\n  - activation: {activation: softmax}\n",
        "5:5: model[3].activation applies softmax a second time (model[2].dense already does); "
          + "softmax belongs once, at the end"
      ),
      (
        head + "  - dense: {units: 10, activation: softmax}\n  - dropout: {rate: 0.5}\n",
        "4:5: model[2].dense applies softmax, but model[3].dropout comes after it; softmax must "
          + "be the model's last step"
      ),
      (
        "dataset: {name: fashion-mnist}\nmodel:\n" + head
          + "  - dense: {units: 7, activation: softmax}\n",
        "5:5: model[2].dense has 7 units, but fashion-mnist has 10 classes: the last dense layer "
          + "needs one output per class"
      ),
    ]
    for (text, expected) in cases {
      let lib = try library(["bad": text.hasPrefix("dataset") ? text : "model:\n" + text])
      XCTAssertThrowsError(try lib.load("bad"), text) { error in
        XCTAssertEqual("\(error)", "\(lib.directory)/bad.yaml:\(expected)")
      }
    }
    let shipped = ExperimentLibrary(directory: repositoryRoot + "/experiments")
    XCTAssertThrowsError(try shipped.load("quick", overrides: ["model.6.dense.units=7"])) {
      XCTAssert("\($0)".contains("model[6].dense has 7 units, but mnist has 10 classes"), "\($0)")
    }
    let linearHead = try library([
      "gap": "model:\n  - conv2d: {filters: 10, kernel: 3}\n  - global_avgpool\n"
        + "  - activation: {activation: softmax}\n"
    ])
    let gap = try linearHead.load("gap")
    XCTAssertEqual(
      try gap.makeModel().classCount, 10, "a softmax layer after a linear head is fine")
    XCTAssertThrowsError(
      try linearHead.load("gap", overrides: ["model.0.conv2d.kernel=30"]).makeModel()
    ) {
      XCTAssertEqual(
        "\($0)",
        "\(linearHead.directory)/gap.yaml:1:1: layer conv2d (Conv2D, layer 1 of 3) cannot take "
          + "input of shape [28, 28, 1]: a 30x30 kernel with valid padding does not fit, with mnist's [28, 28, 1] "
          + "images")
    }
    let narrow = try linearHead.load("gap", overrides: ["model.0.conv2d.filters=7"])
    XCTAssertThrowsError(try narrow.makeModel()) {
      XCTAssertEqual(
        "\($0)",
        "\(linearHead.directory)/gap.yaml:1:1: the model's last layer (activation) gives 7 outputs "
          + "per image, but mnist has 10 classes: it needs one output per class")
    }
  }

  func testMissingExperimentListsTheAvailableOnes() throws {
    let lib = try library(["alpha": "model: [flatten]\n", "beta": "model: [flatten]\n"])
    XCTAssertThrowsError(try lib.load("gamma")) {
      XCTAssertEqual("\($0)", "no experiment named 'gamma'. Available: alpha, beta")
    }
  }

  func testResolvedYAMLRoundTrips() throws {
    let experiment = try ExperimentLibrary(directory: repositoryRoot + "/experiments").load(
      "baseline")
    let again = try Experiment(
      tree: try ConfigTree.parse(experiment.resolved.yaml(), file: "x"), name: "baseline")
    XCTAssertEqual(again.model, experiment.model)
    XCTAssertEqual(again.training, experiment.training)
    XCTAssertEqual(again.configHash, experiment.configHash)
  }

  func testStringsThatLookLikeNullOrAListRoundTripQuoted() throws {
    // Found by Fuzzing/FuzzExperimentYAML: the recorded config.yaml wrote these plain, so it read
    // back as null (the name became the folder's, the description empty) or did not parse at all,
    // and render and resume could not rebuild the run.
    for text in ["null", "NULL", "Null", "-", "- x", "-x"] {
      // Names start with a letter or digit, so only the null words can be one.
      let name = text.first?.isLetter == true ? text : "child"
      let experiment = try library([
        "child":
          "name: \"\(name)\"\ndescription: \"\(text)\"\nmodel: [flatten, {dense: {units: 10, activation: softmax}}]\n"
      ]).load("child")
      let yaml = experiment.resolved.yaml()
      let again = try Experiment(tree: try ConfigTree.parse(yaml, file: "x"), name: "folder")
      XCTAssertEqual(again.name, name, yaml)
      XCTAssertEqual(again.description, text, yaml)
      XCTAssertEqual(again.configHash, experiment.configHash, yaml)
    }
  }
}
