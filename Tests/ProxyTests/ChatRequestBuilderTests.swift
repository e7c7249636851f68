import Foundation
import Testing

@testable import Proxy

struct ChatRequestBuilderTests {
    static func build(
        _ json: String,
        options: ChatRequestBuilder.Options = .init(),
        model: String = "upstream-model"
    ) throws -> ChatRequestBuilder.Output {
        let request = try MessagesRequest(json: JSONParser.parse(json))
        return ChatRequestBuilder(options: options).build(request, model: model)
    }

    /// The body's messages.
    static func messages(_ output: ChatRequestBuilder.Output) throws -> [JSONValue] {
        try #require(output.body["messages"]?.arrayValue)
    }

    /// Every `tool_calls[].id` of an assistant message is answered by `tool` messages right
    /// after it, in call order (what OpenAI-compatible servers require).
    static func checkToolMessagesFollowTheirCalls(_ messages: [JSONValue]) {
        for (position, message) in messages.enumerated() {
            guard let calls = message["tool_calls"]?.arrayValue else { continue }
            let ids = calls.compactMap { $0["id"]?.stringValue }
            let following = messages.dropFirst(position + 1).prefix(ids.count)
            #expect(following.map { $0["role"] } == Array(repeating: "tool", count: ids.count))
            #expect(following.map { $0["tool_call_id"]?.stringValue } == ids)
        }
        for (position, message) in messages.enumerated() where message["role"] == "tool" {
            let previous = messages[..<position].last { $0["role"] != "tool" }
            #expect(previous?["tool_calls"] != nil, "tool message at \(position) follows no tool call")
        }
    }

    /// Every key and every string in a JSON tree.
    static func keysAndStrings(_ value: JSONValue) -> (keys: Set<String>, strings: [String]) {
        var keys: Set<String> = []
        var strings: [String] = []
        func walk(_ value: JSONValue) {
            switch value {
            case .object(let object):
                for member in object.members {
                    keys.insert(member.key)
                    walk(member.value)
                }
            case .array(let elements): elements.forEach(walk)
            case .string(let text): strings.append(text)
            default: break
            }
        }
        walk(value)
        return (keys, strings)
    }

    // MARK: - System

