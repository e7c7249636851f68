import Testing

@testable import Dashboard
@testable import Proxy

struct UIStateTests {
    static let models = ["nim,glm-4.7", "nim,kimi-k2", "ds,chat", "ds,reasoner", "ollama,qwen-mm"].map(Events.ref)
    static let ids = [5, 4, 3, 2, 1].map { RequestID(UInt64($0)) }

    func context(
        requests: [RequestID] = ids,
        routes: [RouteKind] = RouteKind.configurable + [.explicit],
        detailLines: Int = 0,
        pageSize: Int = 3,
        layout: Layout = .wide,
        inForce: [RouteKind: ModelRef] = [:],
        helpOverflow: Int = 0
    ) -> UIState.Context {
        UIState.Context(
            routes: routes,
            models: Self.models,
            requests: requests,
            detailLines: detailLines,
            pageSize: pageSize,
            layout: layout,
            inForce: inForce,
            helpOverflow: helpOverflow
        )
    }

    /// Sends `keys`, returning every action they produced.
    @discardableResult
    func press(_ ui: inout UIState, _ keys: [Key], context: UIState.Context? = nil) -> [UIAction] {
        let context = context ?? self.context()
        return keys.flatMap { ui.handle($0, context: context) }
    }

    func type(_ text: String) -> [Key] { text.map(Key.character) }

    // MARK: - Quit and help

    @Test func qAndControlCQuit() {
        var ui = UIState()
        #expect(press(&ui, [.character("q")]) == [.quit])
        #expect(press(&ui, [.controlC]) == [.quit])
    }

    @Test func controlCQuitsFromEveryMode() {
        var editing = UIState()
        press(&editing, [.character("/")])
        #expect(press(&editing, [.controlC]) == [.quit])
        var switching = UIState()
        press(&switching, [.character("m"), .enter])
        #expect(press(&switching, [.controlC]) == [.quit])
        var help = UIState()
        press(&help, [.character("?")])
        #expect(press(&help, [.controlC]) == [.quit])
    }

    @Test func questionMarkAndF1OpenHelpEscQuestionMarkAndEnterCloseIt() {
        for open in [Key.character("?"), .function(1)] {
            for close in [Key.escape, .character("?"), .enter] {
                var ui = UIState()
                #expect(press(&ui, [open]).isEmpty)
                #expect(ui.showHelp)
                press(&ui, [close])
                #expect(!ui.showHelp, "\(close) closes the help opened with \(open)")
            }
        }
    }

    @Test func helpSwallowsOtherKeysButQStillQuits() {
        var ui = UIState()
        press(&ui, [.character("?"), .character("j"), .tab, .character("p"), .character("m")])
        #expect(ui.showHelp)
        #expect(ui.selectedRequest == nil)
        #expect(ui.focus == .requests)
        #expect(!ui.paused)
        #expect(ui.switcher == nil)
        #expect(press(&ui, [.character("q")]) == [.quit])
    }

    // MARK: - Focus

    @Test func tabAndShiftTabCycleThePanesTheDetailOnlyWhenOpen() {
        var ui = UIState()
        #expect(ui.focus == .requests)
        press(&ui, [.tab])
        #expect(ui.focus == .routes)
        press(&ui, [.tab])
        #expect(ui.focus == .requests)
        press(&ui, [.backTab])
        #expect(ui.focus == .routes)

        press(&ui, [.character("2"), .enter])  // open a detail
        #expect(ui.focus == .detail)
        press(&ui, [.tab])
        #expect(ui.focus == .routes)
        press(&ui, [.tab])
        #expect(ui.focus == .requests)
        press(&ui, [.tab])
        #expect(ui.focus == .detail)
        press(&ui, [.backTab])
        #expect(ui.focus == .requests)
    }

    @Test func digitsJumpToPanesAndThreeOpensTheSelectedRequest() {
        var ui = UIState()
        press(&ui, [.character("1")])
        #expect(ui.focus == .routes)
        press(&ui, [.character("2"), .character("j"), .character("3")])
        #expect(ui.focus == .detail)
        #expect(ui.detail == RequestID(4))
        press(&ui, [.character("1")])
        #expect(ui.focus == .routes)
        #expect(ui.detail == RequestID(4), "leaving the detail pane keeps it open")
    }

    @Test func threeWithNoRequestsStaysPut() {
        var ui = UIState()
        press(&ui, [.character("3")], context: context(requests: []))
        #expect(ui.focus == .requests)
        #expect(ui.detail == nil)
    }

