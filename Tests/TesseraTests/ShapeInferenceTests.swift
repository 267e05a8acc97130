import Testing
@testable import Tessera

/// Shapes inferred for small graphs, checked against values worked out by hand.
@Suite struct ShapeInferenceTests {
    private func shape(_ build: (inout ModelBuilder) -> String) throws -> [Int] {
        var b = ModelBuilder("shapes")
        let out = build(&b)
        b.output(out)
        let graph = try b.graph()
        return try graph.type(of: out).shape
    }

    @Test func convWithPaddingStrideAndDilation() throws {
        // H: (32 + 1 + 2 - ((5 - 1) * 2 + 1)) / 3 + 1 = (35 - 9) / 3 + 1 = 9
        // W: (20 + 0 + 0 - 5) / 2 + 1 = 8
        let s = try shape { b in
            b.input("x", [2, 4, 32, 20])
            return b.node("Conv", ["x", b.weight("w", [6, 4, 5, 5])],
                          [("pads", ints([1, 0, 2, 0])), ("strides", ints([3, 2])), ("dilations", ints([2, 1]))])
        }
        #expect(s == [2, 6, 9, 8])
    }

    @Test func depthwiseConvWithSameUpperPadding() throws {
        // SAME_UPPER keeps ceil(in / stride): ceil(15 / 2) = 8, ceil(7 / 2) = 4.
        let s = try shape { b in
            b.input("x", [1, 6, 15, 7])
            return b.node("Conv", ["x", b.weight("w", [6, 1, 3, 3])],
                          [("group", .int(6)), ("strides", ints([2, 2])), ("auto_pad", .string("SAME_UPPER"))])
        }
        #expect(s == [1, 6, 8, 4])
    }

    @Test func poolingFloorAndCeilMode() throws {
        // floor((9 - 2) / 2) + 1 = 4; ceil mode: ceil(7 / 2) + 1 = 5, last window starts at 8 < 9.
        let floor = try shape { b in
            b.input("x", [1, 3, 9, 9])
            return b.node("MaxPool", ["x"], [("kernel_shape", ints([2, 2])), ("strides", ints([2, 2]))])
        }
        let ceil = try shape { b in
            b.input("x", [1, 3, 9, 9])
            return b.node("AveragePool", ["x"], [("kernel_shape", ints([2, 2])), ("strides", ints([2, 2])), ("ceil_mode", .int(1))])
        }
        #expect(floor == [1, 3, 4, 4])
        #expect(ceil == [1, 3, 5, 5])
    }

    @Test func ceilModeDropsAWindowStartingInThePadding() throws {
        // in 4, kernel 3, stride 2, pads 1/1: padded 6, ceil((6 - 3) / 2) + 1 = 3; the third
        // window starts at 2 * 2 = 4, inside input + leading pad (4 < 4 + 1), so it stays.
        let a = try shape { b in
            b.input("x", [1, 1, 4, 4])
            return b.node("MaxPool", ["x"], [("kernel_shape", ints([3, 3])), ("strides", ints([2, 2])),
                                             ("pads", ints([1, 1, 1, 1])), ("ceil_mode", .int(1))])
        }
        #expect(a == [1, 1, 3, 3])
        // in 5, kernel 2, stride 3, end pad 1: padded 6, ceil((6 - 2) / 3) + 1 = 3; the third
        // window would start at 6 >= 5 + 0, entirely in the end padding, so it is dropped: 2.
        let b2 = try shape { b in
            b.input("x", [1, 1, 5, 5])
            return b.node("MaxPool", ["x"], [("kernel_shape", ints([2, 2])), ("strides", ints([3, 3])),
                                             ("pads", ints([0, 0, 1, 1])), ("ceil_mode", .int(1))])
        }
        #expect(b2 == [1, 1, 2, 2])
    }

    @Test func gemmWithTransposes() throws {
        let s = try shape { b in
            b.input("a", [7, 3])  // transA: M = 3, K = 7
            return b.node("Gemm", ["a", b.weight("b", [5, 7]), b.weight("c", [5])], [("transA", .int(1)), ("transB", .int(1))])
        }
        #expect(s == [3, 5])
    }

    @Test func matMulBroadcastsBatchAxesAndSqueezesVectors() throws {
        let batched = try shape { b in
            b.input("a", [3, 1, 4, 6])
            return b.node("MatMul", ["a", b.weight("b", [5, 6, 2])])
        }
        let vector = try shape { b in
            b.input("a", [6])
            return b.node("MatMul", ["a", b.weight("b", [2, 6, 3])])
        }
        #expect(batched == [3, 5, 4, 2])
        #expect(vector == [2, 3])
    }

