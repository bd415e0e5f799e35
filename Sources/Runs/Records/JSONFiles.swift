import Foundation

/// Decodes a JSON file, naming it in any error.
public func readJSON<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
  guard let data = FileManager.default.contents(atPath: path) else {
    throw RunError.corruptRecord(path: path, reason: "file missing")
  }
  do {
    return try JSONDecoder().decode(type, from: data)
  } catch {
    throw RunError.corruptRecord(path: path, reason: "cannot be decoded (\(error))")
  }
}
