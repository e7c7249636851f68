import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
// On Linux `struct stat` and `timespec` reach Swift through CDispatch's module (MemberImportVisibility).
#if canImport(CDispatch)
    import CDispatch
#endif

/// Reads Claude Code transcripts (`projects/<folder>/<id>.jsonl`, one JSON record a line)
/// without loading them: a listing reads the first and last few kilobytes; counting messages
/// streams the bytes through a substring search; `show` streams one transcript line by line.
/// Malformed lines and unknown record types are skipped and counted, never fatal: Claude Code
/// changes this format often.
public enum TranscriptReader {
    /// The first window read at each end; doubled (up to ``maximumWindow``) while what a listing
    /// needs is not in it yet (a first line can be a 60 KB environment snapshot).
    static let initialWindow = 8 * 1024
    static let maximumWindow = 1024 * 1024

    /// The head and tail of the transcript at `path` (`size` bytes long). A transcript the
    /// first window holds is parsed whole; a longer one only line by line from the start until
    /// the first prompt, the working directory and the start time are known, and from the end
    /// back until the last timestamp, the last prompt and a main-chain message (its branch) are:
    /// a few records at each end, whatever the file's size.
    public static func scan(path: String, size: Int64) -> TranscriptScan {
        var scan = TranscriptScan()
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return scan }
        defer { close(descriptor) }
        let size = Int(clamping: size)
        // The head: complete lines from the start.
        var window = initialWindow
        var headEnd = 0
        while true {
            let length = min(window, size)
            let bytes = read(descriptor, offset: 0, count: length)
            let whole = length >= size
            var head = TranscriptScan()
            let consumed = forEachLine(in: bytes, atEnd: whole, skipFirst: false) { line in
                parse(line, into: &head, head: true)
                return whole || !head.hasHead
            }
            headEnd = consumed
            scan = head
            if whole || head.hasHead || window >= maximumWindow { break }
            window *= 2
        }
        if headEnd >= size { return finishWhole(scan) }
        // The tail: complete lines of the last window, newest first (its first, cut line is skipped).
        window = initialWindow
        while true {
            let start = max(headEnd, size - window)
            let bytes = read(descriptor, offset: start, count: size - start)
            var records: [JSONValue] = []
            var malformed = 0
            var needs = TailNeeds()
            forEachLineBackward(in: bytes, skipFirst: start > headEnd) { line in
                guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return true }
                guard let record = try? JSONParser.parse(line) else {
                    malformed += 1
                    return true
                }
                records.append(record)
                needs.note(record)
                return !needs.met
            }
            // Folded oldest first, as the lines were written.
            var tail = TranscriptScan()
            for record in records.reversed() { tail.apply(record, head: false) }
            tail.malformedLines += malformed
            if tail.lastTimestamp != nil || start == headEnd || window >= maximumWindow {
                scan.lastPrompt = tail.lastPrompt ?? scan.lastPrompt
                scan.lastTimestamp = tail.lastTimestamp ?? scan.lastTimestamp
                scan.gitBranch = tail.gitBranch ?? scan.gitBranch
                scan.cwd = scan.cwd ?? tail.cwd
                scan.entrypoint = scan.entrypoint ?? tail.entrypoint
                scan.version = scan.version ?? tail.version
                scan.started = scan.started ?? tail.started
                scan.malformedLines += tail.malformedLines
                scan.unknownRecords += tail.unknownRecords
                break
            }
            window *= 2
        }
        if scan.lastPrompt == nil { scan.lastPrompt = scan.firstPrompt }
        return scan
    }

    /// What the tail is read for, noted record by record from the end.
    struct TailNeeds {
        var timestamp = false
        var prompt = false
        var message = false
        var met: Bool { timestamp && prompt && message }

        mutating func note(_ record: JSONValue) {
            guard case .object(let object) = record, let type = object["type"]?.stringValue else { return }
            if object["timestamp"]?.stringValue.flatMap(ISOTimestamp.parse) != nil { timestamp = true }
            switch type {
            case "last-prompt":
                if let text = object["lastPrompt"]?.stringValue, text.contains(where: { !$0.isWhitespace }) {
                    prompt = true
                }
            case "user", "assistant":
                guard object["isSidechain"]?.boolValue != true else { return }
                // The session's branch, when it has one, is on every main-chain message.
                message = true
                if type == "user", object["isMeta"]?.boolValue != true, TranscriptScan.prompt(object["message"]) != nil
                {
                    prompt = true
                }
            default:
                break
            }
        }
    }

    /// A transcript read whole from the head: the last prompt is the last one seen.
    private static func finishWhole(_ scan: TranscriptScan) -> TranscriptScan {
        var scan = scan
        scan.wholeFile = true
        if scan.lastPrompt == nil { scan.lastPrompt = scan.firstPrompt }
        return scan
    }

    static func parse(_ line: ArraySlice<UInt8>, into scan: inout TranscriptScan, head: Bool) {
        guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
        guard let record = try? JSONParser.parse(line) else {
            scan.malformedLines += 1
            return
        }
        if head {
            // Prompts after the first still say what the session was last about.
            let hadFirst = scan.firstPrompt != nil
            scan.apply(record, head: true)
            if hadFirst, case .object(let object) = record, object["type"]?.stringValue == "user",
                object["isSidechain"]?.boolValue != true, object["isMeta"]?.boolValue != true,
                let prompt = TranscriptScan.prompt(object["message"])
            {
                scan.lastPrompt = prompt
            }
        } else {
            scan.apply(record, head: false)
        }
    }

    /// Calls `body` with each complete line of `bytes` (without its newline); the last line
    /// counts only when `atEnd`. Returns the bytes consumed (up to the last newline handled).
    @discardableResult
    static func forEachLine(
        in bytes: [UInt8],
        atEnd: Bool,
        skipFirst: Bool,
        _ body: (ArraySlice<UInt8>) -> Void
    ) -> Int {
        forEachLine(in: bytes, atEnd: atEnd, skipFirst: skipFirst) { line in
            body(line)
            return true
        }
    }

    /// Calls `body` with each complete line of `bytes` (without its newline) until it returns
    /// `false`; the last line counts only when `atEnd`. Returns the bytes consumed (up to the
    /// end of the last line handled).
    static func forEachLine(
        in bytes: [UInt8],
        atEnd: Bool,
        skipFirst: Bool,
        _ body: (ArraySlice<UInt8>) -> Bool
    ) -> Int {
        var start = 0
        var skipping = skipFirst
        var consumed = 0
        while start < bytes.count {
            guard let newline = bytes[start...].firstIndex(of: 0x0A) else {
                if atEnd && !skipping { _ = body(bytes[start...]) }
                if atEnd { consumed = bytes.count }
                break
            }
            let goOn = skipping || body(bytes[start..<newline])
            skipping = false
            start = newline + 1
            consumed = start
            if !goOn { break }
        }
        return consumed
    }

    /// Calls `body` with each line of `bytes`, the last first, until it returns `false`; the
    /// first line is skipped when `skipFirst` (a window that starts mid-line).
    static func forEachLineBackward(in bytes: [UInt8], skipFirst: Bool, _ body: (ArraySlice<UInt8>) -> Bool) {
        var end = bytes.count
        if end > 0, bytes[end - 1] == 0x0A { end -= 1 }
        while end >= 0 {
            if let newline = bytes[..<end].lastIndex(of: 0x0A) {
                if !body(bytes[(newline + 1)..<end]) { return }
                end = newline
            } else {
                if !skipFirst { _ = body(bytes[..<end]) }
                return
            }
        }
    }

    static func read(_ descriptor: Int32, offset: Int, count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        // Not zeroed first: the bytes read are all that is kept.
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var filled = 0
            while filled < count {
                let got = pread(descriptor, buffer.baseAddress! + filled, count - filled, off_t(offset + filled))
                if got <= 0 { break }
                filled += got
            }
            initialized = filled
        }
    }

    // MARK: - Counting messages

    /// `"type":"user"` and `"type":"assistant"`: a record's own type, written compactly by
    /// Claude Code. Inside a string the quotes would be escaped, so a match is a key; nested
    /// objects use other type names (`text`, `tool_use`, `message`). The unit tests check the
    /// count against a full parse of recorded transcripts.
    static let messageMarkers: [[UInt8]] = [Array(#""type":"user""#.utf8), Array(#""type":"assistant""#.utf8)]

    /// User and assistant records from byte `offset` to the end, streamed in 1 MB reads.
    /// Returns the count and the offset read up to.
    public static func countMessages(path: String, from offset: Int64 = 0) -> (messages: Int, end: Int64) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return (0, offset) }
        defer { close(descriptor) }
        // Reads of up to 1 MB, in a buffer no larger than the file needs (most are a few KB,
        // and a listing counts thousands).
        var info = stat()
        let size = fstat(descriptor, &info) == 0 ? Int(info.st_size) : 1024 * 1024
        let chunk = max(4096, min(1024 * 1024, size - Int(offset)))
        let overlap = messageMarkers.map(\.count).max()! - 1
        var buffer = [UInt8](repeating: 0, count: chunk + overlap)
        var carried = 0
        var position = Int(offset)
        var count = 0
        while true {
            let got = buffer.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + carried, chunk, off_t(position))
            }
            if got <= 0 { break }
            position += got
            let length = carried + got
            buffer.withUnsafeBytes { raw in
                // Markers ending in the carried bytes were counted in the last read.
                count += markers(in: raw.baseAddress!, length: length, endingAfter: carried)
            }
            // Keep the last bytes, in case a marker straddles two reads.
            carried = min(overlap, length)
            if carried > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    let base = raw.baseAddress!
                    memmove(base, base + length - carried, carried)
                }
            }
        }
        return (count, Int64(position))
    }

    /// Occurrences of the message markers in `length` bytes (those ending after byte `floor`):
    /// each `y` found by `memchr` is checked for `"type":"` around it and `user"` or
    /// `assistant"` after it (`memmem` is not in Swift's Glibc module).
    static func markers(in base: UnsafeRawPointer, length: Int, endingAfter floor: Int = 0) -> Int {
        let prefix = Array(#""type":""#.utf8)
        let endings = [Array(#"user""#.utf8), Array(#"assistant""#.utf8)]
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        var count = 0
        var position = 2
        while position < length {
            guard let found = memchr(base + position, Int32(UInt8(ascii: "y")), length - position) else { break }
            let index = base.distance(to: UnsafeRawPointer(found))
            position = index + 1
            let start = index - 2
            guard start >= 0, start + prefix.count <= length else { continue }
            var matches = true
            for offset in 0..<prefix.count where bytes[start + offset] != prefix[offset] {
                matches = false
                break
            }
            guard matches else { continue }
            let after = start + prefix.count
            for ending in endings where after + ending.count <= length {
                var same = true
                for offset in 0..<ending.count where bytes[after + offset] != ending[offset] {
                    same = false
                    break
                }
                if same {
                    if after + ending.count > floor { count += 1 }
                    break
                }
            }
        }
        return count
    }

    // MARK: - Every line (show)

    /// Calls `body` with each line of the transcript, parsed, streaming 256 KB at a time; lines
    /// that are not JSON are counted. Returns the malformed count.
    @discardableResult
    public static func forEachRecord(path: String, _ body: (JSONValue) -> Void) -> Int {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return 0 }
        defer { close(descriptor) }
        var malformed = 0
        var pending: [UInt8] = []
        var position = 0
        let chunk = 256 * 1024
        func handle(_ line: ArraySlice<UInt8>) {
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
            if let record = try? JSONParser.parse(line) { body(record) } else { malformed += 1 }
        }
        while true {
            let bytes = read(descriptor, offset: position, count: chunk)
            if bytes.isEmpty { break }
            position += bytes.count
            pending.append(contentsOf: bytes)
            let consumed = forEachLine(in: pending, atEnd: false, skipFirst: false, handle)
            pending.removeFirst(consumed)
        }
        if !pending.isEmpty { forEachLine(in: pending, atEnd: true, skipFirst: false, handle) }
        return malformed
    }
}
