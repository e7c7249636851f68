/// The History view's choices: what its bar charts count and how they group it, and how far
/// it is scrolled. Open while ``UIState/history`` is set.
struct HistoryState: Equatable, Sendable {
    /// How the bars are grouped (Tab cycles).
    enum Grouping: CaseIterable, Equatable, Sendable {
        case route, model

        var title: String {
            switch self {
            case .route: return "route"
            case .model: return "model"
            }
        }
    }

    /// What the bars count (← → cycle).
    enum Metric: CaseIterable, Equatable, Sendable {
        case requests, tokens, cost

        var title: String {
            switch self {
            case .requests: return "Requests"
            case .tokens: return "Tokens"
            case .cost: return "Cost"
            }
        }
    }

    var grouping = Grouping.route
    var metric = Metric.tokens
    var scroll = 0

    /// The next (or previous) case of `value`, wrapping around.
    static func cycle<T: CaseIterable & Equatable>(_ value: T, forward: Bool) -> T where T.AllCases == [T] {
        let all = T.allCases
        let index = all.firstIndex(of: value) ?? 0
        return all[(index + (forward ? 1 : all.count - 1)) % all.count]
    }
}
