import Foundation
import Testing
@testable import Tessera

/// Issue 15, section 4, through the library: every input that trapped, was called an
/// internal error or got a misleading message now gets one clear error of exit status 2
/// (or compiles, where it is a valid model).
@Suite struct BadInputRegressionTests {
    typealias B = ONNXBuilder

    /// `body` throws a TesseraError of exit status 2 whose message contains `expected`.
    private func expectBadInput(_ expected: String, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try body()
            Issue.record("expected an error containing \(expected)", sourceLocation: sourceLocation)
        } catch let error as TesseraError {
            #expect(error.description.contains(expected), "\(error.description)", sourceLocation: sourceLocation)
            #expect(error.exitStatus == 2, "\(error.description)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("not a TesseraError: \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Loads model JSON and compiles it, as `tessera compile` does.
    private func compileJSON(_ data: Data) throws {
        _ = try Compiler.compile(try FrontEnd.load(data: data, file: "bad.json"))
    }

    private func importONNX(_ m: B, file: String = "model.onnx") throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        _ = try Compiler.compile(try m.load(in: dir, file: file).graph)
    }

    // MARK: Crashes

    @Test func int64MinAttributeIsOutOfRangeNotATrap() {
        expectBadInput(#"nodes[0] "conv": attribute "strides" value -9223372036854775808 is out of range"#) {
            try compileJSON(BadInputModels.jsonConv(strides: [Int.min, 1]))
        }
        expectBadInput(#"nodes[0] "conv": attribute "strides" value -9223372036854775807 is out of range"#) {
            try compileJSON(BadInputModels.jsonConv(strides: [Int.min + 1, 1]))
        }
        expectBadInput(#"nodes[0] "fc": attribute "transB" value -9223372036854775808 is out of range"#) {
            try compileJSON(BadInputModels.jsonGemm(transB: Int.min))
        }
        expectBadInput(#"nodes[0] "conv": attribute "strides" value -9223372036854775808 is out of range"#) {
            try importONNX(BadInputModels.onnxConv([B.attr("strides", ints: [Int.min, 1])]))
        }
        expectBadInput(#"nodes[0] "fc": attribute "transB" value -9223372036854775808 is out of range"#) {
            try importONNX(BadInputModels.onnxGemm(transB: Int.min))
        }
        expectBadInput(#"attribute "strides" value 9223372036854775807 is out of range"#) {
            try importONNX(BadInputModels.onnxConv([B.attr("strides", ints: [Int.max, 1])]))
        }
    }

    @Test func hugePadsOverflowIntoAnErrorFromJSONAndONNX() {
        expectBadInput(#"nodes[0] "pad": the Pad output shape overflows (2 + 4611686018427387904 + 4611686018427387904)"#) {
            try compileJSON(BadInputModels.jsonPad([0, 1 << 62, 0, 1 << 62]))
        }
        expectBadInput(#"nodes[0] "pad": the Pad output shape overflows (3 + 4611686018427387904 + 4611686018427387904)"#) {
            try importONNX(BadInputModels.onnxPad(opset: 13))
        }
        expectBadInput(#"nodes[0] "pad": attribute "pads" value 4611686018427387904 is out of range"#) {
            try importONNX(BadInputModels.onnxPad(opset: 10))
        }
        // An output shape over the element limit stops at its node; the next node never
        // multiplies its dimensions (this trapped in GlobalAveragePool).
        expectBadInput(#"nodes[0] "pad": output shape [1, 2, 3, 4611686018427387907] has more than 2147483647 elements"#) {
            try importONNX(BadInputModels.onnxPad(opset: 13, then: true).withPads([0, 0, 0, 1 << 61, 0, 0, 0, 1 << 61]))
        }
    }

    @Test func otherShapeArithmeticOverflowsAreErrors() {
        expectBadInput(#"nodes[0] "split": the sum of the Split sizes overflows"#) {
            try compileJSON(BadInputModels.jsonSplit([Int.max, Int.max]))
        }
        expectBadInput(#"nodes[0] "resize": Resize scales"#) {
            try compileJSON(BadInputModels.jsonResize(scales: [1, 1, 3e38, 3e38]))
        }
    }

    // MARK: Internal errors for bad ONNX graphs

