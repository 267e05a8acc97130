import Foundation
import OrderedCollections
import Testing
import TesseraKernels
@testable import Tessera

/// FP16 precisions end to end: the synthetic models compiled at every FP16 precision, built
/// for the host, compared with the reference interpreter on the same lowered graph and on
/// the model-file graph before the passes (ModelFileReference).
@Suite struct FP16Tests {
    static let precisions: [Precision] = [.fp16, .fp16Acc16, .fp16Acc32]

    @Test(arguments: SyntheticModels.names, precisions)
    func syntheticModelsMatchTheHalfReference(_ name: String, _ precision: Precision) throws {
        let graph = try SyntheticModels.named(name).graph()
        let model = try Compiler.compile(graph, options: CompileOptions(precision: precision))
        try Self.runOnHostAndCompare(model, graph, seed: 9, tolerance: Tolerance.fp16(precision), "\(name) at \(precision.rawValue)")
        // Half storage shrinks the weights (a float classifier head keeps half weights too).
        let fp32 = try Compiler.compile(graph, options: CompileOptions(precision: .fp32))
        #expect(model.plan.weightsBytes <= fp32.plan.weightsBytes)
        if fp32.plan.weightsFloats > 0 {
            #expect(model.plan.weightsHalves > 0 && model.plan.weightsBytes < fp32.plan.weightsBytes)
        }
    }

    /// `--io fp16`: the generated API takes and returns half, at FP16 and at FP32 inside;
    /// the outputs match the interpreter on the compiled graph (its inputs round to half).
    @Test(arguments: SyntheticModels.names, [Precision.fp16, .fp32])
    func halfInputsAndOutputs(_ name: String, _ precision: Precision) throws {
        let graph = try SyntheticModels.named(name).graph()
        let model = try Compiler.compile(graph, options: CompileOptions(precision: precision, io: .float16))
        #expect(model.io == .float16)
        #expect(model.graph.inputs.allSatisfy { $0.type.dtype == .float16 })
        #expect(model.graph.outputs.allSatisfy { model.graph.types[$0]?.dtype == .float16 })
        let header = try #require(model.files.first { $0.name == "\(model.symbolPrefix).h" }).contents
        #expect(header.contains("_run(const tsr_f16 *const inputs[], tsr_f16 *const outputs[], void *arena);"))
        #expect(model.files.contains { $0.name == "tsr_convert_f32_to_f16.c" } && model.files.contains { $0.name == "tsr_convert_f16_to_f32.c" })
        try Self.runOnHostAndCompare(model, graph, seed: 12, tolerance: Tolerance.fp16(.fp16), "\(name) at \(precision.rawValue) with half I/O")
    }

    /// Runs `model` (compiled from `graph`) on the host on seeded random inputs and compares
    /// every output with the reference interpreter run on the compiled graph, and on
    /// `graph` itself (before the passes).
    static func runOnHostAndCompare(_ model: CompiledModel, _ graph: Graph, seed: UInt64, tolerance: Double, _ label: String) throws {
        let inputs = randomInputs(graph, seed: seed)
        let ordered = OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, inputs[$0.name]!) })
        let actual = try HostRunner.compileAndRun(model, inputs: ordered, checkMemory: true)
        let expected = try ReferenceInterpreter.run(model.graph, inputs: inputs)
        for output in graph.outputs {
            let c = Comparison(try #require(actual[output]), try #require(expected[output]))
            #expect(c.within(relative: tolerance), "\(label), \(output): \(c)")
        }
        try ModelFileReference.expectClose(Dictionary(uniqueKeysWithValues: actual.map { ($0.key, $0.value) }), graph, model, inputs: inputs, label)
    }

    @Test func halfWeightsAreWrittenPortably() throws {
        let model = try Compiler.compile(try SyntheticModels.convReluPool().graph(), options: CompileOptions(precision: .fp16))
        let weights = try #require(model.files.first { $0.name == "conv_relu_pool_weights.c" }).contents
        #expect(weights.contains("const tsr_f16 conv_relu_pool_weights_f16["))
        #expect(weights.contains("TSR_F16(0x"))
        // The same generated code builds where tsr_f16 is the bits (no _Float16).
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        try Compiler.write(model, to: dir)
        for file in model.files.map(\.name) where file.hasSuffix(".c") {
            let r = try Shell.run("cc", HostRunner.strictFlags + ["-DTSR_NO_FLOAT16", "-c", file, "-o", file + ".o"], directory: dir)
            #expect(r.status == 0, "\(file): \(r.output)")
        }
    }

    /// The half accumulation's multiply-add is fused: acc + a * b rounded to half once, as
    /// Helium's VFMA.F16 and Zfh's fmadd.h compute it. tsr_matmul_f16 on rows [1, a] and
    /// columns [acc, b] accumulates acc exactly, then a * b; the reference is the exact
    /// value in Double (these magnitudes leave it exact) rounded to half once.
    @Test(arguments: [TSR_ACC_F16, TSR_ACC_CHUNKED])
    func halfMultiplyAddRoundsOnce(_ acc: tsr_acc_mode) {
        var rng = SeededRandom(seed: 77)
        func half(_ lo: Int, _ hi: Int) -> Float16 {  // random sign and significand, 2^lo .. 2^hi
            let e = Float16(sign: .plus, exponent: lo + Int(rng.next() % UInt64(hi - lo)), significand: 1)
            let v = e * (1 + Float16(Int(rng.next() % 1024)) / 1024)
            return rng.next() % 2 == 0 ? v : -v
        }
        // (acc, a, b): random, then one whose float sum lands on a half tie that the exact
        // value misses (1 + 2^-10 + 2^-11 - 2^-31: rounds down, a tie to even would go up).
        var cases = (0..<4000).map { _ in (half(-8, 8), half(-6, 4), half(-6, 4)) }
        cases.append((1 + 0x1p-10, 0x1p-11 * (1 + 0x1p-10), 1 - 0x1p-10))
        let n = cases.count
        var a = [Float16](), b = [Float16](), y = [Float16](repeating: 0, count: n)
        for (c, x, w) in cases {
            a += [1, x]
            b += [c, w]
        }
        var p = tsr_matmul_params()
        p.m = 1; p.n = 1; p.k = 2; p.batch_rank = 1; p.acc = acc
        p.batch_shape.0 = Int32(n); p.a_batch_stride.0 = 2; p.b_batch_stride.0 = 2
        #expect(tsr_matmul_f16(&p, a, b, &y) == TSR_OK.rawValue)
        var unfusedDiffers = 0
        for (i, (c, x, w)) in cases.enumerated() {
            let fused = Float16(Double(c) + Double(x) * Double(w))
            #expect(y[i].bitPattern == fused.bitPattern, "case \(i): \(c) + \(x) * \(w) gave \(y[i]), want \(fused)")
            if Float16(Float(c) + Float(Float16(Float(x) * Float(w)))) != fused { unfusedDiffers += 1 }
        }
        // The cases tell the fused result from the product rounded first.
        #expect(unfusedDiffers > n / 20, "only \(unfusedDiffers) of \(n) cases tell fused from unfused")
    }
}
