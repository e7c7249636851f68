/// The screen as a grid of cells: what the renderer produces and the terminal draws. A wide
/// character (CJK, most emoji) fills two cells; the second is a continuation.
struct CellGrid: Equatable {
    /// Text attributes of a cell.
    struct Style: Equatable, Hashable, Sendable {
        enum Color: Int, Sendable {
            case red = 1
            case green, yellow, blue, magenta, cyan
        }

        var color: Color?
        var bold = false
        var dim = false
        var reverse = false
        var underline = false

        static let plain = Style()
        static let bold = Style(bold: true)
        static let dim = Style(dim: true)
        static let reverse = Style(reverse: true)

        static func color(_ color: Color, bold: Bool = false) -> Style { Style(color: color, bold: bold) }
    }

    struct Cell: Equatable {
        /// The grapheme shown, or `nil` for the right half of a wide character.
        var character: Character?
        var style: Style

        static let blank = Cell(character: " ", style: .plain)
    }

    let width: Int
    let height: Int
    private(set) var cells: [Cell]

    init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    subscript(x: Int, y: Int) -> Cell {
        cells[y * width + x]
    }

    /// Writes `text` at (x, y), clipped to `limit` columns (default: to the right edge).
    /// Returns the columns used. Control characters become spaces.
    @discardableResult
    mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain, limit: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let end = min(width, x + (limit ?? width))
        var column = x
        for character in text {
            let shown: Character = character.isNewline || character == "\t" ? " " : character
            let columns = DisplayWidth.of(shown)
            if columns == 0 { continue }
            if column + columns > end { break }
            if column >= 0 {
                // Overwriting half of a wide character leaves a blank, not half a glyph.
                if cells[y * width + column].character == nil, column > 0 {
                    cells[y * width + column - 1] = Cell(character: " ", style: cells[y * width + column - 1].style)
                }
                cells[y * width + column] = Cell(character: shown, style: style)
                if columns == 2 { cells[y * width + column + 1] = Cell(character: nil, style: style) }
            }
            column += columns
        }
        return column - x
    }

    /// Sets the style of a run of cells (e.g. a selected row).
    mutating func style(x: Int, y: Int, count: Int, _ style: Style) {
        guard y >= 0, y < height else { return }
        for column in max(0, x)..<min(width, x + count) {
            cells[y * width + column].style = style
        }
    }

    /// Fills a rectangle with blanks.
    mutating func clear(x: Int, y: Int, width: Int, height: Int) {
        for row in max(0, y)..<min(self.height, y + height) {
            for column in max(0, x)..<min(self.width, x + width) {
                cells[row * self.width + column] = .blank
            }
        }
    }

    /// The text of each row (wide characters once), trailing spaces removed: for snapshots.
    var lines: [String] {
        (0..<height).map { row in
            var line = ""
            for column in 0..<width {
                if let character = cells[row * width + column].character { line.append(character) }
            }
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}
