/// Splits a server-sent-events byte stream into the `data` of each event.
///
/// Bytes may be cut anywhere (inside a line, inside a UTF-8 sequence); lines end in LF, CRLF
/// or CR; comment lines (`: OPENROUTER PROCESSING`) and other fields are skipped; `data:` may
/// or may not be followed by a space; several `data:` lines of one event are joined by `\n`.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var lastWasCR = false

    public init() {}

    /// Feeds bytes; returns the data of every event they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [[UInt8]] {
        var events: [[UInt8]] = []
        for byte in bytes {
            if lastWasCR {
                lastWasCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0A:
                endLine(into: &events)
            case 0x0D:
                lastWasCR = true
                endLine(into: &events)
            default:
                line.append(byte)
            }
        }
        return events
    }

    /// Ends the stream; returns a final event that had no blank line after it.
    public mutating func finish() -> [[UInt8]] {
        var events: [[UInt8]] = []
        if !line.isEmpty { endLine(into: &events) }
        if hasData {
            events.append(data)
            data = []
            hasData = false
        }
        return events
    }

    private mutating func endLine(into events: inout [[UInt8]]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            if hasData {
                events.append(data)
                data = []
                hasData = false
            }
            return
        }
        if line[0] == UInt8(ascii: ":") { return }
        // Only `data:` matters here; `event:`, `id:` and `retry:` carry nothing the translator uses.
        guard line.count >= 5, line[0] == 0x64, line[1] == 0x61, line[2] == 0x74, line[3] == 0x61,
            line[4] == UInt8(ascii: ":")
        else { return }
        let start = line.count > 5 && line[5] == 0x20 ? 6 : 5
        if hasData { data.append(0x0A) }
        data.append(contentsOf: line[start...])
        hasData = true
    }
}
