import Foundation
import Testing

@testable import Proxy

/// One log line per request on stderr, with what an operator needs, and never a key.
@Suite(.stack)
struct LogTests {
    @Test func oneLineWithTheDetailsPerRequest() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("logs")
        try await stack.upstream.script(
            model,
            [
                [
                    "text_stream": [
                        "text": "one", "usage": ["prompt_tokens": 31, "completion_tokens": 5, "total_tokens": 36],
                    ]
                ],
                [
                    "text_stream": [
                        "text": "two", "usage": ["prompt_tokens": 32, "completion_tokens": 6, "total_tokens": 38],
                    ]
                ],
                ["status": 400, "json": ["error": ["message": "nope"]]],
            ]
        )
        let proxy = try await stack.proxy()
        try await withProxy(proxy) { proxy in
            let streamed = try await proxy.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
            #expect(streamed.transcript.isCompleteAndValid)
            let plain = try await proxy.client.post(body: MessagesBody.make(model: "up,\(model)", stream: false))
            #expect(plain.status == 200)
            let failed = try await proxy.client.post(body: MessagesBody.make(model: "up,\(model)", stream: true))
            #expect(failed.status == 400)
            let invalid = try await proxy.client.post(bytes: Array("{".utf8))
            #expect(invalid.status == 400)

            #expect(await eventually(timeout: .seconds(3)) { proxy.requestLines.count >= 4 })
            // Give a stray duplicate line the chance to show up before counting.
            try await Task.sleep(for: .milliseconds(200))
            let lines = proxy.requestLines.map(String.init)
            try #require(lines.count == 4, "stderr:\n\(proxy.stderr)")
            for (line, status, stream, output) in [(lines[0], 200, true, 5), (lines[1], 200, false, 6)] {
                #expect(line.contains(" \(status) "), "\(line)")
                #expect(line.contains("route=explicit"), "\(line)")
                #expect(line.contains("provider=up"), "\(line)")
                #expect(line.contains("model=\(model)"), "\(line)")
                #expect(line.contains("stream=\(stream)"), "\(line)")
                #expect(line.contains("out=\(output)"), "\(line)")
                #expect(line.contains("in="), "\(line)")
                #expect(line.range(of: #"ttft=\d+ms"#, options: .regularExpression) != nil, "\(line)")
                #expect(line.range(of: #"duration=\d+ms"#, options: .regularExpression) != nil, "\(line)")
            }
            #expect(lines[0].contains("in=31"), "\(lines[0])")
            #expect(lines[2].contains(" 400 "), "\(lines[2])")
            #expect(lines[2].contains("model=\(model)"), "\(lines[2])")
            #expect(lines[2].contains("nope"), "\(lines[2])")
            #expect(lines[3].contains(" 400 "), "\(lines[3])")
        }
    }

    @Test func requestsRefusedAtTheDoorAreLoggedToo() async throws {
        let stack = try Stack.current()
        let proxy = try await stack.proxy(extra: ["APIKEY": "door-key-5521"])
        try await withProxy(proxy) { proxy in
            let body = MessagesBody.make(model: "up,never-called", stream: true)
            let unauthorised = try await proxy.client.post(body: body, headers: [("content-type", "application/json")])
            #expect(unauthorised.status == 407)
            let port = try #require(Int(proxy.url.split(separator: ":").last ?? ""))
            let connection = try await RawConnection.connect(port: port)
            try await connection.send(
                "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: door-key-5521\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(HTTPSurfaceTests.limit + 1)\r\n\r\n"
            )
            let received = try await connection.read(timeout: .seconds(5)) { RawHTTPResponse($0)?.isComplete == true }
            #expect(RawHTTPResponse(received)?.status == 413)

            #expect(await eventually(timeout: .seconds(3)) { proxy.requestLines.count >= 2 })
            try await Task.sleep(for: .milliseconds(200))
            let lines = proxy.requestLines.map(String.init)
            try #require(lines.count == 2, "stderr:\n\(proxy.stderr)")
            #expect(lines[0].contains(" 407 ") && lines[0].contains("authentication_error"), "\(lines[0])")
            #expect(lines[1].contains(" 413 ") && lines[1].contains("request_too_large"), "\(lines[1])")
            #expect(!proxy.stderr.contains("door-key-5521"))
        }
    }

    @Test func keysNeverAppearEvenAtTraceLevel() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("trace")
        // The provider echoes its key in an error, as some do.
        try await stack.upstream.script(
            model,
            [
                ["text_stream": ["text": "fine"]],
                [
                    "status": 401,
                    "json": ["error": ["message": .string("Invalid key \(SwitchboardProcess.providerKey)")]],
                ],
            ]
        )
        let clientKey = "client-secret-trace-31f7"
        let proxy = try await stack.proxy(extra: ["APIKEY": .string(clientKey)], arguments: ["--log-level", "trace"])
        try await withProxy(proxy) { proxy in
            let headers = [("content-type", "application/json"), ("x-api-key", clientKey)]
            let ok = try await proxy.client.stream(
                body: MessagesBody.make(model: "up,\(model)", stream: true, text: "trace-marker-prompt"),
                headers: headers
            )
            #expect(ok.transcript.isCompleteAndValid)
            let failed = try await proxy.client.post(
                body: MessagesBody.make(model: "up,\(model)", stream: false),
                headers: headers
            )
            #expect(failed.status == 424)
            #expect(!failed.text.contains(SwitchboardProcess.providerKey), "\(failed.text)")
            let rejected = try await proxy.client.post(
                body: MessagesBody.make(model: "up,\(model)", stream: false),
                headers: [("content-type", "application/json"), ("x-api-key", clientKey + "-wrong")]
            )
            #expect(rejected.status == 407)
            #expect(await eventually(timeout: .seconds(3)) { proxy.requestLines.count >= 2 })
            await proxy.stop()
            let output = proxy.stdout + proxy.stderr
            // Trace really logs bodies (the prompt is there), so the absence of keys means something.
            #expect(output.contains("trace-marker-prompt"), "\(proxy.stderr)")
            #expect(!output.contains(SwitchboardProcess.providerKey), "\(output)")
            #expect(!output.contains(clientKey), "\(output)")
        }
    }
}