    @Test func addBroadcastsBothWays() throws {
        let s = try shape { b in
            b.input("a", [4, 1, 3])
            b.input("c", [2, 1])
            return b.node("Add", ["a", "c"])
        }
        #expect(s == [4, 2, 3])
    }

    @Test func flattenReshapeTransposeAndGlobalPool() throws {
        let flat = try shape { b in
            b.input("x", [2, 3, 4, 5])
            return b.node("Flatten", ["x"], [("axis", .int(-2))])
        }
        let reshaped = try shape { b in
            b.input("x", [2, 3, 4, 5])
            return b.node("Reshape", ["x", b.int64("s", [0, -1, 10])])
        }
        let transposed = try shape { b in
            b.input("x", [2, 3, 4, 5])
            return b.node("Transpose", ["x"])
        }
        let pooled = try shape { b in
            b.input("x", [2, 3, 4, 5])
            return b.node("GlobalAveragePool", ["x"])
        }
        #expect(flat == [6, 20])
        #expect(reshaped == [2, 6, 10])
        #expect(transposed == [5, 4, 3, 2])
        #expect(pooled == [2, 3, 1, 1])
    }

    @Test func nodesOutOfOrderAreSorted() throws {
        var b = ModelBuilder("unordered")
        b.input("x", [1, 4])
        b.node("Relu", ["h"], name: "second", outputs: ["y"])
        b.node("Relu", ["x"], name: "first", outputs: ["h"])
        b.output("y")
        let graph = try b.graph()
        #expect(graph.nodes.map(\.name) == ["first", "second"])
        try Verifier.verify(graph)
    }

    @Test func macsAndParamsPerLayer() throws {
        var b = ModelBuilder("counts")
        b.input("x", [1, 3, 8, 8])
        let c = b.node("Conv", ["x", b.weight("w", [4, 3, 3, 3]), b.weight("b", [4])], name: "conv", [("pads", ints([1, 1, 1, 1]))])
        let f = b.node("Flatten", [c], name: "flat")
        b.output(b.node("Gemm", [f, b.weight("fw", [10, 256])], name: "fc", [("transB", .int(1))]))
        let summary = try ModelSummary(try b.graph())
        // conv: 4 * 8 * 8 outputs, 3 * 3 * 3 taps each; fc: 10 * 256.
        #expect(summary.layers.map(\.macs) == [4 * 64 * 27, 0, 2560])
        #expect(summary.layers.map(\.params) == [108 + 4, 0, 2560])
        #expect(summary.layers.map(\.activationBytes) == [1024, 1024, 40])
    }
}

/// The format reference's example is the bundled `Examples/tiny_mlp.json` and computes what
/// the reference says.
@Suite struct FormatReferenceTests {
    @Test func documentedExampleIsTheBundledFileAndComputesTheDocumentedScores() throws {
        let root = TestEnvironment.repositoryRoot.path
        let doc = try String(contentsOfFile: root + "/Docs/model-format.md", encoding: .utf8)
        let afterMarker = try #require(doc.range(of: "<!-- example-model -->\n```json\n")).upperBound
        let end = try #require(doc.range(of: "```", range: afterMarker..<doc.endIndex)).lowerBound
        let documented = try JSONParser.parse(String(doc[afterMarker..<end]))
        let bundled = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: root + "/Examples/tiny_mlp.json")), file: "tiny_mlp.json")
        #expect(documented == bundled)
        let graph = try FrontEnd.load(json: documented)
        let out = try ReferenceInterpreter.run(graph, inputs: ["pixels": TensorValue(shape: [1, 2, 2], data: [1.0, 0.5, -0.5, 2.0])])
        let scores = try #require(out["scores"]).data
        #expect(abs(scores[0] - 0.0029625) < 1e-6 && abs(scores[1] - 0.9970375) < 1e-6)
    }

    @Test func zeroSizedOperandsAreRejected() throws {
        var b = ModelBuilder("empty_operand")
        b.input("x", [1, 4])
        let c = b.constant("nothing", [0], [])
        b.output(b.node("Add", ["x", c], name: "add"))
        #expect(throws: TesseraError.unsupported(location: #"nodes[0] "add""#, message: #"input "nothing" is empty (shape [0]); zero-sized tensors are not supported"#)) {
            _ = try b.graph()
        }
    }
}

import Foundation
