// The stream translator alone, in a release-mode loop: the canned upstream stream of the
// benchmark (100 content chunks, a usage chunk, [DONE]) is split into SSE data lines once, then
// replayed for a fixed time through each stage of the proxy's per-chunk path:
//
//   parse      JSONParser.parse on each data line (the full parser: the proxy's fallback path, for reference)
//   chunk      ChatChunk.decode: the fast scanner the proxy uses (stages from here on are cumulative)
//   translate  + StreamTranslator start/feed/finish (one translator per stream)
//   full       + StreamEvent.write(to:) into a JSONWriter, one writer per 4 KB upstream read,
//              as StreamRelay does
//
// Each stage reports chunks per second and, from the malloc interposer in CMallocCounter,
// allocation calls and bytes requested per chunk (a chunk is one JSON data line: 101 a stream).
//
//   translator-bench --stream FILE [--seconds S]   (S: time for the full stage; others get S/4)
import CMallocCounter
import Foundation
import Proxy

struct Options {
    var streamPath = ""
    var seconds = 3.0

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            switch argument {
            case "--stream": options.streamPath = rest.popFirst() ?? ""
            case "--seconds": options.seconds = Double(rest.popFirst() ?? "") ?? options.seconds
            default: fail("unknown argument \(argument)")
            }
        }
        if options.streamPath.isEmpty { fail("usage: translator-bench --stream FILE [--seconds S]") }
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("translator-bench: \(message)\n".utf8))
    exit(1)
}

enum Stage: String, CaseIterable {
    case parse, chunk, translate, full
}

/// The data lines of one stream, grouped by the 4 KB read that completes them.
struct Stream {
    var reads: [[[UInt8]]] = []
    var chunkCount = 0

    init(bytes: [UInt8], readSize: Int = 4096) {
        var parser = SSEParser()
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + readSize, bytes.count)
            let data = parser.feed(bytes[offset..<end])
            reads.append(data)
            offset = end
        }
        reads.append(parser.finish())
        for read in reads { chunkCount += read.count { !isDone($0) } }
    }
}

@inline(__always) func isDone(_ data: [UInt8]) -> Bool {
    data.count >= 6 && data[0] == UInt8(ascii: "[") && data[1] == UInt8(ascii: "D")
}

/// Defeats dead-code elimination.
nonisolated(unsafe) var sink = 0

let configuration = StreamTranslator.Configuration(
    messageID: "msg_01BenchBenchBenchBenchBench",
    model: "claude-sonnet-4-5",
    estimatedInputTokens: 25
)

/// One pass over the stream through `stage`; returns the number of chunks processed.
@inline(never) func run(_ stream: Stream, stage: Stage, output: ((JSONWriter) -> Void)? = nil) -> Int {
    var translator = StreamTranslator(configuration: configuration)
    var chunks = 0
    var writer = JSONWriter(capacity: 4096)
    if stage == .translate || stage == .full {
        for event in translator.start() {
            if stage == .full { event.write(to: &writer) } else { sink &+= 1 }
        }
    }
    for read in stream.reads {
        for data in read {
            if isDone(data) {
                if stage == .translate || stage == .full {
                    for event in translator.finish() {
                        if stage == .full { event.write(to: &writer) } else { sink &+= 1 }
                    }
                }
                continue
            }
            chunks += 1
            if stage == .parse {
                guard let json = try? JSONParser.parse(data) else { fail("a data line is not JSON") }
                if case .object = json { sink &+= 1 }
                continue
            }
            guard let chunk = ChatChunk.decode(data) else { fail("a data line is not JSON") }
            if stage == .chunk {
                sink &+= chunk.content?.utf8.count ?? 0
                continue
            }
            let events = translator.feed(chunk)
            if stage == .translate {
                sink &+= events.count
                continue
            }
            for event in events { event.write(to: &writer) }
        }
        if stage == .full {
            // The relay hands these bytes to the network and starts a new writer per read.
            if let output { output(writer) }
            sink &+= writer.bytes.count
            writer = JSONWriter(capacity: 4096)
        }
    }
    return chunks
}

struct Result {
    var stage: Stage
    var chunks: Int
    var seconds: Double
    var allocations: UInt64
    var bytes: UInt64
}

func measure(_ stream: Stream, stage: Stage, seconds: Double) -> Result {
    // Warm up (first-use allocations, caches) outside the measurement.
    for _ in 0..<50 { _ = run(stream, stage: stage) }
    let clock = ContinuousClock()
    let before = malloc_counter_read()
    let start = clock.now
    let deadline = start + .milliseconds(Int(seconds * 1000))
    var chunks = 0
    repeat {
        for _ in 0..<20 { chunks += run(stream, stage: stage) }
    } while clock.now < deadline
    let elapsed = clock.now - start
    let after = malloc_counter_read()
    let (whole, attoseconds) = elapsed.components
    return Result(
        stage: stage,
        chunks: chunks,
        seconds: Double(whole) + Double(attoseconds) / 1e18,
        allocations: after.allocations - before.allocations,
        bytes: after.bytes - before.bytes
    )
}

