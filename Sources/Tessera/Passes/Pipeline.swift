/// One graph-to-graph transformation. Passes keep ONNX semantics (outputs unchanged up to
/// floating-point rounding) and leave the graph for the pipeline to re-infer and verify.
public struct Pass: Sendable {
    public let name: String
    public let summary: String
    public let run: @Sendable (Graph, PassOptions) throws -> Graph

    init(name: String, summary: String, run: @escaping @Sendable (Graph, PassOptions) throws -> Graph) {
        self.name = name
        self.summary = summary
        self.run = run
    }

    init(name: String, summary: String, run: @escaping @Sendable (Graph) throws -> Graph) {
        self.init(name: name, summary: summary) { g, _ in try run(g) }
    }
}

/// The optimisation pipeline, declared in one place: the passes in order, each with a
/// comment. `Compiler.compile` runs it; `--dump-ir-after` prints the IR after any pass.
public enum Pipeline {
    public static let passes: [Pass] = [
        // Evaluate every node whose inputs are all constants (shape arithmetic, reshaped
        // weights, ...) and replace it by a constant.
        Pass(name: "fold-constants", summary: "replace nodes with all-constant inputs by their value", run: ConstantFolding.run),
        // Drop nodes that do nothing at inference: Identity, Dropout, Reshape/Flatten/Squeeze/
        // Unsqueeze to the same shape, identity Transposes and Transpose pairs that cancel.
        Pass(name: "remove-identities", summary: "remove Identity, Dropout, no-op reshapes and cancelling transposes", run: IdentityRemoval.run),
        // Fold BatchNormalization into the preceding Conv or Gemm; lower any other one to a
        // ChannelAffine with precomputed scale and shift.
        Pass(name: "fold-batchnorm", summary: "fold BatchNormalization into Conv/Gemm, else lower it to ChannelAffine", run: BatchNormFolding.run),
        // Fuse Relu, Clip, Sigmoid, Tanh, HardSigmoid, HardSwish, LeakyRelu and x*sigmoid(x)
        // (SiLU) into the Conv, Gemm, binary op or ChannelAffine that produces their input.
        Pass(name: "fuse-activations", summary: "fuse activations into their producer", run: ActivationFusion.run),
        // Move spatial ops to NHWC, the kernels' layout, with transposes at the boundaries
        // (none at a 4-D input taken in NHWC, `--input-layout nhwc`).
        Pass(name: "lower-layout", summary: "lower NCHW spatial ops to NHWC", run: { try LayoutLowering.run($0, $1) }),
        // Cancel the transposes the layout lowering left back to back.
        Pass(name: "remove-identities-2", summary: "remove transposes that cancel after layout lowering", run: IdentityRemoval.run),
        // FP16 precisions: weights and activations in half, Convert at the graph's boundary.
        Pass(name: "lower-precision", summary: "store weights and activations in float16 (FP16 precisions)", run: PrecisionLowering.run),
        // Fold a residual Add into the convolution producing one operand: it accumulates
        // into the other operand's storage.
        Pass(name: "fuse-residual-add", summary: "fold residual Adds into the convolution producing an operand", run: ResidualFusion.run),
        // Remove nodes and constants nothing reads.
        Pass(name: "eliminate-dead-code", summary: "remove unused nodes and constants", run: DeadCodeElimination.run),
    ]

    public static var passNames: [String] { passes.map(\.name) }

    /// Runs the passes in order. After each one the graph is re-ordered and re-inferred,
    /// which checks the verifier's invariants (every name produced once, no cycle, every
    /// type inferable); with `verify` a failure there is reported as the pass's bug (an
    /// internal error), not as bad input. `dump(passName, irText)` is called after each pass
    /// named in `dumpAfter` (or every pass for "all").
    public static func run(_ graph: Graph, options: PassOptions = .init(), verify: Bool = true, dumpAfter: Set<String> = [],
                           dump: (String, String) -> Void = { _, _ in }) throws -> Graph {
        let unknown = dumpAfter.subtracting(passNames + ["all"])
        guard unknown.isEmpty else {
            throw TesseraError.usage("unknown pass \(unknown.sorted().map { "\"\($0)\"" }.joined(separator: ", ")) (passes: \(passNames.joined(separator: ", ")), all)")
        }
        var g = graph
        for pass in passes {
            let rewritten = try pass.run(g, options)
            // (Verifier.verify of the result would re-check what ordering and inference just
            // established: it cannot fail here, so it is not run.)
            do {
                g = try ShapeInference.run(try GraphStructure.ordered(rewritten))
            } catch let error as TesseraError where verify {
                throw TesseraError.internalError("after pass \(pass.name): \(error)")
            }
            if dumpAfter.contains(pass.name) || dumpAfter.contains("all") { dump(pass.name, IRPrinter.text(g)) }
        }
        return g
    }
}
