// swift-tools-version:6.1
// The stream translator's micro benchmark: its own package so the main package stays free of
// benchmark code. It uses the `Proxy` library's public API only (no @testable).
import Foundation
import PackageDescription

// A path dependency's identity is the name of its folder (`switchboard`, `main`, a worktree's
// name…), so it is worked out here rather than written down.
let mainPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardizedFileURL
let mainIdentity = mainPackage.lastPathComponent.lowercased()

let package = Package(
    name: "translator-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../..")
    ],
    targets: [
        // Counts malloc/calloc/realloc/memalign calls by defining them in the executable,
        // which the dynamic linker prefers over glibc's (glibc's own entry points still do the work).
        .target(name: "CMallocCounter"),
        .executableTarget(
            name: "translator-bench",
            dependencies: [
                "CMallocCounter",
                .product(name: "Proxy", package: mainIdentity),
            ],
            path: "Sources/TranslatorBench"
        ),
    ]
)
