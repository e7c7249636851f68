import Foundation
import Proxy

/// Claude Code's user `settings.json`, changed the careful way: the file's own text is edited
/// in place (other settings, their order, indentation and any comments stay byte for byte), a
/// timestamped backup is written first, the new text replaces the old atomically, and a change
/// that is already there is not made again.
struct ClaudeSettingsFile {
    let path: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `$CLAUDE_CONFIG_DIR/settings.json`, else `~/.claude/settings.json`.
    static func defaultPath(environment: [String: String]) -> String {
        let directory =
            environment["CLAUDE_CONFIG_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.claude")
        return directory + "/settings.json"
    }

    /// Where a status line that Switchboard replaced is kept, so `--uninstall` puts it back.
    var previousStatusLinePath: String {
        (path as NSString).deletingLastPathComponent + "/switchboard-statusline-previous.json"
    }

    /// A word in a shell command, quoted when it needs to be.
    static func quoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "/._-+=:,@".contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    static func statusLineValue(command: String) -> JSONValue {
        .object(["type": .string("command"), "command": .string(command), "padding": .int(0)])
    }

    /// Whether a `statusLine` value runs `switchboard statusline`.
    static func isSwitchboards(_ value: JSONValue?) -> Bool {
        guard let command = value?["command"]?.stringValue else { return false }
        return command.contains("switchboard") && command.contains(" statusline")
    }

    // MARK: - Status line

    func installStatusLine(command: String) throws -> String {
        let text = try read() ?? ""
        let members = try JSONMemberScanner.topLevel(text.isEmpty ? "{}" : text)
        let existing = members.first { $0.key == "statusLine" }
        let wanted = Self.statusLineValue(command: command)
        let current = try existing.map { try JSONParser.parse(Array(text.utf8[$0.valueRange])) }
        if current == wanted { return "The status line is already installed in \(path); nothing changed." }
        if let current, !Self.isSwitchboards(current), let existing {
            // Someone else's status line: kept beside the settings for --uninstall.
            try Data(text.utf8[existing.valueRange]).write(to: URL(fileURLWithPath: previousStatusLinePath))
        }
        let updated = try JSONMemberScanner.setting("statusLine", to: wanted, in: text.isEmpty ? "{}\n" : text)
        let backup = try write(updated, previous: text.isEmpty ? nil : text)
        var lines = ["Installed the status line in \(path): \(command)"]
        if let backup { lines.append("Backup of the previous file: \(backup)") }
        if current != nil, !Self.isSwitchboards(current) {
            lines.append(
                "It replaces the status line you had (kept in \(previousStatusLinePath); --uninstall restores it)."
            )
        }
        lines.append("Claude Code shows it from its next prompt on.")
        return lines.joined(separator: "\n")
    }

    func uninstallStatusLine() throws -> String {
        guard let text = try read() else { return "\(path) does not exist; nothing to remove." }
        let members = try JSONMemberScanner.topLevel(text)
        guard let existing = members.first(where: { $0.key == "statusLine" }) else {
            return "No status line in \(path); nothing changed."
        }
        let current = try JSONParser.parse(Array(text.utf8[existing.valueRange]))
        guard Self.isSwitchboards(current) else {
            throw Failure(description: "the status line in \(path) is not Switchboard's; left as it is")
        }
        let updated: String
        var restored = false
        if let previous = FileManager.default.contents(atPath: previousStatusLinePath),
            (try? JSONParser.parse(Array(previous))) != nil, let raw = String(data: previous, encoding: .utf8)
        {
            // Its own text, as it was written.
            updated = try JSONMemberScanner.setting("statusLine", raw: { _ in raw }, in: text)
            restored = true
        } else {
            updated = try JSONMemberScanner.removing("statusLine", from: text)
        }
        let backup = try write(updated, previous: text)
        if restored {
            // Moved aside, not deleted: it is back in the settings now.
            try? FileManager.default.moveItem(
                atPath: previousStatusLinePath,
                toPath: previousStatusLinePath + ".restored-" + Self.stamp()
            )
        }
        var lines = [
            restored
                ? "Removed Switchboard's status line from \(path) and put back the one you had."
                : "Removed Switchboard's status line from \(path)."
        ]
        if let backup { lines.append("Backup of the previous file: \(backup)") }
        return lines.joined(separator: "\n")
    }

    // MARK: - Reading and writing

