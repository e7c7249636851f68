/// A unified-style line diff, for showing what `setup` is about to change in a file.
enum LineDiff {
    /// `-`/`+` lines with two lines of context around each change; empty when nothing changes.
    static func unified(old: String, new: String, oldLabel: String, newLabel: String, context: Int = 2) -> String {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if a == b { return "" }
        // Longest common subsequence table (settings files are small).
        let n = a.count
        let m = b.count
        var table = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        enum Line {
            case same(String)
            case removed(String)
            case added(String)
        }
        var lines: [Line] = []
        var i = 0
        var j = 0
        while i < n || j < m {
            if i < n, j < m, a[i] == b[j] {
                lines.append(.same(a[i]))
                i += 1
                j += 1
            } else if i < n, j == m || table[i + 1][j] >= table[i][j + 1] {
                // Removals first, as diff prints them.
                lines.append(.removed(a[i]))
                i += 1
            } else {
                lines.append(.added(b[j]))
                j += 1
            }
        }
        let changed = lines.indices.filter {
            if case .same = lines[$0] { return false }
            return true
        }
        var shown = Set<Int>()
        for index in changed {
            for near in max(0, index - context)...min(lines.count - 1, index + context) { shown.insert(near) }
        }
        var output = ["--- \(oldLabel)", "+++ \(newLabel)"]
        var previous = -1
        for index in lines.indices where shown.contains(index) {
            if previous >= 0, index != previous + 1 { output.append("@@") }
            previous = index
            switch lines[index] {
            case .same(let text): output.append(" " + text)
            case .removed(let text): output.append("-" + text)
            case .added(let text): output.append("+" + text)
            }
        }
        return output.joined(separator: "\n")
    }
}
