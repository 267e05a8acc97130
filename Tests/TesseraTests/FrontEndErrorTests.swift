import Foundation
import Testing
@testable import Tessera

/// The bad-input corpus: every case must fail with one clear message naming the place,
/// exit status 2, and no output written.
struct BadInputCase: CustomTestStringConvertible, Sendable {
    let name: String
    let document: String
    let expected: String
    var testDescription: String { name }
}

private func values(_ n: Int, _ v: String = "0.5") -> String {
    Array(repeating: v, count: n).joined(separator: ", ")
}

private let input = #"{"name": "x", "shape": [1, 3, 8, 8], "dtype": "float32"}"#
private let weight = #"{"name": "w", "shape": [4, 3, 3, 3], "dtype": "float32", "data": [\#(values(108))]}"#
private func conv(_ attributes: String = #"{"pads": [1, 1, 1, 1]}"#, input: String = "x", weight: String = "w") -> String {
    #"{"name": "conv", "op": "Conv", "inputs": ["\#(input)", "\#(weight)"], "outputs": ["c"], "attributes": \#(attributes)}"#
}
private let relu = #"{"name": "relu", "op": "Relu", "inputs": ["c"], "outputs": ["y"]}"#

private func model(inputs: [String] = [input], outputs: String = #"[{"name": "y"}]"#,
                   constants: [String] = [weight], nodes: [String] = [conv(), relu]) -> String {
    """
    {
      "format": "tessera.model",
      "version": 1,
      "name": "bad",
      "inputs": [\(inputs.joined(separator: ", "))],
      "outputs": \(outputs),
      "constants": [\(constants.joined(separator: ",\n    "))],
      "nodes": [\(nodes.joined(separator: ",\n    "))]
    }
    """
}

