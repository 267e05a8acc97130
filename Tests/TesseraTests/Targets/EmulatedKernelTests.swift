import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// Every kernel, FP32 and FP16, on the FP16-capable emulated cores (Cortex-M55 and RV32 with
/// Zfh): the synthetic models (which together use every op) against the reference
/// interpreter run on the same compiled graph, and on the model-file graph before the
/// passes (ModelFileReference).
@Suite struct EmulatedKernelTests {
    static let cases: [(String, String, Precision)] = SyntheticModels.names.flatMap { m in
        ["corstone300", "rv32zfh"].flatMap { t in [Precision.fp32, .fp16].map { (m, t, $0) } }
    }

    @Test(arguments: cases)
    func syntheticModelOnTheEmulator(_ c: (String, String, Precision)) throws {
        let (name, target, precision) = c
        try Self.runAndCompare(try SyntheticModels.named(name).graph(), target: target, precision: precision, seed: 31)
    }

    /// `--io fp16` on the emulated cores: half inputs compiled into the firmware, half
    /// outputs read back ("O ... h").
    @Test(arguments: ["corstone300", "rv32zfh"])
    func halfInputsAndOutputsOnTheEmulator(_ target: String) throws {
        for name in ["mlp", "conv_relu_pool"] {
            let model = try Self.runAndCompare(try SyntheticModels.named(name).graph(), target: target, precision: .fp16, seed: 32, io: .float16)
            #expect(model.graph.inputs.allSatisfy { $0.type.dtype == .float16 })
        }
    }

    /// Compiles `graph` for `target`, runs it on the emulator on seeded random inputs and
    /// compares every output with the reference interpreter run on the compiled graph, at
    /// Tolerance.fp16(precision), and on `graph` itself in FP32, at
    /// Tolerance.againstFP32(precision). With `sameBitsAsHost`, the same generated C built for the
    /// host must give the same bits (cores whose kernels compute exactly the portable
    /// code's operations). Returns the compiled model.
    @discardableResult
    static func runAndCompare(_ graph: Graph, target: String, precision: Precision, seed: UInt64, io: DType = .float32,
                              sameBitsAsHost: Bool = false, inPlace: InPlacePolicy = .whenSmaller) throws -> CompiledModel {
        try runAndCompareOutputs(graph, target: target, precision: precision, seed: seed, io: io, sameBitsAsHost: sameBitsAsHost,
                                 inPlace: inPlace).model
    }

    /// runAndCompare, returning the emulator's outputs as well.
    static func runAndCompareOutputs(_ graph: Graph, target: String, precision: Precision, seed: UInt64, io: DType = .float32,
                                     sameBitsAsHost: Bool = false, inPlace: InPlacePolicy = .whenSmaller,
                                     pin: ((Node) -> Bool)? = nil)
        throws -> (model: CompiledModel, outputs: OrderedDictionary<String, TensorValue>) {
        let options = CompileOptions(target: target, precision: precision, io: io, inPlace: inPlace)
        let model = try pin.map { try OverlapRuleTests.pinned(graph, options, $0) } ?? Compiler.compile(graph, options: options)
        let inputs = randomInputs(graph, seed: seed)
        let ordered = OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, inputs[$0.name]!) })
        let run = try EmulatorRunner.run(model, target: model.target, inputs: ordered)
        let expected = try ReferenceInterpreter.run(model.graph, inputs: inputs)
        let host = sameBitsAsHost ? try HostRunner.compileAndRun(model, inputs: ordered) : [:]
        for output in graph.outputs {
            let actual = try #require(run.outputs[output])
            let cmp = Comparison(actual, try #require(expected[output]))
            #expect(cmp.within(relative: Tolerance.fp16(precision)), "\(graph.name) on \(target) at \(precision.rawValue), \(output): \(cmp)")
            if sameBitsAsHost {
                let differ = zip(actual.data, try #require(host[output]).data).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differ == 0, "\(graph.name) on \(target) at \(precision.rawValue), \(output): \(differ) values differ from the host's")
            }
        }
        try ModelFileReference.expectClose(Dictionary(uniqueKeysWithValues: run.outputs.map { ($0.key, $0.value) }), graph, model, inputs: inputs,
                                           "\(graph.name) on \(target) at \(precision.rawValue)")
        return (model, run.outputs)
    }
}
