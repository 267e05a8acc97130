import Foundation
import Testing
@testable import Tessera

/// Same input, byte-identical output: in one process and across processes (Swift seeds its
/// hashing per process, so an iteration over a dictionary would show up here).
@Suite struct DeterminismTests {
    @Test func compilingTwiceInOneProcessGivesIdenticalFiles() throws {
        for name in SyntheticModels.names {
            let graph = try SyntheticModels.named(name).graph()
            let a = try Compiler.compile(graph).files
            let b = try Compiler.compile(try SyntheticModels.named(name).graph()).files
            #expect(a.map(\.name) == b.map(\.name))
            #expect(a.map(\.contents) == b.map(\.contents), "\(name)")
        }
    }

    @Test func twoCLIRunsWriteByteIdenticalFiles() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let model = dir + "/ops_mix.json"
        try TestEnvironment.write(SyntheticModels.opsMix().text, to: model)
        for out in ["a", "b"] {
            let r = try TestEnvironment.cli(["compile", model, "-o", dir + "/" + out])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/a").sorted()
        #expect(files == (try FileManager.default.contentsOfDirectory(atPath: dir + "/b").sorted()))
        #expect(files.contains("report.json") && files.contains("ops_mix.c"))
        for f in files {
            let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/a/" + f))
            let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/b/" + f))
            #expect(a == b, "\(f) differs between two runs")
        }
    }
}
