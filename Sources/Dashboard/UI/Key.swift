/// A key press, as the UI understands it (decoded from ncurses by the terminal layer).
enum Key: Equatable, Sendable {
    case character(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace
    case controlC
    case function(Int)
}
