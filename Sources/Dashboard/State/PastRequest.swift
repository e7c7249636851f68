import Foundation
import Proxy

extension RequestRecord {
    /// Ids of requests read back from the ledger start here, above any request number of a run,
    /// so a past request is never taken for this run's request with the same number.
    static let pastIDBase: UInt64 = 1 << 62

    /// A request of an earlier run, from its ledger row: its summary only (the ledger keeps no
    /// output, no message count and no prompt).
    init(past: UsageQuery.PastRequest) {
        let row = past.row
        id = RequestID(Self.pastIDBase + UInt64(clamping: max(0, past.ledgerID)))
        startedAt = row.startedAt
        requestedModel = row.requestedModel
        stream = true
        bodyBytes = row.requestBytes
        estimatedInputTokens = 0
        messageCount = 0
        toolCount = 0
        maxTokens = 0
        route = row.route.flatMap(RouteKind.init(rawValue:))
        reason = row.routeReason
        if let provider = row.provider, let model = row.model {
            target = ModelRef(provider: provider, model: model)
            answeredBy = target
        }
        ttft = row.ttftMilliseconds.map { Duration.milliseconds($0) }
        duration = Duration.milliseconds(row.durationMilliseconds)
        // As for this run's requests: input counts the cache reads too.
        inputTokens = row.inputTokens + row.cacheReadTokens
        outputTokens = row.outputTokens
        cacheReadTokens = row.cacheReadTokens
        if row.isError {
            let kind = row.errorType.flatMap(APIError.Kind.init(rawValue:)) ?? .api
            let what = row.errorType == "cancelled" ? "the client left before the answer ended" : kind.rawValue
            status = .failed(APIError(kind, what, status: row.status))
        } else {
            status = .finished(row.stopReason.flatMap(StopReason.init(rawValue:)))
        }
        self.past = row
    }

    /// How the request is named on screen: `#12`, its number in the run that served it.
    var label: String {
        guard let past else { return id.description }
        return "#\(past.requestID)"
    }

    /// Whether it is a request of an earlier run, read back from the ledger.
    var isPast: Bool { past != nil }
}
