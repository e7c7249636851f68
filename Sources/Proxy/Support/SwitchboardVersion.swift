/// The product version.
public enum SwitchboardVersion {
    /// The version the CLI reports and the upstream `User-Agent` carries (`switchboard/0.1.0`).
    public static let current = "0.1.0"
}