    @Test func stackedWithADetailOpenTabSkipsTheListItCovers() {
        let stacked = context(layout: .stacked)
        var ui = UIState()
        press(&ui, [.enter], context: stacked)
        #expect(ui.focus == .detail)
        press(&ui, [.tab], context: stacked)
        #expect(ui.focus == .routes)
        press(&ui, [.tab], context: stacked)
        #expect(ui.focus == .detail, "the list is not on screen: Tab goes back to the detail")
        press(&ui, [.backTab], context: stacked)
        #expect(ui.focus == .routes)
        press(&ui, [.backTab], context: stacked)
        #expect(ui.focus == .detail)
    }

    @Test func stackedTwoShowsTheListByClosingTheDetail() {
        let stacked = context(layout: .stacked)
        var ui = UIState()
        press(&ui, [.down, .enter, .character("2")], context: stacked)
        #expect(ui.focus == .requests)
        #expect(ui.detail == nil)
        #expect(ui.selectedRequest == RequestID(4), "the selection stays")
        press(&ui, [.character("3")], context: stacked)
        #expect(ui.focus == .detail)
        #expect(ui.detail == RequestID(4))
        // Wide, the list and the detail are side by side: 2 leaves the detail open.
        press(&ui, [.character("2")])
        #expect(ui.focus == .requests)
        #expect(ui.detail == RequestID(4))
    }

    @Test func slashFromAStackedDetailShowsTheListItFilters() {
        let stacked = context(layout: .stacked)
        var ui = UIState()
        press(&ui, [.enter, .character("/")], context: stacked)
        #expect(ui.editingFilter)
        #expect(ui.focus == .requests)
        #expect(ui.detail == nil)
    }

    @Test func onePaneLayoutTabReachesTheDetailOnlyOnceOpen() {
        let single = context(layout: .single)
        var ui = UIState()
        for key in [Key.tab, .tab, .tab, .backTab, .backTab, .backTab] {
            press(&ui, [key], context: single)
            #expect(ui.focus != .detail)
        }
        press(&ui, [.character("3")], context: single)
        #expect(ui.focus == .detail)
        press(&ui, [.tab, .tab, .tab], context: single)
        #expect(ui.focus == .detail, "three panes once the detail is open")
    }

    // MARK: - Moving

    @Test func jkAndArrowsMoveTheRequestSelectionByID() {
        var ui = UIState()
        press(&ui, [.character("j")])
        #expect(ui.selectedRequest == RequestID(4), "nothing selected means the top row; j moves to the second")
        press(&ui, [.down, .down])
        #expect(ui.selectedRequest == RequestID(2))
        press(&ui, [.character("k")])
        #expect(ui.selectedRequest == RequestID(3))
        press(&ui, [.up, .up, .up, .up])
        #expect(ui.selectedRequest == RequestID(5), "clamped at the top")
        press(&ui, Array(repeating: .down, count: 9))
        #expect(ui.selectedRequest == RequestID(1), "clamped at the bottom")
    }

    @Test func pagingAndHomeEndJump() {
        var ui = UIState()
        press(&ui, [.pageDown])  // page size 3: moves by 2
        #expect(ui.selectedRequest == RequestID(3))
        press(&ui, [.pageDown])
        #expect(ui.selectedRequest == RequestID(1))
        press(&ui, [.pageUp])
        #expect(ui.selectedRequest == RequestID(3))
        press(&ui, [.character("G")])
        #expect(ui.selectedRequest == RequestID(1))
        press(&ui, [.character("g")])
        #expect(ui.selectedRequest == RequestID(5))
        press(&ui, [.end])
        #expect(ui.selectedRequest == RequestID(1))
        press(&ui, [.home])
        #expect(ui.selectedRequest == RequestID(5))
    }

    @Test func theSelectionFollowsItsRequestAsTheListReorders() {
        var ui = UIState()
        press(&ui, [.down, .down])
        #expect(ui.selectedRequest == RequestID(3))
        // Two new requests arrive on top; #3 moved down two rows but stays selected.
        let grown = [7, 6, 5, 4, 3, 2, 1].map { RequestID(UInt64($0)) }
        press(&ui, [.down], context: context(requests: grown))
        #expect(ui.selectedRequest == RequestID(2), "j moves from #3's new position, not its old row")
        press(&ui, [.up, .up], context: context(requests: grown))
        #expect(ui.selectedRequest == RequestID(4))
    }

