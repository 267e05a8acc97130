import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// The host harness catches kernels that write outside their buffers.
@Suite struct HarnessTests {
    /// Compiles relu(x) -> arena -> relu -> output, then edits the generated schedule so that
    /// one kernel writes `extra` elements past its buffer, and runs it.
    private func runWithOverrun(outputOverrun: Bool) throws -> TesseraError? {
        var b = ModelBuilder("overrun")
        b.input("x", [1, 16])
        let h = b.node("Relu", ["x"], name: "first")
        b.output(b.node("Relu", [h], name: "second", outputs: ["y"]))
        var model = try Compiler.compile(try b.graph())
        let index = try #require(model.files.firstIndex { $0.name == "overrun.c" })
        var source = model.files[index].contents
        // The first (arena) or the second (output) relu gets a size past its buffer.
        let marker = ".size = 16,"
        let ranges = source.ranges(of: marker)
        try #require(ranges.count == 2)
        source.replaceSubrange(ranges[outputOverrun ? 1 : 0], with: outputOverrun ? ".size = 17," : ".size = 40,")
        model.files[index].contents = source
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let exe = try HostRunner.build(model, in: dir)
        var rng = SeededRandom(seed: 3)
        do {
            _ = try HostRunner.run(executable: exe, inputs: ["x": rng.tensor([1, 16])], in: dir)
            return nil
        } catch let e as TesseraError {
            return e
        }
    }

    @Test func writingPastTheArenaFailsLoudly() throws {
        let error = try #require(try runWithOverrun(outputOverrun: false))
        guard case let .toolFailed(_, status, output) = error else { Issue.record("\(error)"); return }
        #expect(status == 3)
        #expect(output.contains("MEMORY VIOLATION") && output.contains("arena"), "\(output)")
    }

    @Test func writingPastAnOutputFailsLoudly() throws {
        let error = try #require(try runWithOverrun(outputOverrun: true))
        guard case let .toolFailed(_, status, output) = error else { Issue.record("\(error)"); return }
        #expect(status == 3)
        #expect(output.contains("MEMORY VIOLATION") && output.contains("\"y\""), "\(output)")
    }

    @Test func schemaAcceptsTheExamplesAndRejectsABrokenModel() throws {
        let check = try Shell.run("python3", ["-c", "import jsonschema"])
        try #require(check.status == 0, "python3 with jsonschema is needed to check Docs/model.schema.json")
        let root = TestEnvironment.repositoryRoot.path
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            for path in sys.argv[2:]:
                doc = json.load(open(path))
                try:
                    jsonschema.validate(doc, schema)
                    print(path, "valid")
                except jsonschema.ValidationError as e:
                    print(path, "invalid")
            """
        let broken = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(broken) }
        try TestEnvironment.write(#"{"format": "tessera.model", "version": 1, "name": "x", "inputs": [], "outputs": [], "nodes": [{"name": "n", "op": "Conv3D"}]}"#,
                                  to: broken + "/broken.json")
        let r = try Shell.run("python3", ["-c", script, root + "/Docs/model.schema.json", root + "/Examples/tiny_mlp.json",
                                          root + "/Examples/digits_cnn.json", broken + "/broken.json"])
        #expect(r.status == 0, "\(r.output)")
        let lines = r.output.split(separator: "\n").map { String($0.split(separator: " ").last ?? "") }
        #expect(lines == ["valid", "valid", "invalid"], "\(r.output)")
    }
}
