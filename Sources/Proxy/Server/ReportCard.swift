import Foundation
import NIOCore

/// `switchboard check --probe --card`: a short scripted conversation with each model that
/// exercises what Claude Code needs, graded per part. Every request takes the path real
/// requests take (translation, presets, keys, the provider's RPM limiter, retries of 429s), so
/// the grades are what Claude Code would see through Switchboard.
public struct ReportCard: Sendable {
    /// How one part went.
    public enum Grade: String, Sendable, CaseIterable {
        case pass, partial, fail, skipped

        /// ✓ ~ ✗ - (or ASCII).
        public func symbol(unicode: Bool) -> String {
            switch self {
            case .pass: return unicode ? "✓" : "+"
            case .partial: return "~"
            case .fail: return unicode ? "✗" : "x"
            case .skipped: return "-"
            }
        }

        /// Higher is better (for ranking models).
        public var score: Int {
            switch self {
            case .pass: return 2
            case .partial: return 1
            case .fail, .skipped: return 0
            }
        }
    }

    /// One model's grades.
    public struct Entry: Sendable, Equatable {
        /// The `provider,model` graded.
        public var model: ModelRef
        /// A plain streamed text answer came back whole.
        public var text = Grade.skipped
        /// A call of Claude Code's Bash tool came back with arguments that fit its schema.
        public var toolCall = Grade.skipped
        /// The model used a tool result it was given (repeated the token the tool printed).
        public var toolResult = Grade.skipped
        /// Two tool calls came back in one turn when two were asked for.
        public var parallelTools = Grade.skipped
        /// Reasoning arrived when asked for (partial: only as inline `<think>` tags).
        public var thinking = Grade.skipped
        /// Where the reasoning arrived: `thinking` (its own blocks) or `text` (inline `<think>` tags).
        public var thinkingField: String?
        /// The largest `max_tokens` the provider accepted.
        public var maxTokens: Int?
        /// Time to the first token of the text answer, in milliseconds.
        public var ttftMilliseconds: Int?
        /// Output tokens per second of the text answer after its first token.
        public var tokensPerSecond: Double?
        /// What went wrong, one line each (`column: message`), keys redacted.
        public var errors: [String] = []

        /// An entry with every column skipped, filled in as the probes run.
        public init(model: ModelRef) { self.model = model }

        /// Whether Claude Code can work with this model at all.
        public var usable: Bool { text != .fail && toolCall != .fail }

        /// The grades in column order, with their JSON names.
        public var grades: [(name: String, grade: Grade)] {
            [
                ("text", text), ("tool_call", toolCall), ("tool_result", toolResult),
                ("parallel_tools", parallelTools), ("thinking", thinking),
            ]
        }

        /// The object `--json` prints for this model.
        public var json: JSONValue {
            var object: JSONObject = ["model": .string(model.description)]
            for (name, grade) in grades { object[name] = .string(grade.rawValue) }
            object["thinking_field"] = thinkingField.map(JSONValue.string) ?? .null
            object["max_tokens"] = maxTokens.map(JSONValue.int) ?? .null
            object["ttft_ms"] = ttftMilliseconds.map(JSONValue.int) ?? .null
            object["tokens_per_second"] =
                tokensPerSecond.map { JSONValue.double(($0 * 10).rounded() / 10) } ?? .null
            object["errors"] = .array(errors.map(JSONValue.string))
            return .object(object)
        }

