// Prints TokenEstimator's count for each file named on standard input, one per line; with `--time FILE`, the
// milliseconds one count of FILE takes (best of 20). evaluate.py compiles this as main.swift with
// Sources/Proxy/Routing/TokenEstimator.swift alone (the estimator imports nothing), so no package build runs.
import Glibc

func read(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
    }
    return bytes
}

func milliseconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) * 1000 + Double(now.tv_nsec) / 1_000_000
}

let estimator = TokenEstimator()
let arguments = CommandLine.arguments
if arguments.count == 3, arguments[1] == "--time", let bytes = read(arguments[2]) {
    let text = String(decoding: bytes, as: UTF8.self)
    var best = Double.infinity
    var total = 0
    for _ in 0..<20 {
        let start = milliseconds()
        total &+= estimator.count(text)
        best = min(best, milliseconds() - start)
    }
    print(best, total / 20)
} else {
    while let path = readLine(strippingNewline: true) {
        print(read(path).map { estimator.count(utf8: $0) } ?? -1)
    }
}