    @Test func badONNXGraphsGetTheMessagesOfModelJSON() {
        expectBadInput(#"nodes[0] "relu": input "nothing" is not a graph input, a constant, or the output of any node"#) {
            try importONNX(BadInputModels.onnxInputNotProduced)
        }
        expectBadInput(#"nodes[0] "a": the graph has a cycle: "a" -> "b" -> "a""#) {
            try importONNX(BadInputModels.onnxCycle)
        }
        expectBadInput(#"nodes[0] "conv": input 0 of Conv is required but empty"#) {
            try importONNX(BadInputModels.onnxEmptyRequiredInput)
        }
        expectBadInput(#"nodes[0] "add": Add takes 2 inputs, got 1"#) {
            try importONNX(BadInputModels.onnxAddWithOneInput)
        }
        expectBadInput(#"nodes[0] "sum": Sum takes 1 or more inputs, got 0"#) {
            try importONNX(BadInputModels.onnxSumWithNoInputs)
        }
        expectBadInput("model.onnx: the graph has no inputs") {
            try importONNX(BadInputModels.onnxNoInputs)
        }
    }

    @Test func aGraphOutOfOrderIsImportedInOrder() throws {
        // ONNX wants nodes sorted; a file that is not gets the JSON loader's stable order.
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let graph = try BadInputModels.onnxGraph([("Relu", ["a"], "b"), ("Neg", ["x"], "a")], output: "b").load(in: dir).graph
        #expect(graph.nodes.map(\.name) == ["a", "b"])
    }

    // MARK: What the fuzzer found

    @Test func whatTheFuzzerFoundCompilesOrIsRejectedPlainly() throws {
        try compileJSON(BadInputModels.jsonConstantOutput())
        for target in ["host", "corstone300"] {  // a Conv of constants, left to run: NHWC too
            let graph = try FrontEnd.load(data: BadInputModels.jsonConvOfConstants(), file: "conv.json")
            _ = try Compiler.compile(graph, options: CompileOptions(target: target, precision: .fp32))
        }
        try importONNX(BadInputModels.onnxBatchNormAfterBatchNorm)
        expectBadInput(#"nodes[2] "conv": the Conv weight "w2" is computed at run time; code generation needs constant convolution weights"#) {
            try importONNX(BadInputModels.onnxComputedConvWeight(runTimeWeight: true))
        }
        try importONNX(BadInputModels.onnxComputedConvWeight(runTimeWeight: false))  // folded to a constant
        // Tessera's own layout attribute in an ONNX file: as in model JSON (the import wrote
        // model JSON that did not load).
        expectBadInput(#"nodes[0] "conv": "data_layout" is set only by Tessera's layout pass"#) {
            try importONNX(BadInputModels.onnxConv([ONNXBuilder.attr("data_layout", string: "NCHW")]))
        }
    }

    // MARK: Messages

    @Test func unreadableAndMalformedFilesGetPlainMessages() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        try Data().write(to: URL(fileURLWithPath: dir + "/empty.onnx"))
        expectBadInput("empty.onnx: empty file, not an ONNX model") { _ = try ONNXImporter.load(path: dir + "/empty.onnx") }
        try BadInputModels.truncatedONNX.write(to: URL(fileURLWithPath: dir + "/cut.onnx"))
        expectBadInput("cut.onnx: not a valid ONNX model: the protobuf data is truncated") { _ = try ONNXImporter.load(path: dir + "/cut.onnx") }
        try Data([0x0F, 0xFF, 0xFF]).write(to: URL(fileURLWithPath: dir + "/bad.onnx"))
        expectBadInput("bad.onnx: not a valid ONNX model: the protobuf data is corrupt") { _ = try ONNXImporter.load(path: dir + "/bad.onnx") }
        try FileManager.default.createDirectory(atPath: dir + "/model.onnx", withIntermediateDirectories: false)
        expectBadInput("model.onnx: is a directory, not a model file") { _ = try ONNXImporter.load(path: dir + "/model.onnx") }
        expectBadInput("\(dir): is a directory, not a model file") { _ = try FrontEnd.load(path: dir) }
        expectBadInput("nothing.json: no such file") { _ = try FrontEnd.load(path: dir + "/nothing.json") }
    }

    @Test func importHelpStatesTheOpsetsTheImporterAccepts() throws {
        #expect(ONNXImporter.supportedOpsets == 6...21)
        let r = try TestEnvironment.cli(["import", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("(opsets 6 to 21)"), "\(r.stdout)")
        for opset in [5, 22] {
            var m = B(opset: opset)
            m.input("x", [1])
            m.node("Relu", ["x"], ["y"])
            m.output("y")
            expectBadInput("ONNX opset \(opset) is not supported (supported: 6 to 21)") { try importONNX(m) }
        }
    }
}

extension ONNXBuilder {
    /// The same model with its `pads` initializer replaced.
    func withPads(_ pads: [Int64]) -> ONNXBuilder {
        var m = self
        m.model.graph.initializer = m.model.graph.initializer.map { $0.name == "pads" ? ONNXBuilder.tensor("pads", [8], ints: pads) : $0 }
        return m
    }
}
