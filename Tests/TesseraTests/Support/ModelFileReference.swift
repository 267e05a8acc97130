import Testing
@testable import Tessera

/// The FP16 and emulator tests compare each output twice: with the reference interpreter
/// run on the compiled graph (which rounds every half tensor as the C does: the kernels'
/// own error, at Tolerance.fp16) and, here, with the interpreter run on the model-file
/// graph before any pass, in FP32 (at Tolerance.againstFP32). The second shares nothing
/// with the lowering passes, so a wrong pass (a layout permutation, a precision boundary,
/// a fold) is not on both sides. (The interpreter itself is checked against onnxruntime by
/// DifferentialTests.)
enum ModelFileReference {
    /// The tolerance of `model` against the FP32 model-file reference: its precision's, or
    /// fp16-acc32's for FP32 inside half inputs and outputs (rounded once at each end).
    static func tolerance(_ model: CompiledModel) -> Double {
        model.precision == .fp32 && model.io == .float16 ? Tolerance.againstFP32(.fp16Acc32) : Tolerance.againstFP32(model.precision)
    }

    /// The error against the FP32 reference: max|a - b| / max(max|b|, floor), with
    /// Tolerance.halfScaleFloor where anything is half, else purely relative.
    static func error(_ actual: TensorValue, _ expected: TensorValue, _ model: CompiledModel) -> Double {
        let c = Comparison(actual, expected)
        if c.mismatchedShape { return .infinity }
        let half = model.precision.isHalf || model.io == .float16
        let scale = max(expected.data.reduce(0) { max($0, abs(Double($1))) }, half ? Tolerance.halfScaleFloor : 0)
        return c.maxAbsError == 0 ? 0 : c.maxAbsError / max(scale, .leastNormalMagnitude)
    }

    /// Expects every output of `graph` in `actual` within `tolerance(model)` of the
    /// interpreter on `graph` (the model-file graph `model` was compiled from).
    static func expectClose(_ actual: [String: TensorValue], _ graph: Graph, _ model: CompiledModel, inputs: [String: TensorValue],
                            _ label: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try ReferenceInterpreter.run(graph, inputs: inputs)
        for output in graph.outputs {
            let a = try #require(actual[output], sourceLocation: sourceLocation)
            let e = try #require(expected[output], sourceLocation: sourceLocation)
            let err = error(a, e, model)
            #expect(err <= tolerance(model), "\(label), \(output) against the model-file graph in FP32: error \(err) > \(tolerance(model)) (\(Comparison(a, e)))",
                    sourceLocation: sourceLocation)
        }
    }
}
