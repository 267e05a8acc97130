import Foundation
import Testing

/// Golden text files next to the tests (Tests/TesseraTests/Snapshots/<name>.txt).
/// `TESSERA_RECORD=1 swift test` re-records them.
func assertSnapshot(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let url = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/TesseraTests/Snapshots/\(name).txt")
    if ProcessInfo.processInfo.environment["TESSERA_RECORD"] == "1" {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? Data(text.utf8).write(to: url)
        return
    }
    let recorded = try? String(contentsOf: url, encoding: .utf8)
    #expect(recorded == text, "snapshot \(name) differs; re-record with TESSERA_RECORD=1 if the change is intended", sourceLocation: sourceLocation)
}
