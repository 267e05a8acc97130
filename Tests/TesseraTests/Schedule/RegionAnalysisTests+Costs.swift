import Testing
@testable import Tessera

/// Grids, bands and the cost figures.
extension RegionAnalysisTests {
    /// Every pixel in exactly one part; heights (and widths) differ by at most one.
    @Test func gridsAndBandsCoverTheImageExactlyOnce() throws {
        for (h, w) in [(8, 8), (49, 10), (7, 3), (1, 1), (25, 5), (112, 112)] {
            for rows in 1...Swift.min(h, 5) {
                for cols in 1...Swift.min(w, 4) {
                    let grid = try Splitting.grid(.whole(h: h, w: w), rows: rows, cols: cols)
                    #expect(grid.count == rows * cols)
                    try expectPartition(grid, h, w, "\(h)x\(w) in \(rows)x\(cols)")
                    let heights = Set(grid.map(\.height)), widths = Set(grid.map(\.width))
                    #expect(heights.max()! - heights.min()! <= 1 && widths.max()! - widths.min()! <= 1)
                    // Row-major, deterministic.
                    #expect(grid == (try Splitting.grid(.whole(h: h, w: w), rows: rows, cols: cols)))
                    #expect(grid.map(\.rows.lowerBound) == grid.map(\.rows.lowerBound).sorted())
                }
            }
            for height in [1, 2, 3, 5, h, h + 4] {
                let bands = try Splitting.bands(.whole(h: h, w: w), height: height)
                try expectPartition(bands, h, w, "\(h)x\(w) in bands of \(height)")
                #expect(bands.dropLast().allSatisfy { $0.height == height && $0.width == w })
                #expect(bands.last!.height == h - (bands.count - 1) * height)
                #expect(bands.count == (h + height - 1) / height)
            }
        }
        // 10 rows in 3: 4, 3, 3.
        #expect(try Splitting.parts(10, 3) == [0..<4, 4..<7, 7..<10])
        #expect(throws: TesseraError.self) { try Splitting.grid(.whole(h: 4, w: 4), rows: 0, cols: 1) }
        #expect(throws: TesseraError.self) { try Splitting.grid(.whole(h: 4, w: 4), rows: 5, cols: 1) }
        #expect(throws: TesseraError.self) { try Splitting.bands(.whole(h: 4, w: 4), height: 0) }
    }

    private func expectPartition(_ parts: [Rect], _ h: Int, _ w: Int, _ what: String) throws {
        var count = [Int](repeating: 0, count: h * w)
        for p in parts {
            #expect(!p.isEmpty && Rect.whole(h: h, w: w).contains(p), "\(what): \(p)")
            for r in p.rows { for c in p.cols { count[r * w + c] += 1 } }
        }
        #expect(count.allSatisfy { $0 == 1 }, "\(what): not a partition")
    }

    /// The whole-image figures are the per-layer MACs `ModelSummary` (tessera inspect)
    /// reports, and a 1x1 grid recomputes nothing, on models of every spatial op.
    @Test func wholeImageMACsAreTheProjectsAndA1x1GridHasNoOverhead() throws {
        for builder in [SyntheticModels.depthwiseSeparable(), SyntheticModels.residual(), Self.mixedStage()] {
            let graph = try T.compiled(builder)
            let summary = try ModelSummary(graph)
            // Every node but the graph's layout transposes at the two ends.
            let inner = graph.nodes.indices.filter { !(graph.nodes[$0].op == .transpose && (graph.nodes[$0].name.hasSuffix("_to_nhwc") || graph.nodes[$0].name.hasSuffix("_to_nchw"))) }
            let stage = try Stage(graph, nodes: inner)
            let whole = try StageCosts(stage, passes: stage.grid(rows: 1, cols: 1))
            for cost in whole.nodes {
                #expect(cost.wholeMACs == summary.layers[cost.node].macs, "\(graph.name) \(cost.name)")
                #expect(cost.patchedMACs == summary.layers[cost.node].macs, "\(graph.name) \(cost.name)")
                #expect(cost.overheadMACs == 0)
            }
            #expect(whole.patchedMACs == summary.layers.filter { l in inner.contains(l.index) }.map(\.macs).reduce(0, +))
            #expect(whole.overheadMACs == 0)
            #expect(whole.tensors.allSatisfy { $0.largestRegionElements == $0.wholeElements }, "\(graph.name)")
            #expect(whole.patchedMACs > 0)
        }
    }

