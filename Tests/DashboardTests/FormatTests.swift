import Testing

@testable import Dashboard

struct FormatTests {
    @Test(arguments: [
        (381.0, 420.0, "381/420ms"), (2_100, 6_200, "2.1/6.2s"), (1_500, 15_000, "1.5/15s"), (850, 1_200, "850ms/1.2s"),
        (45_000, 185_000, "45s/3m05s"), (185_000, 3_720_000, "3m05s/1h02m"),
    ])
    func percentilePairsSayASharedUnitOnce(low: Double, high: Double, expected: String) {
        #expect(Format.pair(low, high) == expected)
    }

    @Test func aMissingPercentileIsADash() {
        #expect(Format.pair(nil, 5) == "-")
        #expect(Format.pair(5, nil) == "-")
    }

    @Test(arguments: [(999, "999"), (1_234, "1.2k"), (45_678, "45k"), (1_234_567, "1.2M"), (12_345_678, "12M")])
    func counts(value: Int, expected: String) {
        #expect(Format.count(value) == expected)
    }

    @Test(arguments: [(850.0, "850ms"), (1_249, "1.2s"), (45_000, "45s"), (185_000, "3m05s"), (3_720_000, "1h02m")])
    func milliseconds(value: Double, expected: String) {
        #expect(Format.milliseconds(value) == expected)
    }
}
