import Foundation
import Testing

/// The real binary in a private tmux server, against the scripted upstream: what a user sees
/// and types. Each test has its own tmux socket, upstream, HOME and config.
@Suite(.serialized, .enabled(if: EndToEnd.toolsAvailable, "needs tmux, python3 and curl"), .timeLimit(.minutes(1)))
final class DashboardTmuxTests {
    let directory: String
    let configPath: String
    let upstream: ScriptedUpstream
    private var sessions: [TmuxSession] = []

    init() throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: EndToEnd.binary),
            "no switchboard binary at \(EndToEnd.binary); run `swift build` first"
        )
        directory = try EndToEnd.temporaryDirectory()
        configPath = directory + "/config.json"
        upstream = try ScriptedUpstream()
        let config: [String: Any] = [
            "Providers": [
                [
                    "name": "scripted", "api_base_url": upstream.base + "/v1", "api_key": "sk-scripted-0123456789",
                    "models": ["sb-default", "sb-think", "sb-alt"],
                ] as [String: Any]
            ],
            "Router": ["default": "scripted,sb-default", "think": "scripted,sb-think"],
            "API_TIMEOUT_MS": 20_000,
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
    }

    deinit {
        for session in sessions { session.kill() }
        upstream.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Helpers

    /// Starts the dashboard in a new tmux session; the shell then prints its exit status.
    func startDashboard(noColor: Bool = false, width: Int = 100, height: Int = 30) throws -> TmuxSession {
        let environment =
            "PATH=/usr/bin:/bin HOME='\(directory)' LANG=C.UTF-8 TERM=tmux-256color" + (noColor ? " NO_COLOR=1" : "")
        let command = "env -i \(environment) '\(EndToEnd.binary)' --config '\(configPath)' --port 0; echo EXIT=$?"
        let session = try TmuxSession(command: command, width: width, height: height)
        sessions.append(session)
        return session
    }

    /// Waits for the header to show the listen address; returns the proxy's base URL.
    func proxyURL(_ tmux: TmuxSession) async throws -> String {
        try await EndToEnd.poll("the listen address in the header", diagnostics: tmux.capture()) {
            let screen = tmux.capture()
            guard let match = screen.firstMatch(of: /http:\/\/127\.0\.0\.1:([0-9]+)/), match.1 != "0" else {
                return nil
            }
            return String(match.0)
        }
    }

    static func body(stream: Bool = true) -> String {
        #"{"model":"claude-sonnet-4-5","max_tokens":256,"stream":\#(stream),"messages":[{"role":"user","content":"hello"}]}"#
    }

    func curlArguments(_ url: String) -> [String] {
        [
            "/usr/bin/env", "curl", "-sS", "-N", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}", "-X",
            "POST",
            "-H", "content-type: application/json", "-H", "anthropic-version: 2023-06-01", "-H", "x-api-key: test",
            "--data-binary", "@-", url + "/v1/messages",
        ]
    }

    /// Sends one Messages request and waits for the whole answer; returns the HTTP status.
    func send(_ url: String) throws -> String {
        try EndToEnd.run(curlArguments(url), input: Self.body()).output
    }

    /// Starts a request without waiting for it.
    func sendInBackground(_ url: String) throws -> Process {
        let arguments = curlArguments(url)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = Pipe()
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(Self.body().utf8))
        try input.fileHandleForWriting.close()
        return process
    }

    /// A row of the Requests pane: TIME ROUTE MODEL ST TTFT DUR IN OUT TOK/S (width ≥ 70).
    struct RequestRow {
        var route, model, status, ttft, duration, input, output: String

        init?(_ line: Substring) {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 9, fields[0].wholeMatch(of: /[0-9]{2}:[0-9]{2}:[0-9]{2}/) != nil else { return nil }
            (route, model, status, ttft, duration, input, output) = (
                fields[1], fields[2], fields[3], fields[4], fields[5], fields[6], fields[7]
            )
        }

        static func all(_ screen: String) -> [RequestRow] { screen.split(separator: "\n").compactMap(RequestRow.init) }

        var outputCount: Int { Int(output) ?? -1 }

        /// DUR in milliseconds ("850ms", "1.2s").
        var durationMilliseconds: Double {
            if duration.hasSuffix("ms") { return Double(duration.dropLast(2)) ?? -1 }
            if duration.hasSuffix("s") { return (Double(duration.dropLast()) ?? -1) * 1_000 }
            return -1
        }
    }

    /// Presses `q` and waits for the shell's `EXIT=` line. Returns the pane with its scrollback:
    /// tmux's "Pane is dead" notice scrolls the screen by a line, which can push the
    /// dashboard's goodbye line into the history. Waits for the pane to be dead first (under
    /// load the exit can take seconds), and says what tmux had when the line never came.
    func quit(_ tmux: TmuxSession, key: String = "q") async throws -> String {
        tmux.keys(key)
        func paneState() -> String {
            tmux.command("display-message", "-p", "#{pane_dead}:#{pane_dead_status}")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try await EndToEnd.poll("the dashboard to exit", timeout: .seconds(20), diagnostics: tmux.capture()) {
            paneState().hasPrefix("1:") ? true : nil
        }
        return try await EndToEnd.poll(
            "the shell's EXIT= line",
            diagnostics: "pane \(paneState()); with scrollback: \(tmux.capture(history: true).debugDescription)"
        ) {
            let screen = tmux.capture(history: true)
            return screen.contains("EXIT=") ? screen : nil
        }
    }

    // MARK: - Tests

    @Test func aRequestAppearsWithRouteModelAndTokens() async throws {
        try upstream.script("sb-default", [ScriptedUpstream.text("Hello from upstream.", prompt: 321, completion: 54)])
        let tmux = try startDashboard()
        let url = try await proxyURL(tmux)
        #expect(try send(url) == "200")
        let row = try await EndToEnd.poll("the finished request's row", diagnostics: tmux.capture()) {
            RequestRow.all(tmux.capture()).first { $0.status == "200" }
        }
        #expect(row.route == "default")
        #expect(row.model == "scripted,sb-default")
        #expect(row.input == "321")
        #expect(row.output == "54")
        let screen = tmux.capture()
        #expect(screen.contains("requests 1 (0 in flight)"))
        #expect(screen.contains("tokens in 321 out 54"))
        // The Routes pane: ROUTE MODEL REQ IN OUT …
        let routeRow = screen.split(separator: "\n").map { $0.split(separator: " ") }.first { $0.first == "default" }
        #expect(routeRow.map { Array($0.prefix(5)) } == ["default", "scripted,sb-default", "1", "321", "54"])
        _ = try await quit(tmux)
    }

    @Test func aSlowStreamShowsLiveProgress() async throws {
        let text = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 16)
        try upstream.script(
            "sb-default",
            [ScriptedUpstream.text(text, pieces: 40, chunkDelayMs: 80, prompt: 100, completion: 180)]
        )
        let tmux = try startDashboard()
        let url = try await proxyURL(tmux)
        let request = try sendInBackground(url)
        defer { if request.isRunning { request.terminate() } }
        let first = try await EndToEnd.poll("an in-flight row with output", diagnostics: tmux.capture()) {
            RequestRow.all(tmux.capture()).first { $0.status == "…" && $0.outputCount > 0 }
        }
        #expect(first.route == "default")
        #expect(first.model == "scripted,sb-default")
        #expect(tmux.capture().contains("(1 in flight)"))
        let later = try await EndToEnd.poll("the in-flight row to grow", diagnostics: tmux.capture()) {
            RequestRow.all(tmux.capture()).first {
                $0.status == "…" && $0.outputCount > first.outputCount
                    && $0.durationMilliseconds > first.durationMilliseconds
            }
        }
        #expect(later.outputCount > first.outputCount)
        let done = try await EndToEnd.poll("the stream to finish", diagnostics: tmux.capture()) {
            RequestRow.all(tmux.capture()).first { $0.status == "200" }
        }
        #expect(done.output == "180", "the final count is the upstream's usage")
        request.waitUntilExit()
        _ = try await quit(tmux)
    }

    @Test func theSwitcherChangesTheNextRequestsModelAndSurvivesARestart() async throws {
        try upstream.script("sb-alt", [ScriptedUpstream.text("alt", prompt: 10, completion: 2)], repeatLast: true)
        try upstream.script(
            "sb-default",
            [ScriptedUpstream.text("default", prompt: 10, completion: 2)],
            repeatLast: true
        )
        var tmux = try startDashboard()
        var url = try await proxyURL(tmux)
        tmux.keys("m")
        try await EndToEnd.poll("the route list", diagnostics: tmux.capture()) {
            tmux.capture().contains("Switch model") ? true : nil
        }
        tmux.keys("Enter")
        try await EndToEnd.poll("the model list", diagnostics: tmux.capture()) {
            tmux.capture().contains("Model for default") ? true : nil
        }
        tmux.type("alt")
        try await EndToEnd.poll("the typed filter", diagnostics: tmux.capture()) {
            tmux.capture().contains("filter: alt_") ? true : nil
        }
        tmux.keys("Enter")
        try await EndToEnd.poll("the switch in the Routes pane", diagnostics: tmux.capture()) {
            tmux.capture().split(separator: "\n").contains { $0.hasPrefix(" default     *scripted,sb-alt ") }
                ? true : nil
        }
        #expect(tmux.capture().contains("default → scripted,sb-alt"), "the notice says what happened")

        #expect(try send(url) == "200")
        #expect(try upstream.requests(model: "sb-alt").count == 1)
        #expect(try upstream.requests(model: "sb-default").isEmpty)

        let stateFile = directory + "/switchboard-state.json"
        let saved =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stateFile))) as? [String: Any]
        #expect((saved?["routes"] as? [String: String]) == ["default": "scripted,sb-alt"])
        #expect(
            try String(contentsOfFile: configPath, encoding: .utf8).contains("scripted,sb-default"),
            "the config is untouched"
        )

        #expect(try await quit(tmux).contains("EXIT=0"))
        tmux.kill()

        // A new run starts with the switch in force.
        tmux = try startDashboard()
        url = try await proxyURL(tmux)
        try await EndToEnd.poll("the saved switch after a restart", diagnostics: tmux.capture()) {
            tmux.capture().split(separator: "\n").contains { $0.hasPrefix(" default     *scripted,sb-alt ") }
                ? true : nil
        }
        #expect(try send(url) == "200")
        #expect(try upstream.requests(model: "sb-alt").count == 2)
        #expect(try upstream.requests(model: "sb-default").isEmpty)

        // `r` on the route puts it back, for the next request and in the file.
        tmux.keys("1", "r")
        try await EndToEnd.poll("the route back to its configured model", diagnostics: tmux.capture()) {
            tmux.capture().split(separator: "\n").contains { $0.hasPrefix(" default     scripted,sb-default ") }
                ? true : nil
        }
        #expect(try send(url) == "200")
        #expect(try upstream.requests(model: "sb-default").count == 1)
        let reset =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stateFile))) as? [String: Any]
        #expect((reset?["routes"] as? [String: String]) == [:])
        _ = try await quit(tmux)
    }

    @Test func resizingStepsThroughTheLayoutsAndBack() async throws {
        let tmux = try startDashboard()
        _ = try await proxyURL(tmux)
        #expect(tmux.capture().contains(" Routes "))
        tmux.resize(width: 60, height: 15)
        try await EndToEnd.poll("the tabbed layout", diagnostics: tmux.capture()) {
            tmux.capture().contains(" 1 Routes │ 2 Requests │ 3 Detail ") ? true : nil
        }
        tmux.resize(width: 30, height: 8)
        try await EndToEnd.poll("the too-small notice", diagnostics: tmux.capture()) {
            let screen = tmux.capture()
            return screen.contains("Terminal too small") && screen.contains("30x8, need 40x10") ? true : nil
        }
        tmux.resize(width: 100, height: 30)
        try await EndToEnd.poll("the full layout again", diagnostics: tmux.capture()) {
            let screen = tmux.capture()
            return screen.contains("─ Routes ─") && screen.contains("─ Requests ─") && !screen.contains("too small")
                ? true : nil
        }
        #expect(!tmux.paneIsDead)
        #expect(try await quit(tmux).contains("EXIT=0"))
    }

    @Test func qExitsZeroAndRestoresTheTerminal() async throws {
        let tmux = try startDashboard()
        _ = try await proxyURL(tmux)
        #expect(tmux.format("#{alternate_on}") == "1", "the dashboard draws on the alternate screen")
        let screen = try await quit(tmux)
        #expect(screen.contains("EXIT=0"))
        #expect(screen.contains("Switchboard stopped. Log: \(directory)/.local/state/switchboard/switchboard.log"))
        for leftover in ["Routes", "Requests", "q quit", "Switchboard  http"] {
            #expect(!screen.contains(leftover), "the UI is gone after exit: \(leftover)")
        }
        #expect(tmux.format("#{alternate_on}") == "0")
        // The shell after it ends too: nothing is left running in the pane. (EXIT= above is the
        // dashboard's own status; tmux's #{pane_dead_status} is sometimes never filled in.)
        try await EndToEnd.poll("the pane to end") { tmux.paneIsDead ? true : nil }
    }

    @Test func controlCExitsZeroToo() async throws {
        let tmux = try startDashboard()
        _ = try await proxyURL(tmux)
        let screen = try await quit(tmux, key: "C-c")
        #expect(screen.contains("EXIT=0"))
        #expect(screen.contains("Switchboard stopped."))
        #expect(tmux.format("#{alternate_on}") == "0")
    }

    @Test func quittingLetsAStreamInFlightFinish() async throws {
        let text = String(repeating: "drain me ", count: 40)
        try upstream.script(
            "sb-default",
            [ScriptedUpstream.text(text, pieces: 20, chunkDelayMs: 60, prompt: 10, completion: 90)]
        )
        let tmux = try startDashboard()
        let url = try await proxyURL(tmux)
        let request = try sendInBackground(url)
        defer { if request.isRunning { request.terminate() } }
        try await EndToEnd.poll("the stream to start", diagnostics: tmux.capture()) {
            RequestRow.all(tmux.capture()).first { $0.status == "…" && $0.outputCount > 0 }
        }
        #expect(try await quit(tmux).contains("EXIT=0"))
        request.waitUntilExit()
        let status = (request.standardOutput as? Pipe).map {
            String(decoding: $0.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        #expect(status == "200")
        let connections = try EndToEnd.run([
            "/usr/bin/env", "curl", "-sS", upstream.base + "/_connections?model=sb-default",
        ]).output
        #expect(
            connections.contains(#""state": "completed""#) || connections.contains(#""state":"completed""#),
            "\(connections)"
        )
    }

    @Test func withoutATerminalItSaysSoAndServesHeadless() async throws {
        try upstream.script("sb-default", [ScriptedUpstream.text("headless", prompt: 5, completion: 1)])
        let process = Process()
        let arguments = EndToEnd.unmasked([EndToEnd.binary, "--config", configPath, "--port", "0"])
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": directory, "LANG": "C.UTF-8", "TERM": "xterm-256color"]
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { process.interrupt() } }
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let listening = String(decoding: line, as: UTF8.self)
        let url = try #require(
            listening.firstMatch(of: /http:\/\/127\.0\.0\.1:[0-9]+/).map { String($0.0) },
            "\(listening)"
        )
        #expect(listening.hasPrefix("Switchboard listening on "))
        #expect(try send(url) == "200")
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("cannot open the dashboard (standard input/output is not a terminal)"))
        #expect(stderr.contains("running headless"))
        #expect(!stderr.contains("\u{1B}["), "no escape codes written to a non-terminal")
    }

    @Test func noColorLeavesOnlyBoldAndReverse() async throws {
        let colored = try startDashboard()
        _ = try await proxyURL(colored)
        let colorCodes = Self.sgrParameters(colored.capture(escapes: true))
        #expect(!colorCodes.filter(Self.isColor).isEmpty, "without NO_COLOR the dashboard uses colour")
        _ = try await quit(colored)

        let plain = try startDashboard(noColor: true)
        _ = try await proxyURL(plain)
        let screen = plain.capture(escapes: true)
        let plainCodes = Self.sgrParameters(screen)
        #expect(plainCodes.filter(Self.isColor).isEmpty, "NO_COLOR: \(plainCodes)")
        #expect(plainCodes.contains(1), "bold still marks the title")
        plain.keys("Tab")  // Routes focused: its selected row is drawn reversed
        let reversed = try await EndToEnd.poll("a reversed row", diagnostics: plain.capture(escapes: true)) {
            let codes = Self.sgrParameters(plain.capture(escapes: true))
            return codes.contains(7) ? codes : nil
        }
        #expect(reversed.filter(Self.isColor).isEmpty)
        _ = try await quit(plain)
    }

    @Test func aRefusedConfigEditShowsItsReasonUnderTheHeaderUntilAGoodEdit() async throws {
        try upstream.script("sb-default", [ScriptedUpstream.text("still", prompt: 5, completion: 1)], repeatLast: true)
        let tmux = try startDashboard(width: 80, height: 24)
        let url = try await proxyURL(tmux)
        let good = try String(contentsOfFile: configPath, encoding: .utf8)
        // A missing comma at the start of line 3.
        try "{\n  \"Providers\": []\n  \"Router\": {}\n}\n".write(
            toFile: configPath,
            atomically: false,
            encoding: .utf8
        )
        let banner = try await EndToEnd.poll("the refused-edit banner", diagnostics: tmux.capture()) {
            let rows = tmux.capture().split(separator: "\n", omittingEmptySubsequences: false)
            return rows.count > 2 && rows[2].hasPrefix("Config ") ? String(rows[2]) : nil
        }
        #expect(banner.contains("line 3, column 3: expected ',' or '}'"), "\(banner)")
        #expect(tmux.capture().split(separator: "\n")[3].hasPrefix("─ Routes ─"), "the panes move down a row")
        // In the warning colour (yellow, SGR 33).
        let row = tmux.capture(escapes: true).split(separator: "\n", omittingEmptySubsequences: false)[2]
        #expect(Self.sgrParameters(String(row)).contains(33), "\(row)")
        #expect(try send(url) == "200", "the last good config keeps serving")

        // Narrow: still one line, with the line and column.
        tmux.resize(width: 50, height: 15)
        try await EndToEnd.poll("the banner at 50 columns", diagnostics: tmux.capture()) {
            let rows = tmux.capture().split(separator: "\n", omittingEmptySubsequences: false)
            return rows.count > 2 && rows[2].hasPrefix("Config refused: line 3, column 3") ? true : nil
        }
        tmux.resize(width: 80, height: 24)

        try good.write(toFile: configPath, atomically: false, encoding: .utf8)
        try await EndToEnd.poll("the banner to go", diagnostics: tmux.capture()) {
            let screen = tmux.capture()
            return !screen.contains("Config refused") && !screen.contains("Config edit refused")
                && screen.contains("config reloaded at") ? true : nil
        }
        #expect(tmux.capture().split(separator: "\n")[2].hasPrefix("─ Routes ─"))
        _ = try await quit(tmux)
    }

    @Test func theEmptyStateHintNamesThisInstancesPortAndConfig() async throws {
        let tmux = try startDashboard()
        let url = try await proxyURL(tmux)
        let port = try #require(url.split(separator: ":").last)
        let hint = #"eval "$(switchboard env --port \#(port) --config \#(configPath))""#
        try await EndToEnd.poll("the hint with port \(port)", diagnostics: tmux.capture()) {
            tmux.capture().contains(hint) ? true : nil
        }
        #expect(port != "3456")
        #expect(tmux.capture().contains("No requests yet. Point Claude Code here:"))
        _ = try await quit(tmux)
    }

    @Test func at60x15TheListSaysWhatLiesBelowAndHelpScrollsToTheLogFile() async throws {
        try upstream.script("sb-default", [ScriptedUpstream.text("ok", prompt: 5, completion: 1)], repeatLast: true)
        let tmux = try startDashboard(width: 60, height: 15)
        let url = try await proxyURL(tmux)
        for _ in 0..<20 { #expect(try send(url) == "200") }
        let hint = try await EndToEnd.poll("a scroll hint under the request list", diagnostics: tmux.capture()) {
            tmux.capture().firstMatch(of: /↓ ([0-9]+) more/).map { Int($0.1)! }
        }
        #expect(hint > 0)
        tmux.keys("?")
        try await EndToEnd.poll("the help box", diagnostics: tmux.capture()) {
            tmux.capture().contains("Keys") && tmux.capture().contains("more") ? true : nil
        }
        #expect(!tmux.capture().contains("Log file:"), "the help starts at its top")
        tmux.keys("End")
        let screen = try await EndToEnd.poll("the log file at the end of the help", diagnostics: tmux.capture()) {
            let screen = tmux.capture()
            return screen.contains("Log file:") ? screen : nil
        }
        // The path is all there, however it had to be wrapped.
        let inside = screen.split(separator: "\n").map { line in
            line.split(separator: "│", omittingEmptySubsequences: false).dropFirst().first.map {
                $0.trimmingCharacters(in: .whitespaces)
            } ?? ""
        }.joined()
        #expect(inside.contains("switchboard/switchboard.log"), "\(screen)")
        tmux.keys("Escape")
        try await EndToEnd.poll("the help to close", diagnostics: tmux.capture()) {
            tmux.capture().contains("Log file:") ? nil : true
        }
        _ = try await quit(tmux)
    }

    @Test func afterARestartTheHeaderKeepsTodaysTotalsPastRequestsStayAndHistoryShowsBars() async throws {
        try upstream.script("sb-default", [ScriptedUpstream.text("ok", prompt: 321, completion: 54)], repeatLast: true)
        var tmux = try startDashboard()
        let url = try await proxyURL(tmux)
        #expect(try send(url) == "200")
        #expect(try send(url) == "200")
        try await EndToEnd.poll("today's totals from the ledger", diagnostics: tmux.capture()) {
            tmux.capture().contains("today 2 req 750 tok -") ? true : nil
        }
        #expect(try await quit(tmux).contains("EXIT=0"))
        tmux.kill()

        tmux = try startDashboard()
        _ = try await proxyURL(tmux)
        let screen = try await EndToEnd.poll("today's totals after the restart", diagnostics: tmux.capture()) {
            let screen = tmux.capture()
            return screen.contains("today 2 req 750 tok -") ? screen : nil
        }
        #expect(screen.contains("requests 0 (0 in flight)"), "this run's own figures start again")
        // The earlier run's requests are listed, dimmed (SGR 2), with their figures.
        let past = try await EndToEnd.poll("the earlier run's requests", diagnostics: tmux.capture()) {
            let rows = RequestRow.all(tmux.capture()).filter { $0.status == "200" }
            return rows.count == 2 ? rows : nil
        }
        #expect(past.allSatisfy { $0.model == "scripted,sb-default" && $0.input == "321" && $0.output == "54" })
        // (The first is selected, so reversed; the others are dim.)
        let rows = tmux.capture(escapes: true).split(separator: "\n").filter {
            $0.contains("scripted,sb-default") && $0.contains("321")
        }
        #expect(rows.contains { Self.sgrParameters(String($0)).contains(2) }, "\(rows)")

        tmux.keys("h")
        let history = try await EndToEnd.poll("the History view with bars", diagnostics: tmux.capture()) {
            let screen = tmux.capture()
            let bars = screen.split(separator: "\n").first { $0.hasPrefix(" default ") && $0.contains("█") }
            // The whole view, not a screen caught mid-redraw: its title over the Routes pane's
            // own sparklines (" default … █") would pass for bars.
            return screen.contains("History: tokens by route") && screen.contains("Last 24 hours")
                && !screen.contains("─ Requests ─") && bars != nil ? screen : nil
        }
        #expect(history.contains("Last 24 hours"))
        #expect(history.contains("Tab route/model"), "the footer shows the view's keys")
        tmux.keys("Tab")
        try await EndToEnd.poll("the History view by model", diagnostics: tmux.capture()) {
            let screen = tmux.capture()
            return screen.contains("History: tokens by model")
                && screen.split(separator: "\n").contains { $0.hasPrefix(" scripted,sb-default ") && $0.contains("█") }
                ? true : nil
        }
        tmux.keys("Escape")
        try await EndToEnd.poll("the panes again", diagnostics: tmux.capture()) {
            tmux.capture().contains("─ Routes ─") ? true : nil
        }
        #expect(try await quit(tmux).contains("EXIT=0"))
    }

    /// Every parameter of every SGR sequence (`ESC [ … m`) on the screen.
    static func sgrParameters(_ screen: String) -> [Int] {
        screen.matches(of: /\x1B\[([0-9;:]*)m/).flatMap { match in
            match.1.split(whereSeparator: { $0 == ";" || $0 == ":" }).compactMap { Int($0) }
        }
    }

    /// Foreground or background colour parameters (30–38, 40–48, 90–97, 100–107).
    static func isColor(_ parameter: Int) -> Bool {
        (30...38).contains(parameter) || (40...48).contains(parameter) || (90...97).contains(parameter)
            || (100...107).contains(parameter)
    }
}
