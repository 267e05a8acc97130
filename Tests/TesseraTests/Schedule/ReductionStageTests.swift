import Foundation
import Testing
@testable import Tessera

/// Stages ending in a global average pool: each pass folds its rows (bands) or its
/// patch into a running sum, scaled once at the end. The sums run in another order than
/// the whole layer's, so the outputs agree within 1e-6 relative in fp32, not bit for bit;
/// in fp16 within the half rounding of the partial sums. Run in the memory checking mode.
@Suite struct ReductionStageTests {
    static let cases: [(model: String, schedule: String)] = [
        ("conv_relu_pool", "band:1@gap"),        // through a stride-2 conv and a pool counting pads
        ("conv_relu_pool", "patch:2x2@pool1..gap"),
        ("residual", "band:2@gap"),              // a residual block and a max pool, the GAP the graph output
        ("residual", "patch:3x2@gap"),
    ]

    @Test(arguments: cases.flatMap { c in [Precision.fp32, .fp16].map { (c.model, c.schedule, $0) } })
    func stagesEndingInAGlobalAveragePoolAgree(_ c: (String, String, Precision)) throws {
        let graph = try SyntheticModels.named(c.0).graph()
        let layer = try PatchScheduleTests.compile(graph, c.2, "layer"), staged = try PatchScheduleTests.compile(graph, c.2, c.1)
        // The GAP is gone: the stage folds partial sums (ReduceSum, Add) and scales once.
        #expect(!staged.graph.nodes.contains { $0.op == .globalAveragePool }, "\(c.1): the GAP was not streamed")
        #expect(staged.graph.nodes.contains { $0.op == .reduceSum && $0.name.contains("@") })
        let a = try PatchScheduleTests.outputs(layer, graph, seed: 9), b = try PatchScheduleTests.outputs(staged, graph, seed: 9)
        let tolerance: Float = c.2 == .fp32 ? 1e-6 : 4e-3
        for (name, x) in a {
            let y = try #require(b[name])
            let scale = max(x.data.map(abs).max() ?? 0, 1e-6)
            let worst = zip(x.data, y.data).map { abs($0 - $1) / scale }.max() ?? 0
            #expect(x.shape == y.shape && worst <= tolerance, "\(c.0) \(c.1) \(c.2.rawValue) \(name): worst relative difference \(worst)")
        }
        #expect(staged.summary.macs >= layer.summary.macs)
    }

    /// A hand-worked case: a 1x1 "identity" conv on a 4x2 map of 1...8, banded one row at a
    /// time into a GAP: the running sums are 3, 10, 21, 36 and the mean 36 / 8 = 4.5.
    @Test func bandedMeanOfOneToEight() throws {
        var b = ModelBuilder("gap_hand", seed: 1)
        b.input("x", [1, 1, 4, 2])
        let w = b.constant("w", [1, 1, 1, 1], [1])
        let c = b.node("Conv", ["x", w], name: "conv")
        b.output(b.node("GlobalAveragePool", [c], name: "gap", outputs: ["mean"]))
        let graph = try b.graph()
        let model = try PatchScheduleTests.compile(graph, .fp32, "band:1@gap")
        #expect(model.graph.nodes.filter { $0.op == .add }.count == 3)
        let out = try HostRunner.compileAndRun(model, inputs: ["x": TensorValue(shape: [1, 1, 4, 2], data: (1...8).map(Float.init))], checkMemory: true)
        #expect(out["mean"]?.data == [4.5])
    }
}