    /// conv, depthwise, pool, Concat of branches, an Add and a final GlobalAveragePool.
    static func mixedStage() -> ModelBuilder {
        var b = ModelBuilder("mixed", seed: 5)
        b.input("x", [1, 3, 12, 12])
        let c1 = b.conv("x", 3, 4, name: "c1", stride: (2, 2), pads: [1, 1, 1, 1])
        let dw = b.conv(c1, 4, 4, name: "dw", group: 4)
        let left = b.conv(dw, 4, 2, name: "left", k: (1, 1), pads: [0, 0, 0, 0])
        let right = b.conv(dw, 4, 2, name: "right", k: (5, 5), pads: [2, 2, 2, 2])
        let cat = b.node("Concat", [left, right], name: "cat", [("axis", .int(1))])
        let sum = b.node("Add", [cat, dw], name: "add")
        let p = b.pool("MaxPool", sum, name: "pool", k: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1])
        b.output(b.node("GlobalAveragePool", [p], name: "gap", outputs: ["features"]))
        return b
    }

    /// Two 3x3 pad 1 convs (2 -> 4 -> 4 channels) on 8x8, 2x2 grid.
    @Test func recomputeOverheadOfATwoConvChain() throws {
        var b = ModelBuilder("chain")
        b.input("x", [1, 2, 8, 8])
        b.output(b.conv(b.conv("x", 2, 4, name: "c1"), 4, 4, name: "c2"))
        let graph = try T.compiled(b)
        let stage = try T.stage(graph, ["c1", "c2"])
        let costs = try StageCosts(stage, passes: stage.grid(rows: 2, cols: 2))
        // MACs per output pixel: c1 4 out x 2 in x 9 = 72, c2 4 x 4 x 9 = 144.
        // c2 computes 4 patches of 4x4 = 64 pixels, the whole output: 64 * 144 = 9216, no overhead.
        let c2 = try #require(costs.node(named: "c2"))
        #expect(c2.wholeMACs == 9216 && c2.patchedMACs == 9216 && c2.overheadMACs == 0)
        // c1 computes 5x5 per patch (rows [0,5) or [3,8), the same for columns): 4 * 25 = 100
        // pixels against 64, so 100 * 72 = 7200 against 4608: 36 * 72 = 2592 recomputed.
        let c1 = try #require(costs.node(named: "c1"))
        #expect(c1.wholeMACs == 4608 && c1.patchedMACs == 7200 && c1.overheadMACs == 2592)
        #expect(costs.overheadMACs == 2592)
        #expect(c1.patchedElements == 100 * 4 && c1.wholeElements == 64 * 4)
        // Buffers per patch: x 6x6x2 = 72 of 128, c1 5x5x4 = 100 of 256, c2 4x4x4 = 64 of 256.
        #expect(costs.tensor("x__nhwc") == StageCosts.TensorCost(tensor: "x__nhwc", largestRegionElements: 72, wholeElements: 128))
        #expect(costs.tensor("c1")?.largestRegionElements == 100)
        #expect(costs.tensor(stage.outputs[0].tensor)?.largestRegionElements == 64)
        // Bands of 3 rows (3, 3, 2): c1 computes rows [0,4), [2,7), [5,8): 4 + 5 + 3 = 12 rows of 8.
        let bands = try StageCosts(stage, passes: stage.bands(height: 3))
        #expect(bands.node(named: "c1")?.patchedMACs == 12 * 8 * 72)
        #expect(bands.tensor("x__nhwc")?.largestRegionElements == 7 * 8 * 2)  // rows [1, 8) for the middle band
    }

    /// A stride-2 window that never reads the last row: over the whole image the stage
    /// computes less than the whole of the conv feeding it (a negative "overhead").
    @Test func unreadRowsAreNotComputed() throws {
        var b = ModelBuilder("unread")
        b.input("x", [1, 1, 8, 8])
        let c1 = b.conv("x", 1, 1, name: "c1", k: (1, 1), pads: [0, 0, 0, 0])
        // (8 - 3) / 2 + 1 = 3 rows, reading rows [0, 7): row 7 (and column 7) of c1 unread.
        b.output(b.conv(c1, 1, 1, name: "c2", stride: (2, 2), pads: [0, 0, 0, 0]))
        let graph = try T.compiled(b)
        let stage = try T.stage(graph, ["c1", "c2"])
        let costs = try StageCosts(stage, passes: stage.grid(rows: 1, cols: 1))
        #expect(costs.node(named: "c1")?.patchedMACs == 49)
        #expect(costs.node(named: "c1")?.overheadMACs == 49 - 64)
    }
}
