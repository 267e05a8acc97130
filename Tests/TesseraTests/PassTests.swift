import Testing
@testable import Tessera

/// Each pass on a small graph: the IR before and after (snapshot files in Snapshots/), and
/// the reference interpreter giving the same outputs on both.
@Suite struct PassTests {
    /// Runs `pass` alone on the builder's graph, snapshots before/after (in
    /// `pass-<pass><snapshotSuffix>.txt`), checks outputs.
    @discardableResult
    private func check(_ pass: String, _ b: ModelBuilder, tolerance: Double = 1e-6, options: PassOptions = .init(),
                       snapshotSuffix: String = "") throws -> Graph {
        let before = try b.graph()
        let p = try #require(Pipeline.passes.first { $0.name == pass })
        let after = try ShapeInference.run(try GraphStructure.ordered(try p.run(before, options)))
        try Verifier.verify(after)
        assertSnapshot("before:\n" + IRPrinter.text(before) + "\nafter \(pass):\n" + IRPrinter.text(after), named: "pass-\(pass)\(snapshotSuffix)")
        for seed: UInt64 in [1, 2] {
            let inputs = randomInputs(before, seed: seed)
            let x = try ReferenceInterpreter.run(before, inputs: inputs), y = try ReferenceInterpreter.run(after, inputs: inputs)
            for name in before.outputs {
                let c = Comparison(try #require(y[name]), try #require(x[name]))
                #expect(c.within(relative: tolerance), "\(pass) changed output \(name): \(c)")
            }
        }
        return after
    }

    @Test func foldConstants() throws {
        var b = ModelBuilder("fold")
        b.input("x", [1, 6])
        let w = b.weight("w", [2, 6])
        let flat = b.node("Reshape", [w, b.int64("shape", [6, 2])], name: "reshape_w")
        let shift = b.node("Add", [b.weight("p", [2]), b.weight("q", [2])], name: "sum_bias")
        b.output(b.node("Gemm", ["x", flat, shift], name: "fc"))
        let after = try check("fold-constants", b)
        #expect(after.nodes.map(\.op) == [.gemm])
    }

    @Test func removeIdentities() throws {
        var b = ModelBuilder("identities")
        b.input("x", [1, 2, 3, 4])
        let i = b.node("Identity", ["x"], name: "id")
        let d = b.node("Dropout", [i], name: "drop")
        let r = b.node("Reshape", [d, b.int64("same", [1, 2, 3, 4])], name: "same_shape")
        let t1 = b.node("Transpose", [r], name: "to_nhwc", [("perm", ints([0, 2, 3, 1]))])
        let t2 = b.node("Transpose", [t1], name: "to_nchw", [("perm", ints([0, 3, 1, 2]))])
        let t3 = b.node("Transpose", [t2], name: "swap", [("perm", ints([0, 1, 3, 2]))])
        let t4 = b.node("Transpose", [t3], name: "swap_more", [("perm", ints([1, 0, 2, 3]))])
        b.output(b.node("Relu", [t4], name: "relu", outputs: ["y"]))
        let after = try check("remove-identities", b)
        #expect(after.nodes.map(\.op) == [.transpose, .relu])  // two swaps merged into one
    }

    @Test func foldBatchNormIntoConvAndGemmAndLowerTheRest() throws {
        var b = ModelBuilder("batchnorm", seed: 4)
        b.input("x", [1, 3, 6, 6])
        func bn(_ x: String, _ c: Int, _ name: String) -> String {
            b.node("BatchNormalization", [x, b.weight("\(name)_g", [c]), b.weight("\(name)_b", [c]), b.weight("\(name)_m", [c]),
                                          b.constant("\(name)_v", [c], (0..<c).map { 0.5 + Float($0) / 4 })], name: name, [("epsilon", .double(1e-3))])
        }
        let conv = b.node("Conv", ["x", b.weight("cw", [4, 3, 3, 3]), b.weight("cb", [4])], name: "conv", [("pads", ints([1, 1, 1, 1]))])
        let n1 = bn(conv, 4, "bn_conv")
        let relu = b.node("Relu", [n1], name: "relu")
        let n2 = bn(relu, 4, "bn_alone")
        let pool = b.node("GlobalAveragePool", [n2], name: "gap")
        let flat = b.node("Flatten", [pool], name: "flat")
        let fc = b.node("Gemm", [flat, b.weight("fw", [5, 4]), b.weight("fb", [5])], name: "fc", [("transB", .int(1)), ("beta", .double(0.5))])
        b.output(bn(fc, 5, "bn_fc"))
        let after = try check("fold-batchnorm", b, tolerance: 1e-5)
        #expect(!after.nodes.contains { $0.op == .batchNormalization })
        #expect(after.nodes.filter { $0.op == .channelAffine }.count == 1)
    }

    @Test func fuseActivations() throws {
        var b = ModelBuilder("fusion", seed: 5)
        b.input("x", [1, 2, 5, 5])
        let c1 = b.node("Conv", ["x", b.weight("w1", [4, 2, 3, 3])], name: "conv1")
        let r1 = b.node("Relu", [c1], name: "relu1")
        let c2 = b.node("Conv", [r1, b.weight("w2", [4, 4, 1, 1])], name: "conv2")
        let s = b.node("Sigmoid", [c2], name: "sigmoid")
        let silu = b.node("Mul", [c2, s], name: "swish")
        let sum = b.node("Add", [silu, r1], name: "add")
        let hs = b.node("HardSwish", [sum], name: "hardswish")
        let g = b.node("GlobalAveragePool", [hs], name: "gap")
        let f = b.node("Flatten", [g], name: "flat")
        let fc = b.node("Gemm", [f, b.weight("fw", [4, 3])], name: "fc")
        let clip = b.node("Clip", [fc], name: "relu6", [("min", .double(0)), ("max", .double(6))])
        let leaky = b.node("LeakyRelu", [clip], name: "leaky")  // Clip is not fusable into Clip's producer twice
        b.output(leaky)
        let after = try check("fuse-activations", b)
        #expect(after.nodes.map(\.op) == [.conv, .conv, .add, .globalAveragePool, .flatten, .gemm, .leakyRelu])
    }

    @Test func lowerLayout() throws {
        var b = ModelBuilder("layout", seed: 6)
        b.input("x", [1, 3, 6, 6])
        let c = b.node("Conv", ["x", b.weight("w", [4, 3, 3, 3])], name: "conv", [("pads", ints([1, 1, 1, 1]))])
        let biased = b.node("Add", [c, b.weight("bias", [4, 1, 1])], name: "channel_bias")
        let p = b.node("MaxPool", [biased], name: "pool", [("kernel_shape", ints([2, 2])), ("strides", ints([2, 2]))])
        let cat = b.node("Concat", [p, p], name: "concat", [("axis", .int(1))])
        let padded = b.node("Pad", [cat, b.int64("pads", [0, 0, 1, 1, 0, 0, 1, 1])], name: "pad")
        let up = b.node("Resize", [padded, "", b.constant("scales", [4], [1, 1, 2, 2])], name: "upsample", [("mode", .string("nearest"))])
        let f = b.node("Flatten", [up], name: "flat")
        b.output(b.node("Gemm", [f, b.weight("fw", [2, 800])], name: "fc", [("transB", .int(1))]))
        let after = try check("lower-layout", b)
        let nhwc = after.nodes.filter { $0.attributes[Op.layoutAttribute] == .string("NHWC") }.map(\.name)
        #expect(nhwc == ["conv", "pool", "upsample"])
        #expect(after.nodes.filter { $0.op == .transpose }.count == 2)  // into NHWC once, back once
    }

    @Test func lowerPrecisionStoresWeightsAndActivationsInHalf() throws {
        var b = ModelBuilder("half", seed: 8)
        b.input("x", [1, 2, 4, 4])
        let c = b.node("Conv", ["x", b.weight("w", [3, 2, 3, 3]), b.weight("bias", [3])], name: "conv", [("pads", ints([1, 1, 1, 1]))])
        let scaled = b.node("Mul", [c, b.weight("gain", [3, 1, 1])], name: "gain")
        let g = b.node("GlobalAveragePool", [scaled], name: "gap")
        let f = b.node("Flatten", [g], name: "flat")
        b.output(b.node("Gemm", [f, b.weight("fw", [2, 3]), b.weight("fb", [2])], name: "fc", outputs: ["y"], [("transB", .int(1))]))
        // Half storage: outputs agree with the float graph to half precision.
        let after = try check("lower-precision", b, tolerance: 2e-3, options: PassOptions(precision: .fp16))
        #expect(after.types["w"]?.dtype == .float16 && after.types["fw"]?.dtype == .float16 && after.types["gain"]?.dtype == .float16)
        #expect(after.types["bias"]?.dtype == .float16 && after.types["fb"]?.dtype == .float16)
        #expect(after.types["conv_out"]?.dtype == .float16)
        #expect(after.types["y"]?.dtype == .float32 && after.types["x"]?.dtype == .float32)
        #expect(after.nodes.first?.op == .convert && after.nodes.last?.op == .convert)
        let untouched = try #require(Pipeline.passes.first { $0.name == "lower-precision" }).run(try b.graph(), PassOptions(precision: .fp32))
        #expect(untouched == (try b.graph()))
    }

    @Test func lowerPrecisionKeepsTheClassifierHeadFloatWithHalfWeights() throws {
        var b = ModelBuilder("head", seed: 9)
        b.input("x", [1, 2, 4, 4])
        let c = b.node("Conv", ["x", b.weight("w", [3, 2, 3, 3]), b.weight("bias", [3])], name: "conv", [("pads", ints([1, 1, 1, 1]))])
        let g = b.node("GlobalAveragePool", [c], name: "gap")
        let f = b.node("Flatten", [g], name: "flat")
        let logits = b.node("Gemm", [f, b.weight("fw", [5, 3]), b.weight("fb", [5])], name: "fc", [("transB", .int(1))])
        b.output(b.node("Softmax", [logits], name: "softmax", outputs: ["y"]))
        let after = try check("lower-precision", b, tolerance: 2e-3, options: PassOptions(precision: .fp16), snapshotSuffix: "-head")
        // Pooling, the fully connected layer and softmax compute in float; the layer's
        // weights and bias are stored in half all the same.
        #expect(after.types["fc_out"]?.dtype == .float32 && after.types["gap_out"]?.dtype == .float32)
        #expect(after.types["fw"]?.dtype == .float16 && after.types["fb"]?.dtype == .float16)
        let fc = try #require(after.nodes.first { $0.name == "fc" })
        let spec = try NodeSpec.of(fc, in: after)
        #expect(KernelVariant.select(fc, spec, in: after, choice: .baseline, simd: "none") == .fullyConnectedHalfWeights)
        // A bias computed at run time (float in the head) keeps the weights float as well.
        var d = ModelBuilder("head_dynamic_bias", seed: 11)
        d.input("x", [1, 3])
        let shift = d.node("Relu", ["x"], name: "shift")
        let l = d.node("Gemm", ["x", d.weight("dw", [3, 3]), shift], name: "fc")
        d.output(d.node("Softmax", [l], name: "softmax", outputs: ["p"]))
        let lowered = try ShapeInference.run(try #require(Pipeline.passes.first { $0.name == "lower-precision" })
            .run(try d.graph(), PassOptions(precision: .fp16)))
        #expect(lowered.types["dw"]?.dtype == .float32 && lowered.types["fc_out"]?.dtype == .float32)
        let dfc = try #require(lowered.nodes.first { $0.name == "fc" })
        #expect(KernelVariant.select(dfc, try NodeSpec.of(dfc, in: lowered), in: lowered, choice: .best, simd: "helium") == .fullyConnected)
    }

    @Test func lowerPrecisionGivesTheGraphHalfInputsAndOutputs() throws {
        var b = ModelBuilder("half_io", seed: 10)
        b.input("x", [1, 2, 4, 4])
        let c = b.node("Conv", ["x", b.weight("w", [3, 2, 3, 3])], name: "conv", [("pads", ints([1, 1, 1, 1]))])
        b.output(b.node("Relu", [c], name: "relu", outputs: ["y"]))
        let pass = try #require(Pipeline.passes.first { $0.name == "lower-precision" })
        // FP16 inside: no conversion at all.
        let half = try ShapeInference.run(try pass.run(try b.graph(), PassOptions(precision: .fp16, io: .float16)))
        try Verifier.verify(half)
        #expect(half.inputs.map(\.type.dtype) == [.float16] && half.types["y"]?.dtype == .float16)
        #expect(!half.nodes.contains { $0.op == .convert })
        // FP32 inside: a conversion at each end, the weights stay float.
        let full = try ShapeInference.run(try pass.run(try b.graph(), PassOptions(precision: .fp32, io: .float16)))
        try Verifier.verify(full)
        #expect(full.inputs.map(\.type.dtype) == [.float16] && full.types["y"]?.dtype == .float16)
        #expect(full.nodes.first?.op == .convert && full.nodes.last?.op == .convert && full.types["w"]?.dtype == .float32)
        #expect(full.nodes.first { $0.name == "conv" }.map { full.types[$0.outputs[0]]?.dtype } == .float32)
    }

    @Test func eliminateDeadCode() throws {
        var b = ModelBuilder("dead", seed: 7)
        b.input("x", [1, 4])
        let used = b.node("Relu", ["x"], name: "used")
        _ = b.node("Gemm", [used, b.weight("unused_w", [4, 4])], name: "dangling")
        _ = b.weight("never_read", [3])
        b.output(b.node("Sigmoid", [used], name: "out"))
        let after = try check("eliminate-dead-code", b)
        #expect(after.nodes.map(\.name) == ["used", "out"])
        #expect(after.constants.isEmpty)
    }

    @Test func theWholePipelineKeepsOutputsAndCanDumpEveryPass() throws {
        let graph = try SyntheticModels.residual().graph()
        var dumped: [String] = []
        let optimized = try Pipeline.run(graph, dumpAfter: ["all"]) { pass, _ in dumped.append(pass) }
        #expect(dumped == Pipeline.passNames)
        let inputs = randomInputs(graph)
        let c = Comparison(try #require(try ReferenceInterpreter.run(optimized, inputs: inputs)["features"]),
                           try #require(try ReferenceInterpreter.run(graph, inputs: inputs)["features"]))
        #expect(c.within(relative: 1e-6))
        #expect(throws: TesseraError.usage("unknown pass \"fold-everything\" (passes: \(Pipeline.passNames.joined(separator: ", ")), all)")) {
            _ = try Pipeline.run(graph, dumpAfter: ["fold-everything"])
        }
    }
}
