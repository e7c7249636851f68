import Foundation
import Proxy

/// The Sessions view's interaction state: the selected row, and the session waiting for the
/// archive confirmation.
struct SessionsView: Equatable {
    var index = 0
    /// The session `a` asked to archive; `y` confirms.
    var confirming: SessionSummary?
}

extension UIState {
    /// The Sessions view's commands (``KeyTable``'s `.sessions` and `.sessionsConfirm` rows).
    mutating func performSessions(_ command: KeyBinding.Command, context: Context) -> [UIAction] {
        let selected = sessions.flatMap { view in
            context.sessions.indices.contains(view.index) ? context.sessions[view.index] : nil
        }
        switch command {
        case .openSessions:
            sessions = SessionsView()
            return [.refreshSessions]
        case .closeSessions:
            sessions = nil
        case .showSessionRequests:
            guard let selected else { break }
            sessionFilter = selected.id
            selectedRequest = nil
            detail = nil
            focus = .requests
            sessions = nil
            notice = "requests of session \(selected.id.prefix(8)) (Esc shows all)"
        case .archiveSession:
            guard let selected else { break }
            if selected.live || selected.disk?.live == true {
                notice = "session \(selected.id.prefix(8)) is live: not archived (switchboard sessions archive --force)"
                break
            }
            guard let disk = selected.disk else {
                notice = "session \(selected.id.prefix(8)) has no files in Claude Code's data directory"
                break
            }
            sessions?.confirming = disk
        case .confirmArchive:
            guard let session = sessions?.confirming else { break }
            sessions?.confirming = nil
            notice = "archiving \(session.id.prefix(8))…"
            return [.archiveSession(session)]
        case .cancelArchive:
            sessions?.confirming = nil
            notice = "kept"
        case .resumeCommand:
            guard let selected else { break }
            if let project = selected.disk?.project ?? selected.projectPath {
                notice =
                    SessionSummary(
                        id: selected.id,
                        project: project,
                        folder: "",
                        transcriptPath: "",
                        lastActivity: selected.lastActivity
                    ).resumeCommand
            } else {
                notice = "claude --resume \(selected.id)  (in the session's working directory)"
            }
        default:
            break
        }
        return []
    }
}
