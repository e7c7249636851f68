import Foundation

/// Files under `Tests/ProxyTests/Fixtures` (copied into the test bundle).
enum Fixture {
    /// The bytes of `Fixtures/<subdirectory>/<name>`.
    static func bytes(_ name: String, subdirectory: String? = nil) throws -> [UInt8] {
        let url = try self.url(name, subdirectory: subdirectory)
        return Array(try Data(contentsOf: url))
    }

    /// The text of `Fixtures/<subdirectory>/<name>`.
    static func text(_ name: String, subdirectory: String? = nil) throws -> String {
        String(decoding: try bytes(name, subdirectory: subdirectory), as: UTF8.self)
    }

    static func url(_ name: String, subdirectory: String?) throws -> URL {
        let directory = subdirectory.map { "Fixtures/\($0)" } ?? "Fixtures"
        let base = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        guard let url = Bundle.module.url(forResource: base, withExtension: ext, subdirectory: directory) else {
            throw HarnessFailure(description: "fixture \(directory)/\(name) is not in the test bundle")
        }
        return url
    }
}

extension Fixture {
    /// The bytes of the file at `path` (anywhere).
    static func bytesAt(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
