import Foundation
import Testing

@testable import Proxy

/// Replays every committed fuzz input (the seed corpora and the inputs that once crashed a
/// target) through the same checks the fuzzer runs, without the fuzzer: `swift test` keeps
/// every bug the fuzzer found fixed. `script/fuzz` runs the fuzzer itself.
struct FuzzReplayTests {
    /// `Tests/Fuzz`, found from this file (the inputs are not a bundle resource).
    static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func inputs(_ target: FuzzTarget, in folder: String) throws -> [(name: String, bytes: [UInt8])] {
        let directory = fuzzDirectory.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            .filter { !$0.hasPrefix(".") }
            .map { name in (name, Array(try Data(contentsOf: directory.appendingPathComponent(name)))) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func seedCorpusPassesTheChecks(target: FuzzTarget) throws {
        let inputs = try Self.inputs(target, in: "Corpus")
        #expect(!inputs.isEmpty, "no seed corpus for \(target.rawValue)")
        for input in inputs {
            #expect(throws: Never.self, "\(target.rawValue)/\(input.name)") { try target.check(input.bytes) }
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func savedCrashesStayFixed(target: FuzzTarget) throws {
        for input in try Self.inputs(target, in: "Regressions") {
            #expect(throws: Never.self, "\(target.rawValue)/\(input.name)") { try target.check(input.bytes) }
        }
    }
}
