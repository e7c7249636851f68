/// Splits a server-sent-events byte stream into the `data` of each event.
///
/// Bytes may be cut anywhere (inside a line, inside a UTF-8 sequence); lines end in LF, CRLF
/// or CR; comment lines (`: OPENROUTER PROCESSING`) and other fields are skipped; `data:` may
/// or may not be followed by a space; several `data:` lines of one event are joined by `\n`.
public struct SSEParser: Sendable {
    /// The longest line or event kept. A provider that sends more without a line end (a
    /// broken or hostile upstream) would otherwise grow memory without bound.
    public static let maximumEventSize = 16 * 1024 * 1024

    /// Whether a line or an event went past ``maximumEventSize`` (it was dropped).
    public private(set) var overflowed = false
    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var lastWasCR = false

    /// A parser at the start of a stream.
    public init() {}

    /// Feeds bytes; returns the data of every event they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [[UInt8]] {
        var events: [[UInt8]] = []
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            feed(buffer: buffer, into: &events)
        }
        if handled == nil {
            let copy = Array(bytes)
            copy.withUnsafeBufferPointer { feed(buffer: $0, into: &events) }
        }
        return events
    }

    /// Scans for line ends and handles whole lines in place; only a line cut by the end of
    /// the buffer is copied (hot path: every upstream read passes here).
    private mutating func feed(buffer: UnsafeBufferPointer<UInt8>, into events: inout [[UInt8]]) {
        var index = 0
        let count = buffer.count
        if lastWasCR, index < count {
            lastWasCR = false
            if buffer[index] == 0x0A { index += 1 }
        }
        var lineStart = index
        while index < count {
            let byte = buffer[index]
            guard byte == 0x0A || byte == 0x0D else {
                index += 1
                continue
            }
            let piece = UnsafeBufferPointer(rebasing: buffer[lineStart..<index])
            if line.isEmpty {
                handle(line: piece, into: &events)
            } else {
                line.append(contentsOf: piece)
                let whole = line
                line.removeAll(keepingCapacity: true)
                whole.withUnsafeBufferPointer { handle(line: $0, into: &events) }
            }
            index += 1
            if byte == 0x0D {
                if index < count {
                    if buffer[index] == 0x0A { index += 1 }
                } else {
                    lastWasCR = true
                }
            }
            lineStart = index
        }
        if lineStart < count {
            guard line.count + (count - lineStart) <= Self.maximumEventSize else {
                overflowed = true
                line.removeAll()
                return
            }
            line.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[lineStart..<count]))
        }
    }

    /// Ends the stream; returns a final event that had no blank line after it.
    public mutating func finish() -> [[UInt8]] {
        var events: [[UInt8]] = []
        if !line.isEmpty {
            let whole = line
            line = []
            whole.withUnsafeBufferPointer { handle(line: $0, into: &events) }
        }
        if hasData {
            events.append(data)
            data = []
            hasData = false
        }
        return events
    }

    private mutating func handle(line: UnsafeBufferPointer<UInt8>, into events: inout [[UInt8]]) {
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
        guard data.count + line.count - start < Self.maximumEventSize else {
            overflowed = true
            data = []
            hasData = false
            return
        }
        if hasData { data.append(0x0A) }
        data.append(contentsOf: UnsafeBufferPointer(rebasing: line[start...]))
        hasData = true
    }
}
