import Foundation
import Testing

@testable import Dashboard

/// Golden text snapshots in `__Snapshots__/<name>.txt` beside this folder. `RECORD_SNAPSHOTS=1`
/// (or a missing golden) writes the file and fails the test, so a recording is never mistaken
/// for a pass. Every row must also fit the grid's width.
func assertSnapshot(_ grid: CellGrid, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    for (row, line) in grid.lines.enumerated() where DisplayWidth.of(line) > grid.width {
        Issue.record(
            "\(name): row \(row) is \(DisplayWidth.of(line)) columns wide, the grid \(grid.width): \(line)",
            sourceLocation: sourceLocation
        )
    }
    let actual = grid.lines.joined(separator: "\n") + "\n"
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("__Snapshots__/\(name).txt")
    let expected = try? String(contentsOf: url, encoding: .utf8)
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" || expected == nil {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? actual.write(to: url, atomically: true, encoding: .utf8)
        Issue.record(
            "Recorded \(url.path); check it by eye, then run again without RECORD_SNAPSHOTS.",
            sourceLocation: sourceLocation
        )
        return
    }
    guard let expected, expected != actual else { return }
    let old = expected.split(separator: "\n", omittingEmptySubsequences: false)
    let new = actual.split(separator: "\n", omittingEmptySubsequences: false)
    var diff: [String] = []
    for index in 0..<max(old.count, new.count) {
        let before = index < old.count ? String(old[index]) : "<none>"
        let after = index < new.count ? String(new[index]) : "<none>"
        if before != after { diff.append("row \(index):\n  - \(before)\n  + \(after)") }
    }
    let message =
        "Snapshot \(name) differs (- golden, + now; RECORD_SNAPSHOTS=1 to accept):\n" + diff.joined(separator: "\n")
    Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
}
