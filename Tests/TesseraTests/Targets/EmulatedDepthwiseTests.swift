import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// The vectorised depthwise kernels on corstone300 (Helium), on shapes chosen to reach each of
/// their paths: rows of pixels inside the input taken four, three or two at a time; border
/// columns one pixel at a time; a last block of fewer channels than a vector; activations
/// applied in registers (Relu, Clip) and through a buffer (HardSwish, Sigmoid, LeakyRelu);
/// more taps than one half chunk (7x7); stride, dilation, asymmetric padding; a single input
/// row; two images. Against the reference interpreter on the same compiled graph, at Tolerance.fp16,
/// and on the model-file graph in FP32, at Tolerance.againstFP32.
@Suite struct EmulatedDepthwiseTests {
    /// (channels, h, w, kernel h, kernel w, strides, dilation, pads t l b r, activation).
    static let shapes: [(Int, Int, Int, Int, Int, [Int], Int, [Int], (String, [(String, JSONValue)])?)] = [
        (16, 9, 13, 3, 3, [1, 1], 1, [1, 1, 1, 1], ("Relu", [])),
        (24, 12, 11, 3, 3, [2, 2], 1, [0, 1, 1, 0], ("Clip", [("min", .double(0)), ("max", .double(6))])),
        (8, 10, 10, 3, 3, [1, 1], 2, [2, 2, 2, 2], nil),
        (17, 7, 9, 5, 5, [1, 1], 1, [2, 2, 2, 2], ("HardSwish", [])),
        (8, 8, 8, 7, 7, [1, 1], 1, [3, 3, 3, 3], ("LeakyRelu", [("alpha", .double(0.1))])),
        (32, 1, 6, 3, 3, [1, 1], 1, [1, 1, 1, 1], ("Sigmoid", [])),
        (5, 6, 7, 3, 3, [1, 1], 1, [1, 1, 1, 1], ("Relu", [])),
        (40, 4, 14, 3, 5, [1, 2], 1, [1, 2, 1, 2], nil),
    ]

    static func model() -> ModelBuilder {
        var b = ModelBuilder("depthwise_paths", seed: 51)
        for (i, s) in shapes.enumerated() {
            let (c, h, w, kh, kw, strides, dil, pads, act) = s
            let x = b.input("x\(i)", [1, c, h, w])
            let inputs = [x, b.weight("w\(i)", [c, 1, kh, kw], scale: 0.4), b.weight("b\(i)", [c])]
            var y = b.node("Conv", inputs, name: "dw\(i)", [("group", .int(c)), ("strides", ints(strides)), ("pads", ints(pads)),
                                                            ("dilations", ints([dil, dil]))])
            if let (op, attributes) = act { y = b.node(op, [y], name: "act\(i)", attributes) }
            b.output(y)
        }
        // Two images: the row offsets of the second.
        let x = b.input("xb", [2, 16, 5, 6])
        b.output(b.node("Conv", [x, b.weight("wb", [16, 1, 3, 3], scale: 0.4)], name: "dwb",
                        [("group", .int(16)), ("pads", ints([1, 1, 1, 1]))]))
        return b
    }

    @Test(arguments: [Precision.fp32, .fp16, .fp16Acc16, .fp16Acc32])
    func everyPathOnHelium(_ precision: Precision) throws {
        // Out of place (EmulatedOverlapTests covers outputs over their inputs).
        let model = try EmulatedKernelTests.runAndCompare(try Self.model().graph(), target: "corstone300", precision: precision,
                                                          seed: 52, inPlace: .never)
        let chosen = model.plan.variants.filter { $0 == .depthwiseVector }.count
        #expect(chosen == Self.shapes.count + 1, "the vectorised depthwise kernel chosen for \(chosen) of \(Self.shapes.count + 1) layers")
    }

    /// The scalar cores' path (four channels at a time with their sums in registers) on the
    /// Cortex-M7 (half as a storage format, accumulated in float) and on RV32 Zfh (half
    /// arithmetic: 32-term chunks, the 7x7 layer crossing one; pure half), on the same
    /// shapes: chosen for every layer, within tolerance of the reference, and the loop
    /// nests' bits.
    @Test(arguments: [("stm32h743", Precision.fp32), ("stm32h743", .fp16), ("rv32zfh", .fp16), ("rv32zfh", .fp16Acc16)])
    func scalarPathHasTheLoopNestsBits(_ c: (String, Precision)) throws {
        let (target, precision) = c
        let graph = try Self.model().graph()
        let best = try EmulatedKernelTests.runAndCompareOutputs(graph, target: target, precision: precision, seed: 53, inPlace: .never)
        #expect(best.model.plan.variants.filter { $0 == .depthwiseVector }.count == Self.shapes.count + 1)
        let baseline = try Compiler.compile(graph, options: CompileOptions(target: target, precision: precision, kernels: .baseline, inPlace: .never))
        #expect(baseline.plan.variants.allSatisfy { $0 == .loopNest })
        let inputs = randomInputs(graph, seed: 53)
        let ordered = OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, inputs[$0.name]!) })
        let loops = try EmulatorRunner.run(baseline, target: baseline.target, inputs: ordered)
        try EmulatedOverlapTests.expectSameBits(best.outputs, loops.outputs, "\(target) at \(precision.rawValue), against the loop nests")
    }
}
