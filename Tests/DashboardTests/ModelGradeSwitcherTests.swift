import Foundation
import Testing

@testable import Dashboard
@testable import Proxy

/// The report card in the model switcher: grades beside names, a warning before a route goes
/// to a model that failed tool calls.
struct ModelGradeSwitcherTests {
    static let models = ["nim,good", "nim,notools"].map(Events.ref)

    func context(failures: Set<ModelRef>) -> UIState.Context {
        UIState.Context(routes: RouteKind.configurable, models: Self.models, requests: [], toolCallFailures: failures)
    }

    @Test func aModelThatFailedToolCallsNeedsASecondEnter() {
        let context = context(failures: [Events.ref("nim,notools")])
        var ui = UIState()
        for key in [Key.character("m"), .enter, .down] { _ = ui.handle(key, context: context) }
        #expect(ui.handle(.enter, context: context).isEmpty)
        #expect(ui.notice?.contains("failed tool calls") == true)
        #expect(ui.switcher != nil)
        #expect(ui.handle(.enter, context: context) == [.switchRoute(.default, Events.ref("nim,notools"))])
    }

    @Test func aModelThatPassedSwitchesAtOnce() {
        let context = context(failures: [Events.ref("nim,notools")])
        var ui = UIState()
        for key in [Key.character("m"), .enter] { _ = ui.handle(key, context: context) }
        #expect(ui.handle(.enter, context: context) == [.switchRoute(.default, Events.ref("nim,good"))])
    }

    @Test func theGradesFileRoundTripsAndKeepsOtherModels() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grades-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = ModelGradesFile(besideStateFile: directory.appendingPathComponent("switchboard-state.json").path)
        var first = ReportCard.Entry(model: Events.ref("nim,good"))
        first.text = .pass
        first.toolCall = .pass
        first.maxTokens = 4096
        first.errors = ["thinking: asked for, none arrived"]
        var second = ReportCard.Entry(model: Events.ref("nim,notools"))
        second.toolCall = .fail
        try file.save([first], date: Date(timeIntervalSince1970: 0))
        try file.save([second], date: Date(timeIntervalSince1970: 86_400))
        let kept = file.load()
        #expect(kept[first.model]?.entry == first)
        #expect(kept[first.model]?.date == "1970-01-01T00:00:00Z")
        #expect(kept[second.model]?.entry == second)
        #expect(kept[second.model]?.date == "1970-01-02T00:00:00Z")
    }

    @Test func theSwitcherShowsEachModelsGrades() {
        var state = DashboardState(startedAt: Date())
        state.availableModels = Self.models
        var entry = ReportCard.Entry(model: Events.ref("nim,notools"))
        entry.text = .pass
        entry.toolCall = .fail
        state.modelGrades = [entry.model: entry]
        var ui = UIState()
        let context = context(failures: [])
        for key in [Key.character("m"), .enter] { _ = ui.handle(key, context: context) }
        for (theme, marks) in [(Theme.full, "✓✗---"), (Theme.plainASCII, "+x---")] {
            let grid = Renderer(state: state, ui: ui, theme: theme, now: Date()).render(width: 100, height: 30)
            let text = grid.lines.joined(separator: "\n")
            #expect(text.contains("nim,notools  \(marks)"), "\(text)")
            let ungraded = text.split(separator: "\n").first { $0.contains("nim,good") } ?? ""
            #expect(!ungraded.contains(marks.prefix(2)), "a model without grades shows none")
        }
    }
}