    /// The file's text; `nil` when there is no file.
    func read() throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Failure(description: "\(path) is not UTF-8 text; left as it is")
        }
        return text
    }

    static func stamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: Date())
    }

    /// Backs `previous` up (when there was a file), then replaces the file atomically with the
    /// same permissions. Returns the backup's path.
    @discardableResult
    func write(_ text: String, previous: String?) throws -> String? {
        let manager = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var backup: String?
        var permissions: Any?
        if let previous {
            var candidate = path + ".switchboard-backup-" + Self.stamp()
            var counter = 1
            while manager.fileExists(atPath: candidate) {
                counter += 1
                candidate = path + ".switchboard-backup-" + Self.stamp() + "-\(counter)"
            }
            try Data(previous.utf8).write(to: URL(fileURLWithPath: candidate))
            permissions = try? manager.attributesOfItem(atPath: path)[.posixPermissions]
            if let permissions { try? manager.setAttributes([.posixPermissions: permissions], ofItemAtPath: candidate) }
            backup = candidate
        }
        let temporary = path + ".switchboard-tmp-\(getpid())"
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        if let permissions { try? manager.setAttributes([.posixPermissions: permissions], ofItemAtPath: temporary) }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? manager.removeItem(atPath: temporary)
            throw Failure(description: "cannot replace \(path): \(reason)")
        }
        return backup
    }
}

/// Finds the members of a JSON (or JSON with comments) document's top-level object by their
/// byte ranges, so one member can be replaced, added or removed without touching the rest.
enum JSONMemberScanner {
    struct Member: Equatable {
        var key: String
        /// From the key's opening quote to the end of the value.
        var range: Range<String.UTF8View.Index>
        var valueRange: Range<String.UTF8View.Index>
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The top-level members, in order. The document must be an object; strings, nesting and
    /// `//` / `/* */` comments are understood.
    static func topLevel(_ text: String) throws -> [Member] {
        let bytes = text.utf8
        var index = bytes.startIndex
        skipSpace(bytes, &index)
        guard index < bytes.endIndex, bytes[index] == UInt8(ascii: "{") else {
            throw Failure(description: "the settings file is not a JSON object; left as it is")
        }
        bytes.formIndex(after: &index)
        var members: [Member] = []
        while true {
            skipSpace(bytes, &index)
            guard index < bytes.endIndex else { throw Failure(description: "the settings file ends inside its object") }
            if bytes[index] == UInt8(ascii: "}") { return members }
            if bytes[index] == UInt8(ascii: ",") {
                bytes.formIndex(after: &index)
                continue
            }
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw Failure(description: "the settings file has something other than a key in its object")
            }
            let keyStart = index
            try skipString(bytes, &index)
            let keyBytes = Array(bytes[keyStart..<index])
            guard let key = (try? JSONParser.parse(keyBytes))?.stringValue else {
                throw Failure(description: "the settings file has a malformed key")
            }
            skipSpace(bytes, &index)
            guard index < bytes.endIndex, bytes[index] == UInt8(ascii: ":") else {
                throw Failure(description: "the settings file lacks a ':' after \"\(key)\"")
            }
            bytes.formIndex(after: &index)
            skipSpace(bytes, &index)
            let valueStart = index
            try skipValue(bytes, &index)
            members.append(Member(key: key, range: keyStart..<index, valueRange: valueStart..<index))
        }
    }

    /// `text` with the top-level `key` set to `value` (replaced in place, or added after the
    /// last member with the same indentation).
    static func setting(_ key: String, to value: JSONValue, in text: String) throws -> String {
        try setting(key, raw: { indent in render(value, indent: indent) }, in: text)
    }

    /// `text` with the top-level `key` set to the JSON text `raw` makes for an indentation.
    static func setting(_ key: String, raw: @escaping (_ indent: String) -> String, in text: String) throws -> String {
        let members = try topLevel(text)
        let bytes = text.utf8
        if let member = members.first(where: { $0.key == key }) {
            let indent = indentation(of: member.range.lowerBound, in: text)
            return String(text[..<member.valueRange.lowerBound]) + raw(indent)
                + String(text[member.valueRange.upperBound...])
        }
        let writer = { (indent: String) in "\"\(escaped(key))\": " + raw(indent) }
        if let last = members.last {
            let indent = indentation(of: last.range.lowerBound, in: text)
            return String(text[..<last.range.upperBound]) + ",\n" + indent + writer(indent)
                + String(text[last.range.upperBound...])
        }
        // An empty object: `{` … `}` becomes a one-member object, whatever was between.
        guard let open = bytes.firstIndex(of: UInt8(ascii: "{")),
            let close = bytes.lastIndex(of: UInt8(ascii: "}"))
        else { throw Failure(description: "the settings file is not a JSON object") }
        let tail = String(text[bytes.index(after: close)...])
        return String(text[..<open]) + "{\n  " + writer("  ") + "\n}" + (tail.isEmpty ? "\n" : tail)
    }

