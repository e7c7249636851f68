import Foundation
import Testing

@testable import Dashboard
@testable import Proxy

struct EnvHintTests: RendersFixture {
    @Test func theDefaultAddressNeedsNoOptions() {
        #expect(
            EnvHint.command(listenAddress: "http://127.0.0.1:3456", configArgument: nil)
                == #"eval "$(switchboard env)""#
        )
        #expect(EnvHint.command(listenAddress: "starting…", configArgument: nil) == EnvHint.defaultCommand)
    }

    @Test func anotherPortOrHostIsNamed() {
        #expect(
            EnvHint.command(listenAddress: "http://127.0.0.1:4100", configArgument: nil)
                == #"eval "$(switchboard env --port 4100)""#
        )
        #expect(
            EnvHint.command(listenAddress: "http://192.168.1.20:3456", configArgument: nil)
                == #"eval "$(switchboard env --host 192.168.1.20 --port 3456)""#
        )
        #expect(
            EnvHint.command(listenAddress: "http://[::1]:4000", configArgument: nil)
                == #"eval "$(switchboard env --host ::1 --port 4000)""#
        )
    }

    @Test func aConfigEnvWouldNotFindIsNamedAndQuotedWhenNeeded() {
        #expect(
            EnvHint.command(listenAddress: "http://127.0.0.1:3456", configArgument: "/srv/sb/config.json")
                == #"eval "$(switchboard env --config /srv/sb/config.json)""#
        )
        #expect(
            EnvHint.command(listenAddress: "http://127.0.0.1:4100", configArgument: "/srv/it's here/c.json")
                == #"eval "$(switchboard env --port 4100 --config '/srv/it'\''s here/c.json')""#
        )
    }

    @Test func theConfigIsNamedOnlyWhenEnvWouldFindAnother() {
        let home = "/home/ada/.config/switchboard/config.json"
        #expect(EnvHint.configArgument(source: .file(home), defaultSource: .file(home)) == nil)
        #expect(
            EnvHint.configArgument(
                source: .file("/home/ada/.config/switchboard/../switchboard/config.json"),
                defaultSource: .file(home)
            )
                == nil,
            "the same file, spelt differently"
        )
        #expect(
            EnvHint.configArgument(source: .file("/tmp/x/config.json"), defaultSource: .file(home))
                == "/tmp/x/config.json"
        )
        #expect(
            EnvHint.configArgument(source: .file("/tmp/x/config.json"), defaultSource: .builtin) == "/tmp/x/config.json"
        )
        #expect(EnvHint.configArgument(source: .file("/tmp/x/config.json"), defaultSource: nil) == "/tmp/x/config.json")
        #expect(EnvHint.configArgument(source: .builtin, defaultSource: .file(home)) == nil)
        let relative = EnvHint.configArgument(source: .file("conf/sb.json"), defaultSource: nil)
        #expect(
            relative == FileManager.default.currentDirectoryPath + "/conf/sb.json",
            "absolute, to work from anywhere"
        )
    }

    @Test func theEmptyStateNamesThisInstancesPortAndConfig() {
        var state = DashboardState(startedAt: DashboardFixture.now)
        state.listenAddress = "http://127.0.0.1:4100"
        state.configDescription = "/srv/switchboard/team config.json"
        state.routeEntries = DashboardFixture.routeEntries
        state.envCommand = EnvHint.command(
            listenAddress: state.listenAddress,
            configArgument: "/srv/switchboard/team config.json"
        )
        let grid = render(width: 60, height: 15, state: state)
        assertSnapshot(grid, named: "empty-port-60x15")
        #expect(grid.lines.joined(separator: " ").contains("--port 4100"))
    }
}