    @Test func systemBlocksAndSystemRoleMessagesBecomeOneLeadingSystemMessage() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,
             "system":[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}},{"type":"text","text":"Be terse."}],
             "messages":[
               {"role":"user","content":"hi"},
               {"role":"system","content":"Environment: Linux"},
               {"role":"assistant","content":"hello"},
               {"role":"system","content":[{"type":"text","text":"Reminder: tests first."}]},
               {"role":"user","content":"next"}
             ]}
            """#
        )
        let messages = try Self.messages(output)
        #expect(messages.map { $0["role"] } == ["system", "user", "assistant", "user"])
        #expect(
            messages.first?["content"]
                == "You are Claude Code.\n\nBe terse.\n\nEnvironment: Linux\n\nReminder: tests first."
        )
    }

    @Test func systemStringBecomesTheSystemMessage() throws {
        let output = try Self.build(
            #"{"model":"m","max_tokens":10,"system":"Be terse.","messages":[{"role":"user","content":"hi"}]}"#
        )
        #expect(
            try Self.messages(output) == [
                ["role": "system", "content": "Be terse."], ["role": "user", "content": "hi"],
            ]
        )
    }

    @Test func noSystemMessageWithoutSystemText() throws {
        let output = try Self.build(
            #"{"model":"m","max_tokens":10,"system":[{"type":"text","text":""}],"messages":[{"role":"user","content":"hi"}]}"#
        )
        #expect(try Self.messages(output).map { $0["role"] } == ["user"])
    }

    // MARK: - User content

    @Test func loneTextPartCollapsesToAString() throws {
        let output = try Self.build(
            #"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}]}"#
        )
        #expect(try Self.messages(output) == [["role": "user", "content": "hi"]])
    }

    @Test func imagesBecomeImageURLParts() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
              {"type":"text","text":"What is this?"},
              {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
              {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}
            ]}]}
            """#
        )
        let expected: JSONValue = [
            "role": "user",
            "content": [
                ["type": "text", "text": "What is this?"],
                ["type": "image_url", "image_url": ["url": "data:image/png;base64,iVBORw0KGgo="]],
                ["type": "image_url", "image_url": ["url": "https://example.com/cat.jpg"]],
            ],
        ]
        #expect(try Self.messages(output) == [expected])
    }

    @Test func documentsBecomeText() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
              {"type":"document","source":{"type":"text","media_type":"text/plain","data":"The notes."},"title":"notes.txt"},
              {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0xLjQ="},"title":"spec.pdf"}
            ]}]}
            """#
        )
        let content = try #require(try Self.messages(output).first?["content"]?.stringValue)
        #expect(content.contains("notes.txt"))
        #expect(content.contains("The notes."))
        #expect(content.contains("spec.pdf"))
        #expect(!content.contains("JVBERi0xLjQ="))
    }

    // MARK: - Assistant turns and tool calls

    @Test func toolUseBecomesToolCallsWithJSONArguments() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[
              {"role":"user","content":"read it"},
              {"role":"assistant","content":[
                {"type":"text","text":"I'll read it."},
                {"type":"tool_use","id":"toolu_1","name":"Read","input":{"file_path":"/a","limit":5,"opts":{"z":1,"a":[true]}}}
              ]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"data"}]}
            ]}
            """#
        )
        let assistant = try Self.messages(output)[1]
        #expect(assistant["role"] == "assistant")
        #expect(assistant["content"] == "I'll read it.")
        let call = try #require(assistant["tool_calls"]?.arrayValue?.first)
        #expect(call["id"] == "toolu_1")
        #expect(call["type"] == "function")
        #expect(call["function"]?["name"] == "Read")
        let arguments = try #require(call["function"]?["arguments"]?.stringValue)
        #expect(arguments == #"{"file_path":"/a","limit":5,"opts":{"z":1,"a":[true]}}"#)
    }

    @Test func assistantWithOnlyToolCallsHasNullContent() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[
              {"role":"user","content":"go"},
              {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"a.txt"}]}
            ]}
            """#
        )
        let assistant = try Self.messages(output)[1]
        #expect(assistant["content"] == .null)
        #expect(assistant["tool_calls"]?.arrayValue?.count == 1)
    }

    @Test func toolResultsFollowTheirAssistantTurnInCallOrder() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[
              {"role":"user","content":"three reads"},
              {"role":"assistant","content":[
                {"type":"tool_use","id":"t1","name":"Read","input":{"file_path":"/1"}},
                {"type":"tool_use","id":"t2","name":"Read","input":{"file_path":"/2"}},
                {"type":"tool_use","id":"t3","name":"Read","input":{"file_path":"/3"}}
              ]},
              {"role":"user","content":[
                {"type":"tool_result","tool_use_id":"t3","content":"three"},
                {"type":"text","text":"also check the README"},
                {"type":"tool_result","tool_use_id":"t1","content":"one"},
                {"type":"tool_result","tool_use_id":"t2","content":"two"}
              ]}
            ]}
            """#
        )
        let messages = try Self.messages(output)
        #expect(messages.map { $0["role"] } == ["user", "assistant", "tool", "tool", "tool", "user"])
        #expect(messages[2...4].map { $0["tool_call_id"] } == ["t1", "t2", "t3"])
        #expect(messages[2...4].map { $0["content"] } == ["one", "two", "three"])
        #expect(messages[5]["content"] == "also check the README")
        Self.checkToolMessagesFollowTheirCalls(messages)
    }

    static func toolMessageContent(result: String) throws -> String {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[
              {"role":"user","content":"go"},
              {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"make"}}]},
              {"role":"user","content":[\#(result)]}
            ]}
            """#
        )
        return try #require(try Self.messages(output)[2]["content"]?.stringValue)
    }

    @Test func isErrorIsVisibleInTheToolMessage() throws {
        let failed = try Self.toolMessageContent(
            result: #"{"type":"tool_result","tool_use_id":"t1","content":"exit status 2","is_error":true}"#
        )
        let succeeded = try Self.toolMessageContent(
            result: #"{"type":"tool_result","tool_use_id":"t1","content":"exit status 2","is_error":false}"#
        )
        #expect(succeeded == "exit status 2")
        #expect(failed != succeeded)
        #expect(failed.contains("exit status 2"))
    }

    @Test func listContentOfAToolResultIsJoined() throws {
        let content = try Self.toolMessageContent(
            result:
                #"{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"line 1"},{"type":"text","text":"line 2"}]}"#
        )
        #expect(content == "line 1\nline 2")
    }

    @Test func emptyToolResultStillHasContent() throws {
        let content = try Self.toolMessageContent(result: #"{"type":"tool_result","tool_use_id":"t1"}"#)
        #expect(!content.isEmpty)
    }

    @Test func imagesFromToolResultsMoveToAFollowingUserMessage() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[
              {"role":"user","content":"screenshot please"},
              {"role":"assistant","content":[
                {"type":"tool_use","id":"t1","name":"Screenshot","input":{}},
                {"type":"tool_use","id":"t2","name":"Bash","input":{"command":"date"}}
              ]},
              {"role":"user","content":[
                {"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"captured"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]},
                {"type":"tool_result","tool_use_id":"t2","content":"Mon"}
              ]}
            ]}
            """#
        )
        let messages = try Self.messages(output)
        #expect(messages.map { $0["role"] } == ["user", "assistant", "tool", "tool", "user"])
        #expect(messages[2]["content"] == "captured")
        #expect(messages[3]["content"] == "Mon")
        let parts = try #require(messages[4]["content"]?.arrayValue)
        #expect(parts.contains(["type": "image_url", "image_url": ["url": "data:image/png;base64,AAAA"]]))
        // Tool messages carry text only.
        for message in messages where message["role"] == "tool" {
            #expect(message["content"]?.stringValue != nil)
        }
        Self.checkToolMessagesFollowTheirCalls(messages)
    }

    @Test func missingResultsGetAPlaceholderToolMessage() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[
              {"role":"user","content":"go"},
              {"role":"assistant","content":[
                {"type":"tool_use","id":"t1","name":"Read","input":{"file_path":"/1"}},
                {"type":"tool_use","id":"t2","name":"Read","input":{"file_path":"/2"}}
              ]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"one"}]},
              {"role":"assistant","content":[{"type":"tool_use","id":"t3","name":"Bash","input":{"command":"ls"}}]},
              {"role":"assistant","content":"interrupted"},
              {"role":"user","content":"continue"}
            ]}
            """#
        )
        let messages = try Self.messages(output)
        #expect(
            messages.map { $0["role"] } == [
                "user", "assistant", "tool", "tool", "assistant", "tool", "assistant", "user",
            ]
        )
        #expect(messages[2]["content"] == "one")
        #expect(messages[3]["tool_call_id"] == "t2")
        #expect(messages[3]["content"]?.stringValue?.isEmpty == false)
        #expect(messages[5]["tool_call_id"] == "t3")
        Self.checkToolMessagesFollowTheirCalls(messages)
    }

    @Test func userTextAfterToolCallsWithoutResultsGetsPlaceholdersFirst() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[
              {"role":"user","content":"go"},
              {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Read","input":{}}]},
              {"role":"user","content":"never mind"}
            ]}
            """#
        )
        let messages = try Self.messages(output)
        #expect(messages.map { $0["role"] } == ["user", "assistant", "tool", "user"])
        #expect(messages[3]["content"] == "never mind")
        Self.checkToolMessagesFollowTheirCalls(messages)
    }

    @Test func orphanResultsBecomeUserTextInTheirOrder() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[
              {"role":"user","content":[
                {"type":"tool_result","tool_use_id":"old_1","content":"first result"},
                {"type":"tool_result","tool_use_id":"old_2","content":"second result"},
                {"type":"text","text":"what now?"}
              ]}
            ]}
            """#
        )
        let messages = try Self.messages(output)
        #expect(messages.map { $0["role"] } == ["user"])
        let text = try #require(messages[0]["content"]?.stringValue)
        let first = try #require(text.range(of: "first result"))
        let second = try #require(text.range(of: "second result"))
        let question = try #require(text.range(of: "what now?"))
        #expect(first.lowerBound < second.lowerBound)
        #expect(second.lowerBound < question.lowerBound)
        #expect(text.contains("old_1"))
        #expect(text.contains("old_2"))
    }

    @Test func duplicateResultForOneCallIsNotASecondToolMessage() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[
              {"role":"user","content":"go"},
              {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Read","input":{}}]},
              {"role":"user","content":[
                {"type":"tool_result","tool_use_id":"t1","content":"one"},
                {"type":"tool_result","tool_use_id":"t1","content":"one again"}
              ]}
            ]}
            """#
        )
        let messages = try Self.messages(output)
        #expect(messages.filter { $0["role"] == "tool" }.count == 1)
        Self.checkToolMessagesFollowTheirCalls(messages)
    }

    // MARK: - Thinking

    static let thinkingConversation = #"""
        {"model":"m","max_tokens":10,"messages":[
          {"role":"user","content":"go"},
          {"role":"assistant","content":[
            {"type":"thinking","thinking":"secret plan","signature":"c2ln"},
            {"type":"redacted_thinking","data":"opaque-redacted"},
            {"type":"text","text":"Reading."},
            {"type":"tool_use","id":"t1","name":"Read","input":{}}
          ]},
          {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]},
          {"role":"assistant","content":[{"type":"thinking","thinking":"only thoughts","signature":"c2ln"}]},
          {"role":"user","content":"and?"}
        ]}
        """#

    @Test func thinkingBlocksAreDropped() throws {
        let output = try Self.build(Self.thinkingConversation)
        let (keys, strings) = Self.keysAndStrings(.object(output.body))
        #expect(!keys.contains("reasoning_content"))
        #expect(!strings.contains { $0.contains("secret plan") || $0.contains("only thoughts") })
        #expect(!strings.contains { $0.contains("opaque-redacted") || $0.contains("c2ln") })
        #expect(try Self.messages(output).map { $0["role"] } == ["user", "assistant", "tool", "user"])
    }

    @Test func thinkingIsEchoedAsReasoningContentWhenAsked() throws {
        var options = ChatRequestBuilder.Options()
        options.echoReasoning = true
        let output = try Self.build(Self.thinkingConversation, options: options)
        let assistant = try Self.messages(output)[1]
        #expect(assistant["reasoning_content"] == "secret plan")
        #expect(assistant["content"] == "Reading.")
        let (_, strings) = Self.keysAndStrings(.object(output.body))
        #expect(!strings.contains { $0.contains("opaque-redacted") })
    }

    // MARK: - Tools

    @Test func toolsBecomeFunctionsWithSchemaPropertyOrderKept() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[
              {"name":"Edit","description":"Edits a file","cache_control":{"type":"ephemeral"},"defer_loading":false,
               "input_schema":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object",
                 "properties":{"zeta":{"type":"string"},"alpha":{"type":"number"},"mid":{"type":"object","properties":{"y":{},"b":{}}}},
                 "required":["zeta"],"additionalProperties":false}}
            ]}
            """#
        )
        let tools = try #require(output.body["tools"]?.arrayValue)
        #expect(tools.count == 1)
        #expect(tools[0]["type"] == "function")
        let function = try #require(tools[0]["function"]?.objectValue)
        #expect(function.keys == ["name", "description", "parameters"])
        #expect(function["name"] == "Edit")
        #expect(function["description"] == "Edits a file")
        let parameters = try #require(function["parameters"])
        #expect(parameters["properties"]?.objectValue?.keys == ["zeta", "alpha", "mid"])
        #expect(parameters["properties"]?["mid"]?["properties"]?.objectValue?.keys == ["y", "b"])
        #expect(parameters["required"] == ["zeta"])
        let text = JSONValue.object(output.body).jsonString
        let zeta = try #require(text.range(of: "\"zeta\""))
        let alpha = try #require(text.range(of: "\"alpha\""))
        #expect(zeta.lowerBound < alpha.lowerBound)
    }

    @Test func serverToolsAreSkipped() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[
              {"type":"web_search_20250305","name":"web_search","max_uses":5},
              {"name":"Read","input_schema":{"type":"object"}}
            ],"tool_choice":{"type":"auto"}}
            """#
        )
        let names = output.body["tools"]?.arrayValue?.map { $0["function"]?["name"] }
        #expect(names == ["Read"])
    }

    @Test func onlyServerToolsMeansNoToolsAndNoToolChoice() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],
             "tools":[{"type":"web_search_20250305","name":"web_search"}],"tool_choice":{"type":"any"}}
            """#
        )
        #expect(output.body["tools"] == nil)
        #expect(output.body["tool_choice"] == nil)
        #expect(output.body["parallel_tool_calls"] == nil)
    }

    static let twoTools =
        #"[{"name":"Read","input_schema":{"type":"object"}},{"name":"Bash","input_schema":{"type":"object"}}]"#

    @Test(arguments: [
        (#"{"type":"auto"}"#, JSONValue.string("auto")),
        (#"{"type":"any"}"#, .string("required")),
        (#"{"type":"none"}"#, .string("none")),
        (#"{"type":"tool","name":"Bash"}"#, JSONValue.object(["type": "function", "function": ["name": "Bash"]])),
        (#"{"type":"tool","name":"NotOffered"}"#, .string("required")),
    ])
    func toolChoice(json: String, expected: JSONValue) throws {
        let output = try Self.build(
            #"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":\#(Self.twoTools),"tool_choice":\#(json)}"#
        )
        #expect(output.body["tool_choice"] == expected)
        #expect(output.body["parallel_tool_calls"] == nil)
    }

    @Test(arguments: ["auto", "any"])
    func disableParallelToolUse(type: String) throws {
        let output = try Self.build(
            #"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":\#(Self.twoTools),"tool_choice":{"type":"\#(type)","disable_parallel_tool_use":true}}"#
        )
        #expect(output.body["parallel_tool_calls"] == false)
    }

    @Test func noToolChoiceWhenTheClientSentNone() throws {
        let output = try Self.build(
            #"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":\#(Self.twoTools)}"#
        )
        #expect(output.body["tools"]?.arrayValue?.count == 2)
        #expect(output.body["tool_choice"] == nil)
    }

    // MARK: - Tool names

    static let longName =
        "mcp__" + String(repeating: "very_long_server_name_", count: 3) + "search_documents_by_keyword"

    @Test func toolNamesOutsideTheOpenAIPatternAreMappedAndMappedBack() throws {
        #expect(Self.longName.count > 64)
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"tools":[
              {"name":"\#(Self.longName)","input_schema":{"type":"object"}},
              {"name":"mcp__docs__search.v2","input_schema":{"type":"object"}},
              {"name":"Read","input_schema":{"type":"object"}}
            ],"tool_choice":{"type":"tool","name":"mcp__docs__search.v2"},
            "messages":[
              {"role":"user","content":"go"},
              {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"\#(Self.longName)","input":{}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}
            ]}
            """#
        )
        let names = try #require(output.body["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue })
        #expect(names.count == 3)
        for name in names {
            #expect((1...64).contains(name.count), "\(name)")
            #expect(TranslationRun.isValidToolID(name), "\(name)")
        }
        #expect(names[2] == "Read")
        #expect(output.toolNames[names[0]] == Self.longName)
        #expect(output.toolNames[names[1]] == "mcp__docs__search.v2")
        #expect(output.toolNames["Read"] == nil)
        // History and tool_choice use the same upstream names.
        let call = try Self.messages(output)[1]["tool_calls"]?.arrayValue?.first
        #expect(call?["function"]?["name"]?.stringValue == names[0])
        #expect(output.body["tool_choice"]?["function"]?["name"]?.stringValue == names[1])
    }

    @Test func mappedNamesAreStableAcrossRequests() throws {
        let json =
            #"{"model":"m","max_tokens":10,"tools":[{"name":"\#(Self.longName)","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"hi"}]}"#
        let first = try Self.build(json).toolNames
        let second = try Self.build(json).toolNames
        #expect(first == second)
        #expect(first.count == 1)
    }

    @Test func distinctToolNamesStayDistinctUpstream() throws {
        let output = try Self.build(
            #"""
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[
              {"name":"files.read","input_schema":{"type":"object"}},
              {"name":"files_read","input_schema":{"type":"object"}},
              {"name":"files read","input_schema":{"type":"object"}},
              {"name":"\#(Self.longName)","input_schema":{"type":"object"}},
              {"name":"\#(Self.longName)_v2","input_schema":{"type":"object"}}
            ]}
            """#
        )
        let names = try #require(output.body["tools"]?.arrayValue?.compactMap { $0["function"]?["name"]?.stringValue })
        #expect(names.count == 5)
        #expect(Set(names).count == 5, "upstream names collide: \(names)")
        // Each upstream name maps back to the name the client gave it.
        let clientNames = ["files.read", "files_read", "files read", Self.longName, Self.longName + "_v2"]
        for (upstream, client) in zip(names, clientNames) {
            #expect((output.toolNames[upstream] ?? upstream) == client)
        }
    }

    @Test func translatorMapsTheUpstreamNameBack() throws {
        let output = try Self.build(
            #"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"mcp__docs__search.v2","input_schema":{"type":"object"}}]}"#
        )
        let upstream = try #require(output.body["tools"]?.arrayValue?.first?["function"]?["name"]?.stringValue)
        let run = try TranslationRun.run(
            [
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"\#(upstream)","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}"#
            ],
            configuration: .test(toolNames: output.toolNames)
        )
        #expect(try run.toolUses().map(\.name) == ["mcp__docs__search.v2"])
    }

    // MARK: - Parameters

    @Test func samplingParametersAndStop() throws {
        let output = try Self.build(
            #"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"temperature":0.2,"top_p":0.9,"top_k":40,"stop_sequences":["END","</answer>"]}"#
        )
        #expect(output.body["temperature"]?.doubleValue == 0.2)
        #expect(output.body["top_p"]?.doubleValue == 0.9)
        #expect(output.body["stop"] == ["END", "</answer>"])
        #expect(output.body["top_k"] == nil)
        var options = ChatRequestBuilder.Options()
        options.allowsTopK = true
        let withTopK = try Self.build(
            #"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"top_k":40}"#,
            options: options
        )
        #expect(withTopK.body["top_k"] == 40)
    }

    @Test func absentParametersAreNotSent() throws {
        let output = try Self.build(#"{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"#)
        #expect(output.body.keys == ["model", "messages", "max_tokens", "stream"])
        #expect(output.body["model"] == "upstream-model")
        #expect(output.body["stream"] == false)
    }

    @Test(arguments: [(32000, nil, 32000), (32000, 8192, 8192), (100, 8192, 100), (0, nil, 1)] as [(Int, Int?, Int)])
    func maxTokensAndTheCap(requested: Int, cap: Int?, expected: Int) throws {
        var options = ChatRequestBuilder.Options()
        options.maxOutputTokens = cap
        let output = try Self.build(
            #"{"model":"m","max_tokens":\#(requested),"messages":[{"role":"user","content":"hi"}]}"#,
            options: options
        )
        #expect(output.body["max_tokens"] == .int(expected))
    }

    @Test func maxTokensParameterName() throws {
        var options = ChatRequestBuilder.Options()
        options.maxTokensParameter = "max_completion_tokens"
        let output = try Self.build(
            #"{"model":"m","max_tokens":500,"messages":[{"role":"user","content":"hi"}]}"#,
            options: options
        )
        #expect(output.body["max_completion_tokens"] == 500)
        #expect(output.body["max_tokens"] == nil)
    }

    @Test(arguments: [true, false])
    func streamOptionsOnlyWhenStreaming(stream: Bool) throws {
        let output = try Self.build(
            #"{"model":"m","max_tokens":10,"stream":\#(stream),"messages":[{"role":"user","content":"hi"}]}"#
        )
        #expect(output.body["stream"] == .bool(stream))
        let expected: JSONValue? = stream ? ["include_usage": true] : nil
        #expect(output.body["stream_options"] == expected)
    }

    // MARK: - Claude Code requests

    static let anthropicOnlyKeys: Set<String> = [
        "metadata", "thinking", "context_management", "output_config", "cache_control", "top_k", "prompt_cache_key",
        "safeguards", "betas", "service_tier", "container",
    ]

    static let claudeCodeFiles = [
        "01-main-turn-with-tools.body.json", "02-followup-tool-result-with-thinking.body.json",
        "03-haiku-title-side-call.body.json",
    ]

    @Test(arguments: claudeCodeFiles)
    func capturedClaudeCodeRequestSendsNoAnthropicOnlyKeys(file: String) throws {
        let request = try MessagesRequest(json: JSONParser.parse(Fixture.bytes(file, subdirectory: "claude-code")))
        // The capture itself has several of them.
        #expect(!Self.anthropicOnlyKeys.isDisjoint(with: Set(request.body.keys)))
        let output = ChatRequestBuilder().build(request, model: "z-ai/glm-4.7")
        let (keys, _) = Self.keysAndStrings(.object(output.body))
        #expect(keys.isDisjoint(with: Self.anthropicOnlyKeys), "leaked: \(keys.intersection(Self.anthropicOnlyKeys))")
        let messages = try Self.messages(output)
        #expect(messages.first?["role"] == "system")
        #expect(messages.dropFirst().allSatisfy { $0["role"] != "system" })
        #expect((output.body["tools"]?.arrayValue?.count ?? 0) == request.tools.count { !$0.isServerTool })
        Self.checkToolMessagesFollowTheirCalls(messages)
    }

    @Test func bodyWithEveryAnthropicOnlyFieldSendsNoneOfThem() throws {
        var options = ChatRequestBuilder.Options()
        options.echoReasoning = true
        let output = try Self.build(
            #"""
            {"model":"claude-sonnet-4-5","max_tokens":32000,"stream":true,"top_k":5,
             "metadata":{"user_id":"{\"device_id\":\"abc\",\"session_id\":\"s\"}"},
             "thinking":{"type":"enabled","budget_tokens":31999},
             "context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},
             "output_config":{"effort":"high"},"cache_control":{"type":"ephemeral"},
             "prompt_cache_key":"k","safeguards":{"level":"strict"},"betas":["interleaved-thinking-2025-05-14"],
             "service_tier":"auto","container":"container_1","inference_geo":"us",
             "system":[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral","ttl":"1h"}}],
             "tools":[{"name":"Read","description":"Reads","cache_control":{"type":"ephemeral"},"defer_loading":true,
                       "input_schema":{"type":"object","properties":{"file_path":{"type":"string"}}}}],
             "messages":[
               {"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]},
               {"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s"},
                 {"type":"tool_use","id":"t1","name":"Read","input":{"file_path":"/a"},"cache_control":{"type":"ephemeral"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"x","cache_control":{"type":"ephemeral"}},
                 {"type":"container_upload","file_id":"f","cache_control":{"type":"ephemeral"}}]}
             ]}
            """#,
            options: options
        )
        let (keys, _) = Self.keysAndStrings(.object(output.body))
        #expect(keys.isDisjoint(with: Self.anthropicOnlyKeys), "leaked: \(keys.intersection(Self.anthropicOnlyKeys))")
        #expect(!keys.contains("defer_loading"))
        #expect(!keys.contains("inference_geo"))
    }

    @Test func capturedFollowUpTurnTranslates() throws {
        let request = try MessagesRequest(
            json: JSONParser.parse(
                Fixture.bytes("02-followup-tool-result-with-thinking.body.json", subdirectory: "claude-code")
            )
        )
        let output = ChatRequestBuilder().build(request, model: "deepseek-chat")
        let messages = try Self.messages(output)
        #expect(messages.map { $0["role"] } == ["system", "user", "assistant", "tool"])
        let system = try #require(messages[0]["content"]?.stringValue)
        #expect(system.hasPrefix("x-anthropic-billing-header"))
        #expect(system.contains("You are a Claude agent"))
        #expect(system.contains("# Environment"))
        #expect(
            messages[1]["content"]?.stringValue?.hasSuffix("Create a file named hello.txt containing hello") == true
        )
        #expect(messages[2]["content"] == "I'll create the file.")
        let call = try #require(messages[2]["tool_calls"]?.arrayValue?.first)
        #expect(call["id"] == "toolu_833cc6a6f9c5449a9f13984b")
        #expect(call["function"]?["name"] == "Write")
        let arguments = try JSONParser.parse(try #require(call["function"]?["arguments"]?.stringValue))
        #expect(
            arguments == [
                "file_path": "/tmp/cc-explore/runs/think/work/hello.txt", "content": "hello from switchboard\n",
            ]
        )
        #expect(messages[3]["tool_call_id"] == "toolu_833cc6a6f9c5449a9f13984b")
        #expect(messages[3]["content"]?.stringValue?.hasPrefix("File created successfully") == true)
        #expect(output.body["model"] == "deepseek-chat")
        #expect(output.body["max_tokens"] == 128_000)
        #expect(output.body["stream_options"] == ["include_usage": true])
    }
}

struct ServerToolHistoryTests {
    @Test func aServerToolCallInHistoryIsNotSentAsAFunctionCall() throws {
        let request = try MessagesRequest(
            json: try JSONParser.parse(
                #"""
                {"model":"m","max_tokens":1,"messages":[
                  {"role":"user","content":"search swift"},
                  {"role":"assistant","content":[
                    {"type":"server_tool_use","id":"srvtoolu_01","name":"web_search","input":{"query":"swift"}},
                    {"type":"text","text":"Swift is a language."}]},
                  {"role":"user","content":"thanks"}]}
                """#
            )
        )
        let body = ChatRequestBuilder().build(request, model: "m").body
        let messages = try #require(body["messages"]?.arrayValue)
        #expect(messages.map { $0["role"]?.stringValue ?? "" } == ["user", "assistant", "user"])
        #expect(messages[1]["tool_calls"] == nil)
        #expect(messages[1]["content"] == "Swift is a language.")
    }
}

struct ReasoningFieldTests {
    @Test func anEmptyReasoningContentDoesNotHideReasoning() throws {
        let chunk = ChatChunk(
            json: try JSONParser.parse(
                #"{"choices":[{"index":0,"delta":{"reasoning_content":"","reasoning":"deep thought"}}]}"#
            )
        )
        #expect(chunk.reasoning == "deep thought")
    }
}
