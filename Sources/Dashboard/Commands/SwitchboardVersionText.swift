import Proxy

/// The version string `--version` prints.
enum SwitchboardVersionText {
    static let text = SwitchboardVersion.current
}
