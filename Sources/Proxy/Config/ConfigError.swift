/// A config that cannot be used, with the key at fault named in the message.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The dotted path of the offending key (`Router.default`, `Providers[1].api_base_url`).
    public var key: String
    /// What is wrong.
    public var problem: String
    /// The file, when the config came from one.
    public var path: String?

    /// An error about `key` (empty when no one key is at fault); `path` is the config file, if any.
    public init(key: String, _ problem: String, path: String? = nil) {
        self.key = key
        self.problem = problem
        self.path = path
    }

    /// `file: key: problem`, leaving out the parts that are missing.
    public var description: String {
        let location = path.map { "\($0): " } ?? ""
        return key.isEmpty ? "\(location)\(problem)" : "\(location)\(key): \(problem)"
    }
}
