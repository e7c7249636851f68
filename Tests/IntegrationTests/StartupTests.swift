import Foundation
import Testing

@testable import Proxy

/// The first minutes, from the binary: start-up failures in one line, the command line's
/// help, and what the errors of a fresh set-up say.
@Suite(.stack)
struct StartupTests {
    @Test func aBusyPortIsOneLineNamingItAndExit3() async throws {
        let stack = try Stack.current()
        let first = try await stack.proxy()
        try await withProxy(first) { first in
            let port = try #require(first.url.split(separator: ":").last.map(String.init))
            let directory = try TemporaryDirectory("busy")
            let path = try directory.write("config.json", TestConfig.standard(upstream: stack.upstream))
            let second = try await SwitchboardProcess.run(["serve", "--config", path, "--port", port])
            #expect(second.status == .exited(3), "\(second.stderr)")
            let lines = second.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(second.stderr)")
            #expect(second.stderr.contains("port \(port)"), "\(second.stderr)")
            #expect(second.stderr.contains("--port"), "\(second.stderr)")
            #expect(!second.stderr.contains("bind(descriptor"), "\(second.stderr)")
            #expect(!first.stderr.contains("stopped"), "the first instance's log was written to:\n\(first.stderr)")
            let health = try await first.client.get("/health")
            #expect(health.status == 200)
        }
    }

    @Test func anAddressThatIsNotThisMachinesIsOneLine() async throws {
        let stack = try Stack.current()
        let directory = try TemporaryDirectory("unbindable")
        let path = try directory.write(
            "config.json",
            TestConfig.standard(upstream: stack.upstream, extra: ["APIKEY": "unbindable-key-1234"])
        )
        // TEST-NET-1 (RFC 5737): never an address of this machine.
        let run = try await SwitchboardProcess.run(["serve", "--config", path, "--host", "192.0.2.1", "--port", "3471"])
        #expect(run.status == .exited(3), "\(run.stderr)")
        #expect(run.stderr.contains("192.0.2.1"), "\(run.stderr)")
        #expect(run.stderr.contains("--host 127.0.0.1"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
    }

    @Test func everyInterfaceWithoutAnAPIKEYIsRefused() async throws {
        let stack = try Stack.current()
        let directory = try TemporaryDirectory("open")
        let path = try directory.write("config.json", TestConfig.standard(upstream: stack.upstream))
        for host in ["0.0.0.0", "::"] {
            let run = try await SwitchboardProcess.run(["serve", "--config", path, "--host", host, "--port", "0"])
            #expect(run.status == .exited(2), "\(host): \(run.stderr)")
            #expect(run.stderr.contains("refusing to listen on \(host) without an APIKEY"), "\(run.stderr)")
            #expect(!run.stdout.contains("listening"))
        }
    }

    @Test func withAnAPIKEYTheStartLineNamesTheAddressReallyBound() async throws {
        let stack = try Stack.current()
        let proxy = try await stack.proxy(extra: ["APIKEY": "open-key-98765"], arguments: ["--host", "0.0.0.0"])
        try await withProxy(proxy) { proxy in
            #expect(proxy.url.hasPrefix("http://0.0.0.0:"), "\(proxy.url)")
        }
    }

    @Test func aConfigDirectoryIsSaidPlainly() async throws {
        let directory = try TemporaryDirectory("config-dir")
        let run = try await SwitchboardProcess.run(["serve", "--config", directory.url.path, "--port", "0"])
        #expect(run.status == .exited(2), "\(run.stderr)")
        #expect(run.stderr.contains("is a directory"), "\(run.stderr)")
        #expect(!run.stderr.contains("NSCocoaErrorDomain"), "\(run.stderr)")
    }

    @Test func aMistypedCommandSuggestsTheRightOne() async throws {
        let run = try await SwitchboardProcess.run(["chek"])
        #expect(run.status == .exited(64))
        #expect(run.stderr.contains("Did you mean 'check'?"), "\(run.stderr)")
        #expect(!run.stdout.contains("USAGE"), "the dashboard's usage was printed:\n\(run.stdout)")
    }

