import Foundation
import NIOHTTP1
import Testing

@testable import Proxy

/// `GET /metrics`: Prometheus text that promtool accepts, with the proxy's own key when set.
@Suite(.stack)
struct MetricsTests {
    /// `promtool check metrics` on `text`: its exit status and what it said.
    static func promtool(_ text: String) throws -> (status: Int32, output: String) {
        guard
            let path = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(
                where: FileManager.default.isExecutableFile
            )
        else {
            throw ChildProcess.SpawnError(
                description: "promtool is not installed (Debian's prometheus package; script/bootstrap --test)"
            )
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, said)
    }

    @Test func metricsAfterTrafficPassPromtool() async throws {
        let stack = try Stack.current()
        let state = try LedgerTests.State()
        let model = TestModel.unique("metrics")
        try await stack.upstream.script(
            model,
            [
                ["status": 500, "json": ["error": ["message": "once"]]],
                ["text_stream": ["text": "hi", "usage": LedgerTests.usage]],
            ]
        )
        let proxy = try await LedgerTests().proxy(stack, state: state, models: [model])
        try await withProxy(proxy) { proxy in
            #expect(
                try await proxy.client.post(body: MessagesBody.make(model: "led,\(model)", stream: false)).status == 200
            )
            let response = try await proxy.client.get("/metrics")
            #expect(response.status == 200)
            #expect(response.header("content-type")?.hasPrefix("text/plain") == true)
            let text = response.text
            #expect(
                text.contains(
                    #"switchboard_requests_total{route="explicit",provider="led",model="\#(model)",status="200"} 1"#
                ),
                "\(text)"
            )
            #expect(text.contains(#"switchboard_tokens_total{provider="led",model="\#(model)",kind="output"} 200"#))
            #expect(text.contains(#"switchboard_retries_total{provider="led"} 1"#))
            #expect(text.contains(#"switchboard_cost_usd_total{provider="led",model="\#(model)"} 0.0034"#))
            #expect(text.contains("switchboard_ttft_seconds_bucket{"))
            #expect(text.contains("switchboard_request_duration_seconds_count{"))
            #expect(text.contains("switchboard_requests_in_flight 0"))
            #expect(text.contains("# HELP switchboard_requests_total "))
            let check = try Self.promtool(text)
            #expect(check.status == 0, "promtool: \(check.output)\n\(text)")
        }
    }

    @Test func metricsAskForTheAPIKey() async throws {
        let stack = try Stack.current()
        let proxy = try await stack.proxy(extra: ["APIKEY": "metrics-key-9"])
        try await withProxy(proxy) { proxy in
            let without = try await TestHTTP.send(.GET, proxy.url + "/metrics")
            #expect(without.status == 407)
            let wrong = try await TestHTTP.send(
                .GET,
                proxy.url + "/metrics",
                headers: [("authorization", "Bearer nope")]
            )
            #expect(wrong.status == 407)
            let right = try await TestHTTP.send(
                .GET,
                proxy.url + "/metrics",
                headers: [("authorization", "Bearer metrics-key-9")]
            )
            #expect(right.status == 200)
            #expect(right.text.contains("switchboard_requests_in_flight"))
            #expect(
                try await TestHTTP.send(
                    .POST,
                    proxy.url + "/metrics",
                    headers: [("authorization", "Bearer metrics-key-9")]
                ).status == 405
            )
        }
    }
}
