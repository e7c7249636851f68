import Foundation
import Testing

@testable import Dashboard
@testable import Proxy

/// The Sessions view: rows (live first), its keys, the Requests pane's session column and
/// filter, and how it draws at 80x24 and 60x15.
struct SessionsViewTests {
    static let now = DashboardFixture.now
    static let liveID = "0ea4dc3f-0b69-4f95-bdeb-dfdb8a764bf0"
    static let diskID = "4818c222-495a-43cd-9e75-de47d0980782"
    static let oldID = "c2164e29-33d7-48c3-854f-0c8f23a3edc2"

    /// A request of session `session` from `project`.
    static func started(_ id: UInt64, session: String, project: String, at time: Date) -> ProxyEvent {
        .started(
            .init(
                id: RequestID(id),
                time: time,
                requestedModel: "claude-sonnet-4-5",
                stream: true,
                bodyBytes: 4_096,
                estimatedInputTokens: 1_000,
                messageCount: 3,
                toolCount: 2,
                maxTokens: 8_192,
                origin: RequestOrigin(client: "claude-code", sessionID: session, workingDirectory: project)
            )
        )
    }

    static func summary(_ id: String, project: String, ago: TimeInterval, live: Bool = false, cost: Double? = nil)
        -> SessionSummary
    {
        var traffic = SessionTraffic()
        traffic.requests = 4
        traffic.inputTokens = 9_000
        traffic.outputTokens = 300
        traffic.costUSD = cost
        traffic.models = ["deepseek,deepseek-chat"]
        return SessionSummary(
            id: id,
            project: project,
            folder: ClaudeDataDirectory.folderName(forProject: project),
            transcriptPath: "/home/ada/.claude/projects/x/\(id).jsonl",
            firstPrompt: "fix the tests",
            messages: 12,
            bytes: 150_000,
            lastActivity: now.addingTimeInterval(-ago),
            entrypoint: "cli",
            live: live,
            traffic: traffic
        )
    }

    /// The fixture dashboard plus two requests of a live session, and three sessions on disk.
    static func state() -> DashboardState {
        var state = DashboardFixture.state()
        state.apply(
            started(10, session: liveID, project: "/home/ada/src/app", at: now.addingTimeInterval(-20)),
            now: now
        )
        state.apply(
            [
                Events.routed(10, .default, DashboardFixture.glm),
                Events.finished(10, DashboardFixture.glm, input: 5_000, output: 200, ttftMs: 300, durationMs: 2_000),
            ],
            now: now
        )
        state.apply(
            started(11, session: liveID, project: "/home/ada/src/app", at: now.addingTimeInterval(-5)),
            now: now
        )
        state.diskSessions = [
            summary(liveID, project: "/home/ada/src/app", ago: 30, cost: 0.0123),
            summary(diskID, project: "/home/ada/src/very/long/path/to/a/service", ago: 3 * 3600, cost: nil),
            summary(oldID, project: "/home/ada/notes", ago: 9 * 86_400, cost: 0),
        ]
        return state
    }

    static func rows(_ state: DashboardState = state()) -> [SessionRow] {
        SessionRow.rows(records: state.requestsForList, disk: state.diskSessions, now: now)
    }

    @Test func liveSessionsComeFirstThenRecentOnesFromDisk() {
        let rows = Self.rows()
        #expect(rows.map(\.id) == [Self.liveID, Self.diskID, Self.oldID])
        #expect(rows[0].live && !rows[1].live && !rows[2].live)
        // The ledger's totals (4 requests) win over this run's two; cost from the ledger.
        #expect(rows[0].requests == 4)
        #expect(rows[0].costUSD == 0.0123)
        // A session only this run has seen (no files yet) is listed too, live.
        var state = Self.state()
        state.diskSessions = []
        let seen = Self.rows(state)
        #expect(seen.map(\.id) == [Self.liveID])
        #expect(seen[0].live && seen[0].requests == 2 && seen[0].disk == nil)
        #expect(seen[0].models == [DashboardFixture.glm])
    }

    func context(_ rows: [SessionRow]) -> UIState.Context {
        UIState.Context(routes: RouteKind.configurable, models: [], requests: [], sessions: rows)
    }