        /// Reads back what ``json`` wrote (unknown or missing grades: skipped).
        public init?(json: JSONValue) {
            guard let name = json["model"]?.stringValue, let model = ModelRef(parsing: name) else { return nil }
            self.model = model
            func grade(_ key: String) -> Grade { json[key]?.stringValue.flatMap(Grade.init(rawValue:)) ?? .skipped }
            text = grade("text")
            toolCall = grade("tool_call")
            toolResult = grade("tool_result")
            parallelTools = grade("parallel_tools")
            thinking = grade("thinking")
            thinkingField = json["thinking_field"]?.stringValue
            maxTokens = json["max_tokens"]?.intValue
            ttftMilliseconds = json["ttft_ms"]?.intValue
            tokensPerSecond = json["tokens_per_second"]?.doubleValue
            errors = json["errors"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
    }

    let engine: ProxyEngine
    let redactor: SecretRedactor
    let timeout: Duration
    /// At most this many requests for the `max_tokens` search, the first at the preset's cap.
    let maxTokensCalls: Int

    /// A card that sends its probes through `engine` (its limits, retries and redaction apply).
    public init(engine: ProxyEngine, timeout: Duration = .seconds(90), maxTokensCalls: Int = 7) {
        self.engine = engine
        self.redactor = engine.store.redactor
        self.timeout = timeout
        self.maxTokensCalls = maxTokensCalls
    }

    /// The `max_tokens` the search starts from when the preset states no cap.
    public static let uncappedStart = 32_768

    /// Grades each model in turn (one model's requests at a time keeps within a provider's RPM
    /// alongside the limiter).
    public func gradeAll(_ models: [ModelRef], progress: @Sendable (ModelRef) -> Void = { _ in }) async -> [Entry] {
        var entries: [Entry] = []
        for model in models {
            progress(model)
            entries.append(await grade(model))
        }
        return entries
    }

    /// Grades one model.
    public func grade(_ model: ModelRef) async -> Entry {
        var entry = Entry(model: model)
        if await gradeText(&entry) == APIError.providerProblemStatus {
            // The provider cannot be used as configured (unreachable, key refused, model or URL
            // unknown): every other probe would fail the same way, each after its retries.
            entry.errors.append(
                "tool_call, tool_result, parallel_tools, thinking, max_tokens: skipped (the provider cannot be used as configured: see text)"
            )
            return entry
        }
        await gradeToolCall(&entry)
        await gradeToolResult(&entry)
        await gradeParallelTools(&entry)
        await gradeThinking(&entry)
        await findMaxTokens(&entry)
        return entry
    }

    // MARK: - The parts

    static let system =
        "You are a coding agent in a terminal. Use the tools you are given when asked; keep answers short."

    /// The text probe; the status of its answer when it failed.
    func gradeText(_ entry: inout Entry) async -> Int? {
        let answer = await send(
            entry.model,
            maxTokens: 96,
            messages: [user("Count from 1 to 20, separated by spaces. Reply with the numbers only.")]
        )
        if let error = answer.error {
            entry.text = .fail
            entry.errors.append("text: \(error)")
            return answer.status
        }
        entry.ttftMilliseconds = answer.ttft.map { Int(($0.secondsValue * 1000).rounded()) }
        let text = answer.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let ttft = answer.ttft, answer.outputTokens >= 2 {
            let generating = (answer.duration - ttft).secondsValue
            if generating > 0 { entry.tokensPerSecond = Double(answer.outputTokens - 1) / generating }
        }
        if !text.isEmpty, answer.complete {
            entry.text = .pass
        } else {
            entry.text = .partial
            entry.errors.append(text.isEmpty ? "text: the answer had no text" : "text: the stream did not complete")
        }
        return nil
    }

    func gradeToolCall(_ entry: inout Entry) async {
        let answer = await send(
            entry.model,
            maxTokens: 512,
            messages: [user("Use the Bash tool to run this command: echo switchboard")],
            tools: [Self.bashTool]
        )
        if let error = answer.error {
            entry.toolCall = .fail
            entry.errors.append("tool_call: \(error)")
            return
        }
        guard let call = answer.toolCalls.first else {
            entry.toolCall = .fail
            entry.errors.append("tool_call: no tool call came back" + Self.quoted(answer.text))
            return
        }
        if let problem = Self.validate(call.inputJSON, against: Self.bashTool["input_schema"] ?? .null, tool: call.name)
        {
            entry.toolCall = .partial
            entry.errors.append("tool_call: \(problem)")
        } else if call.name != "Bash" {
            entry.toolCall = .partial
            entry.errors.append("tool_call: called \"\(call.name)\", which was not offered")
        } else if answer.stopReason != .toolUse {
            entry.toolCall = .partial
            entry.errors.append("tool_call: stop_reason was \(answer.stopReason?.rawValue ?? "missing"), not tool_use")
        } else {
            entry.toolCall = .pass
        }
    }

    /// The word the tool "printed"; the model passes when its answer repeats it.
    static let toolResultToken = "kiwi-4729"

    func gradeToolResult(_ entry: inout Entry) async {
        let call: JSONValue = [
            "type": "tool_use", "id": "toolu_card_1", "name": "Bash",
            "input": ["command": "cat /tmp/switchboard-word.txt", "description": "Show the word"],
        ]
        let result: JSONValue = [
            "type": "tool_result", "tool_use_id": "toolu_card_1", "content": .string(Self.toolResultToken),
        ]
        let answer = await send(
            entry.model,
            maxTokens: 256,
            messages: [
                user("Run: cat /tmp/switchboard-word.txt, then tell me the word it printed."),
                ["role": "assistant", "content": [call]],
                [
                    "role": "user",
                    "content": [
                        result, ["type": "text", "text": "What word did it print? Reply with the word only."],
                    ],
                ],
            ],
            tools: [Self.bashTool]
        )
        if let error = answer.error {
            entry.toolResult = .fail
            entry.errors.append("tool_result: \(error)")
        } else if answer.text.contains(Self.toolResultToken) {
            entry.toolResult = .pass
        } else {
            entry.toolResult = .partial
            entry.errors.append("tool_result: the answer did not use the tool's result" + Self.quoted(answer.text))
        }
    }

    func gradeParallelTools(_ entry: inout Entry) async {
        let answer = await send(
            entry.model,
            maxTokens: 512,
            messages: [
                user(
                    "Read the files /tmp/a.txt and /tmp/b.txt. Call the Read tool for both files at once, in one reply."
                )
            ],
            tools: [Self.readTool]
        )
        if let error = answer.error {
            entry.parallelTools = .fail
            entry.errors.append("parallel_tools: \(error)")
            return
        }
        let invalid = answer.toolCalls.compactMap {
            Self.validate($0.inputJSON, against: Self.readTool["input_schema"] ?? .null, tool: $0.name)
        }
        switch answer.toolCalls.count {
        case 2...:
            entry.parallelTools = invalid.isEmpty ? .pass : .partial
            if let first = invalid.first { entry.errors.append("parallel_tools: \(first)") }
        case 1:
            entry.parallelTools = .partial
            entry.errors.append("parallel_tools: one tool call in the turn, not two")
        default:
            entry.parallelTools = .fail
            entry.errors.append("parallel_tools: no tool call came back" + Self.quoted(answer.text))
        }
    }

    func gradeThinking(_ entry: inout Entry) async {
        let answer = await send(
            entry.model,
            maxTokens: 2048,
            messages: [user("What is 17 × 23? Think it through, then answer with the number only.")],
            thinking: 1024
        )
        if let error = answer.error {
            entry.thinking = .fail
            entry.errors.append("thinking: \(error)")
        } else if !answer.thinking.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            entry.thinking = .pass
            entry.thinkingField = "thinking"
        } else if answer.text.contains("<think>") || answer.text.contains("</think>") {
            entry.thinking = .partial
            entry.thinkingField = "text"
            entry.errors.append("thinking: the reasoning came inside the text as <think> tags")
        } else {
            entry.thinking = .fail
            entry.errors.append("thinking: asked for, none arrived")
        }
    }