let badInputCases: [BadInputCase] = [
    BadInputCase(name: "malformed JSON", document: "{\n  \"format\": \"tessera.model\",\n  \"version\": 1\n  \"name\": \"m\"\n}",
                 expected: "bad.json:4:3: malformed JSON: expected ',' or '}' after an object member, found '\"'"),
    BadInputCase(name: "truncated JSON", document: "{\"format\": [1, 2",
                 expected: "bad.json:1:17: malformed JSON: unexpected end of file inside an array"),
    BadInputCase(name: "duplicate JSON key", document: #"{"format": "tessera.model", "format": 1}"#,
                 expected: #"bad.json:1:29: malformed JSON: duplicate key "format""#),
    BadInputCase(name: "not a model", document: "[1, 2]", expected: "model: the document must be a JSON object, got an array"),
    BadInputCase(name: "wrong format version", document: model().replacingOccurrences(of: "\"version\": 1", with: "\"version\": 7"),
                 expected: "model: format version 7 is not supported (this Tessera reads version 1)"),
    BadInputCase(name: "unknown op", document: model(nodes: [conv().replacingOccurrences(of: "\"Conv\"", with: "\"Conv3D\""), relu]),
                 expected: #"nodes[0] "conv": unknown op "Conv3D" (supported: Abs, Add, AveragePool"#),
    BadInputCase(name: "missing tensor name", document: model(constants: [#"{"shape": [1], "dtype": "float32", "data": [1]}"#, weight]),
                 expected: "constants[0]: missing tensor name"),
    BadInputCase(name: "empty tensor name", document: model(inputs: [#"{"name": "", "shape": [1], "dtype": "float32"}"#, input]),
                 expected: #"inputs[0]: "name" must be a non-empty string, got """#),
    BadInputCase(name: "duplicate constant name", document: model(constants: [weight, weight]),
                 expected: #"constants[1] "w": duplicate constant name"#),
    BadInputCase(name: "duplicate tensor name across kinds",
                 document: model(constants: [weight, #"{"name": "x", "shape": [1], "dtype": "float32", "data": [1]}"#]),
                 expected: #"constants[1] "x": duplicate tensor name (also inputs[0] "x")"#),
    BadInputCase(name: "tensor produced twice",
                 document: model(nodes: [conv(), relu, #"{"name": "relu2", "op": "Relu", "inputs": ["c"], "outputs": ["y"]}"#]),
                 expected: #"nodes[2] "relu2": output "y" is already produced by nodes[1] "relu""#),
    BadInputCase(name: "duplicate node name",
                 document: model(nodes: [conv(), relu, #"{"name": "relu", "op": "Relu", "inputs": ["y"], "outputs": ["z"]}"#]),
                 expected: #"nodes[2] "relu": duplicate node name (also nodes[1] "relu")"#),
    BadInputCase(name: "input nobody produces",
                 document: model(nodes: [conv(), #"{"name": "relu", "op": "Relu", "inputs": ["nothing"], "outputs": ["y"]}"#]),
                 expected: #"nodes[1] "relu": input "nothing" is not a graph input, a constant, or the output of any node"#),
    BadInputCase(name: "cycle",
                 document: model(nodes: [conv(), #"{"name": "a", "op": "Add", "inputs": ["c", "b_out"], "outputs": ["a_out"]}"#,
                                         #"{"name": "b", "op": "Relu", "inputs": ["a_out"], "outputs": ["b_out"]}"#, relu]),
                 expected: #"nodes[1] "a": the graph has a cycle: "a" -> "b" -> "a""#),
    BadInputCase(name: "wrong attribute type", document: model(nodes: [conv(#"{"strides": "2"}"#), relu]),
                 expected: #"nodes[0] "conv": attribute "strides" must be a list of integers, got "2""#),
    BadInputCase(name: "float where an integer is expected", document: model(nodes: [conv(#"{"group": 1.5}"#), relu]),
                 expected: #"nodes[0] "conv": attribute "group" must be an integer, got 1.5"#),
    BadInputCase(name: "pass-only attribute", document: model(nodes: [conv(#"{"data_layout": "NHWC"}"#), relu]),
                 expected: #"nodes[0] "conv": "data_layout" is set only by Tessera's layout pass; model files are NCHW, as ONNX"#),
    BadInputCase(name: "unknown attribute", document: model(nodes: [conv(#"{"stride": [1, 1]}"#), relu]),
                 expected: #"nodes[0] "conv": Conv has no attribute "stride" (known: auto_pad, dilations, group, kernel_shape, pads, strides)"#),
    BadInputCase(name: "negative stride", document: model(nodes: [conv(#"{"strides": [-1, 1]}"#), relu]),
                 expected: #"nodes[0] "conv": strides must be positive, got [-1, 1]"#),
    BadInputCase(name: "negative pads", document: model(nodes: [conv(#"{"pads": [0, -1, 0, 0]}"#), relu]),
                 expected: #"nodes[0] "conv": pads must be non-negative, got [0, -1, 0, 0]"#),
    BadInputCase(name: "kernel larger than padded input",
                 document: model(inputs: [#"{"name": "x", "shape": [1, 3, 2, 2], "dtype": "float32"}"#], nodes: [conv("{}"), relu]),
                 expected: #"nodes[0] "conv": kernel 3x3 is larger than the padded input 2x2"#),
    BadInputCase(name: "dilated kernel larger than padded input", document: model(nodes: [conv(#"{"dilations": [4, 4]}"#), relu]),
                 expected: #"nodes[0] "conv": kernel 3x3 (dilated 9x9) is larger than the padded input 8x8"#),
    BadInputCase(name: "conv weight not 4-D",
                 document: model(constants: [#"{"name": "w", "shape": [16, 3, 3], "dtype": "float32", "data": [\#(values(144))]}"#]),
                 expected: #"nodes[0] "conv": Conv weight must be 4-D, got [16, 3, 3]"#),
    BadInputCase(name: "conv channel mismatch",
                 document: model(constants: [#"{"name": "w", "shape": [4, 2, 3, 3], "dtype": "float32", "data": [\#(values(72))]}"#]),
                 expected: #"nodes[0] "conv": input has 3 channels but weight [4, 2, 3, 3] with group 1 expects 2"#),
    BadInputCase(name: "wrong input count", document: model(nodes: [conv(), #"{"name": "relu", "op": "Relu", "inputs": ["c", "c"], "outputs": ["y"]}"#]),
                 expected: #"nodes[1] "relu": Relu takes 1 inputs, got 2"#),
    BadInputCase(name: "weight count does not match shape",
                 document: model(constants: [#"{"name": "w", "shape": [4, 3, 3, 3], "dtype": "float32", "data": [\#(values(10))]}"#]),
                 expected: #"constants[0] "w": data has 10 values but shape [4, 3, 3, 3] needs 108"#),
    BadInputCase(name: "base64 weight count does not match shape",
                 document: model(constants: [#"{"name": "w", "shape": [4, 3, 3, 3], "dtype": "float32", "data_base64": "AAAAAA=="}"#]),
                 expected: #"constants[0] "w": data has 1 values but shape [4, 3, 3, 3] needs 108"#),
    BadInputCase(name: "non-finite weight (overflowing literal)",
                 document: model(constants: [#"{"name": "w", "shape": [4, 3, 3, 3], "dtype": "float32", "data": [\#(values(107)), 1e999]}"#]),
                 expected: #"constants[0] "w": data[107] is not finite (inf)"#),
    BadInputCase(name: "non-finite weight (NaN in base64)",
                 document: model(constants: [#"{"name": "w", "shape": [2], "dtype": "float32", "data_base64": "AACAPwAAwH8="}"#, weight]),
                 expected: #"constants[0] "w": data[1] is not finite (nan)"#),
    BadInputCase(name: "shape product overflows",
                 document: model(inputs: [#"{"name": "x", "shape": [100000, 100000, 100000, 100000], "dtype": "float32"}"#]),
                 expected: #"inputs[0] "x": shape [100000, 100000, 100000, 100000] has more than 2147483647 elements (its size overflows)"#),
    BadInputCase(name: "inferred shape overflows",
                 document: model(inputs: [#"{"name": "p", "shape": [60000, 1], "dtype": "float32"}"#, #"{"name": "q", "shape": [1, 60000], "dtype": "float32"}"#],
                                 constants: [], nodes: [#"{"name": "sum", "op": "Add", "inputs": ["p", "q"], "outputs": ["y"]}"#]),
                 expected: #"nodes[0] "sum": output shape [60000, 60000] has more than 2147483647 elements (its size overflows)"#),
    BadInputCase(name: "unsupported input dtype", document: model(inputs: [#"{"name": "x", "shape": [1, 3, 8, 8], "dtype": "int8"}"#]),
                 expected: #"inputs[0] "x": unsupported dtype "int8" (supported: float32, float16, int64)"#),
    BadInputCase(name: "unsupported constant dtype",
                 document: model(constants: [#"{"name": "w", "shape": [1], "dtype": "float64", "data": [1]}"#]),
                 expected: #"constants[0] "w": unsupported dtype "float64""#),
    BadInputCase(name: "empty graph", document: model(nodes: []), expected: #"model: graph is empty: "nodes" has no entries"#),
    BadInputCase(name: "output never produced", document: model(outputs: #"[{"name": "z"}]"#),
                 expected: #"outputs[0] "z": no node produces this tensor"#),
    BadInputCase(name: "declared output shape differs", document: model(outputs: #"[{"name": "y", "shape": [1, 4, 4, 4]}]"#),
                 expected: #"outputs[0] "y": declared shape [1, 4, 4, 4] but the graph computes [1, 4, 8, 8]"#),
    BadInputCase(name: "reshape to the wrong size",
                 document: model(constants: [weight, #"{"name": "s", "shape": [2], "dtype": "int64", "data": [5, -1]}"#],
                                 nodes: [conv(), #"{"name": "r", "op": "Reshape", "inputs": ["c", "s"], "outputs": ["y"]}"#]),
                 expected: #"nodes[1] "r": Reshape cannot turn [1, 4, 8, 8] (256 elements) into [5, -1]"#),
]

@Suite struct FrontEndErrorTests {
    @Test(arguments: badInputCases)
    func libraryReportsThePlace(_ c: BadInputCase) throws {
        do {
            _ = try FrontEnd.load(data: Data(c.document.utf8), file: "bad.json")
            Issue.record("\(c.name): expected an error")
        } catch let error as TesseraError {
            #expect(error.description.contains(c.expected), "\(error.description)")
            #expect(error.exitStatus == 2)
        }
    }

    @Test(arguments: badInputCases)
    func cliExitsWithStatus2AndWritesNothing(_ c: BadInputCase) throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let path = (dir as NSString).appendingPathComponent("bad.json")
        try TestEnvironment.write(c.document, to: path)
        let out = (dir as NSString).appendingPathComponent("out")
        let result = try TestEnvironment.cli(["compile", "bad.json", "--target", "host", "-o", "out"], directory: dir)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("tessera: error: "))
        #expect(result.stderr.contains(c.expected), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "one message, got: \(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
