import Foundation
import Testing

@testable import Proxy

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Start-up, config errors, `check`, and graceful shutdown.
@Suite(.stack)
struct LifecycleTests {
    @Test func sigtermLetsAStreamInFlightFinishThenExitsZero() async throws {
        let stack = try Stack.current()
        let model = TestModel.unique("drain")
        try await stack.upstream.script(
            model,
            [["text_stream": ["text": "slow but complete answer", "pieces": 8], "chunk_delay_ms": 450]]
        )
        let proxy = try await stack.proxy()
        try await withProxy(proxy) { proxy in
            let requestStart = ContinuousClock.now
            async let streamed = proxy.client.stream(body: MessagesBody.make(model: "up,\(model)", stream: true))
            // Wait until the upstream is answering, then ask the proxy to stop.
            let started = try await eventually(timeout: .seconds(5)) {
                try await stack.upstream.connectionStates(model) == ["open"]
            }
            try #require(started)
            try await Task.sleep(for: .milliseconds(200))
            let signalled = ContinuousClock.now
            proxy.process.send(SIGTERM)
            let result = try await streamed
            #expect(result.status == 200)
            let transcript = result.transcript
            #expect(transcript.isCompleteAndValid, "\(transcript.summary)")
            #expect(transcript.message.blocks.map(\.text) == ["slow but complete answer"])
            #expect(
                requestStart + result.duration > signalled,
                "the stream ended before the signal: nothing was drained"
            )
            let status = await proxy.process.waitForExit(timeout: .seconds(12))
            #expect(status == .exited(0), "stderr:\n\(proxy.stderr)")
            #expect(ContinuousClock.now - signalled < .seconds(11), "drain exceeded its bound")
            // New connections are refused once it has stopped.
            let port = try #require(Int(proxy.url.split(separator: ":").last ?? ""))
            await #expect(throws: RawConnection.Failure.self) {
                _ = try await RawConnection.connect(port: port)
            }
        }
    }

    @Test func sigintOnAnIdleServerExitsZeroPromptly() async throws {
        let stack = try Stack.current()
        let proxy = try await stack.proxy()
        try await withProxy(proxy) { proxy in
            let health = try await proxy.client.get("/health")
            #expect(health.status == 200)
            proxy.process.send(SIGINT)
            let status = await proxy.process.waitForExit(timeout: .seconds(5))
            #expect(status == .exited(0), "stderr:\n\(proxy.stderr)")
        }
    }

    static func badConfig(_ upstream: ScriptedUpstream) -> String {
        """
        {
          // JSON5, as claude-code-router users write it
          "Providers": [{"name": "up", "api_base_url": "\(upstream.apiBaseURL)", "api_key": "\(SwitchboardProcess.providerKey)", "models": ["m1"]}],
          "Router": {"default": "up,m1", "think": "nowhere,m9",},
        }
        """
    }

    @Test func serveRefusesARouteNamingAnUnknownProvider() async throws {
        let stack = try Stack.current()
        let directory = try TemporaryDirectory("bad-config")
        let path = try directory.write("config.json", Self.badConfig(stack.upstream))
        let run = try await SwitchboardProcess.run(["serve", "--config", path, "--port", "0"])
        let status = try #require(run.status, "serve with a bad config did not exit")
        #expect(status != .exited(0))
        #expect(run.stderr.contains("Router.think"), "\(run.stderr)")
        #expect(run.stderr.contains("nowhere"), "\(run.stderr)")
        #expect(!run.stdout.contains("listening"), "\(run.stdout)")
        #expect(!(run.stdout + run.stderr).contains(SwitchboardProcess.providerKey))
    }

    @Test func checkRejectsTheSameConfig() async throws {
        let stack = try Stack.current()
        let directory = try TemporaryDirectory("bad-check")
        let path = try directory.write("config.json", Self.badConfig(stack.upstream))
        let run = try await SwitchboardProcess.run(["check", "--config", path])
        #expect(run.status != nil && run.status != .exited(0))
        #expect(run.stderr.contains("Router.think"), "\(run.stderr)")
    }

    @Test func checkPrintsProvidersAndRoutesWithoutKeys() async throws {
        let stack = try Stack.current()
        let directory = try TemporaryDirectory("check")
        let clientKey = "check-client-key-1234"
        let config = TestConfig.standard(
            upstream: stack.upstream,
            providers: [
                [
                    "name": "second", "api_base_url": "https://example.invalid/v1/chat/completions",
                    "api_key": "sk-second-provider-key-abcdef", "models": ["big-model"],
                ]
            ],
            router: ["default": "up,default-model", "think": "second,big-model"],
            extra: ["APIKEY": .string(clientKey), "fallback": ["default": ["up,fallback-model"]]]
        )
        let path = try directory.write("config.json", config)
        let run = try await SwitchboardProcess.run(["check", "--config", path])
        #expect(run.status == .exited(0), "\(run.stderr)")
        let output = run.stdout + run.stderr
        #expect(output.contains("up"))
        #expect(output.contains(stack.upstream.apiBaseURL))
        #expect(output.contains("second"))
        #expect(output.contains("up,default-model"))
        #expect(output.contains("second,big-model"))
        #expect(output.contains("up,fallback-model"))
        for secret in [SwitchboardProcess.providerKey, "sk-second-provider-key-abcdef", clientKey] {
            #expect(!output.contains(secret), "\(secret) printed:\n\(output)")
        }
    }
}
