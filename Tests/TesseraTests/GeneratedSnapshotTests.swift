import Foundation
import Testing
@testable import Tessera

/// `Generated/<model>/` holds what Tessera emits for each bundled example, so that users can
/// read it without running anything. This test regenerates it and fails on any difference;
/// `TESSERA_RECORD=1 swift test --filter GeneratedSnapshotTests` (or `make generated`)
/// re-records it.
@Suite struct GeneratedSnapshotTests {
    static let examples = ["digits_cnn", "tiny_mlp"]

    @Test(arguments: examples)
    func generatedDirectoryIsUpToDate(_ example: String) throws {
        let root = TestEnvironment.repositoryRoot
        let graph = try FrontEnd.load(path: root.appendingPathComponent("Examples/\(example).json").path)
        let model = try Compiler.compile(graph)
        let dir = root.appendingPathComponent("Generated/\(example)").path
        if ProcessInfo.processInfo.environment["TESSERA_RECORD"] == "1" {
            try? FileManager.default.removeItem(atPath: dir)
            try Compiler.write(model, to: dir)
        }
        let present = Set((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
        let expected = Set(model.files.map(\.name))
        #expect(present == expected, "Generated/\(example) should hold exactly \(expected.sorted()); re-record with TESSERA_RECORD=1")
        for file in model.files {
            let onDisk = try? String(contentsOfFile: dir + "/" + file.name, encoding: .utf8)
            #expect(onDisk == file.contents, "Generated/\(example)/\(file.name) is out of date; re-record with TESSERA_RECORD=1")
        }
    }
}
