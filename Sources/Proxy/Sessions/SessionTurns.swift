import Foundation

/// One prompt of a session and the answers that followed it, with the model that really wrote
/// each answer (the ledger's row for the answer's message id).
public struct SessionTurn: Sendable, Equatable {
    /// One answer from the model (Claude Code writes one record per content block; they share
    /// the message id and are folded into one).
    public struct Answer: Sendable, Equatable {
        public var messageID: String?
        /// The model name in the answer (what the proxy wrote into it).
        public var model: String?
        /// What Claude Code asked for.
        public var requestedModel: String?
        /// `provider,model` from the ledger row with this message id.
        public var servedBy: String?
        public var route: String?
        public var inputTokens = 0
        public var outputTokens = 0
        public var costUSD: Double?
        public var time: Date?
    }

    public var prompt: String
    public var time: Date?
    public var answers: [Answer] = []
}

/// A session's turns, read from its whole transcript (streamed), joined with ledger rows.
public struct SessionTurns: Sendable, Equatable {
    public var turns: [SessionTurn]
    public var malformedLines: Int
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
