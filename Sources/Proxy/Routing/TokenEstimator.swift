// TEMPORARY stub, replaced by the real estimator.
public struct TokenEstimator: Sendable {
    public init() {}
    public func count(_ text: String) -> Int { (text.utf8.count + 3) / 4 }
}
