#if !SWITCHBOARD_FUZZ
    @testable import Proxy
#endif

/// `sse`: ``SSEParser`` on any bytes, cut into pieces of every size the first byte picks. The
/// events do not depend on where the stream was cut, and they equal what a plain reading of the
/// rules gives (lines end in LF, CRLF or CR; `data:` lines joined by LF; a blank line ends an
/// event; the last event is kept at the end of the stream).
enum SSEParserFuzz {
    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        guard let first = input.first else { return }
        let body = Array(input.dropFirst())
        let expected = reference(body)
        for pieceSize in [body.count + 1, 1, Int(first % 16) + 2] {
            var parser = SSEParser()
            var events: [[UInt8]] = []
            var offset = 0
            while offset < body.count {
                let end = min(offset + pieceSize, body.count)
                events += parser.feed(body[offset..<end])
                offset = end
            }
            events += parser.finish()
            guard events == expected else {
                throw FuzzFailure(
                    "pieces of \(pieceSize) bytes gave \(events.count) events, the rules give \(expected.count): "
                        + "\(events.map { String(decoding: $0, as: UTF8.self) }) vs "
                        + "\(expected.map { String(decoding: $0, as: UTF8.self) })"
                )
            }
        }
    }

    /// The rules, read as slowly as possible.
    static func reference(_ body: [UInt8]) -> [[UInt8]] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < body.count {
            if body[index] == 0x0A || body[index] == 0x0D {
                lines.append(body[start..<index])
                if body[index] == 0x0D, index + 1 < body.count, body[index + 1] == 0x0A { index += 1 }
                start = index + 1
            }
            index += 1
        }
        if start < body.count { lines.append(body[start...]) }
        var events: [[UInt8]] = []
        var data: [UInt8]?
        for line in lines {
            if line.isEmpty {
                if let complete = data { events.append(complete) }
                data = nil
            } else if line.starts(with: "data:".utf8) {
                var value = line.dropFirst(5)
                if value.first == 0x20 { value = value.dropFirst() }
                if data == nil { data = Array(value) } else { data! += [0x0A] + value }
            }
        }
        if let complete = data { events.append(complete) }
        return events
    }
}
