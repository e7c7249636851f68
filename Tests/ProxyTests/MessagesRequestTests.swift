import Testing

@testable import Proxy

struct MessagesRequestTests {
    static func request(_ json: String, requireMaxTokens: Bool = true) throws -> MessagesRequest {
        try MessagesRequest(json: JSONParser.parse(json), requireMaxTokens: requireMaxTokens)
    }

    /// The validation error for `json`, or `nil` when it is accepted.
    static func validationError(_ json: String) throws -> APIError? {
        let value = try JSONParser.parse(json)
        do {
            _ = try MessagesRequest(json: value)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Validation

    static let invalidBodies: [(String, String)] = [
        ("[]", "request body must be a JSON object, got array"),
        (#"{"max_tokens":1,"messages":[]}"#, "model: Field required"),
        (#"{"model":3,"max_tokens":1,"messages":[]}"#, "model: Input should be a valid string, got number"),
        (#"{"model":"  ","max_tokens":1,"messages":[]}"#, "model: must not be empty"),
        (#"{"model":"m","messages":[]}"#, "max_tokens: Field required"),
        (#"{"model":"m","max_tokens":null,"messages":[]}"#, "max_tokens: Field required"),
        (#"{"model":"m","max_tokens":"10","messages":[]}"#, "max_tokens: Input should be a valid integer, got string"),
        (#"{"model":"m","max_tokens":1.5,"messages":[]}"#, "max_tokens: Input should be a valid integer, got number"),
        (#"{"model":"m","max_tokens":-1,"messages":[]}"#, "max_tokens: must be at least 0"),
        (#"{"model":"m","max_tokens":1}"#, "messages: Field required"),
        (#"{"model":"m","max_tokens":1,"messages":{}}"#, "messages: Input should be a valid list, got object"),
        (#"{"model":"m","max_tokens":1,"messages":["hi"]}"#, "messages.0: Input should be an object, got string"),
        (#"{"model":"m","max_tokens":1,"messages":[{"content":"x"}]}"#, "messages.0.role: Field required"),
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"a"},{"role":"bot","content":"x"}]}"#,
            "messages.1.role: Input should be 'user' or 'assistant'"
        ),
        (#"{"model":"m","max_tokens":1,"messages":[{"role":"user"}]}"#, "messages.0.content: Field required"),
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":5}]}"#,
            "messages.0.content: Input should be a string or a list of content blocks"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":["x"]}]}"#,
            "messages.0.content.0: Input should be an object, got string"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"text":"x"}]}]}"#,
            "messages.0.content.0.type: Field required"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text"}]}]}"#,
            "messages.0.content.1.text: Field required (a string)"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"f"}}]}]}"#,
            "messages.0.content.0.source.type: Input should be 'base64' or 'url'"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png"}}]}]}"#,
            "messages.0.content.0.source.data: Field required"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image"}]}]}"#,
            "messages.0.content.0.source: Field required"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"zip"}}]}]}"#,
            "messages.0.content.0.source.type: Input should be 'base64', 'text', 'content' or 'url'"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"a"},{"role":"assistant","content":[{"type":"tool_use","name":"Read","input":{}}]}]}"#,
            "messages.1.content.0.id: Field required (a string)"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","content":"x"}]}]}"#,
            "messages.0.content.0.tool_use_id: Field required (a string)"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text"}]}]}]}"#,
            "messages.0.content.0.content.0.text: Field required (a string)"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[],"system":5}"#,
            "system: Input should be a string or a list of text blocks"
        ),
        (#"{"model":"m","max_tokens":1,"messages":[],"system":["x"]}"#, "system.0: Input should be an object"),
        (#"{"model":"m","max_tokens":1,"messages":[],"system":[{"type":"text"}]}"#, "system.0.text: Field required"),
        (
            #"{"model":"m","max_tokens":1,"messages":[],"stream":"yes"}"#,
            "stream: Input should be a valid boolean, got string"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[],"temperature":"hot"}"#,
            "temperature: Input should be a valid number, got string"
        ),
        (#"{"model":"m","max_tokens":1,"messages":[],"top_p":[]}"#, "top_p: Input should be a valid number, got array"),
        (
            #"{"model":"m","max_tokens":1,"messages":[],"stop_sequences":"x"}"#,
            "stop_sequences: Input should be a valid list"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[],"stop_sequences":["a",1]}"#,
            "stop_sequences.1: Input should be a valid string"
        ),
        (#"{"model":"m","max_tokens":1,"messages":[],"tools":{}}"#, "tools: Input should be a valid list"),
        (#"{"model":"m","max_tokens":1,"messages":[],"tools":[3]}"#, "tools.0: Input should be an object"),
        (#"{"model":"m","max_tokens":1,"messages":[],"tools":[{"input_schema":{}}]}"#, "tools.0.name: Field required"),
        (
            #"{"model":"m","max_tokens":1,"messages":[],"tools":[{"name":"a","input_schema":{"type":"object"}},{"name":"b"}]}"#,
            "tools.1.input_schema: Field required"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[],"tools":[{"type":"custom","name":"b"}]}"#,
            "tools.0.input_schema: Field required"
        ),
        (#"{"model":"m","max_tokens":1,"messages":[],"tool_choice":"auto"}"#, "tool_choice.type: Field required"),
        (
            #"{"model":"m","max_tokens":1,"messages":[],"tool_choice":{"type":"maybe"}}"#,
            "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[],"tool_choice":{"type":"tool"}}"#,
            "tool_choice.name: Field required"
        ),
        // Found by fuzzing the request builder: one turn with two calls of one id.
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"a","input":{}},{"type":"tool_use","id":"t1","name":"b","input":{}}]}]}"#,
            "messages.0.content: tool_use ids must be unique (t1 appears twice)"
        ),
        // Found by fuzzing the request builder: an empty id went upstream as `"id": ""`.
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"","name":"a","input":{}}]}]}"#,
            "messages.0.content.0.id: String should have at least 1 character"
        ),
        (
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":""}]}]}"#,
            "messages.0.content.0.tool_use_id: String should have at least 1 character"
        ),
    ]

    @Test(arguments: invalidBodies)
    func validationMessageNamesTheField(json: String, message: String) throws {
        let error = try #require(try Self.validationError(json))
        #expect(error.message == message)
        #expect(error.kind == .invalidRequest)
        #expect(error.status == 400)
    }

    @Test(arguments: ["1e400", "1e300", "2.5", "\"5\""])
    func topKMustBeAnInteger(value: String) throws {
        let error = try #require(
            try Self.validationError(#"{"model":"m","max_tokens":1,"messages":[],"top_k":\#(value)}"#)
        )
        #expect(error.message.hasPrefix("top_k: "))
        #expect(error.kind == .invalidRequest)
    }

    @Test func countTokensDoesNotNeedMaxTokens() throws {
        let request = try Self.request(#"{"model":"m","messages":[]}"#, requireMaxTokens: false)
        #expect(request.maxTokens == 0)
    }

    @Test func maxTokensZeroIsAllowed() throws {
        #expect(try Self.request(#"{"model":"m","max_tokens":0,"messages":[]}"#).maxTokens == 0)
    }

    // MARK: - Fields

    @Test func scalarFields() throws {
        let request = try Self.request(
            #"""
            {"model":"claude-sonnet-4-5","max_tokens":32000,"messages":[],"stream":true,"temperature":0.5,"top_p":0.9,
             "top_k":40,"stop_sequences":["END","</answer>"],"metadata":{"user_id":"u"}}
            """#
        )
        #expect(request.model == "claude-sonnet-4-5")
        #expect(request.maxTokens == 32000)
        #expect(request.stream)
        #expect(request.temperature == 0.5)
        #expect(request.topP == 0.9)
        #expect(request.topK == 40)
        #expect(request.stopSequences == ["END", "</answer>"])
        #expect(request.body["metadata"]?["user_id"] == "u")
    }

    @Test func defaultsWhenAbsentOrNull() throws {
        let request = try Self.request(
            #"{"model":"m","max_tokens":1,"messages":[],"stream":null,"temperature":null,"tools":null,"tool_choice":null,"system":null}"#
        )
        #expect(!request.stream)
        #expect(request.temperature == nil)
        #expect(request.topP == nil)
        #expect(request.topK == nil)
        #expect(request.stopSequences.isEmpty)
        #expect(request.tools.isEmpty)
        #expect(request.toolChoice == nil)
        #expect(request.system.isEmpty)
        #expect(request.thinking == nil)
        #expect(request.effort == nil)
    }

    @Test func systemAsStringOrBlocks() throws {
        let string = try Self.request(#"{"model":"m","max_tokens":1,"messages":[],"system":"Be brief."}"#)
        #expect(string.system == ["Be brief."])
        let blocks = try Self.request(
            #"{"model":"m","max_tokens":1,"messages":[],"system":[{"type":"text","text":"A","cache_control":{"type":"ephemeral"}},{"type":"text","text":"B"}]}"#
        )
        #expect(blocks.system == ["A", "B"])
    }

    @Test func stringContentIsOneTextBlock() throws {
        let request = try Self.request(#"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"Hello"}]}"#)
        #expect(request.messages == [.init(role: .user, content: [.text("Hello")])])
    }

    @Test func systemRoleMessagesAreAccepted() throws {
        let request = try Self.request(
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"a"},{"role":"system","content":"Environment: Linux","output_config":{"effort":"medium"}}]}"#
        )
        #expect(request.messages.map(\.role) == [.user, .system])
        #expect(request.messages[1].content == [.text("Environment: Linux")])
    }

    @Test func everyBlockType() throws {
        let request = try Self.request(
            #"""
            {"model":"m","max_tokens":1,"messages":[
              {"role":"user","content":[
                {"type":"text","text":"Look:","cache_control":{"type":"ephemeral","ttl":"5m"}},
                {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}},
                {"type":"image","source":{"type":"url","url":"https://example.com/a.png"}},
                {"type":"document","source":{"type":"text","media_type":"text/plain","data":"plain doc"},"title":"Notes"},
                {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0"}},
                {"type":"document","source":{"type":"url","url":"https://example.com/a.pdf"},"title":"Spec"},
                {"type":"document","source":{"type":"content","content":[{"type":"text","text":"part 1"},{"type":"text","text":"part 2"}]}}
              ]},
              {"role":"assistant","content":[
                {"type":"thinking","thinking":"Hmm.","signature":"c2ln"},
                {"type":"redacted_thinking","data":"EmwKAhgB"},
                {"type":"tool_use","id":"toolu_01","name":"Read","input":{"file_path":"/a","limit":3}},
                {"type":"server_tool_use","id":"srvtoolu_01","name":"web_search","input":{"query":"swift"}}
              ]},
              {"role":"user","content":[
                {"type":"tool_result","tool_use_id":"toolu_01","content":"one"},
                {"type":"tool_result","tool_use_id":"toolu_02","content":[{"type":"text","text":"two"},{"type":"image","source":{"type":"url","url":"https://example.com/s.png"}}],"is_error":true},
                {"type":"tool_result","tool_use_id":"toolu_03"},
                {"type":"tool_result","tool_use_id":"toolu_04","content":null,"is_error":false}
              ]}
            ]}
            """#
        )
        #expect(
            request.messages[0].content == [
                .text("Look:"),
                .image(.base64(mediaType: "image/jpeg", data: "/9j/4AAQ")),
                .image(.url("https://example.com/a.png")),
                .document(.text("plain doc", title: "Notes")),
                .document(.base64(mediaType: "application/pdf", data: "JVBERi0", title: nil)),
                .document(.url("https://example.com/a.pdf", title: "Spec")),
                .document(.text("part 1\npart 2", title: nil)),
            ]
        )
        #expect(
            request.messages[1].content == [
                .thinking(text: "Hmm.", signature: "c2ln"),
                .redactedThinking(data: "EmwKAhgB"),
                .toolUse(id: "toolu_01", name: "Read", input: ["file_path": "/a", "limit": 3]),
                .other(
                    type: "server_tool_use",
                    ["type": "server_tool_use", "id": "srvtoolu_01", "name": "web_search", "input": ["query": "swift"]]
                ),
            ]
        )
        #expect(
            request.messages[2].content == [
                .toolResult(.init(toolUseID: "toolu_01", content: [.text("one")], isError: false)),
                .toolResult(
                    .init(
                        toolUseID: "toolu_02",
                        content: [.text("two"), .image(.url("https://example.com/s.png"))],
                        isError: true
                    )
                ),
                .toolResult(.init(toolUseID: "toolu_03", content: [], isError: false)),
                .toolResult(.init(toolUseID: "toolu_04", content: [], isError: false)),
            ]
        )
    }

    @Test func toolUseInputKeepsKeyOrder() throws {
        let request = try Self.request(
            #"{"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"Edit","input":{"z":1,"a":2,"m":3}}]}]}"#
        )
        guard case .toolUse(_, _, let input) = request.messages[0].content[0] else {
            Issue.record("not a tool_use block")
            return
        }
        #expect(input.objectValue?.keys == ["z", "a", "m"])
    }

    @Test func unknownBlockTypesAreKeptAsOther() throws {
        let request = try Self.request(
            #"{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"container_upload","file_id":"file_1","extra":{"k":[1]}}]}]}"#
        )
        guard case .other(let type, let object) = request.messages[0].content[0] else {
            Issue.record("not kept as .other: \(request.messages[0].content)")
            return
        }
        #expect(type == "container_upload")
        #expect(object.keys == ["type", "file_id", "extra"])
        #expect(object["extra"] == ["k": [1]])
    }

    // MARK: - Tools

    @Test func serverToolsNeedNoInputSchemaCustomToolsDo() throws {
        let request = try Self.request(
            #"""
            {"model":"m","max_tokens":1,"messages":[],"tools":[
              {"type":"web_search_20250305","name":"web_search","max_uses":5},
              {"type":"custom","name":"Read","description":"Reads a file","input_schema":{"type":"object","properties":{}}},
              {"name":"Bash","input_schema":{"type":"object"}}
            ]}
            """#
        )
        #expect(request.tools.map(\.name) == ["web_search", "Read", "Bash"])
        #expect(request.tools.map(\.isServerTool) == [true, false, false])
        #expect(request.tools[0].inputSchema == nil)
        #expect(request.tools[1].description == "Reads a file")
        #expect(request.tools[1].inputSchema == ["type": "object", "properties": [:]])
    }

    @Test(arguments: [
        (#"{"type":"auto"}"#, MessagesRequest.ToolChoice.auto(disableParallelToolUse: false)),
        (#"{"type":"auto","disable_parallel_tool_use":true}"#, .auto(disableParallelToolUse: true)),
        (#"{"type":"any","disable_parallel_tool_use":true}"#, .any(disableParallelToolUse: true)),
        (#"{"type":"tool","name":"Read"}"#, .tool(name: "Read", disableParallelToolUse: false)),
        (#"{"type":"none"}"#, MessagesRequest.ToolChoice.none),
    ])
    func toolChoice(json: String, expected: MessagesRequest.ToolChoice) throws {
        let request = try Self.request(#"{"model":"m","max_tokens":1,"messages":[],"tool_choice":\#(json)}"#)
        #expect(request.toolChoice == expected)
    }

    // MARK: - Thinking

    @Test(arguments: [
        (#""thinking":{"type":"enabled","budget_tokens":31999}"#, true),
        (#""thinking":{"type":"disabled"}"#, false),
        (#""thinking":{"type":"adaptive"}"#, false),
        (#""thinking":{"type":"adaptive","display":"omitted"},"output_config":{"effort":"medium"}"#, false),
        (#""thinking":{"type":"adaptive"},"output_config":{"effort":"high"}"#, true),
        (#""output_config":{"effort":"high"}"#, true),
        (#""output_config":{"effort":"xhigh"}"#, true),
        (#""output_config":{"effort":"max"}"#, true),
        (#""output_config":{"effort":"medium"}"#, false),
        (#""output_config":{"effort":"low"}"#, false),
        (#""output_config":{"format":{"type":"json_schema"}}"#, false),
        (#""metadata":{}"#, false),
    ])
    func wantsThinking(fields: String, expected: Bool) throws {
        let request = try Self.request(#"{"model":"m","max_tokens":1,"messages":[],\#(fields)}"#)
        #expect(request.wantsThinking == expected)
    }

    @Test func thinkingBudgetIsRead() throws {
        let request = try Self.request(
            #"{"model":"m","max_tokens":32000,"messages":[],"thinking":{"type":"enabled","budget_tokens":31999}}"#
        )
        #expect(request.thinking == .init(type: "enabled", budgetTokens: 31999))
    }

    // MARK: - Claude Code

    @Test(arguments: [
        ("01-main-turn-with-tools.body.json", 2, 12),
        ("02-followup-tool-result-with-thinking.body.json", 4, 12),
        ("03-haiku-title-side-call.body.json", 1, 0),
    ])
    func capturedClaudeCodeRequestsAreAccepted(file: String, messageCount: Int, toolCount: Int) throws {
        let request = try MessagesRequest(json: JSONParser.parse(Fixture.bytes(file, subdirectory: "claude-code")))
        #expect(request.messages.count == messageCount)
        #expect(request.tools.count == toolCount)
        #expect(request.stream)
        #expect(request.system.count == 3)
        #expect(!request.wantsThinking)
    }
}