    /// `text` without the top-level `key` (its line, and the comma that separated it).
    static func removing(_ key: String, from text: String) throws -> String {
        let members = try topLevel(text)
        guard let position = members.firstIndex(where: { $0.key == key }) else { return text }
        let member = members[position]
        let bytes = text.utf8
        var start = member.range.lowerBound
        var end = member.range.upperBound
        if position + 1 < members.count {
            // Up to the next member's start: the comma and line break go too.
            end = lineStart(of: members[position + 1].range.lowerBound, in: text)
            start = lineStart(of: start, in: text)
        } else if position > 0 {
            // The last member: remove from the end of the previous one (its comma included).
            start = members[position - 1].range.upperBound
        } else {
            start = lineStart(of: start, in: text)
            var after = end
            skipSpace(bytes, &after)
            end = lineStart(of: after, in: text)
            if end < member.range.upperBound { end = member.range.upperBound }
        }
        return String(text[..<start]) + String(text[end...])
    }

    /// Where the line holding `index` starts, when only spaces precede it there; else `index`.
    static func lineStart(of index: String.UTF8View.Index, in text: String) -> String.UTF8View.Index {
        let bytes = text.utf8
        var cursor = index
        while cursor > bytes.startIndex {
            let previous = bytes.index(before: cursor)
            let byte = bytes[previous]
            if byte == UInt8(ascii: "\n") { return cursor }
            guard byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") else { return index }
            cursor = previous
        }
        return cursor
    }

    static func indentation(of index: String.UTF8View.Index, in text: String) -> String {
        let start = lineStart(of: index, in: text)
        return String(text[start..<index])
    }

    /// Pretty JSON for a value written at `indent` (nested levels two spaces deeper).
    static func render(_ value: JSONValue, indent: String) -> String {
        switch value {
        case .object(let object) where !object.isEmpty:
            let inner = indent + "  "
            let members = object.members.map { "\(inner)\"\(escaped($0.key))\": \(render($0.value, indent: inner))" }
            return "{\n" + members.joined(separator: ",\n") + "\n\(indent)}"
        case .array(let items) where !items.isEmpty:
            let inner = indent + "  "
            return "[\n" + items.map { inner + render($0, indent: inner) }.joined(separator: ",\n") + "\n\(indent)]"
        default:
            var writer = JSONWriter()
            writer.value(value)
            return writer.string
        }
    }

    static func escaped(_ key: String) -> String {
        var writer = JSONWriter()
        writer.string(key)
        return String(writer.string.dropFirst().dropLast())
    }

    static func skipSpace(_ bytes: String.UTF8View, _ index: inout String.UTF8View.Index) {
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\t")
            {
                bytes.formIndex(after: &index)
            } else if byte == UInt8(ascii: "/"), bytes.index(after: index) < bytes.endIndex {
                let next = bytes[bytes.index(after: index)]
                if next == UInt8(ascii: "/") {
                    while index < bytes.endIndex, bytes[index] != UInt8(ascii: "\n") { bytes.formIndex(after: &index) }
                } else if next == UInt8(ascii: "*") {
                    bytes.formIndex(&index, offsetBy: 2)
                    while index < bytes.endIndex {
                        if bytes[index] == UInt8(ascii: "*"), bytes.index(after: index) < bytes.endIndex,
                            bytes[bytes.index(after: index)] == UInt8(ascii: "/")
                        {
                            bytes.formIndex(&index, offsetBy: 2)
                            break
                        }
                        bytes.formIndex(after: &index)
                    }
                } else {
                    return
                }
            } else {
                return
            }
        }
    }

    static func skipString(_ bytes: String.UTF8View, _ index: inout String.UTF8View.Index) throws {
        bytes.formIndex(after: &index)
        while index < bytes.endIndex {
            let byte = bytes[index]
            bytes.formIndex(after: &index)
            if byte == UInt8(ascii: "\\") {
                guard index < bytes.endIndex else { break }
                bytes.formIndex(after: &index)
            } else if byte == UInt8(ascii: "\"") {
                return
            }
        }
        throw Failure(description: "the settings file has an unterminated string")
    }

    /// Skips one value: a string, or everything up to the matching bracket, or a bare word.
    static func skipValue(_ bytes: String.UTF8View, _ index: inout String.UTF8View.Index) throws {
        guard index < bytes.endIndex else {
            throw Failure(description: "the settings file ends where a value should be")
        }
        var depth = 0
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                try skipString(bytes, &index)
                if depth == 0 { return }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return }
                depth -= 1
                if depth == 0 {
                    bytes.formIndex(after: &index)
                    return
                }
            case UInt8(ascii: ","):
                if depth == 0 { return }
            case UInt8(ascii: "/"):
                let before = index
                skipSpace(bytes, &index)
                if index != before { continue }
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                if depth == 0 { return }
            default:
                break
            }
            bytes.formIndex(after: &index)
        }
        if depth > 0 { throw Failure(description: "the settings file ends inside a value") }
    }
}
