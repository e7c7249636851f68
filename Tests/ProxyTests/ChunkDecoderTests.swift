import Foundation
import Testing

@testable import Proxy

struct ChunkDecoderTests {
    struct Decoded: Equatable {
        var chunks: [ChatChunk]
        var sawDone: Bool
        var malformed: Int
    }

    /// Decodes `pieces` as one body; `finish` is called at the end.
    static func decode(_ pieces: [[UInt8]], isEventStream: Bool = true) -> Decoded {
        var decoder = ChunkDecoder(isEventStream: isEventStream)
        var chunks: [ChatChunk] = []
        for piece in pieces { chunks += decoder.feed(piece) }
        chunks += decoder.finish()
        return Decoded(chunks: chunks, sawDone: decoder.sawDone, malformed: decoder.malformedEvents)
    }

    static func decode(_ text: String, isEventStream: Bool = true) -> Decoded {
        decode([Array(text.utf8)], isEventStream: isEventStream)
    }

    static let stream = Array(
        #"""
        : OPENROUTER PROCESSING

        data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Grüße aus 東京 🍣"},"finish_reason":null}]}

        data:{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"Read","arguments":"{\"file_path\":\"/ü\"}"}}]},"finish_reason":"tool_calls"}]}

        data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}

        data: [DONE]


        """#.utf8
    )

    static let expectedChunks: [ChatChunk] = {
        let text = ChatChunk(content: "Grüße aus 東京 🍣")
        let tool = ChatChunk(
            toolCalls: [.init(index: 0, id: "call_1", name: "Read", arguments: #"{"file_path":"/ü"}"#)],
            finishReason: "tool_calls"
        )
        let usage = ChatChunk(usage: .init(promptTokens: 9, completionTokens: 4))
        return [text, tool, usage]
    }()

    @Test func wholeStream() {
        let decoded = Self.decode([Self.stream])
        #expect(decoded == Decoded(chunks: Self.expectedChunks, sawDone: true, malformed: 0))
    }

    @Test(arguments: 0...stream.count)
    func splitInTwoAtEveryOffset(offset: Int) {
        // Includes offsets inside multi-byte characters and inside "data:".
        let bytes = Self.stream
        let decoded = Self.decode([Array(bytes[..<offset]), Array(bytes[offset...])])
        #expect(decoded == Decoded(chunks: Self.expectedChunks, sawDone: true, malformed: 0))
    }

    @Test func oneByteAtATime() {
        let decoded = Self.decode(Self.stream.map { [$0] })
        #expect(decoded == Decoded(chunks: Self.expectedChunks, sawDone: true, malformed: 0))
    }

    @Test func crlfLineEndings() {
        let text = String(decoding: Self.stream, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n")
        #expect(Self.decode(text) == Decoded(chunks: Self.expectedChunks, sawDone: true, malformed: 0))
    }

    @Test func crLineEndings() {
        let text = String(decoding: Self.stream, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r")
        #expect(Self.decode(text) == Decoded(chunks: Self.expectedChunks, sawDone: true, malformed: 0))
    }

    @Test func doneWithoutSpace() {
        let decoded = Self.decode("data:[DONE]\n\n")
        #expect(decoded.sawDone)
        #expect(decoded.chunks.isEmpty)
        #expect(decoded.malformed == 0)
    }

    @Test func garbageIsSkippedAndCounted() {
        let decoded = Self.decode(
            """
            data: {"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}

            data: <html>502 Bad Gateway</html>

            data: {"choices":[{"index":0,"delta":{"content":"b"

            data: {"choices":[{"index":0,"delta":{"content":"c"},"finish_reason":"stop"}]}

            """
        )
        #expect(decoded.chunks.map(\.content) == ["a", "c"])
        #expect(decoded.malformed == 2)
        #expect(!decoded.sawDone)
    }

    @Test func severalJSONDocumentsInOneEvent() {
        let decoded = Self.decode(
            """
            data: {"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}
            data: {"choices":[{"index":0,"delta":{"content":"b"},"finish_reason":null}]}
            data: [DONE]


            """
        )
        #expect(decoded.chunks.map(\.content) == ["a", "b"])
        #expect(decoded.sawDone)
        #expect(decoded.malformed == 0)
    }

    @Test func oneJSONDocumentOverSeveralDataLines() {
        let decoded = Self.decode(
            """
            data: {"choices":[{"index":0,
            data:   "delta":{"content":"multi"},
            data:   "finish_reason":null}]}


            """
        )
        #expect(decoded.chunks.map(\.content) == ["multi"])
        #expect(decoded.malformed == 0)
    }

    @Test func errorEventInsideTheStream() {
        let decoded = Self.decode(#"data: {"error":{"message":"Rate limit exceeded","code":429}}"# + "\n\n")
        #expect(decoded.chunks.map(\.error) == [ChatChunk.StreamError(message: "Rate limit exceeded", status: 429)])
    }

    static let completion = Array(
        #"""
        {
          "id": "chatcmpl-9blYknv9rHvr2dvCQKMeW21hlBpCX",
          "object": "chat.completion",
          "created": 1718787982,
          "model": "gpt-4o-2024-05-13",
          "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "How can I assist you today? ☕"}, "logprobs": null, "finish_reason": "stop"}
          ],
          "usage": {"prompt_tokens": 13, "completion_tokens": 26, "total_tokens": 39, "prompt_tokens_details": {"cached_tokens": 8}}
        }
        """#.utf8
    )

    @Test(arguments: [1, 3, 1000])
    func nonSSEJSONBodyIsOneChunkAtTheEnd(pieceSize: Int) {
        var decoder = ChunkDecoder(isEventStream: false)
        var chunks: [ChatChunk] = []
        var offset = 0
        while offset < Self.completion.count {
            let end = min(offset + pieceSize, Self.completion.count)
            chunks += decoder.feed(Self.completion[offset..<end])
            offset = end
        }
        #expect(chunks.isEmpty)
        chunks += decoder.finish()
        let expected = ChatChunk(
            content: "How can I assist you today? ☕",
            finishReason: "stop",
            usage: .init(promptTokens: 13, completionTokens: 26, cachedTokens: 8)
        )
        #expect(chunks == [expected])
        #expect(decoder.malformedEvents == 0)
    }

    @Test func nonSSEGarbageBodyIsCounted() {
        let decoded = Self.decode("<html>Bad Gateway</html>", isEventStream: false)
        #expect(decoded.chunks.isEmpty)
        #expect(decoded.malformed == 1)
    }

    @Test func sseBytesInANonSSEBodyAreNotAChunk() {
        let decoded = Self.decode(#"data: {"choices":[]}"# + "\n\n", isEventStream: false)
        #expect(decoded.chunks.isEmpty)
        #expect(decoded.malformed == 1)
    }
}
