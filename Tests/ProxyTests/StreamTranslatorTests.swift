import Testing

@testable import Proxy

/// Chunk streams in the shapes real providers send (protocol.md §3.2, §4.3, §4.4), each run through
/// ``TranslationRun``, which folds every event with ``MessageAccumulator`` (so an invalid event
/// order fails the test) and checks the SSE encoding and tool ids.
struct StreamTranslatorTests {
    // MARK: - Text and reasoning

    @Test func plainTextIsOneTextBlockWithUpstreamUsage() throws {
        let run = try TranslationRun.run([
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"usage":null}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}],"usage":null}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":13,"completion_tokens":2,"total_tokens":15}}"#,
        ])
        #expect(
            run.events == [
                .messageStart(id: "msg_test", model: "claude-test", inputTokens: 100),
                .contentBlockStart(index: 0, .text),
                .contentBlockDelta(index: 0, .text("Hel")),
                .contentBlockDelta(index: 0, .text("lo")),
                .contentBlockStop(index: 0),
                .messageDelta(stopReason: .endTurn, stopSequence: nil, usage: Usage(inputTokens: 13, outputTokens: 2)),
                .messageStop,
            ]
        )
        #expect(run.message.isComplete)
    }

    @Test(arguments: ["reasoning_content", "reasoning"])
    func reasoningFieldBecomesASignedThinkingBlock(field: String) throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"role":"assistant","content":null,"\#(field)":"Let me "},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":null,"\#(field)":"think."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"Answer.","\#(field)":null},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
        ])
        #expect(
            run.blocks == [.thinking("Let me think.", signature: StreamTranslator.thinkingSignature), .text("Answer.")]
        )
        #expect(!StreamTranslator.thinkingSignature.isEmpty)
        #expect(run.messageDelta?.stopReason == .endTurn)
    }

    @Test func inlineThinkTagsAtTheStartBecomeAThinkingBlock() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"role":"assistant","content":"<think>"},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"The user greets me."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"</think>\n\n"},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"Hello!"},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
        ])
        #expect(
            run.blocks == [
                .thinking("The user greets me.", signature: StreamTranslator.thinkingSignature), .text("Hello!"),
            ]
        )
    }

    static let thinkContent = "<think>Plan: greet 👋 back.</think>\n\nHi there"

    @Test(arguments: 1..<thinkContent.count)
    func thinkTagsSplitInTwoAnywhere(offset: Int) throws {
        let text = Self.thinkContent
        let cut = text.index(text.startIndex, offsetBy: offset)
        let run = try TranslationRun.run([
            contentChunkJSON(String(text[..<cut])), contentChunkJSON(String(text[cut...])),
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
        ])
        #expect(
            run.blocks == [
                .thinking("Plan: greet 👋 back.", signature: StreamTranslator.thinkingSignature), .text("Hi there"),
            ]
        )
    }

    @Test func thinkTagsSplitInThreeAnywhere() throws {
        let characters = Array(Self.thinkContent)
        let expected: [MessageAccumulator.Block] = [
            .thinking("Plan: greet 👋 back.", signature: StreamTranslator.thinkingSignature), .text("Hi there"),
        ]
        for first in 1..<characters.count {
            for second in (first + 1)..<characters.count {
                let pieces = [
                    String(characters[..<first]), String(characters[first..<second]), String(characters[second...]),
                ]
                let run = try TranslationRun.run(
                    pieces.map(contentChunkJSON) + [#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#]
                )
                #expect(run.blocks == expected, "split at \(first), \(second)")
            }
        }
    }

    @Test func thinkTagsStayTextWhenSplittingIsOff() throws {
        let run = try TranslationRun.run(
            [
                #"{"choices":[{"index":0,"delta":{"content":"<think>x</think>y"},"finish_reason":"stop"}]}"#
            ],
            configuration: .test(thinkTags: .off)
        )
        #expect(run.blocks == [.text("<think>x</think>y")])
    }

    @Test func thinkingAfterTextOpensNewBlocksInOrder() throws {
        // GLM / MiniMax interleaved thinking: reasoning, text, reasoning, text.
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"reasoning_content":"Plan A."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"Step one."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"reasoning_content":"Plan B."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"Step two."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
        ])
        let signature = StreamTranslator.thinkingSignature
        #expect(
            run.blocks == [
                .thinking("Plan A.", signature: signature), .text("Step one."),
                .thinking("Plan B.", signature: signature), .text("Step two."),
            ]
        )
    }

    @Test func thinkingBetweenToolCallsIsKept() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"reasoning_content":"Read first."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"Read","arguments":"{\"file_path\":\"/a\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"reasoning_content":"Now edit."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"Editing."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ])
        let signature = StreamTranslator.thinkingSignature
        #expect(
            run.blocks == [
                .thinking("Read first.", signature: signature),
                .toolUse(id: "call_1", name: "Read", inputJSON: #"{"file_path":"/a"}"#),
                .thinking("Now edit.", signature: signature), .text("Editing."),
            ]
        )
        #expect(run.messageDelta?.stopReason == .toolUse)
    }

    // MARK: - Tool calls

    @Test func textThenStreamedToolCall() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Let me check."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":" \"Paris\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ])
        #expect(run.blocks.first == .text("Let me check."))
        let tools = try run.toolUses()
        #expect(tools.count == 1)
        #expect(tools.first?.id == "call_abc")
        #expect(tools.first?.name == "get_weather")
        #expect(tools.first?.input == ["city": "Paris"])
        #expect(run.messageDelta?.stopReason == .toolUse)
    }

    @Test func severalToolCallsInOneDeltaWithFullArguments() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"Read","arguments":"{\"file_path\":\"/a\"}"}},{"index":1,"id":"call_b","type":"function","function":{"name":"Read","arguments":"{\"file_path\":\"/b\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ])
        let tools = try run.toolUses()
        #expect(tools.map(\.id) == ["call_a", "call_b"])
        #expect(tools.map(\.input) == [["file_path": "/a"], ["file_path": "/b"]])
        #expect(run.blockStartCount.toolUse == 2)
    }

    @Test func severalToolCallsInOneDeltaThenArgumentsForBothInOneDelta() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"Read","arguments":""}},{"index":1,"id":"call_b","type":"function","function":{"name":"Glob","arguments":""}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"file_path\":\"/a\"}"}},{"index":1,"function":{"arguments":"{\"pattern\":\"*.md\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ])
        let tools = try run.toolUses()
        #expect(tools.map(\.name) == ["Read", "Glob"])
        #expect(tools.map(\.input) == [["file_path": "/a"], ["pattern": "*.md"]])
    }

    @Test func nameAndFullArgumentsInOneFragment() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"Bash","arguments":"{\"command\":\"ls -la\",\"description\":\"List\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ])
        let tools = try run.toolUses()
        #expect(tools.count == 1)
        #expect(tools.first?.input == ["command": "ls -la", "description": "List"])
    }

    @Test func interleavedIndicesKeepEachCallIntactInItsOwnBlock() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"Glob","arguments":""}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"Grep","arguments":""}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"pattern\":"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"pattern\":"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"*.swift\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"\"TODO\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ])
        let tools = try run.toolUses()
        #expect(tools.map(\.id) == ["call_a", "call_b"])
        #expect(tools.map(\.name) == ["Glob", "Grep"])
        #expect(tools.map(\.input) == [["pattern": "*.swift"], ["pattern": "TODO"]])
        #expect(run.blockStartCount.toolUse == 2)
        #expect(run.messageDelta?.stopReason == .toolUse)
    }

    @Test func secondCallCompletingBeforeTheFirstWaitsForIt() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"Write","arguments":"{\"file_path\":\"/a\","}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"Read","arguments":"{\"file_path\":\"/b\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"Both done."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"content\":\"x\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ])
        #expect(
            run.blocks == [
                .toolUse(id: "call_a", name: "Write", inputJSON: #"{"file_path":"/a","content":"x"}"#),
                .toolUse(id: "call_b", name: "Read", inputJSON: #"{"file_path":"/b"}"#),
                .text("Both done."),
            ]
        )
    }

    @Test func outOfOrderIndexOneBeforeZero() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"Bash","arguments":"{\"command\":"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"Read","arguments":"{\"file_path\":\"/x\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"\"ls\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ])
        let tools = try run.toolUses()
        #expect(tools.count == 2)
        let byID = Dictionary(uniqueKeysWithValues: tools.map { ($0.id, $0) })
        #expect(byID["call_a"]?.name == "Read")
        #expect(byID["call_a"]?.input == ["file_path": "/x"])
        #expect(byID["call_b"]?.name == "Bash")
        #expect(byID["call_b"]?.input == ["command": "ls"])
    }

    @Test func missingIndexNewIDStartsANewCallElseContinues() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"call_1","type":"function","function":{"name":"Read","arguments":"{\"file_path\":"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":"\"/a\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"call_2","type":"function","function":{"name":"Read","arguments":"{\"file_path\":"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"call_2","function":{"arguments":"\"/b\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
        ])
        let tools = try run.toolUses()
        #expect(tools.map(\.id) == ["call_1", "call_2"])
        #expect(tools.map(\.input) == [["file_path": "/a"], ["file_path": "/b"]])
        #expect(run.messageDelta?.stopReason == .toolUse)
    }

    @Test func reusedIndexWithANewIDStartsANewCall() throws {
        // Ollama (ollama/ollama#15457) and some bridges give every parallel call `index: 0`.
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"Write","arguments":"{\"file_path\":"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"hello.py\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_b","type":"function","function":{"name":"Write","arguments":"{\"file_path\":"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"world.py\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ])
        let tools = try run.toolUses()
        #expect(tools.map(\.id) == ["call_a", "call_b"])
        #expect(tools.map(\.input) == [["file_path": "hello.py"], ["file_path": "world.py"]])
    }

    /// A small deterministic generator, so every case is reproducible from its seed.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test(arguments: 0..<300)
    func randomInterleavingsKeepEveryCallIntact(seed: UInt64) throws {
        var random = SplitMix64(state: seed)
        let callCount = Int.random(in: 1...3, using: &random)
        var streams: [[String]] = []  // per source, the delta JSON objects in order
        var arguments: [String] = []
        for call in 0..<callCount {
            let args = #"{"path":"/f/\#(call)","text":"a {b} [c] \"q\" ]}","n":\#(call)}"#
            arguments.append(args)
            var cuts = (0..<Int.random(in: 0...4, using: &random)).map { _ in
                Int.random(in: 0...args.utf8.count, using: &random)
            }
            cuts = ([0] + cuts.sorted() + [args.utf8.count])
            let bytes = Array(args.utf8)
            let pieces = zip(cuts, cuts.dropFirst()).map { String(decoding: bytes[$0..<$1], as: UTF8.self) }
            let nameLate = Int.random(in: 0..<4, using: &random) == 0
            var fragments: [String] = []
            for (position, piece) in pieces.enumerated() {
                let argumentsJSON = JSONValue.string(piece).jsonString
                if position == 0 {
                    let name = nameLate ? "" : #""name":"Tool\#(call)","#
                    fragments.append(
                        #"{"index":\#(call),"id":"call_\#(call)","type":"function","function":{\#(name)"arguments":\#(argumentsJSON)}}"#
                    )
                } else {
                    fragments.append(#"{"index":\#(call),"function":{"arguments":\#(argumentsJSON)}}"#)
                }
            }
            if nameLate { fragments.insert(#"{"index":\#(call),"function":{"name":"Tool\#(call)"}}"#, at: 1) }
            streams.append(fragments.map { #"{"tool_calls":[\#($0)]}"# })
        }
        let texts = (0..<Int.random(in: 0...3, using: &random)).map { "T\($0)." }
        let thoughts = (0..<Int.random(in: 0...2, using: &random)).map { "R\($0)." }
        streams.append(texts.map { #"{"content":"\#($0)"}"# })
        streams.append(thoughts.map { #"{"reasoning_content":"\#($0)"}"# })

        var chunks: [String] = []
        var positions = Array(repeating: 0, count: streams.count)
        while let source = streams.indices.filter({ positions[$0] < streams[$0].count }).randomElement(using: &random) {
            chunks.append(
                #"{"choices":[{"index":0,"delta":\#(streams[source][positions[source]]),"finish_reason":null}]}"#
            )
            positions[source] += 1
        }
        chunks.append(#"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#)

        let run = try TranslationRun.run(chunks)
        let tools = try run.toolUses()
        #expect(run.blockStartCount.toolUse == callCount)
        for call in 0..<callCount {
            let block = run.blocks.first { if case .toolUse(id: "call_\(call)", _, _) = $0 { true } else { false } }
            #expect(block == .toolUse(id: "call_\(call)", name: "Tool\(call)", inputJSON: arguments[call]))
        }
        #expect(tools.count == callCount)
        let text = run.blocks.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined()
        let thinking = run.blocks.compactMap { if case .thinking(let text, _) = $0 { text } else { nil } }.joined()
        #expect(text == texts.joined())
        #expect(thinking == thoughts.joined())
        #expect(run.messageDelta?.stopReason == .toolUse)
    }

    @Test func nameArrivingAfterTheID() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"arguments":""}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"file_path\":\"/t\","}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"Write"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"content\":\"hi\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ])
        #expect(run.blocks == [.toolUse(id: "call_1", name: "Write", inputJSON: #"{"file_path":"/t","content":"hi"}"#)])
    }

    @Test func argumentsSentAsAJSONObject() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"Read","arguments":{"file_path":"/a","limit":10}}}]},"finish_reason":"tool_calls"}]}"#
        ])
        let tools = try run.toolUses()
        #expect(tools.count == 1)
        #expect(tools.first?.input == ["file_path": "/a", "limit": 10])
    }

    @Test func duplicateEmptyAndInvalidToolIDsBecomeUniqueValidIDs() throws {
        // TranslationRun rejects any id that is reused or not [A-Za-z0-9_-]+.
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call 1/x","type":"function","function":{"name":"A","arguments":"{}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call 1/x","type":"function","function":{"name":"B","arguments":"{}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":2,"id":"","type":"function","function":{"name":"C","arguments":"{}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":3,"type":"function","function":{"name":"D","arguments":"{}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":4,"id":"toolu_ok","type":"function","function":{"name":"E","arguments":"{}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":5,"id":"toolu_ok","type":"function","function":{"name":"F","arguments":"{}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":6,"id":"調用-1","type":"function","function":{"name":"G","arguments":"{}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ])
        let tools = try run.toolUses()
        #expect(tools.map(\.name) == ["A", "B", "C", "D", "E", "F", "G"])
        #expect(Set(tools.map(\.id)).count == 7)
        #expect(tools.allSatisfy { TranslationRun.isValidToolID($0.id) })
        #expect(tools[4].id == "toolu_ok")
    }

    @Test func toolNamesAreMappedBackToTheClientNames() throws {
        let run = try TranslationRun.run(
            [
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"mcp__docs__search_v2","arguments":"{}"}},{"index":1,"id":"call_2","type":"function","function":{"name":"Read","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}"#
            ],
            configuration: .test(toolNames: ["mcp__docs__search_v2": "mcp__docs__search.v2"])
        )
        #expect(try run.toolUses().map(\.name) == ["mcp__docs__search.v2", "Read"])
    }

    @Test func textAfterAToolCall() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"TodoWrite","arguments":"{\"todos\":[]}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"Done."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ])
        #expect(
            run.blocks == [.toolUse(id: "call_1", name: "TodoWrite", inputJSON: #"{"todos":[]}"#), .text("Done.")]
        )
    }

    // MARK: - Stop reasons

    @Test func stopWithToolCallsBecomesToolUse() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"Read","arguments":"{\"file_path\":\"/a\"}"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
        ])
        #expect(run.messageDelta?.stopReason == .toolUse)
    }

    @Test func toolCallsFinishWithoutACallIsEndTurn() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"content":"Nothing to do."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[]},"finish_reason":"tool_calls"}]}"#,
        ])
        #expect(run.messageDelta?.stopReason == .endTurn)
    }

    @Test func lengthMidToolArgumentsIsMaxTokensWithTheBlockStillSent() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"Write","arguments":"{\"file_path\":\"/a\",\"content\":\"lorem"}}]},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}"#,
        ])
        #expect(
            run.blocks == [.toolUse(id: "call_1", name: "Write", inputJSON: #"{"file_path":"/a","content":"lorem"#)]
        )
        #expect(run.messageDelta?.stopReason == .maxTokens)
        #expect(run.events.contains(.contentBlockStop(index: 0)))
    }

    @Test func contentFilterBecomesRefusal() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"content":"I can't"},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"content_filter"}]}"#,
        ])
        #expect(run.messageDelta?.stopReason == .refusal)
        #expect(run.blocks == [.text("I can't")])
    }

    @Test func refusalDeltaIsShownAsText() throws {
        let run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"content":null,"refusal":"I can't help with that."},"finish_reason":null}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
        ])
        #expect(run.blocks == [.text("I can't help with that.")])
    }

    @Test func contentAndFinishReasonInOneChunk() throws {
        let run = try TranslationRun.run([
            #"{"id":"chatcmpl-2","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}]}"#
        ])
        #expect(run.blocks == [.text("Hello")])
        #expect(run.messageDelta?.stopReason == .endTurn)
    }

    @Test func vLLMStopReasonMatchingARequestedStopSequence() throws {
        let run = try TranslationRun.run(
            [
                #"{"choices":[{"index":0,"delta":{"content":"Answer"},"finish_reason":null,"stop_reason":null}]}"#,
                #"{"choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop","stop_reason":"</answer>"}]}"#,
            ],
            configuration: .test(stopSequences: ["END", "</answer>"])
        )
        #expect(run.messageDelta?.stopReason == .stopSequence)
        #expect(run.messageDelta?.stopSequence == "</answer>")
        #expect(run.message.stopSequence == "</answer>")
    }

    @Test(arguments: [#""OTHER""#, "128009", "null"])
    func vLLMStopReasonThatWasNotRequestedIsEndTurn(stopReason: String) throws {
        let run = try TranslationRun.run(
            [
                #"{"choices":[{"index":0,"delta":{"content":"Answer"},"finish_reason":"stop","stop_reason":\#(stopReason)}]}"#
            ],
            configuration: .test(stopSequences: ["</answer>"])
        )
        #expect(run.messageDelta?.stopReason == .endTurn)
        #expect(run.messageDelta?.stopSequence == nil)
    }

    // MARK: - Usage

    static let usageStreams: [[String]] = [
        // Usage on the finish chunk (DeepSeek).
        [
            #"{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"usage":null}"#,
            #"{"choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop"}],"usage":{"prompt_tokens":374,"completion_tokens":61,"total_tokens":435,"prompt_tokens_details":{"cached_tokens":256},"completion_tokens_details":{"reasoning_tokens":17}}}"#,
        ],
        // Usage in a separate `choices: []` chunk (OpenAI include_usage).
        [
            #"{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"usage":null}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}"#,
            #"{"choices":[],"usage":{"prompt_tokens":374,"completion_tokens":61,"total_tokens":435,"prompt_tokens_details":{"cached_tokens":256}}}"#,
        ],
        // DeepSeek's own cache fields only.
        [
            #"{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":374,"completion_tokens":61,"total_tokens":435,"prompt_cache_hit_tokens":256,"prompt_cache_miss_tokens":118}}"#
        ],
    ]

    @Test(arguments: usageStreams)
    func upstreamUsageIsReportedInMessageDelta(chunks: [String]) throws {
        let run = try TranslationRun.run(chunks)
        let usage = try #require(run.messageDelta?.usage)
        #expect(usage.inputTokens == 374 - 256)
        #expect(usage.cacheReadInputTokens == 256)
        #expect(usage.outputTokens == 61)
        #expect(run.message.usage == usage)
    }

    @Test func withoutUpstreamUsageTheUsageIsEstimated() throws {
        func usage(for text: String) throws -> Usage {
            let run = try TranslationRun.run([
                contentChunkJSON(text), #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            ])
            return try #require(run.messageDelta?.usage)
        }
        let short = try usage(for: "Hello there.")
        let long = try usage(for: String(repeating: "Hello there, a longer answer. ", count: 40))
        #expect(short.inputTokens == 100)
        #expect(short.outputTokens > 0)
        #expect(long.outputTokens > short.outputTokens)
    }

    // MARK: - Shapes that carry nothing

    static let noiseChunks = [
        #"{"choices":[],"id":"","model":""}"#,
        #"{"id":"chatcmpl-3","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}"#,
        #"{"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
        #"{"choices":[{"index":0,"delta":{"content":null,"reasoning_content":""},"finish_reason":null}]}"#,
        #"{"choices":[{"index":0,"delta":{"reasoning":""},"finish_reason":null}]}"#,
        #"{"choices":[{"index":0,"delta":{"tool_calls":[]},"finish_reason":null}]}"#,
        #"{"choices":[{"index":0,"delta":{"content":"","tool_calls":[]},"finish_reason":null}],"usage":null}"#,
        #"{"choices":[{"index":0,"delta":{},"finish_reason":null}]}"#,
    ]

    @Test(arguments: noiseChunks)
    func chunkWithoutContentEmitsNothing(json: String) throws {
        var run = TranslationRun()
        try run.start()
        let events = try run.feed(json)
        #expect(events.isEmpty)
    }

    @Test func noiseOnlyStreamHasNoBlocks() throws {
        let run = try TranslationRun.run(
            Self.noiseChunks + [#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#]
        )
        #expect(run.blocks.isEmpty)
        #expect(run.events.count == 3)
        #expect(run.message.isComplete)
    }

    @Test func noiseBeforeContentDoesNotAddBlocks() throws {
        let run = try TranslationRun.run(
            Self.noiseChunks + [
                #"{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"#,
                #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#,
            ]
        )
        #expect(run.blocks == [.text("Hi")])
        #expect(run.blockStartCount.text == 1)
    }

    // MARK: - Whole answers in one chunk

    @Test func wholeAnswerInOneChunkOllama() throws {
        let run = try TranslationRun.run([
            #"{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"qwen3","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"Checking.","tool_calls":[{"id":"call_x1","index":0,"type":"function","function":{"name":"Read","arguments":"{\"file_path\":\"/etc/hosts\"}"}}]},"finish_reason":"stop"}],"usage":{"prompt_tokens":50,"completion_tokens":20,"total_tokens":70}}"#
        ])
        #expect(
            run.blocks == [
                .text("Checking."), .toolUse(id: "call_x1", name: "Read", inputJSON: #"{"file_path":"/etc/hosts"}"#),
            ]
        )
        #expect(run.messageDelta?.stopReason == .toolUse)
        #expect(run.messageDelta?.usage == Usage(inputTokens: 50, outputTokens: 20))
    }

    @Test func nonStreamingCompletionIsReadAsOneChunk() throws {
        let run = try TranslationRun.run([
            #"""
            {
              "id": "chatcmpl-abc123",
              "object": "chat.completion",
              "created": 1699896916,
              "model": "gpt-4-turbo-2024-04-09",
              "choices": [
                {
                  "index": 0,
                  "message": {
                    "role": "assistant",
                    "content": null,
                    "tool_calls": [
                      {"id": "call_abc123", "type": "function", "function": {"name": "get_current_weather", "arguments": "{\n\"location\": \"Boston, MA\"\n}"}},
                      {"id": "call_def456", "type": "function", "function": {"name": "get_current_weather", "arguments": "{\"location\": \"Paris\"}"}}
                    ]
                  },
                  "logprobs": null,
                  "finish_reason": "tool_calls"
                }
              ],
              "usage": {"prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99}
            }
            """#
        ])
        let tools = try run.toolUses()
        #expect(tools.map(\.id) == ["call_abc123", "call_def456"])
        #expect(tools.map(\.input) == [["location": "Boston, MA"], ["location": "Paris"]])
        #expect(run.messageDelta?.usage == Usage(inputTokens: 82, outputTokens: 17))
    }

    // MARK: - Errors and the end

    @Test func streamWithoutFinishReasonEndsWithAnError() throws {
        var run = TranslationRun()
        try run.feed(#"{"choices":[{"index":0,"delta":{"content":"Half an ans"},"finish_reason":null}]}"#)
        let end = try run.finish()
        #expect(end.contains { if case .error = $0 { true } else { false } })
        #expect(!run.events.contains { if case .messageDelta = $0 { true } else { false } })
        #expect(!run.events.contains(.messageStop))
        #expect(run.message.error?.kind == .api)
        #expect(!run.message.isComplete)
        #expect(run.translator.isEnded)
    }

    static let errorChunks: [(String, APIError.Kind, String)] = [
        (#"{"error":{"message":"Rate limit exceeded","code":429}}"#, .rateLimit, "Rate limit exceeded"),
        (#"{"error":{"message":"Service unavailable","code":503}}"#, .overloaded, "Service unavailable"),
        (
            #"{"object":"error","message":"The model is overloaded","type":"ServiceUnavailableError","param":null,"code":503}"#,
            .overloaded, "The model is overloaded"
        ),
        (
            #"{"object":"error","message":"max_tokens is too large","type":"BadRequestError","param":null,"code":400}"#,
            .invalidRequest, "max_tokens is too large"
        ),
        (
            #"{"error":{"message":"Internal error","type":"server_error","param":null,"code":"internal_error"}}"#, .api,
            "Internal error"
        ),
        (
            #"{"error":{"code":502,"message":"Provider returned error","metadata":{"provider_name":"X"}}}"#, .api,
            "Provider returned error"
        ),
    ]

    @Test(arguments: errorChunks)
    func errorChunkMidStreamBecomesAnErrorEvent(json: String, kind: APIError.Kind, message: String) throws {
        var run = TranslationRun()
        try run.feed(#"{"choices":[{"index":0,"delta":{"content":"Partial"},"finish_reason":null}]}"#)
        try run.feed(json)
        let error = try #require(run.error)
        #expect(error.kind == kind)
        #expect(error.message.contains(message))
        #expect(run.messageDelta == nil)
        let afterError = try run.feed(#"{"choices":[{"index":0,"delta":{"content":"more"},"finish_reason":"stop"}]}"#)
        #expect(afterError.isEmpty)
        let finishAfterError = try run.finish()
        #expect(finishAfterError.isEmpty)
    }

    @Test(arguments: [("error", APIError.Kind.api), ("insufficient_system_resource", .overloaded)])
    func finishReasonThatMeansFailureIsAnError(reason: String, kind: APIError.Kind) throws {
        var run = TranslationRun()
        try run.feed(#"{"choices":[{"index":0,"delta":{"content":"Half"},"finish_reason":null}]}"#)
        try run.feed(#"{"choices":[{"index":0,"delta":{},"finish_reason":"\#(reason)"}]}"#)
        #expect(run.error?.kind == kind)
        #expect(run.messageDelta == nil)
        let finishAfterFailure = try run.finish()
        #expect(finishAfterFailure.isEmpty)
    }

    @Test func failMidStreamEndsTheStream() throws {
        var run = TranslationRun()
        try run.feed(#"{"choices":[{"index":0,"delta":{"content":"Partial"},"finish_reason":null}]}"#)
        let events = try run.fail(APIError(.api, "connection lost"))
        #expect(events == [.error(APIError(.api, "connection lost"))])
        let finishAfterFail = try run.finish()
        #expect(finishAfterFail.isEmpty)
    }

    @Test func nothingIsEmittedAfterTheEnd() throws {
        var run = try TranslationRun.run([
            #"{"choices":[{"index":0,"delta":{"content":"Done"},"finish_reason":"stop"}]}"#
        ])
        #expect(run.events.last == .messageStop)
        let restart = try run.start()
        #expect(restart.isEmpty)
        let lateContent = try run.feed(#"{"choices":[{"index":0,"delta":{"content":"late"},"finish_reason":null}]}"#)
        #expect(lateContent.isEmpty)
        let lateError = try run.feed(#"{"error":{"message":"late error","code":500}}"#)
        #expect(lateError.isEmpty)
        let secondFinish = try run.finish()
        #expect(secondFinish.isEmpty)
        let lateFail = try run.fail(APIError(.api, "late"))
        #expect(lateFail.isEmpty)
    }

    @Test func finishReasonIsRememberedUntilTheStreamEnds() throws {
        var run = TranslationRun()
        try run.feed(#"{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}"#)
        #expect(run.translator.hasFinishReason)
        #expect(!run.translator.isEnded)
        #expect(!run.events.contains(.messageStop))
        try run.feed(#"{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1}}"#)
        try run.finish()
        #expect(run.translator.reportedUsage == ChatChunk.UpstreamUsage(promptTokens: 5, completionTokens: 1))
        #expect(run.events.last == .messageStop)
    }

    // MARK: - Recorded streams

    @Test func deepSeekToolCallFixture() throws {
        // vercel/ai packages/deepseek/src/chat/__fixtures__/deepseek-tool-call.chunks.txt
        let lines = try Fixture.text("deepseek-tool-call.chunks.txt").split(separator: "\n").map(String.init)
        #expect(lines.count == 30)
        let run = try TranslationRun.run(lines)
        #expect(
            run.blocks == [
                .thinking(
                    "The user asks about the weather in San Francisco. I should use the weather tool.",
                    signature: StreamTranslator.thinkingSignature
                ),
                .toolUse(
                    id: "call_00_IhCAliIHtM9gKpgfqbBV9873",
                    name: "weather",
                    inputJSON: #"{"location": "San Francisco"}"#
                ),
            ]
        )
        #expect(run.messageDelta?.stopReason == .toolUse)
        #expect(run.messageDelta?.usage == Usage(inputTokens: 118, outputTokens: 61, cacheReadInputTokens: 256))
    }

    @Test func mistralContentPartsFixture() throws {
        // vercel/ai packages/openai-compatible/src/chat/__fixtures__/issue-13703-mistral-thinking.chunks.txt:
        // `content` is an array of parts, `{"type":"thinking","thinking":[{"type":"text",…}]}` and
        // `{"type":"text","text":…}`; one chunk carries the last thinking part and the first text part.
        let lines = try Fixture.text("mistral-thinking.chunks.txt").split(separator: "\n").map(String.init)
        let run = try TranslationRun.run(lines)
        #expect(
            run.blocks == [
                .thinking(
                    "Okay, the user is asking for the product of 17 and 23. I need to calculate this multiplication."
                        + " Let me break it down:\n\nFirst, I recall that 17 multiplied by 20 is 340 (since 17 * 20 = 340)."
                        + "\nThen, I need to add 17 multiplied by 3, which is 51 (since 17 * 3 = 51).\nNow, add these two"
                        + " results together: 340 + 51 = 391.\n\nSo, 17 * 23 = 391.",
                    signature: StreamTranslator.thinkingSignature
                ),
                .text("391"),
            ]
        )
        #expect(run.messageDelta?.usage == Usage(inputTokens: 28, outputTokens: 139))
    }

    /// Runs an SSE fixture through ``ChunkDecoder`` and the translator, fed `pieceSize` bytes at a time.
    func runSSE(_ bytes: [UInt8], pieceSize: Int) throws -> TranslationRun {
        var decoder = ChunkDecoder(isEventStream: true)
        var run = TranslationRun()
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + pieceSize, bytes.count)
            for chunk in decoder.feed(bytes[offset..<end]) { try run.feed(chunk) }
            offset = end
        }
        for chunk in decoder.finish() { try run.feed(chunk) }
        try run.finish()
        #expect(decoder.malformedEvents == 0)
        return run
    }

    @Test(arguments: [Int.max, 7, 1])
    func yomoToolCallStreamFixture(pieceSize: Int) throws {
        // yomorun/yomo pkg/bridge/mock/data.go ToolCallStreamResp: no [DONE], no final blank line.
        let run = try runSSE(try Fixture.bytes("yomo-tool-call-stream.sse"), pieceSize: pieceSize)
        #expect(
            run.blocks == [
                .toolUse(
                    id: "call_9ctHOJqO3bYrpm2A6S7nHd5k",
                    name: "get_current_weather",
                    inputJSON: #"{"location":"Boston, MA"}"#
                )
            ]
        )
        #expect(run.messageDelta?.stopReason == .toolUse)
        #expect(run.messageDelta?.usage == Usage(inputTokens: 83, outputTokens: 17))
    }

    @Test(arguments: [Int.max, 5])
    func yomoDeepSeekV32ToolsFixture(pieceSize: Int) throws {
        // yomorun/yomo pkg/bridge/mock/data.go Deepseekv32ToolsResp (Azure DeepSeek-V3.2-Exp).
        let run = try runSSE(try Fixture.bytes("yomo-deepseek-v32-tools.sse"), pieceSize: pieceSize)
        #expect(
            run.blocks == [
                .text("我需要查询东京的天气信息。首先让我获取东京的坐标，然后为您查询天气情况。"),
                .toolUse(
                    id: "call_a6dea19b4490485bbdad7047",
                    name: "market-get-weather",
                    inputJSON: #"{"city": "Tokyo", "latitude": 35.6762, "longitude": 139.6503}"#
                ),
            ]
        )
        #expect(run.messageDelta?.stopReason == .toolUse)
        #expect(run.messageDelta?.usage == Usage(inputTokens: 395, outputTokens: 55))
    }

    @Test func yomoStopStreamFixture() throws {
        // yomorun/yomo pkg/bridge/mock/data.go StopStreamResp (gpt-4o; its first chunk already says "stop").
        let run = try runSSE(try Fixture.bytes("yomo-stop-stream.sse"), pieceSize: 64)
        #expect(
            run.blocks == [
                .text(
                    "Hello! I'm just a computer program, so I don't have feelings, but I'm here and ready to help you"
                        + " with whatever you need. How can I assist you today?"
                )
            ]
        )
        #expect(run.messageDelta?.stopReason == .endTurn)
        #expect(run.messageDelta?.usage == Usage(inputTokens: 13, outputTokens: 34))
    }
}
