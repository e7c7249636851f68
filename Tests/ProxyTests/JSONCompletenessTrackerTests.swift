import Testing

@testable import Proxy

struct JSONCompletenessTrackerTests {
    static func isComplete(_ pieces: [String]) -> Bool {
        var tracker = JSONCompletenessTracker()
        for piece in pieces { tracker.feed(piece) }
        return tracker.isComplete
    }

    static let complete = [
        "{}", "[]", " {} ", "\n{\"a\":1}\n", #"{"a":"}"}"#, #"{"a":"]"}"#, #"{"a":"{"}"#, #"{"a":"\""}"#,
        #"{"a":"\\"}"#, #"{"a":"\\\""}"#, #"{"a":[1,{"b":[]}],"c":{"d":{}}}"#, #"[{"x":"y"},[2,3]]"#,
        #"{"emoji":"😀","cjk":"東京"}"#, #"{"u":"\u007d"}"#,
    ]

    @Test(arguments: complete)
    func completeValues(json: String) throws {
        #expect(Self.isComplete([json]))
        // The tracker agrees with the parser on these.
        _ = try JSONParser.parse(json)
    }

    static let incomplete = [
        "", "   ", "{", "[", #"{"a":"#, #"{"a":"}"#, #"{"a":"\"}"#, #"{"a":"\\\"}"#, #"{"a":[1,2}"#, "[1,2",
        #"{"a":{"b":{}}"#, #"{""#,
    ]

    @Test(arguments: incomplete)
    func incompleteValues(json: String) {
        #expect(!Self.isComplete([json]))
    }

    @Test(arguments: ["1", "\"text\"", "true", "null"])
    func scalarsDoNotCount(json: String) {
        // Tool arguments are objects; a bare scalar never lets a block close early.
        #expect(!Self.isComplete([json]))
    }

    static let sample = #"{"path":"/a/{b}","edits":[{"old":"x\"]}","new":"\\"}],"n":1}"#

    @Test(arguments: 0...sample.utf8.count)
    func splitAnywhereGivesTheSameAnswer(offset: Int) {
        let bytes = Array(Self.sample.utf8)
        let first = String(decoding: bytes[..<offset], as: UTF8.self)
        let second = String(decoding: bytes[offset...], as: UTF8.self)
        #expect(Self.isComplete([first, second]))
    }

    @Test func completeOnlyAfterTheLastByte() {
        var tracker = JSONCompletenessTracker()
        let characters = Array(Self.sample)
        for (position, character) in characters.enumerated() {
            tracker.feed(String(character))
            #expect(tracker.isComplete == (position == characters.count - 1), "after \(position + 1) characters")
        }
    }

    @Test func trailingWhitespaceKeepsItComplete() {
        #expect(Self.isComplete(["{\"a\":1}", "  \n"]))
    }
}