    @Test func helpBeforeASubcommandIsThatSubcommandsHelp() async throws {
        let run = try await SwitchboardProcess.run(["-h", "serve"])
        #expect(run.status == .exited(0))
        #expect(run.stdout.contains("Run the proxy headless"), "\(run.stdout)")
        #expect(run.stdout.contains("Exit status:"), "\(run.stdout)")
        #expect(run.stdout.contains("3   cannot listen"), "\(run.stdout)")
    }

    @Test func envTakesHostAndPort() async throws {
        let stack = try Stack.current()
        let directory = try TemporaryDirectory("env")
        let path = try directory.write("config.json", TestConfig.standard(upstream: stack.upstream))
        let run = try await SwitchboardProcess.run(["env", "--config", path, "--port", "4517", "--host", "127.0.0.9"])
        #expect(run.status == .exited(0), "\(run.stderr)")
        #expect(run.stdout.contains("export ANTHROPIC_BASE_URL='http://127.0.0.9:4517'"), "\(run.stdout)")
    }

    @Test func serveLogLinesNameTheirComponent() async throws {
        let stack = try Stack.current()
        let proxy = try await stack.proxy()
        try await withProxy(proxy) { proxy in
            let model = TestModel.unique("log-tags")
            try await stack.upstream.script(model, [["text_stream": ["text": "hi"]]])
            _ = try await proxy.client.post(body: MessagesBody.make(model: "up,\(model)", stream: false))
            #expect(await eventually(timeout: .seconds(3)) { !proxy.requestLines.isEmpty })
            #expect(!proxy.stderr.contains("[Dashboard]"), "\(proxy.stderr)")
            #expect(proxy.stderr.contains("[serve] config:"), "\(proxy.stderr)")
            #expect(proxy.requestLines.allSatisfy { $0.contains("[proxy]") }, "\(proxy.stderr)")
        }
    }

    @Test func jsonLogsCarryTheRequestFields() async throws {
        let stack = try Stack.current()
        let proxy = try await stack.proxy(extra: ["LOG_FORMAT": "json"])
        try await withProxy(proxy) { proxy in
            let model = TestModel.unique("json-log")
            try await stack.upstream.script(model, [["text_stream": ["text": "hi"]]])
            _ = try await proxy.client.post(body: MessagesBody.make(model: "up,\(model)", stream: false))
            #expect(await eventually(timeout: .seconds(3)) { !proxy.requestLines.isEmpty })
            await proxy.stop()
            let lines = proxy.stderr.split(separator: "\n")
            #expect(!lines.isEmpty)
            var request: [String: Any]?
            for line in lines {
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    "not a JSON object: \(line)"
                )
                #expect(object["time"] != nil && object["level"] != nil && object["component"] != nil)
                if (object["message"] as? String)?.contains("POST /v1/messages 200") == true { request = object }
            }
            let fields = try #require(request, "\(proxy.stderr)")
            #expect(fields["component"] as? String == "proxy")
            #expect(fields["route"] as? String == "explicit")
            #expect(fields["provider"] as? String == "up")
            #expect(fields["model"] as? String == model)
            #expect((fields["duration"] as? String)?.hasSuffix("ms") == true)
        }
    }

    @Test func aRefusedProviderNamesItsURLAndIsNotCalledServerSide() async throws {
        let stack = try Stack.current()
        // A port nobody listens on: bound, then closed.
        // The discard port: nothing listens there (a freshly closed port can be taken by another
        // test's `--port 0` between its close and this request).
        let closedPort = 9
        let url = "http://127.0.0.1:\(closedPort)/v1"
        let proxy = try await stack.proxy(
            providers: [["name": "dead", "api_base_url": .string(url), "api_key": "k", "models": ["m"]]]
        )
        try await withProxy(proxy) { proxy in
            let start = ContinuousClock.now
            let result = try await proxy.client.post(body: MessagesBody.make(model: "dead,m", stream: true))
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(result.status == 424, "\(result.text)")
            #expect(result.header("x-should-retry") == "false")
            let message = try #require(result.errorMessage)
            #expect(message.contains("http://127.0.0.1:\(closedPort)/v1/chat/completions"), "\(message)")
            #expect(message.contains("switchboard check --probe"), "\(message)")
        }
    }
}