    /// The largest `max_tokens` accepted: first the preset's cap; when that is refused, the
    /// numbers in the refusal (providers usually state their limit), then bisection.
    func findMaxTokens(_ entry: inout Entry) async {
        guard let provider = engine.store.config.provider(named: entry.model.provider) else {
            entry.errors.append("max_tokens: no provider named \(entry.model.provider)")
            return
        }
        let cap =
            ProviderProfile.resolve(provider: provider, model: entry.model.model).request.maxOutputTokens
            ?? Self.uncappedStart
        var calls = 0
        var firstRefusal: String?
        func accepted(_ tokens: Int) async -> Bool? {
            calls += 1
            let answer = await send(entry.model, maxTokens: tokens, messages: [user("Reply with one word: ok")])
            guard let error = answer.error else { return true }
            // A refusal for another reason (rate limit, outage) says nothing about the limit.
            guard (400...499).contains(answer.status), answer.status != 429 else { return nil }
            if firstRefusal == nil { firstRefusal = error }
            return false
        }
        var low = entry.text == .pass ? 96 : 0
        var high = cap + 1
        switch await accepted(cap) {
        case true?:
            entry.maxTokens = cap
            return
        case false?: high = cap
        case nil:
            entry.errors.append("max_tokens: not measured (\(firstRefusal ?? "the provider did not answer"))")
            return
        }
        var candidates = Self.numbers(in: firstRefusal ?? "").filter { $0 > low && $0 < high }.sorted(by: >)
        while calls < maxTokensCalls, high - low > 1 {
            candidates.removeAll { $0 <= low || $0 >= high }
            let probe = candidates.isEmpty ? (low + high) / 2 : candidates.removeFirst()
            switch await accepted(probe) {
            case true?:
                low = probe
                // A stated limit is usually exact: one more call proves it.
                if calls < maxTokensCalls, probe + 1 < high, await accepted(probe + 1) == false { high = probe + 1 }
            case false?: high = probe
            case nil: calls = maxTokensCalls
            }
        }
        if low > 0 {
            entry.maxTokens = low
            if let firstRefusal { entry.errors.append("max_tokens: \(cap) refused: \(firstRefusal)") }
        } else {
            entry.errors.append("max_tokens: no size accepted (\(firstRefusal ?? "no answer"))")
        }
    }

