import Foundation
import Testing

@testable import Proxy

/// The fast chunk reader must agree with the full parser on every chunk it accepts, and hand
/// every unusual shape to the full parser.
struct ChunkScannerTests {
    static func fast(_ text: String) -> ChatChunk? {
        Array(text.utf8).withUnsafeBufferPointer { ChunkScanner.scan($0) }
    }

    static func full(_ text: String) throws -> ChatChunk {
        ChatChunk(json: try JSONParser.parse(text))
    }

    /// Every data line of the recorded streams.
    static func recordedLines() throws -> [String] {
        var lines: [String] = []
        for name in [
            "deepseek-tool-call.chunks.txt", "mistral-thinking.chunks.txt", "yomo-deepseek-v32-tools.sse",
            "yomo-stop-stream.sse", "yomo-tool-call-stream.sse",
        ] {
            let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
            for raw in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
                var line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("data:") { line = String(line.dropFirst(5)).trimmingCharacters(in: .whitespaces) }
                guard line.hasPrefix("{") else { continue }
                lines.append(line)
            }
        }
        return lines
    }

    static let handmade: [String] = [
        #"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
        #"{"choices":[{"index":0,"delta":{"content":"Hello \"quoted\" \u00e9 \ud83d\ude00 \n tab\t"},"logprobs":null,"finish_reason":null}]}"#,
        #"  { "choices" : [ { "delta" : { "content" : "spaced" } , "finish_reason" : "stop" } ] , "usage" : null }  "#,
        #"{"choices":[{"index":0,"delta":{"reasoning_content":"","reasoning":"think"}}]}"#,
        #"{"choices":[{"index":0,"delta":{"reasoning":"first","reasoning_content":"second"}}]}"#,
        #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"Write","arguments":""}}]}}]}"#,
        #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"a\": \"b\\n\"}"}},{"index":2,"id":"x","function":{"name":"n"}}]}}]}"#,
        #"{"choices":[{"index":0,"delta":{"tool_calls":[]}}]}"#,
        #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls","stop_reason":"END"}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":3}}}"#,
        #"{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"prompt_cache_hit_tokens":7,"prompt_tokens_details":null}}"#,
        #"{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"second choice ignored"}}]}"#,
        #"{"choices":[{"delta":{"content":null,"refusal":"no"},"finish_reason":"content_filter"}]}"#,
        #"{"choices":[{"delta":{"content":"x","unknown":{"deep":[1,2,{"k":"v]}"}]},"n":-1.5e3,"t":true}}]}"#,
        #"{"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop","stop_reason":151336}]}"#,
        #"{"object":"chat.completion.chunk","choices":[{"delta":{"content":"o"}}]}"#,
        #"{"choices":[],"id":"","model":""}"#,
    ]

    static let fallbacks: [String] = [
        #"{"error":{"message":"boom","code":429}}"#,
        #"{"object":"error","message":"vllm failed","code":500}"#,
        #"{"choices":[{"index":0,"message":{"role":"assistant","content":"whole"},"finish_reason":"stop"}]}"#,
        #"{"choices":[{"delta":{"content":[{"type":"text","text":"parts"}]}}]}"#,
        #"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":{"a":1}}}]}}]}"#,
        #"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"i","function":{"name":"f"},"extra_content":{"google":{"thought_signature":"sig"}}}]}}]}"#,
        #"{"choices":[{"delta":{"reasoning_details":[{"type":"reasoning.text","text":"why"}]}}]}"#,
        #"{"choices":[{"delta":{"tool_calls":[{"index":1.0,"id":"i"}]}}]}"#,
        #"{"choices":[{"delta":{"content":"a"}}],"choices":[{"delta":{"content":"b"}}]}"#,
        #"{"choices":[{"delta":{"content":"unterminated"#,
        // Found by fuzzing: a skipped value must be JSON too, and a key read twice keeps the last value.
        #"{"choices":[{"delta":{"content":" I'm"},"logprobs":nu4l,"finish_reason":null}]}"#,
        #"{"choices":[],"created":01}"#,
        #"{"choices":[],"x":"\q"}"#,
        #"{"choices":[],"x":[1,}"#,
        #"{"choices":[],"x":{"a" 1}}"#,
        #"{"choices":[{"delta":{"tool_calls":[{"index":01}]}}]}"#,
        #"{"choices":[],"usage":{"prompt_tokens":5},"usage":null}"#,
        #"{"choices":[{"delta":{"content":"a"},"delta":{}}]}"#,
    ]

    @Test func agreesWithTheFullParserOnRecordedStreams() throws {
        let lines = try Self.recordedLines()
        #expect(lines.count > 100)
        for line in lines {
            let full = try Self.full(line)
            guard let fast = Self.fast(line) else {
                // Only Mistral's content parts need the full parser among real streams.
                #expect(line.contains(#""content":["#), "fell back on \(line)")
                continue
            }
            #expect(fast == full, "\(line)")
        }
    }

    @Test(arguments: handmade)
    func readsTheUsualShapesLikeTheFullParser(_ line: String) throws {
        let fast = try #require(Self.fast(line), "fell back on an ordinary chunk: \(line)")
        #expect(fast == (try Self.full(line)))
    }

    @Test(arguments: fallbacks)
    func handsUnusualShapesToTheFullParser(_ line: String) throws {
        #expect(Self.fast(line) == nil)
        // And the decoder still reads them.
        let decoded = ChunkDecoder.decodeChunk(Array(line.utf8))
        if let json = try? JSONParser.parse(line) {
            #expect(decoded == ChatChunk(json: json))
        } else {
            #expect(decoded == nil)
        }
    }
}
