import Foundation

/// One prompt of a session and the answers that followed it, with the model that really wrote
/// each answer (the ledger's row for the answer's message id).
public struct SessionTurn: Sendable, Equatable {
    /// One answer from the model (Claude Code writes one record per content block; they share
    /// the message id and are folded into one).
    public struct Answer: Sendable, Equatable {
        /// The answer's message id; `nil` when the record has none.
        public var messageID: String?
        /// The model name in the answer (what the proxy wrote into it).
        public var model: String?
        /// What Claude Code asked for.
        public var requestedModel: String?
        /// `provider,model` from the ledger row with this message id.
        public var servedBy: String?
        /// The route the ledger row names; `nil` without a matching row.
        public var route: String?
        /// Input tokens including cache reads (the ledger's count when a row matches).
        public var inputTokens = 0
        /// Output tokens (the ledger's count when a row matches).
        public var outputTokens = 0
        /// USD from the ledger row; `nil` without a matching row or a known price.
        public var costUSD: Double?
        /// The answer record's timestamp; `nil` when it has none.
        public var time: Date?
    }

    /// The prompt on one line; empty when answers came before any prompt.
    public var prompt: String
    /// The prompt record's timestamp; `nil` when it has none.
    public var time: Date?
    /// The answers that followed the prompt, in file order.
    public var answers: [Answer] = []
}

/// A session's turns, read from its whole transcript (streamed), joined with ledger rows.
public struct SessionTurns: Sendable, Equatable {
    /// The turns in file order (subagent records left out).
    public var turns: [SessionTurn]
    /// Lines of the transcript that were not JSON.
    public var malformedLines: Int
    /// Records of a type this reader does not know, or not JSON objects (skipped).
    public var unknownRecords: Int

    /// Reads the transcript at `path`; `rows` are the ledger's rows for the session.
    public static func read(path: String, rows: [UsageRow] = []) -> SessionTurns {
        var byMessage: [String: UsageRow] = [:]
        for row in rows { if let id = row.messageID { byMessage[id] = row } }
        var turns: [SessionTurn] = []
        var unknown = 0
        var seenMessages = Set<String>()
        let malformed = TranscriptReader.forEachRecord(path: path) { record in
            guard case .object(let object) = record else {
                unknown += 1
                return
            }
            guard let type = object["type"]?.stringValue, TranscriptScan.knownTypes.contains(type) else {
                unknown += 1
                return
            }
            guard object["isSidechain"]?.boolValue != true else { return }
            let time = object["timestamp"]?.stringValue.flatMap(ISOTimestamp.parse)
            if type == "user", object["isMeta"]?.boolValue != true,
                let prompt = TranscriptScan.prompt(object["message"])
            {
                turns.append(SessionTurn(prompt: prompt, time: time))
            } else if type == "assistant", let message = object["message"] {
                let id = message["id"]?.stringValue
                if let id {
                    guard seenMessages.insert(id).inserted else { return }
                }
                var answer = SessionTurn.Answer(
                    messageID: id,
                    model: message["model"]?.stringValue,
                    requestedModel: object["requestedModel"]?.stringValue,
                    inputTokens: (message["usage"]?["input_tokens"]?.intValue ?? 0)
                        + (message["usage"]?["cache_read_input_tokens"]?.intValue ?? 0),
                    outputTokens: message["usage"]?["output_tokens"]?.intValue ?? 0,
                    time: time
                )
                if let id, let row = byMessage[id] {
                    if let provider = row.provider, let model = row.model { answer.servedBy = provider + "," + model }
                    answer.route = row.route
                    answer.inputTokens = row.inputTokens + row.cacheReadTokens
                    answer.outputTokens = row.outputTokens
                    answer.costUSD = row.costUSD
                }
                if turns.isEmpty { turns.append(SessionTurn(prompt: "", time: time)) }
                turns[turns.count - 1].answers.append(answer)
            }
        }
        return SessionTurns(turns: turns, malformedLines: malformed, unknownRecords: unknown)
    }
}
