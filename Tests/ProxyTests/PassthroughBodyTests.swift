import Testing

@testable import Proxy

/// The body sent to an Anthropic-compatible provider.
struct PassthroughBodyTests {
    static let realSignature = "c2lnLWZyb20tZmFrZS1zZXJ2ZXI="

    /// The follow-up fixture with a subagent tag in the system prompt and, before the real
    /// assistant turn, turns whose reasoning came from a translated provider.
    static func request() throws -> MessagesRequest {
        var request = try ClaudeCodeRequests.request(ClaudeCodeRequests.followUp) { body in
            guard case .array(var system)? = body["system"], case .object(var block) = system[1] else { return }
            block["text"] = .string(
                "<CCR-SUBAGENT-MODEL>anthropic-like,glm-4.6</CCR-SUBAGENT-MODEL>\n" + (block["text"]?.stringValue ?? "")
            )
            system[1] = .object(block)
            body["system"] = .array(system)
            guard case .array(var messages)? = body["messages"] else { return }
            let translated: JSONValue = [
                "role": "assistant",
                "content": [
                    [
                        "type": "thinking", "thinking": "made up here",
                        "signature": .string(StreamTranslator.thinkingSignature),
                    ],
                    ["type": "thinking", "thinking": "no signature at all", "signature": ""],
                    ["type": "thinking", "thinking": "signature missing"],
                    ["type": "text", "text": "Earlier answer."],
                ],
            ]
            let onlyMadeUp: JSONValue = [
                "role": "assistant",
                "content": [
                    ["type": "thinking", "thinking": "x", "signature": .string(StreamTranslator.thinkingSignature)]
                ],
            ]
            messages.insert(
                contentsOf: [
                    translated, ["role": "user", "content": "go on"], onlyMadeUp, ["role": "user", "content": "and?"],
                ],
                at: 1
            )
            body["messages"] = .array(messages)
        }
        let tag = Router.extractSubagentTag(&request)
        #expect(tag == "anthropic-like,glm-4.6")
        return request
    }

    static func sent() throws -> (original: JSONObject, sent: JSONObject) {
        let request = try Self.request()
        let bytes = PassthroughBody.make(request, model: "glm-4.6")
        let sent = try #require(try JSONParser.parse(bytes).objectValue)
        return (request.body, sent)
    }

    static func thinkingSignatures(_ body: JSONObject) -> [String?] {
        (body["messages"]?.arrayValue ?? []).flatMap { message in
            (message["content"]?.arrayValue ?? []).filter { $0["type"] == "thinking" }.map {
                $0["signature"]?.stringValue
            }
        }
    }

    @Test func theModelIsReplaced() throws {
        #expect(try Self.sent().sent["model"] == "glm-4.6")
    }

    @Test func theSubagentTagIsRemovedAndTheRestOfTheSystemPromptKept() throws {
        let (original, sent) = try Self.sent()
        let system = try #require(sent["system"]?.arrayValue)
        #expect(system.count == original["system"]?.arrayValue?.count)
        #expect(!sent["system"]!.jsonString.contains("CCR-SUBAGENT-MODEL"))
        #expect(system[1]["text"] == "You are a Claude agent, built on Anthropic's Claude Agent SDK.")
        #expect(system[1]["cache_control"] == ["type": "ephemeral"], "cache_control passes through")
    }

    @Test func madeUpAndEmptySignaturesAreRemovedAndRealOnesKept() throws {
        let (_, sent) = try Self.sent()
        #expect(Self.thinkingSignatures(sent) == [Self.realSignature])
        let messages = try #require(sent["messages"]?.arrayValue)
        #expect(messages[1]["content"] == [["type": "text", "text": "Earlier answer."]])
        // A turn whose only block was made-up reasoning keeps a placeholder so it is not empty.
        #expect(messages[3]["content"]?.arrayValue?.count == 1)
        #expect(messages[3]["content"]?.arrayValue?.first?["type"] == "text")
    }

    @Test func everythingElseArrivesAsTheClientSentIt() throws {
        let (original, sent) = try Self.sent()
        #expect(sent.keys == original.keys, "no field added, removed or reordered")
        for key in original.keys where !["model", "system", "messages"].contains(key) {
            #expect(sent[key] == original[key], "\(key) changed")
        }
        let realTurn = try #require(sent["messages"]?.arrayValue?.last { $0["role"] == "assistant" })
        #expect(realTurn == original["messages"]?.arrayValue?.last { $0["role"] == "assistant" })
    }

    @Test func aStringSystemPromptStaysAString() throws {
        var request = try MessagesRequest(
            json: JSONParser.parse(
                #"{"model":"m","max_tokens":5,"system":"<CCR-SUBAGENT-MODEL>p,m</CCR-SUBAGENT-MODEL>\nBe brief.","messages":[{"role":"user","content":"hi"}]}"#
            )
        )
        _ = Router.extractSubagentTag(&request)
        let sent = try JSONParser.parse(PassthroughBody.make(request, model: "x"))
        #expect(sent["system"] == "Be brief.")
        #expect(sent["messages"] == [["role": "user", "content": "hi"]])
    }
}
