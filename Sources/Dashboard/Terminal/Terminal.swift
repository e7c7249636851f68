import CNcurses
import Foundation

/// The only code that touches ncurses. Owned by one thread (ncurses is not thread-safe).
///
/// Keeps the terminal's own background (`use_default_colors`), leaves the mouse alone, draws
/// each frame with erase + one `doupdate` (no flicker), and always restores the terminal.
final class Terminal {
    /// What an input poll produced.
    enum Input: Equatable {
        case key(Key)
        case resize
    }

    /// Why the terminal could not be used.
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    let theme: Theme
    private var screen: OpaquePointer?
    private var closed = false

    private static let keyDown: Int32 = 0o402, keyUp: Int32 = 0o403, keyLeft: Int32 = 0o404, keyRight: Int32 = 0o405
    private static let keyHome: Int32 = 0o406, keyBackspace: Int32 = 0o407, keyF0: Int32 = 0o410
    private static let keyNextPage: Int32 = 0o522, keyPreviousPage: Int32 = 0o523, keyEnter: Int32 = 0o527
    private static let keyBackTab: Int32 = 0o541, keyEnd: Int32 = 0o550, keyResize: Int32 = 0o632

    /// Sets the terminal up, or says why it cannot (no tty, unknown `TERM`).
    init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(Unavailable) {
        guard isatty(0) == 1, isatty(1) == 1 else {
            throw Unavailable(description: "standard input/output is not a terminal")
        }
        let term = environment["TERM"] ?? ""
        guard !term.isEmpty, term != "dumb" else {
            throw Unavailable(description: "TERM is \(term.isEmpty ? "not set" : "dumb")")
        }
        setlocale(LC_ALL, "")
        let codeset = String(cString: cn_codeset()).uppercased()
        let unicode = codeset == "UTF-8" || codeset == "UTF8"
        guard let screen = cn_newterm() else {
            throw Unavailable(description: "TERM=\(term) is not a terminal type ncurses knows")
        }
        self.screen = screen
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        var color = false
        if !noColor, has_colors() {
            start_color()
            use_default_colors()
            let colors: [(Int16, Int16)] = [
                (1, Int16(COLOR_RED)), (2, Int16(COLOR_GREEN)), (3, Int16(COLOR_YELLOW)),
                (4, Int16(COLOR_BLUE)), (5, Int16(COLOR_MAGENTA)), (6, Int16(COLOR_CYAN)),
            ]
            for (pair, foreground) in colors { init_pair(pair, foreground, -1) }
            color = true
        }
        theme = Theme(color: color, unicode: unicode)
        raw()
        noecho()
        nonl()
        keypad(cn_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        leaveok(cn_stdscr(), true)
    }

    deinit { close() }

    /// Columns and rows.
    var size: (width: Int, height: Int) {
        (Int(getmaxx(cn_stdscr())), Int(getmaxy(cn_stdscr())))
    }

    /// Waits up to `milliseconds` (0: no wait) for input.
    func read(timeout milliseconds: Int) -> Input? {
        wtimeout(cn_stdscr(), Int32(milliseconds))
        var character: wint_t = 0
        let result = wget_wch(cn_stdscr(), &character)
        if result == ERR { return nil }
        let code = Int32(bitPattern: UInt32(character))
        if result == cn_key_code_yes() {
            switch code {
            case Self.keyResize: return .resize
            case Self.keyUp: return .key(.up)
            case Self.keyDown: return .key(.down)
            case Self.keyLeft: return .key(.left)
            case Self.keyRight: return .key(.right)
            case Self.keyHome: return .key(.home)
            case Self.keyEnd: return .key(.end)
            case Self.keyNextPage: return .key(.pageDown)
            case Self.keyPreviousPage: return .key(.pageUp)
            case Self.keyBackTab: return .key(.backTab)
            case Self.keyBackspace: return .key(.backspace)
            case Self.keyEnter: return .key(.enter)
            case (Self.keyF0 + 1)...(Self.keyF0 + 12): return .key(.function(Int(code - Self.keyF0)))
            default: return nil
            }
        }
        switch code {
        case 3: return .key(.controlC)
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        case 0..<32: return nil
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)) else { return nil }
            return .key(.character(Character(scalar)))
        }
    }

    /// Draws a frame: erase, every non-blank cell, one update.
    func draw(_ grid: CellGrid) {
        werase(cn_stdscr())
        var buffer = [wchar_t](repeating: 0, count: 8)
        for y in 0..<grid.height {
            for x in 0..<grid.width {
                let cell = grid[x, y]
                guard let character = cell.character else { continue }
                if character == " ", cell.style == .plain { continue }
                var count = 0
                for scalar in character.unicodeScalars where count < 7 {
                    buffer[count] = wchar_t(bitPattern: scalar.value)
                    count += 1
                }
                buffer[count] = 0
                _ = cn_put_cell(
                    Int32(y),
                    Int32(x),
                    buffer,
                    attributes(cell.style),
                    Int16(cell.style.color?.rawValue ?? 0)
                )
            }
        }
        wnoutrefresh(cn_stdscr())
        doupdate()
    }

    private func attributes(_ style: CellGrid.Style) -> attr_t {
        var value = cn_a_normal()
        if style.bold { value |= cn_a_bold() }
        if style.dim { value |= cn_a_dim() }
        if style.reverse { value |= cn_a_reverse() }
        if style.underline { value |= cn_a_underline() }
        return value
    }

    /// Restores the terminal (idempotent).
    func close() {
        guard !closed else { return }
        closed = true
        curs_set(1)
        endwin()
        if let screen { delscreen(screen) }
        screen = nil
    }
}