let options = Options.parse(CommandLine.arguments)
guard let data = FileManager.default.contents(atPath: options.streamPath) else {
    fail("cannot read \(options.streamPath)")
}
let stream = Stream(bytes: [UInt8](data))

// The interposer must be live, or the allocation counts mean nothing.
let probe = malloc_counter_read().allocations
let probeArray = [Int](repeating: sink, count: 1000)
sink &+= probeArray.count
if malloc_counter_read().allocations == probe { fail("the malloc interposer is not counting") }

// Check the translation once: a complete Anthropic stream with every content chunk in it.
var text = ""
_ = run(stream, stage: .full) { writer in text += writer.string }
let deltas = text.components(separatedBy: "event: content_block_delta").count - 1
guard text.hasPrefix("event: message_start"), text.contains("event: message_stop"), deltas >= 100 else {
    fail("the translated stream is not complete:\n\(text.prefix(2000))")
}
print(
    "TRANSLATOR check chunks_per_stream=\(stream.chunkCount) reads_per_stream=\(stream.reads.count)"
        + " output_bytes_per_stream=\(text.utf8.count) content_block_deltas=\(deltas)"
)

for stage in Stage.allCases {
    let result = measure(stream, stage: stage, seconds: stage == .full ? options.seconds : options.seconds / 4)
    let chunks = Double(result.chunks)
    print(
        "TRANSLATOR stage=\(stage.rawValue) chunks=\(result.chunks)"
            + " seconds=\(String(format: "%.3f", result.seconds))"
            + " chunks_per_s=\(String(format: "%.0f", chunks / result.seconds))"
            + " ns_per_chunk=\(String(format: "%.1f", result.seconds * 1e9 / chunks))"
            + " allocs_per_chunk=\(String(format: "%.2f", Double(result.allocations) / chunks))"
            + " bytes_per_chunk=\(String(format: "%.0f", Double(result.bytes) / chunks))"
    )
}
// The JSON parser on whole documents of the shapes hostile or heavy clients send.
func parserDocuments() -> [(name: String, bytes: [UInt8])] {
    var wide = "{"
    for index in 0..<200_000 { wide += (index == 0 ? "" : ",") + "\"key_\(index)\":\(index)" }
    wide += "}"
    let deep = String(repeating: "[", count: 500) + "1" + String(repeating: "]", count: 500)
    var deepMany = "["
    for index in 0..<2_000 { deepMany += (index == 0 ? "" : ",") + deep }
    deepMany += "]"
    let line = #"a line of \"quoted\" text with \\ escapes, \u00e9t\u00e9 and \ud83d\ude80\n"#
    var strings = "["
    for index in 0..<20_000 { strings += (index == 0 ? "" : ",") + "\"" + line + "\"" }
    strings += "]"
    // Claude Code's shape: a long system prompt, tool schemas, a long conversation with tool results.
    var claude = #"{"model":"claude-sonnet-4-5","max_tokens":32000,"stream":true,"system":[{"type":"text","text":""#
    claude += String(repeating: "You are Claude Code. Follow the instructions. ", count: 400) + #""}],"tools":["#
    for index in 0..<20 {
        claude +=
            (index == 0 ? "" : ",")
            + #"{"name":"Tool\#(index)","description":"Does thing \#(index)","input_schema":{"type":"object","properties":{"file_path":{"type":"string","description":"The path"},"limit":{"type":"integer"}},"required":["file_path"]}}"#
    }
    claude += #"],"messages":["#
    for index in 0..<300 {
        claude +=
            (index == 0 ? "" : ",")
            + #"{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_\#(index)","content":"\#(String(repeating: "line of file output\\n", count: 40))"}]},"#
            + #"{"role":"assistant","content":[{"type":"text","text":"Reading the next file."},{"type":"tool_use","id":"toolu_\#(index + 1)","name":"Read","input":{"file_path":"/src/file\#(index).swift"}}]}"#
    }
    claude += "]}"
    return [
        ("wide", Array(wide.utf8)), ("deep", Array(deepMany.utf8)), ("strings", Array(strings.utf8)),
        ("claude-code", Array(claude.utf8)),
    ]
}

for (name, bytes) in parserDocuments() {
    do { _ = try JSONParser.parse(bytes) } catch { fail("the \(name) document is not JSON: \(error)") }
    let clock = ContinuousClock()
    let start = clock.now
    var parsed = 0
    repeat {
        if case .object = try? JSONParser.parse(bytes) { sink &+= 1 }
        parsed += 1
    } while clock.now - start < .milliseconds(Int(options.seconds * 250))
    let (whole, attoseconds) = (clock.now - start).components
    let seconds = Double(whole) + Double(attoseconds) / 1e18
    print(
        "PARSER doc=\(name) bytes=\(bytes.count) parses=\(parsed)"
            + " mb_per_s=\(String(format: "%.1f", Double(bytes.count * parsed) / seconds / 1e6))"
    )
}
if sink == 42 { print("") }
