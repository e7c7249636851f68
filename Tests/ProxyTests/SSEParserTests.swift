import Testing

@testable import Proxy

struct SSEParserTests {
    /// Feeds `pieces` and then ends the stream; returns each event's data as text.
    static func parse(_ pieces: [[UInt8]]) -> [String] {
        var parser = SSEParser()
        var events: [[UInt8]] = []
        for piece in pieces { events += parser.feed(piece) }
        events += parser.finish()
        return events.map { String(decoding: $0, as: UTF8.self) }
    }

    static func parse(_ text: String) -> [String] { parse([Array(text.utf8)]) }

    /// A stream with multi-byte UTF-8, comments, a field other than data, CRLF and a multi-line event.
    static let stream = Array(
        (": OPENROUTER PROCESSING\n\n" + "data: {\"content\":\"café 東京 😀\"}\n\n" + "event: message\r\nid: 7\r\n"
            + "data:{\"n\":2}\r\n\r\n" + "data: first\ndata: second\n\n" + "data: [DONE]\n\n").utf8
    )
    static let streamEvents = [#"{"content":"café 東京 😀"}"#, #"{"n":2}"#, "first\nsecond", "[DONE]"]

    @Test func wholeStream() {
        #expect(Self.parse([Self.stream]) == Self.streamEvents)
    }

    @Test(arguments: 0...stream.count)
    func splitInTwoAtEveryOffset(offset: Int) {
        let bytes = Self.stream
        #expect(Self.parse([Array(bytes[..<offset]), Array(bytes[offset...])]) == Self.streamEvents)
    }

    @Test func oneByteAtATime() {
        #expect(Self.parse(Self.stream.map { [$0] }) == Self.streamEvents)
    }

    @Test func eventsAreReturnedAsSoonAsTheBlankLineArrives() {
        var parser = SSEParser()
        #expect(parser.feed(Array("data: a\n".utf8)).isEmpty)
        #expect(parser.feed(Array("\n".utf8)).map { String(decoding: $0, as: UTF8.self) } == ["a"])
        #expect(parser.finish().isEmpty)
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func lineEndings(newline: String) {
        let text = ["data: a", "", "data: b", "data: c", "", ""].joined(separator: newline)
        #expect(Self.parse(text) == ["a", "b\nc"])
    }

    @Test func crAndLFInSeparateReadsAreOneLineEnd() {
        // A CR at the end of one read and the LF at the start of the next must not make an empty line.
        let pieces = ["data: a\r", "\ndata: b\r", "\n\r", "\n"].map { Array($0.utf8) }
        #expect(Self.parse(pieces) == ["a\nb"])
    }

    @Test func commentLinesAreSkippedAndDoNotEndAnEvent() {
        #expect(Self.parse(": keep-alive\ndata: a\n: OPENROUTER PROCESSING\ndata: b\n\n") == ["a\nb"])
        #expect(Self.parse(": only a comment\n\n:\n\n").isEmpty)
    }

    @Test func dataWithAndWithoutASpace() {
        // Only one space after the colon belongs to the syntax.
        #expect(Self.parse("data:x\n\ndata: y\n\ndata:  z\n\n") == ["x", "y", " z"])
    }

    @Test func otherFieldsAreIgnored() {
        #expect(Self.parse("event: error\nid: 1\nretry: 100\ndata: {}\n\nevent: ping\n\n") == ["{}"])
        #expect(Self.parse("database: x\ndata x\n\n").isEmpty)
    }

    @Test func emptyDataLineMakesAnEmptyEvent() {
        #expect(Self.parse("data:\n\n") == [""])
        #expect(Self.parse("data:\ndata: a\n\n") == ["\na"])
    }

    @Test func blankLinesWithoutDataMakeNoEvents() {
        #expect(Self.parse("\n\n\r\n\n").isEmpty)
    }

    @Test func lastEventWithoutBlankLineIsReturnedByFinish() {
        var parser = SSEParser()
        #expect(parser.feed(Array("data: a\n\ndata: tail".utf8)).map { String(decoding: $0, as: UTF8.self) } == ["a"])
        #expect(parser.finish().map { String(decoding: $0, as: UTF8.self) } == ["tail"])
        #expect(parser.finish().isEmpty)
    }

    @Test func doneIsPassedThroughAsData() {
        #expect(Self.parse("data: [DONE]\n\n") == ["[DONE]"])
    }

    @Test func invalidUTF8IsKeptAsBytes() {
        var parser = SSEParser()
        let events = parser.feed([0x64, 0x61, 0x74, 0x61, 0x3A, 0xFF, 0xC3, 0x0A, 0x0A])
        #expect(events == [[0xFF, 0xC3]])
    }
}
