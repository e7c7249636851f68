import Foundation
import Testing

@testable import Dashboard
@testable import Proxy

struct RouteRowTests {
    @Test func explicitRoutesShowThatTheRequestNamedItsModel() {
        var state = DashboardState(startedAt: Events.t0)
        state.routeEntries = RouteTable(configured: [.default: Events.ref("p,m")]).entries()
        for event in [
            Events.started(1), Events.routed(1, .explicit, "q,x"), Events.finished(1, "q,x", input: 10, output: 5),
        ] {
            state.apply(event, now: Events.t0)
        }
        let lines = Renderer(state: state, ui: UIState(), theme: .plainASCII, now: Events.t0, timeZone: .gmt)
            .render(width: 100, height: 30).lines
        let explicit = lines.first { $0.hasPrefix(" explicit") }
        #expect(explicit?.contains("(the request's own)") == true, "\(lines.joined(separator: "\n"))")
        #expect(lines.first { $0.hasPrefix(" webSearch") }?.contains("(default)") == true)
    }
}
