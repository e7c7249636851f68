import Foundation

/// Questions on the terminal for `setup`: a line of text, a yes/no, a key typed without echo.
/// Without a terminal (or with `--yes`) every question takes its default.
struct Prompter {
    let interactive: Bool

    /// The answer, or `defaultAnswer` for an empty line (and when not interactive).
    func ask(_ question: String, default defaultAnswer: String) -> String {
        guard interactive else { return defaultAnswer }
        let hint = defaultAnswer.isEmpty ? "" : " [\(defaultAnswer)]"
        FileHandle.standardOutput.write(Data("\(question)\(hint): ".utf8))
        guard let line = readLine(strippingNewline: true) else { return defaultAnswer }
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? defaultAnswer : trimmed
    }

    func confirm(_ question: String, default defaultAnswer: Bool = true) -> Bool {
        guard interactive else { return defaultAnswer }
        while true {
            let answer = ask(question + (defaultAnswer ? " (Y/n)" : " (y/N)"), default: defaultAnswer ? "y" : "n")
            switch answer.lowercased() {
            case "y", "yes": return true
            case "n", "no": return false
            default: Console.out("Please answer y or n.")
            }
        }
    }

    /// A secret typed with echo off; nil when not interactive or empty.
    func secret(_ question: String) -> String? {
        guard interactive else { return nil }
        FileHandle.standardOutput.write(Data("\(question): ".utf8))
        var saved = termios()
        let isTerminal = tcgetattr(0, &saved) == 0
        if isTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSANOW, &quiet)
        }
        let line = readLine(strippingNewline: true)
        if isTerminal { tcsetattr(0, TCSANOW, &saved) }
        Console.out("")
        let trimmed = line?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return trimmed.isEmpty ? nil : trimmed
    }
}
