import Foundation
import Testing

@testable import Proxy

/// Faults between Switchboard and the provider, each answered with an Anthropic-shaped error
/// that names the provider and the cause, through the built binary.
@Suite(.stack)
struct NetworkFaultTests {
    static func expectProviderError(
        _ result: HTTPResult,
        status: Int = 424,
        naming needles: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == status, "\(result.text)", sourceLocation: sourceLocation)
        #expect(result.json?["type"] == "error", "\(result.text)", sourceLocation: sourceLocation)
        #expect(result.header("x-should-retry") == "false", sourceLocation: sourceLocation)
        let message = result.errorMessage ?? ""
        for needle in needles {
            #expect(message.contains(needle), "no \(needle) in: \(message)", sourceLocation: sourceLocation)
        }
        #expect(!result.text.contains(SwitchboardProcess.providerKey), sourceLocation: sourceLocation)
    }

    @Test func aHostNameThatDoesNotResolve() async throws {
        let stack = try Stack.current()
        let proxy = try await stack.proxy(
            providers: [
                ["name": "nodns", "api_base_url": "http://no-such-host.invalid/v1", "api_key": "k", "models": ["m"]]
            ]
        )
        try await withProxy(proxy) { proxy in
            let result = try await proxy.client.post(body: MessagesBody.make(model: "nodns,m", stream: true))
            Self.expectProviderError(result, naming: ["nodns (m)", "no-such-host.invalid", "does not resolve"])
        }
    }

    @Test func aConnectionResetDuringTheResponseHeaders() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("reset-headers")
        try await stack.upstream.script(
            model,
            [["raw": "HTTP/1.1 200 OK\r\nContent-Ty", "reset": true]],
            repeatLast: true
        )
        let result = try await stack.client.post(body: MessagesBody.make(model: "up,\(model)", stream: true))
        Self.expectProviderError(result, naming: ["up (\(model))", "connection reset by the provider"])
    }

    @Test func anUntrustedCertificateIsSaidSo() async throws {
        let stack = try Stack.current()
        let directory = try TemporaryDirectory("tls")
        let certificate = directory.url.appendingPathComponent("cert.pem").path
        let key = directory.url.appendingPathComponent("key.pem").path
        let openssl = try ChildProcess(
            name: "openssl",
            executable: "/usr/bin/openssl",
            arguments: [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1",
                "-subj", "/CN=127.0.0.1",
            ],
            environment: TestEnvironment.base()
        )
        #expect(await openssl.waitForExit(timeout: .seconds(30)) == .exited(0), "\(openssl.stderr)")
        let secure = try await ScriptedUpstream.start(tls: (certificate, key))
        defer { Task { await secure.stop() } }
        let proxy = try await stack.proxy(
            providers: [
                [
                    "name": "selfsigned", "api_base_url": .string("https://127.0.0.1:\(secure.port)/v1"),
                    "api_key": "k", "models": ["m"],
                ]
            ]
        )
        try await withProxy(proxy) { proxy in
            let result = try await proxy.client.post(body: MessagesBody.make(model: "selfsigned,m", stream: true))
            Self.expectProviderError(result, naming: ["selfsigned (m)", "certificate is not trusted"])
            #expect(result.errorMessage?.contains("BoringSSL") == false, "no library internals: \(result.text)")
        }
    }

    @Test func anHTTP10AnswerWithoutABody() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("http10-empty")
        try await stack.upstream.script(
            model,
            [["raw": "HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"]],
            repeatLast: true
        )
        let result = try await stack.client.post(body: MessagesBody.make(model: "up,\(model)", stream: true))
        Self.expectProviderError(result, naming: ["up (\(model))", "answered 200 with an empty body"])
    }

    @Test func anHTTP10StreamStillWorks() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("http10-stream")
        let chunk =
            #"{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}"#
        try await stack.upstream.script(
            model,
            [
                [
                    "raw": .string(
                        "HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: \(chunk)\n\ndata: [DONE]\n\n"
                    )
                ]
            ]
        )
        let result = try await stack.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
        #expect(result.status == 200)
        #expect(result.transcript.isCompleteAndValid, "\(result.transcript.summary)")
        #expect(result.transcript.message.blocks.map(\.text) == ["hi"])
    }

    @Test func a200WithAnErrorDocumentInsteadOfAStream() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("json-error-200")
        try await stack.upstream.script(
            model,
            [["status": 200, "json": ["error": ["message": "quota exhausted for this key"]]]],
            repeatLast: true
        )
        for stream in [true, false] {
            let result = try await stack.client.post(body: MessagesBody.make(model: "up,\(model)", stream: stream))
            Self.expectProviderError(
                result,
                naming: ["up (\(model))", "answered 200 with an error instead of an answer", "quota exhausted"]
            )
        }
    }

    @Test func anEndlessLineIsCutWithBoundedMemory() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("endless")
        try await stack.upstream.script(model, [["endless": ["bytes": 60_000_000]]])
        let proxy = try await stack.proxy()
        try await withProxy(proxy) { proxy in
            let result = try await proxy.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
            #expect(result.status == 200)
            let error = try UpstreamErrorTests.expectErrorEnding(result, partialText: "")
            #expect(error.message.contains("larger than 16 MB"), "\(error)")
            let status = try String(contentsOfFile: "/proc/\(proxy.process.pid)/status", encoding: .utf8)
            let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            let kilobytes = peak.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) } ?? 0
            #expect(kilobytes > 0 && kilobytes < 120_000, "peak RSS \(kilobytes) KB for a 60 MB line")
        }
    }
}
