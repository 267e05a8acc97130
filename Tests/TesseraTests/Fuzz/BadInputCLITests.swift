import Foundation
import Testing
@testable import Tessera

/// Issue 15's bad inputs through the real `tessera` binary: one line naming the place,
/// exit status 2, nothing written — or, for the long name, a complete output.
@Suite struct BadInputCLITests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let file: String
        let contents: Data
        let command: String
        let expected: String
        var testDescription: String { name }
    }

    static var cases: [Case] {
        [
            Case(name: "strides of -2^63", file: "bad.json", contents: BadInputModels.jsonConv(strides: [Int.min, 1]), command: "compile",
                 expected: #"tessera: error: nodes[0] "conv": attribute "strides" value -9223372036854775808 is out of range"#),
            Case(name: "pads near 2^62", file: "bad.json", contents: BadInputModels.jsonPad([0, 1 << 62, 0, 1 << 62]), command: "compile",
                 expected: #"tessera: error: nodes[0] "pad": the Pad output shape overflows"#),
            Case(name: "ONNX pads near 2^62", file: "bad.onnx", contents: (try? BadInputModels.onnxPad(opset: 13).model.serializedData()) ?? Data(),
                 command: "compile", expected: #"tessera: error: nodes[0] "pad": the Pad output shape overflows"#),
            Case(name: "ONNX cycle", file: "bad.onnx", contents: (try? BadInputModels.onnxCycle.model.serializedData()) ?? Data(),
                 command: "inspect", expected: #"tessera: error: nodes[0] "a": the graph has a cycle: "a" -> "b" -> "a""#),
            Case(name: "ONNX Sum without inputs", file: "bad.onnx", contents: (try? BadInputModels.onnxSumWithNoInputs.model.serializedData()) ?? Data(),
                 command: "import", expected: #"tessera: error: nodes[0] "sum": Sum takes 1 or more inputs, got 0"#),
            Case(name: "empty ONNX file", file: "bad.onnx", contents: Data(), command: "inspect",
                 expected: "tessera: error: bad.onnx: empty file, not an ONNX model"),
            Case(name: "truncated ONNX file", file: "bad.onnx", contents: BadInputModels.truncatedONNX, command: "import",
                 expected: "tessera: error: bad.onnx: not a valid ONNX model: the protobuf data is truncated"),
        ]
    }

    private func run(_ command: String, _ file: String, in dir: String) throws -> TestEnvironment.CLIResult {
        switch command {
        case "compile": return try TestEnvironment.cli(["compile", file, "-o", "out"], directory: dir)
        case "import": return try TestEnvironment.cli(["import", file, "-o", "out"], directory: dir)
        default: return try TestEnvironment.cli([command, file], directory: dir)
        }
    }

    @Test(arguments: cases)
    func exitsWithStatus2AndWritesNothing(_ c: Case) throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        try c.contents.write(to: URL(fileURLWithPath: dir + "/" + c.file))
        let r = try run(c.command, c.file, in: dir)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.hasPrefix(c.expected), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line, got: \(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [c.file], "nothing written")
    }

    @Test func aDirectoryGivenAsTheModel() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        try FileManager.default.createDirectory(atPath: dir + "/model.onnx", withIntermediateDirectories: false)
        for model in ["model.onnx", "."] {
            let r = try TestEnvironment.cli(["compile", model, "-o", "out"], directory: dir)
            #expect(r.status == 2)
            #expect(r.stderr == "tessera: error: \(model): is a directory, not a model file\n")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
    }

    @Test func aModelNameOf300CharactersCompiles() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        try BadInputModels.jsonNamed(String(repeating: "a", count: 300)).write(to: URL(fileURLWithPath: dir + "/long.json"))
        let r = try TestEnvironment.cli(["compile", "long.json", "-o", "out"], directory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let prefix = CSyntax.symbolPrefix(String(repeating: "a", count: 300))
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/out"))
        #expect(files.isSuperset(of: ["\(prefix).h", "\(prefix).c", "\(prefix)_weights.c", "report.json"]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["long.json", "out"])
    }
}
