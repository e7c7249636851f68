import Foundation

@testable import Dashboard
@testable import Proxy

/// Rendering as the snapshot tests do (the fixture's clock, UTC) and the key-handling context
/// the dashboard loop builds, for suites that check screens.
protocol RendersFixture {}

extension RendersFixture {
    func render(
        _ ui: UIState = UIState(),
        width: Int,
        height: Int,
        theme: Theme = .full,
        state: DashboardState = DashboardFixture.state()
    ) -> CellGrid {
        Renderer(state: state, ui: ui, theme: theme, now: DashboardFixture.now, timeZone: DashboardFixture.utc)
            .render(width: width, height: height)
    }

    /// The key-handling context the dashboard loop builds for `state` at this size.
    func context(_ state: DashboardState, ui: UIState, width: Int, height: Int) -> UIState.Context {
        UIState.Context(
            routes: state.routeRows,
            models: state.availableModels,
            requests: Renderer.visibleRequests(state, filter: ui.filter).map(\.id),
            detailLines: 40,
            pageSize: max(1, height / 2),
            layout: Layout.choose(width: width, height: height),
            inForce: state.routeEntries.compactMapValues(\.effective),
            helpOverflow: Renderer.helpOverflow(state, theme: .full, width: width, height: height)
        )
    }
}