    // MARK: - Claude-Code-shaped tools

    /// Claude Code's Bash tool, schema as it sends it.
    static let bashTool: JSONValue = [
        "name": "Bash",
        "description": "Executes a given bash command and returns its output.",
        "input_schema": [
            "type": "object",
            "properties": [
                "command": ["type": "string", "description": "The command to execute"],
                "timeout": ["type": "number", "description": "Optional timeout in milliseconds (max 600000)"],
                "description": [
                    "type": "string",
                    "description": "Clear, concise description of what this command does in 5-10 words",
                ],
                "run_in_background": ["type": "boolean", "description": "Run this command in the background"],
            ],
            "required": ["command"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#",
        ],
    ]

    /// Claude Code's Read tool.
    static let readTool: JSONValue = [
        "name": "Read",
        "description": "Reads a file from the local filesystem.",
        "input_schema": [
            "type": "object",
            "properties": [
                "file_path": ["type": "string", "description": "The absolute path to the file to read"],
                "offset": ["type": "number", "description": "The line number to start reading from"],
                "limit": ["type": "number", "description": "The number of lines to read"],
            ],
            "required": ["file_path"],
            "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#",
        ],
    ]

    /// What is wrong with `inputJSON` for `schema` (required keys, known keys, JSON types), or nil.
    static func validate(_ inputJSON: String, against schema: JSONValue, tool: String) -> String? {
        let input: JSONValue
        do {
            input = try JSONParser.parse(Array((inputJSON.isEmpty ? "{}" : inputJSON).utf8))
        } catch {
            return "the arguments of \(tool) are not valid JSON: \(inputJSON.prefix(80))"
        }
        guard let object = input.objectValue else { return "the arguments of \(tool) are not a JSON object" }
        let properties = schema["properties"]?.objectValue
        for required in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[required] == nil {
            return "the arguments of \(tool) lack the required \"\(required)\""
        }
        for member in object.members {
            guard let property = properties?[member.key] else {
                if schema["additionalProperties"]?.boolValue == false {
                    return "the arguments of \(tool) have \"\(member.key)\", which the schema does not allow"
                }
                continue
            }
            let expected = property["type"]?.stringValue
            let matches: Bool
            switch (expected, member.value) {
            case ("string", .string), ("boolean", .bool), ("integer", .int), ("number", .int), ("number", .double),
                ("object", .object), ("array", .array), (nil, _):
                matches = true
            default: matches = false
            }
            if !matches {
                return
                    "the arguments of \(tool) give \"\(member.key)\" as \(member.value.jsonString), not a \(expected ?? "")"
            }
        }
        return nil
    }

    static func numbers(in text: String) -> [Int] {
        text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    }

    static func quoted(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return "" }
        let line = String(trimmed.prefix(80).map { $0.isNewline ? " " : $0 })
        return " (answered: \"\(line)\(trimmed.count > 80 ? "…" : "")\")"
    }