    @Test func aSelectionThatLeftTheListRestartsFromTheTop() {
        var ui = UIState()
        press(&ui, [.down, .down])
        press(&ui, [.down], context: context(requests: [RequestID(9), RequestID(8)]))
        #expect(ui.selectedRequest == RequestID(8))
    }

    @Test func movingInAnEmptyListDoesNothing() {
        var ui = UIState()
        press(&ui, [.down, .pageDown, .character("G"), .enter], context: context(requests: []))
        #expect(ui.selectedRequest == nil)
        #expect(ui.detail == nil)
        #expect(ui.focus == .requests)
    }

    @Test func inTheRoutesPaneKeysMoveTheRouteRow() {
        var ui = UIState()
        press(&ui, [.character("1"), .down, .character("j")])
        #expect(ui.routeIndex == 2)
        #expect(ui.selectedRequest == nil, "the request selection is untouched")
        press(&ui, [.character("G")])
        #expect(ui.routeIndex == 6)
        press(&ui, [.up])
        #expect(ui.routeIndex == 5)
        press(&ui, [.character("g")])
        #expect(ui.routeIndex == 0)
    }

    @Test func inTheDetailPaneKeysScrollWithinItsLines() {
        var ui = UIState()
        let detail = context(detailLines: 4)
        press(&ui, [.enter], context: detail)
        press(&ui, [.down, .down], context: detail)
        #expect(ui.detailScroll == 2)
        press(&ui, Array(repeating: .character("j"), count: 10), context: detail)
        #expect(ui.detailScroll == 3, "at most the last line")
        press(&ui, [.character("g")], context: detail)
        #expect(ui.detailScroll == 0)
        #expect(ui.selectedRequest == nil)
    }

    // MARK: - Detail

    @Test func enterOpensTheSelectedRequestAndEscClosesIt() {
        var ui = UIState()
        press(&ui, [.down, .down, .enter], context: context(detailLines: 50))
        #expect(ui.detail == RequestID(3))
        #expect(ui.focus == .detail)
        press(&ui, [.down, .down], context: context(detailLines: 50))
        press(&ui, [.escape])
        #expect(ui.detail == nil)
        #expect(ui.focus == .requests)
        press(&ui, [.enter])
        #expect(ui.detail == RequestID(3))
        #expect(ui.detailScroll == 0, "a reopened detail starts at the top")
    }

    @Test func enterWithNoSelectionOpensTheTopRequest() {
        var ui = UIState()
        press(&ui, [.enter])
        #expect(ui.detail == RequestID(5))
    }

    @Test func escWithoutDetailOrFilterDropsTheSelection() {
        var ui = UIState()
        press(&ui, [.down, .escape])
        #expect(ui.selectedRequest == nil)
    }

    // MARK: - Filter

    @Test func slashEditsTheFilterEnterKeepsIt() {
        var ui = UIState()
        press(&ui, [.down, .character("/")])
        #expect(ui.editingFilter)
        #expect(press(&ui, type("think q")).isEmpty, "q is text while editing, not quit")
        press(&ui, [.backspace, .backspace])
        #expect(ui.filter == "think")
        #expect(ui.selectedRequest == nil, "a changed filter starts at the top")
        press(&ui, [.enter])
        #expect(!ui.editingFilter)
        #expect(ui.filter == "think")
        press(&ui, [.escape])
        #expect(ui.filter == "", "Esc clears an applied filter")
    }

    @Test func escWhileEditingClearsTheFilter() {
        var ui = UIState()
        press(&ui, [.character("/")] + type("err") + [.escape])
        #expect(!ui.editingFilter)
        #expect(ui.filter == "")
    }

    @Test func backspaceOnAnEmptyFilterIsHarmless() {
        var ui = UIState()
        press(&ui, [.character("/"), .backspace, .backspace])
        #expect(ui.filter == "")
        #expect(ui.editingFilter)
    }

    @Test func slashFromTheDetailPaneFiltersTheList() {
        var ui = UIState()
        press(&ui, [.enter, .character("/")])
        #expect(ui.editingFilter)
        #expect(ui.focus == .requests)
    }

    // MARK: - Pause

    @Test func pTogglesPause() {
        var ui = UIState()
        #expect(press(&ui, [.character("p")]) == [.setPaused(true)])
        #expect(ui.paused)
        #expect(press(&ui, [.character("p")]) == [.setPaused(false)])
        #expect(!ui.paused)
    }

