#if !SWITCHBOARD_FUZZ
    @testable import Proxy
#endif

/// `chunk`: the fast ``ChunkScanner`` against the full reader (``JSONParser`` +
/// ``ChatChunk/init(json:)``) on any bytes. Whatever the scanner accepts is valid JSON and
/// reads to the same chunk; and ``ChatChunk/decode(_:)`` (what the relay calls) gives the full
/// reader's chunk for every valid document.
enum ChunkScannerFuzz {
    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        let fast = input.withUnsafeBufferPointer { ChunkScanner.scan($0) }
        let json = try? JSONParser.parse(input)
        if let fast {
            guard let json else { throw FuzzFailure("the scanner accepted text the JSON parser rejects") }
            let full = ChatChunk(json: json)
            guard fast == full else { throw FuzzFailure("the scanner read \(fast), the full reader \(full)") }
        }
        let decoded = ChatChunk.decode(input)
        switch (decoded, json) {
        case (nil, nil): return
        case (let decoded?, let json?):
            guard decoded == ChatChunk(json: json) else { throw FuzzFailure("decode differs from the full reader") }
        case (nil, _?): throw FuzzFailure("decode dropped a valid JSON document")
        case (_?, nil): throw FuzzFailure("decode read a chunk from invalid JSON")
        }
    }
}
