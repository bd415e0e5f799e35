extension LayerSpec {
  /// The activation this layer applies, when it applies one.
  private var appliedActivation: ActivationSpec? {
    switch self {
    case .conv2d(_, _, _, _, let activation), .dense(_, let activation),
      .activation(let activation):
      return activation
    default: return nil
    }
  }

  /// Checks, before anything trains, that `model` ends as categorical cross-entropy needs: one
  /// softmax, as its last step, over one output per class of the dataset. `items` are the
  /// `model:` list's entries, for the place to point at.
  static func checkHead(
    _ model: [LayerSpec], items: [ConfigTree], classes: Int, dataset: String
  ) throws {
    func name(_ i: Int) -> String {
      switch items[i] {
      case .scalar(let kind, _): return "model[\(i)].\(kind)"
      case .mapping(let entries, _): return "model[\(i)].\(entries[0].key)"
      default: return "model[\(i)]"
      }
    }
    let softmaxes = model.indices.filter { model[$0].appliedActivation == .softmax }
    let last = model.count - 1
    guard let first = softmaxes.first else {
      throw ConfigError.invalid(
        at: items[last].location,
        "the model ends with \(name(last)) and applies no softmax; categorical cross-entropy "
          + "needs class probabilities: give the last dense layer activation: softmax")
    }
    if softmaxes.count > 1 {
      throw ConfigError.invalid(
        at: items[softmaxes[1]].location,
        "\(name(softmaxes[1])) applies softmax a second time (\(name(first)) already does); "
          + "softmax belongs once, at the end")
    }
    guard first == last else {
      throw ConfigError.invalid(
        at: items[first].location,
        "\(name(first)) applies softmax, but \(name(last)) comes after it; softmax must be the "
          + "model's last step")
    }
    if let head = model.lastIndex(where: { if case .dense = $0 { true } else { false } }),
      case .dense(let units, _) = model[head],
      !model[head...].contains(where: { if case .conv2d = $0 { true } else { false } }),
      units != classes
    {
      throw ConfigError.invalid(
        at: items[head].location,
        "\(name(head)) has \(units) units, but \(dataset) has \(classes) classes: the last dense "
          + "layer needs one output per class")
    }
  }

}