    @Test func sOpensTheViewEnterFiltersTheRequestsEscShowsAllAgain() {
        var ui = UIState()
        let context = context(Self.rows())
        #expect(ui.handle(.character("s"), context: context) == [.refreshSessions])
        #expect(ui.mode == .sessions)
        _ = ui.handle(.down, context: context)
        _ = ui.handle(.down, context: context)
        _ = ui.handle(.down, context: context)
        #expect(ui.sessions?.index == 2, "stops at the last row")
        _ = ui.handle(.up, context: context)
        _ = ui.handle(.enter, context: context)
        #expect(ui.sessions == nil)
        #expect(ui.sessionFilter == Self.diskID)
        #expect(ui.focus == .requests)
        _ = ui.handle(.escape, context: context)
        #expect(ui.sessionFilter == nil)
    }

    @Test func aAsksBeforeArchivingAndRefusesALiveSession() {
        var ui = UIState()
        let context = context(Self.rows())
        _ = ui.handle(.character("s"), context: context)
        // The first row is live: refused, nothing asked.
        #expect(ui.handle(.character("a"), context: context) == [])
        #expect(ui.sessions?.confirming == nil)
        #expect(ui.notice?.contains("live") == true)
        _ = ui.handle(.down, context: context)
        #expect(ui.handle(.character("a"), context: context) == [])
        #expect(ui.mode == .sessionsConfirm)
        #expect(ui.handle(.character("n"), context: context) == [])
        #expect(ui.mode == .sessions)
        _ = ui.handle(.character("a"), context: context)
        let actions = ui.handle(.character("y"), context: context)
        #expect(actions.count == 1)
        if case .archiveSession(let session)? = actions.first {
            #expect(session.id == Self.diskID)
        } else {
            Issue.record("no archive action: \(actions)")
        }
    }

    @Test func capitalRPutsTheResumeCommandInTheFooter() {
        var ui = UIState()
        let context = context(Self.rows())
        _ = ui.handle(.character("s"), context: context)
        _ = ui.handle(.down, context: context)
        _ = ui.handle(.character("R"), context: context)
        #expect(ui.notice == "cd /home/ada/src/very/long/path/to/a/service && claude --resume \(Self.diskID)")
        let grid = Renderer(state: Self.state(), ui: ui, theme: .full, now: Self.now, timeZone: DashboardFixture.utc)
            .render(width: 120, height: 35)
        #expect(grid.lines.last?.hasPrefix("cd /home/ada/src/very/long/path/to/a/service && claude --resume") == true)
    }

    @Test func theSessionColumnShowsTheProjectOrTheShortID() {
        #expect(SessionRow.label(id: Self.liveID, project: "/home/ada/src/app", width: 8) == "app")
        #expect(SessionRow.label(id: Self.liveID, project: "/home/ada/src/my-long-project", width: 8) == "0ea4dc3f")
        #expect(SessionRow.label(id: Self.liveID, project: nil, width: 8) == "0ea4dc3f")
        // Filtered to a session, the list holds its requests only.
        var ui = UIState()
        ui.sessionFilter = Self.liveID
        let visible = Renderer.visibleRequests(Self.state(), filter: "", session: ui.sessionFilter)
        #expect(visible.map(\.id) == [RequestID(11), RequestID(10)])
    }

    @Test(arguments: [(80, 24), (60, 15)])
    func theViewDraws(width: Int, height: Int) {
        var ui = UIState()
        ui.sessions = SessionsView(index: 1)
        let grid = Renderer(state: Self.state(), ui: ui, theme: .full, now: Self.now, timeZone: DashboardFixture.utc)
            .render(width: width, height: height)
        assertSnapshot(grid, named: "sessions-\(width)x\(height)")
    }

    @Test func theArchiveConfirmationIsTheFooter() {
        var ui = UIState()
        ui.sessions = SessionsView(index: 1, confirming: Self.summary(Self.diskID, project: "/srv/api", ago: 3600))
        let grid = Renderer(state: Self.state(), ui: ui, theme: .full, now: Self.now, timeZone: DashboardFixture.utc)
            .render(width: 80, height: 24)
        #expect(grid.lines.last?.hasPrefix("Archive 4818c222 (/srv/api, 150.0 KB)? y archive  n keep") == true)
    }

    @Test func theRequestsPaneGainsASessionColumnAt80x24() {
        var ui = UIState()
        ui.focus = .requests
        let grid = Renderer(state: Self.state(), ui: ui, theme: .full, now: Self.now, timeZone: DashboardFixture.utc)
            .render(width: 80, height: 24)
        assertSnapshot(grid, named: "requests-sessions-80x24")
    }
}
