import Foundation
import Testing
@testable import Tessera

/// A long model name (issue 15: 300 characters failed at write time and left an empty
/// directory) and Compiler.write leaving all of the output or none of it.
@Suite struct OutputWriteTests {
    @Test func aLongNameGetsAShortStablePrefix() throws {
        let long = String(repeating: "a", count: 300)
        let model = try Compiler.compile(try FrontEnd.load(data: BadInputModels.jsonNamed(long), file: "long.json"))
        let prefix = model.symbolPrefix
        #expect(prefix.count == 40 && prefix.hasPrefix(String(repeating: "a", count: 31) + "_"), "\(prefix)")
        #expect(prefix == CSyntax.symbolPrefix(long), "stable")
        #expect(CSyntax.symbolPrefix(long + "b") != prefix, "another long name, another prefix")
        #expect(CSyntax.symbolPrefix("digits_cnn") == "digits_cnn")
        #expect(Set(model.files.map(\.name)).isSuperset(of: ["\(prefix).h", "\(prefix).c", "\(prefix)_weights.c"]))
        let report = try JSONParser.parse(try #require(model.files.first { $0.name == "report.json" }).contents)
        #expect(report["model"] == .string(long))
        #expect(report["symbol_prefix"] == .string(prefix))
        let header = try #require(model.files.first { $0.name == "\(prefix).h" }).contents
        #expect(header.contains("its C symbols and files are \(prefix)_*"))
        #expect(header.contains("int \(prefix)_run("))
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        try Compiler.write(model, to: dir + "/out")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/out")) == Set(model.files.map(\.name)))
        // A short name's report has no symbol_prefix: every other output is unchanged.
        let short = try Compiler.compile(try FrontEnd.load(data: BadInputModels.jsonNamed("m"), file: "m.json"))
        #expect(try JSONParser.parse(short.files.first { $0.name == "report.json" }!.contents)["symbol_prefix"] == nil)
    }

    @Test func anONNXFileWithALongNameCompiles() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var m = ONNXBuilder(opset: 13)
        m.input("x", [1, 4])
        m.node("Relu", ["x"], ["y"])
        m.output("y")
        let name = String(repeating: "model_", count: 40) + ".onnx"  // 245 bytes, the model's name
        let model = try Compiler.compile(try m.load(in: dir, file: name).graph)
        try Compiler.write(model, to: dir + "/out")
        #expect(model.symbolPrefix.count == 40)
    }

    /// A compiled model whose file `broken` cannot be written (its directory is missing).
    private func unwritable() throws -> CompiledModel {
        var model = try Compiler.compile(try FrontEnd.load(data: BadInputModels.jsonNamed("m"), file: "m.json"))
        model.files.insert((name: "missing/broken.c", contents: "x"), at: 2)
        return model
    }

    @Test func aFailedWriteLeavesNoDirectoryItCreated() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        #expect(throws: TesseraError.self) { try Compiler.write(try unwritable(), to: dir + "/new/deeper/out") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [], "no output, no parents, no staging left")
    }

    @Test func aFailedWriteIntoAnExistingDirectoryKeepsItsFiles() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        try TestEnvironment.write("old", to: dir + "/m.h")
        #expect(throws: TesseraError.self) { try Compiler.write(try unwritable(), to: dir) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["m.h"])
        #expect(try String(contentsOfFile: dir + "/m.h", encoding: .utf8) == "old")
    }

    @Test func writeErrorsGiveTheSystemsReason() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        try TestEnvironment.write("a file", to: dir + "/file")
        let model = try Compiler.compile(try FrontEnd.load(data: BadInputModels.jsonNamed("m"), file: "m.json"))
        do {
            try Compiler.write(model, to: dir + "/file/out")
            Issue.record("expected an error")
        } catch let error as TesseraError {
            #expect(error.description == "\(dir)/file/out: cannot write the output (Not a directory)")
            #expect(error.exitStatus == 2)
        }
        #expect(throws: TesseraError.io(path: dir + "/file", message: "exists and is not a directory")) {
            try Compiler.write(model, to: dir + "/file")
        }
    }
}
