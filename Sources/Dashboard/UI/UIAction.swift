import Proxy

/// What a key press asks the outside world to do (the UI state itself changes in place).
enum UIAction: Equatable, Sendable {
    /// Stop the proxy gracefully and exit.
    case quit
    /// Switch a route to a model; `nil` puts it back to the configured one.
    case switchRoute(RouteKind, ModelRef?)
    /// Freeze (or unfreeze) the display; traffic keeps flowing.
    case setPaused(Bool)
    /// Read the sessions again (off the render loop).
    case refreshSessions
    /// Archive this session (off the render loop; the result comes back as a notice).
    case archiveSession(SessionSummary)
    /// Leave the dashboard, run `switchboard setup` in the terminal, then come back.
    case runSetup
}