    // MARK: - Model switcher

    @Test func theSwitcherPicksARouteThenAModel() throws {
        var ui = UIState()
        #expect(press(&ui, [.character("m")]).isEmpty)
        #expect(ui.switcher == UIState.Switcher(step: .route, routeIndex: 0))
        press(&ui, [.down, .character("j")])
        #expect(ui.switcher?.routeIndex == 2)
        press(&ui, [.character("k")])
        #expect(ui.switcher?.routeIndex == 1)
        press(&ui, [.enter])
        #expect(ui.switcher?.step == .model(.background))
        press(&ui, [.down, .down])
        #expect(ui.switcher?.modelIndex == 2)
        let actions = press(&ui, [.enter])
        #expect(actions == [.switchRoute(.background, Events.ref("ds,chat"))])
        #expect(ui.switcher == nil)
        let notice = try #require(ui.notice)
        #expect(notice.contains("background") && notice.contains("ds,chat"))
    }

    @Test func typingFiltersTheModelsEvenWithQAndM() {
        var ui = UIState()
        press(&ui, [.character("m"), .enter])
        #expect(press(&ui, type("qwen-mm")).isEmpty, "q and m are filter text here")
        #expect(ui.switcher?.filter == "qwen-mm")
        #expect(
            UIState.filteredModels(Self.models, filter: "QWEN") == [Events.ref("ollama,qwen-mm")],
            "case-insensitive"
        )
        #expect(press(&ui, [.enter]) == [.switchRoute(.default, Events.ref("ollama,qwen-mm"))])
    }

    @Test func theModelSelectionStaysInsideTheFilteredList() {
        var ui = UIState()
        press(&ui, [.character("m"), .enter] + type("ds"))
        press(&ui, [.down, .down, .down])
        #expect(ui.switcher?.modelIndex == 1, "two models match")
        #expect(press(&ui, [.enter]) == [.switchRoute(.default, Events.ref("ds,reasoner"))])
    }

    @Test func typingResetsTheModelSelectionAndBackspaceWidensTheFilter() {
        var ui = UIState()
        press(&ui, [.character("m"), .enter, .down, .down])
        press(&ui, type("nim"))
        #expect(ui.switcher?.modelIndex == 0)
        press(&ui, [.down, .backspace, .backspace, .backspace])
        #expect(ui.switcher?.filter == "")
        #expect(ui.switcher?.modelIndex == 0)
        press(&ui, [.pageDown])  // page size 3: moves by 2
        #expect(ui.switcher?.modelIndex == 2)
        press(&ui, [.pageDown, .pageDown])
        #expect(ui.switcher?.modelIndex == 4)
        press(&ui, [.pageUp])
        #expect(ui.switcher?.modelIndex == 2)
    }

    @Test func enterWithNoMatchingModelDoesNothing() {
        var ui = UIState()
        press(&ui, [.character("m"), .enter] + type("zzz"))
        #expect(press(&ui, [.enter]).isEmpty)
        #expect(ui.switcher?.step == .model(.default))
    }

    @Test func escStepsBackClearingTheFilterThenTheModelStepThenTheSwitcher() {
        var ui = UIState()
        press(&ui, [.character("m"), .down, .enter] + type("ds"))
        press(&ui, [.escape])
        #expect(ui.switcher?.filter == "")
        #expect(ui.switcher?.step == .model(.background))
        press(&ui, [.escape])
        #expect(ui.switcher?.step == .route)
        #expect(ui.switcher?.routeIndex == 1, "back on the route it came from")
        #expect(press(&ui, [.escape]).isEmpty)
        #expect(ui.switcher == nil)
        #expect(ui.focus == .requests)
    }

    @Test func qAndMCloseTheRouteStepWithoutQuitting() {
        for key in [Key.character("q"), .character("m")] {
            var ui = UIState()
            press(&ui, [.character("m")])
            #expect(press(&ui, [key]).isEmpty)
            #expect(ui.switcher == nil)
        }
    }

    @Test func rInTheRouteStepResetsThatRoute() {
        var ui = UIState()
        press(&ui, [.character("m"), .down, .down])
        #expect(press(&ui, [.character("r")]) == [.switchRoute(.think, nil)])
        #expect(ui.switcher == nil)
        #expect(ui.notice?.contains("think") == true)
    }

    @Test func rInTheRoutesPaneResetsTheSelectedRoute() {
        var ui = UIState()
        press(&ui, [.character("1"), .down, .down, .down])
        #expect(press(&ui, [.character("r")]) == [.switchRoute(.longContext, nil)])
    }

    @Test func rOutsideTheRoutesPaneDoesNothing() {
        var ui = UIState()
        #expect(press(&ui, [.character("r")]).isEmpty)
    }

    @Test func explicitAndSubagentRowsAreNotSwitchable() {
        let routes = RouteKind.configurable + [.explicit, .subagent]
        let context = context(routes: routes)
        var ui = UIState()
        press(&ui, [.character("1"), .character("G")], context: context)
        #expect(routes[ui.routeIndex] == .subagent)
        #expect(press(&ui, [.enter], context: context).isEmpty)
        #expect(ui.switcher == nil, "Enter on subagent opens nothing")
        #expect(press(&ui, [.character("r")], context: context).isEmpty)
        press(&ui, [.up], context: context)
        #expect(press(&ui, [.character("r")], context: context).isEmpty, "nor on explicit")
        // The switcher's route list stops at the last configurable route.
        press(&ui, [.character("m")] + Array(repeating: .down, count: 10), context: context)
        #expect(ui.switcher?.routeIndex == RouteKind.configurable.count - 1)
        press(&ui, [.enter], context: context)
        #expect(ui.switcher?.step == .model(.image))
    }

    @Test func enterOnARouteOpensItsModelsDirectly() {
        var ui = UIState()
        press(&ui, [.character("1"), .down, .down, .enter])
        #expect(ui.switcher?.step == .model(.think))
        press(&ui, [.escape])
        #expect(ui.switcher?.step == .route)
        #expect(ui.switcher?.routeIndex == 2)
    }

    @Test func mInTheRoutesPaneStartsOnTheSelectedRoute() {
        var ui = UIState()
        press(&ui, [.character("1"), .down, .down, .down, .character("m")])
        #expect(ui.switcher?.routeIndex == 3)
        #expect(ui.switcher?.step == .route)
    }

    @Test func theModelListOpensOnTheModelInForce() {
        let inForce = context(inForce: [.background: Events.ref("ds,reasoner"), .think: Events.ref("nim,kimi-k2")])
        var ui = UIState()
        press(&ui, [.character("m"), .down, .enter], context: inForce)
        #expect(ui.switcher?.step == .model(.background))
        #expect(ui.switcher?.modelIndex == 3)
        #expect(press(&ui, [.enter], context: inForce) == [.switchRoute(.background, Events.ref("ds,reasoner"))])
        // From the Routes pane, Enter opens the think route's list on kimi.
        press(&ui, [.character("1"), .down, .down, .enter], context: inForce)
        #expect(ui.switcher?.step == .model(.think))
        #expect(ui.switcher?.modelIndex == 1)
        // A route whose model is not in the list (or unknown) opens on the first row.
        var other = UIState()
        press(&other, [.character("m"), .enter], context: inForce)
        #expect(other.switcher?.modelIndex == 0)
        let gone = context(inForce: [.default: Events.ref("gone,model")])
        press(&other, [.down, .down, .escape, .enter], context: gone)
        #expect(other.switcher?.modelIndex == 0)
    }

    // MARK: - Help

    @Test func arrowsScrollTheHelpWithinWhatDoesNotFit() {
        let long = context(helpOverflow: 4)
        var ui = UIState()
        press(&ui, [.character("?"), .down, .character("j")], context: long)
        #expect(ui.helpScroll == 2)
        press(&ui, [.pageDown, .pageDown, .down], context: long)
        #expect(ui.helpScroll == 4, "at most to the last line")
        press(&ui, [.character("k")], context: long)
        #expect(ui.helpScroll == 3)
        press(&ui, [.home], context: long)
        #expect(ui.helpScroll == 0)
        press(&ui, [.end, .escape], context: long)
        #expect(!ui.showHelp)
        press(&ui, [.character("?")], context: long)
        #expect(ui.helpScroll == 0, "the help reopens at the top")
        #expect(ui.selectedRequest == nil, "scrolling the help leaves the list alone")
    }

    // MARK: - Notices

    @Test func aNoticeShowsUntilTheNextKey() {
        var ui = UIState()
        press(&ui, [.character("m"), .enter, .enter])
        #expect(ui.notice != nil)
        press(&ui, [.down])
        #expect(ui.notice == nil)
    }
}
