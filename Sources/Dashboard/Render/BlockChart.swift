/// Charts drawn with block characters: sparklines of `▁▂▃▄▅▆▇█` (one value a cell) and
/// horizontal bars filled by eighths (`▏▎▍▌▋▊▉█`). Without Unicode (the locale is not UTF-8),
/// `.:-=+*#@` and `#`.
enum BlockChart {
    static let unicodeLevels: [String] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    static let asciiLevels: [String] = [".", ":", "-", "=", "+", "*", "#", "@"]
    static let unicodeEighths: [String] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// One cell per value, `maximum` (the largest value when `nil`) a full block. Zero is a blank
    /// and any other value at least the lowest block, so a little traffic never looks like none.
    static func sparkline(_ values: [Double], maximum: Double? = nil, theme: Theme) -> String {
        let top = maximum ?? values.max() ?? 0
        let levels = theme.unicode ? unicodeLevels : asciiLevels
        return values.map { value -> String in
            guard value > 0, top > 0 else { return " " }
            let level = Int((value / top * Double(levels.count)).rounded(.up))
            return levels[min(levels.count, max(1, level)) - 1]
        }.joined()
    }

    /// `values` summed into `cells` cells of (nearly) equal spans, in order.
    static func resample(_ values: [Int], cells: Int) -> [Int] {
        guard cells > 0, !values.isEmpty else { return [] }
        guard values.count > cells else { return values }
        return (0..<cells).map { cell in
            let start = cell * values.count / cells
            let end = (cell + 1) * values.count / cells
            return values[start..<end].reduce(0, +)
        }
    }

    /// A bar of at most `width` cells, `value / maximum` of it filled: eighths of a cell with
    /// Unicode, whole cells of `#` without; any value above zero shows at least a sliver.
    static func bar(_ value: Double, maximum: Double, width: Int, theme: Theme) -> String {
        guard width > 0, maximum > 0, value > 0 else { return "" }
        let fraction = min(1, value / maximum)
        guard theme.unicode else {
            return String(repeating: "#", count: max(1, Int((fraction * Double(width)).rounded())))
        }
        let eighths = max(1, Int((fraction * Double(width * 8)).rounded()))
        return String(repeating: "█", count: eighths / 8) + unicodeEighths[eighths % 8]
    }
}