    // MARK: - Sending

    /// What came back for one request.
    struct Answer {
        var status = 200
        var error: String?
        var ttft: Duration?
        var duration: Duration = .zero
        var text = ""
        var thinking = ""
        var toolCalls: [(name: String, inputJSON: String)] = []
        var stopReason: StopReason?
        var outputTokens = 0
        var complete = false
    }

    func user(_ text: String) -> JSONValue { ["role": "user", "content": .string(text)] }

    func send(
        _ model: ModelRef,
        maxTokens: Int,
        messages: [JSONValue],
        tools: [JSONValue] = [],
        thinking: Int? = nil
    ) async -> Answer {
        var body: JSONObject = [
            "model": .string(model.description), "max_tokens": .int(maxTokens), "stream": true,
            "system": .string(Self.system), "messages": .array(messages),
        ]
        if !tools.isEmpty { body["tools"] = .array(tools) }
        if let thinking { body["thinking"] = ["type": "enabled", "budget_tokens": .int(thinking)] }
        let bytes = ByteBuffer(bytes: JSONValue.object(body).jsonBytes)
        let engine = self.engine
        let redactor = self.redactor
        let start = ContinuousClock.now
        let outcome = await valueWithin(timeout) { () -> Answer? in
            var answer = Answer()
            switch await engine.messages(body: bytes, presence: nil) {
            case .error(let error):
                answer.status = error.status
                answer.error = redactor.redact(Self.oneLine("\(error.kind.rawValue): \(error.message)"))
            case .json(let status, let body):
                answer.status = status
                if status != 200 {
                    answer.error = redactor.redact(Self.oneLine(String(decoding: body, as: UTF8.self)))
                }
            case .stream(let produce):
                var reader = SSEFrameReader()
                var accumulator = MessageAccumulator()
                var orderError: String?
                var ttft: Duration?
                await produce { buffer in
                    for event in reader.feed(buffer) {
                        if ttft == nil, case .contentBlockDelta = event { ttft = ContinuousClock.now - start }
                        guard orderError == nil else { continue }
                        do { try accumulator.apply(event) } catch { orderError = "\(error)" }
                    }
                }
                answer.ttft = ttft
                if let failure = accumulator.error {
                    answer.status = failure.status
                    answer.error = redactor.redact(Self.oneLine("\(failure.kind.rawValue): \(failure.message)"))
                } else if let orderError {
                    answer.status = 502
                    answer.error = "the stream broke the event order: \(orderError)"
                }
                for block in accumulator.blocks {
                    switch block {
                    case .text(let text): answer.text += text
                    case .thinking(let text, _): answer.thinking += text
                    case .toolUse(_, let name, let input): answer.toolCalls.append((name, input))
                    }
                }
                answer.stopReason = accumulator.stopReason
                answer.outputTokens = accumulator.usage.outputTokens
                answer.complete = accumulator.isComplete
            }
            answer.duration = ContinuousClock.now - start
            return answer
        }
        if let outcome { return outcome }
        var timedOut = Answer()
        timedOut.status = 504
        timedOut.error = "timeout_error: no answer within \(DurationText.format(timeout))"
        return timedOut
    }

    static func oneLine(_ text: String) -> String {
        var line = String(text.map { $0.isNewline ? " " : $0 })
        if line.count > 240 { line = String(line.prefix(239)) + "…" }
        return line
    }
}

extension Duration {
    fileprivate var secondsValue: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
