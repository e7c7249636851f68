import Testing

@testable import Proxy

struct ThinkTagSplitterTests {
    typealias Segment = ThinkTagSplitter.Segment

    /// Feeds `pieces`, flushes, and merges neighbouring segments of the same kind.
    static func split(_ pieces: [String], mode: ThinkTagSplitter.Mode = .leading) -> [Segment] {
        var splitter = ThinkTagSplitter(mode: mode)
        var segments: [Segment] = []
        for piece in pieces { segments += splitter.feed(piece) }
        segments += splitter.flush()
        return merged(segments)
    }

    static func merged(_ segments: [Segment]) -> [Segment] {
        var result: [Segment] = []
        for segment in segments {
            switch (result.last, segment) {
            case (.thinking(let a)?, .thinking(let b)): result[result.count - 1] = .thinking(a + b)
            case (.text(let a)?, .text(let b)): result[result.count - 1] = .text(a + b)
            default: result.append(segment)
            }
        }
        return result
    }

    @Test func leadingThinkBlock() {
        #expect(
            Self.split(["<think>I should greet.</think>Hello!"]) == [.thinking("I should greet."), .text("Hello!")]
        )
    }

    @Test func whitespaceBeforeTheOpeningTagIsAllowed() {
        #expect(Self.split(["\n  <think>r</think>t"]) == [.thinking("r"), .text("t")])
    }

    @Test func whitespaceAfterTheClosingTagIsDropped() {
        #expect(Self.split(["<think>r</think>\n\n", "\n", "Answer\n"]) == [.thinking("r"), .text("Answer\n")])
    }

    @Test func contentWithoutThinkIsText() {
        #expect(
            Self.split(["Hello ", "<think>not reasoning</think>"]) == [.text("Hello <think>not reasoning</think>")]
        )
    }

    @Test func leadingWhitespaceOfPlainTextIsKept() {
        #expect(Self.split(["\n\n", "Hello"]) == [.text("\n\nHello")])
    }

    @Test func onlyTheFirstThinkBlockIsReasoning() {
        #expect(
            Self.split(["<think>a</think>b<think>c</think>"]) == [.thinking("a"), .text("b<think>c</think>")]
        )
    }

    static let sample = "<think>Plan: 先想 🤔 then <b>act</b>.</think>\n\nDone: 完成 ✅"
    static let sampleSegments: [Segment] = [.thinking("Plan: 先想 🤔 then <b>act</b>."), .text("Done: 完成 ✅")]

    @Test(arguments: 0...sample.count)
    func splitInTwoAnywhere(offset: Int) {
        let cut = Self.sample.index(Self.sample.startIndex, offsetBy: offset)
        #expect(Self.split([String(Self.sample[..<cut]), String(Self.sample[cut...])]) == Self.sampleSegments)
    }

    @Test func oneCharacterAtATime() {
        #expect(Self.split(Self.sample.map(String.init)) == Self.sampleSegments)
    }

    @Test func nothingIsEmittedWhileATagMightStillBeForming() {
        var splitter = ThinkTagSplitter(mode: .leading)
        #expect(splitter.feed("  <thi").isEmpty)
        #expect(splitter.feed("nk>abc</th") == [.thinking("abc")])
        #expect(splitter.feed("ink>x") == [.text("x")])
    }

    @Test func partialClosingTagThatIsNotATagIsReasoning() {
        var splitter = ThinkTagSplitter(mode: .leading)
        #expect(splitter.feed("<think>a </") == [.thinking("a ")])
        #expect(splitter.feed("b>") == [.thinking("</b>")])
    }

    @Test func unterminatedReasoningIsFlushedAsReasoning() {
        #expect(Self.split(["<think>still thinking </thi"]) == [.thinking("still thinking </thi")])
    }

    @Test func partialOpeningTagAtTheEndIsFlushedAsText() {
        #expect(Self.split(["<thi"]) == [.text("<thi")])
        #expect(Self.split(["<"]) == [.text("<")])
    }

    @Test func whitespaceOnlyContentIsDropped() {
        #expect(Self.split(["  ", "\n"]).isEmpty)
    }

    @Test func textThatStartsLikeATagButIsNot() {
        #expect(Self.split(["<th", "e answer>"]) == [.text("<the answer>")])
    }

    @Test func offModeNeverSplits() {
        #expect(Self.split(["<think>a</think>b"], mode: .off) == [.text("<think>a</think>b")])
    }

    @Test func implicitOpenStartsInsideReasoning() {
        #expect(
            Self.split(["reasoning without ", "an opening tag</think>answer"], mode: .implicitOpen) == [
                .thinking("reasoning without an opening tag"), .text("answer"),
            ]
        )
    }

    @Test func implicitOpenAcceptsAnExplicitOpeningTag() {
        #expect(Self.split(["<think>r</think>t"], mode: .implicitOpen) == [.thinking("r"), .text("t")])
    }

    @Test func implicitOpenReadsContentAsTextOnceReasoningCameSeparately() {
        var splitter = ThinkTagSplitter(mode: .implicitOpen)
        splitter.reasoningArrivedSeparately()
        #expect(splitter.feed("The answer.") == [.text("The answer.")])
        var tagged = ThinkTagSplitter(mode: .implicitOpen)
        tagged.reasoningArrivedSeparately()
        #expect(tagged.feed("<think>r</think>t") == [.thinking("r"), .text("t")])
    }

    @Test func reasoningArrivingAfterContentStartedChangesNothing() {
        var splitter = ThinkTagSplitter(mode: .implicitOpen)
        #expect(splitter.feed("thinking") == [.thinking("thinking")])
        splitter.reasoningArrivedSeparately()
        #expect(splitter.feed(" more</think>text") == [.thinking(" more"), .text("text")])
    }

    @Test func emptyReasoningMakesNoThinkingSegment() {
        #expect(Self.split(["<think></think>Answer"]) == [.text("Answer")])
    }

    @Test func emptyPiecesChangeNothing() {
        #expect(Self.split(["", "<think>", "", "r", "", "</think>", "", "t", ""]) == [.thinking("r"), .text("t")])
    }

    @Test(arguments: [
        ("abc</", 2), ("abc<", 1), ("abc", 0), ("</think", 7), ("</think>", 0), ("x</thin", 6), ("<", 1), ("", 0),
    ])
    func partialSuffixLength(text: String, expected: Int) {
        #expect(ThinkTagSplitter.partialSuffixLength(of: text, matching: "</think>") == expected)
    }
}
