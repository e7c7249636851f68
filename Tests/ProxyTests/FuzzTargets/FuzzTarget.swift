import Foundation

#if !SWITCHBOARD_FUZZ
    @testable import Proxy
#endif

/// The fuzz targets: each checks one property of one parser or translator on any input.
///
/// The same checks run under libFuzzer (`script/fuzz`, which compiles this folder together
/// with the library's NIO-free sources) and as unit tests that replay every committed input
/// (`FuzzReplayTests`). A check throws ``FuzzFailure`` when the property does not hold; the
/// harness turns that into a crash so libFuzzer saves the input.
enum FuzzTarget: String, CaseIterable, Sendable {
    case json
    case jsonDifferential = "json-differential"
    case sse
    case chunk
    case stream
    case request
    case config

    /// Runs the target's checks on one input.
    func check(_ input: [UInt8]) throws(FuzzFailure) {
        switch self {
        case .json: try JSONParserFuzz.check(input)
        case .jsonDifferential: try JSONDifferentialFuzz.check(input)
        case .sse: try SSEParserFuzz.check(input)
        case .chunk: try ChunkScannerFuzz.check(input)
        case .stream: try StreamTranslatorFuzz.check(input)
        case .request: try RequestBuilderFuzz.check(input)
        case .config: try ConfigReaderFuzz.check(input)
        }
    }
}

/// A property that did not hold for a fuzz input.
struct FuzzFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}

extension JSONValue {
    /// Equality as JSON text sees it: numbers by value (the writer prints an integral double as
    /// an integer, and a non-finite double as `null`), everything else exactly.
    func sameJSON(as other: JSONValue) -> Bool {
        switch (self, other) {
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .null), (.null, .double(let a)): return !a.isFinite
        case (.int, .double), (.double, .int), (.double, .double):
            return doubleValue == other.doubleValue
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.sameJSON(as: $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count
                && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value.sameJSON(as: $1.value) }
        default: return self == other
        }
    }
}
