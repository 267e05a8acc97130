import Foundation
import Testing
@testable import Tessera

/// Time near-linear in the number of nodes, every stage (issue 15: inspect of a chain of
/// Relu nodes took 4.3 s at 10,000 nodes and 92 s at 50,000).
@Suite(.serialized) struct ScalingTests {
    /// x -> Relu -> Relu -> ... (`n` nodes) as model JSON.
    static func reluChain(_ n: Int) -> Data {
        var nodes: [String] = []
        nodes.reserveCapacity(n)
        for i in 0..<n {
            nodes.append(#"{"name": "r\#(i)", "op": "Relu", "inputs": ["\#(i == 0 ? "x" : "t\(i - 1)")"], "outputs": ["t\#(i)"]}"#)
        }
        return Data("""
            {"format": "tessera.model", "version": 1, "name": "chain",
             "inputs": [{"name": "x", "shape": [1, 8], "dtype": "float32"}], "outputs": [{"name": "t\(n - 1)"}],
             "nodes": [\(nodes.joined(separator: ",\n"))]}
            """.utf8)
    }

    /// `blocks` residual blocks of a 1x1 Conv, BatchNormalization, Relu and an Add of the
    /// block's input, every kind of pass and planner work, as model JSON.
    static func residualChain(_ blocks: Int) -> Data {
        var b = ModelBuilder("residual_chain", seed: 3)
        var x = b.input("x", [1, 4, 4, 4])
        for i in 0..<blocks {
            let c = b.node("Conv", [x, b.weight("w\(i)", [4, 4, 1, 1])], name: "conv\(i)")
            let n = b.node("BatchNormalization", [c, b.constant("g\(i)", [4], [1, 1, 1, 1]), b.constant("s\(i)", [4], [0, 0, 0, 0]),
                                                  b.constant("m\(i)", [4], [0, 0, 0, 0]), b.constant("v\(i)", [4], [1, 1, 1, 1])], name: "bn\(i)")
            let r = b.node("Relu", [n], name: "relu\(i)")
            x = b.node("Add", [r, x], name: "add\(i)")
        }
        b.output(x)
        return Data(b.text.utf8)
    }

    /// x -> Relu -> ... as ONNX.
    static func onnxChain(_ n: Int) throws -> Data {
        var m = ONNXBuilder(opset: 13)
        m.input("x", [1, 8])
        for i in 0..<n { m.node("Relu", [i == 0 ? "x" : "t\(i - 1)"], ["t\(i)"]) }
        m.output("t\(n - 1)")
        return try m.model.serializedData()
    }

    /// Seconds of `body`, the fastest of `runs`.
    static func seconds(runs: Int = 1, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<runs {
            let start = DispatchTime.now()
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        }
        return best
    }

    /// The whole of `tessera inspect` and `tessera compile` on a model JSON document.
    static func inspectAndCompile(_ data: Data) throws {
        let graph = try FrontEnd.load(data: data, file: "chain.json")
        _ = try InspectReport.report(graph)
        _ = try Compiler.compile(graph)
    }

    @Test func aChainOf20000NodesCompilesInSeconds() throws {
        let data = Self.reluChain(20_000)
        // About 4 s in a debug build on an idle core, 12 s on a busy machine; the
        // quadratic stages took over two minutes.
        let t = try Self.seconds { try Self.inspectAndCompile(data) }
        #expect(t < 30, "load, inspect and compile of 20,000 nodes took \(t) s")
    }

    /// Eight times the nodes take less than twelve times as long (linear: eight; one
    /// quadratic stage costing a tenth of the time at the small size makes it about
    /// fifteen). The sizes are timed in turn, the fastest of two kept, so that a busy
    /// machine slows both alike.
    @Test(arguments: ["relu chain", "residual blocks", "ONNX import"])
    func timePerNodeStaysFlat(_ kind: String) throws {
        func job(_ n: Int) throws -> () throws -> Void {
            switch kind {
            case "relu chain":
                let data = Self.reluChain(n)
                return { try Self.inspectAndCompile(data) }
            case "residual blocks":
                let data = Self.residualChain(n / 4)
                return { try Self.inspectAndCompile(data) }
            default:  // import alone is fast: four times the nodes, for times well above the noise
                let data = try Self.onnxChain(4 * n)
                return { _ = try ONNXImporter.load(data: data, file: "chain.onnx") }
            }
        }
        let n = 1_500
        let small = try job(n), large = try job(8 * n)
        var ts = Double.infinity, tl = Double.infinity
        for _ in 0..<2 {
            ts = min(ts, try Self.seconds(small))
            tl = min(tl, try Self.seconds(large))
        }
        #expect(tl / ts < 12, "\(kind): \(n) nodes \(ts) s, \(8 * n) nodes \(tl) s (ratio \(tl / ts))")
    }
}
