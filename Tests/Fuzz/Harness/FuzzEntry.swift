import Foundation

/// The target this process fuzzes, from `SWITCHBOARD_FUZZ_TARGET` (set by `script/fuzz`).
let fuzzTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["SWITCHBOARD_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        fatalError("SWITCHBOARD_FUZZ_TARGET must be one of: \(names) (got '\(name)')")
    }
    return target
}()

/// libFuzzer's entry point: one input through the target's checks. A failed check traps, so
/// libFuzzer reports it as a crash and saves the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    do {
        try fuzzTarget.check(input)
    } catch {
        fatalError("fuzz target \(fuzzTarget.rawValue): \(error.description)")
    }
    return 0
}
