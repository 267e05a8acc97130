import Testing
@testable import Tessera

/// The region analysis against rectangles worked out by hand: each expected rectangle is
/// written out with its arithmetic. Windows: output rows [o0, o1) read rows
/// [o0*s - pad_top, (o1-1)*s - pad_top + (k-1)*d + 1) clipped to [0, H); padding is what
/// the clip cut off.
@Suite struct RegionAnalysisTests {
    typealias T = RegionTests

    /// Two 3x3 stride 1 pad 1 convolutions on 8x8, output cut into a 2x2 grid of 4x4.
    @Test func twoConvChainOnA2x2Grid() throws {
        var b = ModelBuilder("chain")
        b.input("x", [1, 2, 8, 8])
        b.output(b.conv(b.conv("x", 2, 4, name: "c1"), 4, 4, name: "c2"))
        let graph = try T.compiled(b)
        let stage = try T.stage(graph, ["c1", "c2"])
        #expect(stage.inputs == ["x__nhwc"])
        let patches = try stage.grid(rows: 2, cols: 2).map { try RegionAnalysis(stage, outputs: $0) }
        #expect(patches.map { $0.node(named: "c2")!.output } == [T.rect(0, 4, 0, 4), T.rect(0, 4, 4, 8), T.rect(4, 8, 0, 4), T.rect(4, 8, 4, 8)])

        // Patch (0, 0): c2 rows [0,4) read [0*1-1, 3*1-1+2+1) = [-1, 5) -> [0, 5), top 1 cut off;
        // the same on columns. c1 computes [0,5)x[0,5) and reads [-1, 4-1+3) = [-1, 6) -> [0, 6).
        let p00 = patches[0]
        #expect(p00.node(named: "c2")!.inputs[0] == T.rect(0, 5, 0, 5))
        #expect(p00.node(named: "c2")!.padding == T.pad(1, 1, 0, 0))
        #expect(p00.node(named: "c1")!.output == T.rect(0, 5, 0, 5))
        #expect(p00.node(named: "c1")!.padding == T.pad(1, 1, 0, 0))
        #expect(p00.region("x__nhwc") == T.rect(0, 6, 0, 6))
        // Patch (1, 1): c2 rows [4,8) read [3, 7-1+3) = [3, 9) -> [3, 8), bottom 1 cut off;
        // c1 rows [3,8) read [2, 9) -> [2, 8), bottom 1.
        let p11 = patches[3]
        #expect(p11.node(named: "c2")!.inputs[0] == T.rect(3, 8, 3, 8))
        #expect(p11.node(named: "c2")!.padding == T.pad(0, 0, 1, 1))
        #expect(p11.node(named: "c1")!.padding == T.pad(0, 0, 1, 1))
        #expect(p11.region("x__nhwc") == T.rect(2, 8, 2, 8))
        // Patch (0, 1): rows as patch (0, 0), columns as patch (1, 1): padding top and right.
        let p01 = patches[1]
        #expect(p01.node(named: "c2")!.padding == T.pad(1, 0, 0, 1))
        #expect(p01.node(named: "c1")!.output == T.rect(0, 5, 3, 8))
        #expect(p01.node(named: "c1")!.padding == T.pad(1, 0, 0, 1))
        #expect(p01.region("x__nhwc") == T.rect(0, 6, 2, 8))
        // An interior 2x2 patch has no padding anywhere: c2 rows [3,5) read [2, 6), c1 [1, 7).
        let mid = try RegionAnalysis(stage, region: T.rect(3, 5, 3, 5))
        #expect(mid.node(named: "c2")!.padding == Padding.none)
        #expect(mid.node(named: "c1")!.padding == Padding.none)
        #expect(mid.region("x__nhwc") == T.rect(1, 7, 1, 7))
        // The whole image: the declared pads exactly.
        let whole = try RegionAnalysis(stage, region: T.rect(0, 8, 0, 8))
        #expect(whole.node(named: "c1")!.padding == T.pad(1, 1, 1, 1))
        #expect(whole.region("x__nhwc") == T.rect(0, 8, 0, 8))
    }

    /// 3x3 stride 2 with pads (top 0, left 0, bottom 1, right 1) on 8x8: output 4x4.
    @Test func strideTwoAsymmetricPads() throws {
        var b = ModelBuilder("s2")
        b.input("x", [1, 2, 8, 8])
        b.output(b.conv("x", 2, 3, name: "c", stride: (2, 2), pads: [0, 0, 1, 1]))
        let graph = try T.compiled(b)
        let stage = try T.stage(graph, ["c"])
        // Output (8 + 0 + 1 - 3) / 2 + 1 = 4 rows.
        #expect(stage.outputs[0].extent == T.rect(0, 4, 0, 4))
        // Rows [0,2) read [0*2-0, 1*2-0+2+1) = [0, 5): inside, no padding.
        let top = try RegionAnalysis(stage, region: T.rect(0, 2, 0, 2))
        #expect(top.node(named: "c")!.inputs[0] == T.rect(0, 5, 0, 5))
        #expect(top.node(named: "c")!.padding == Padding.none)
        // Rows [2,4) read [4, 3*2+3) = [4, 9) -> [4, 8): one row of bottom padding, none on top.
        let bottom = try RegionAnalysis(stage, region: T.rect(2, 4, 0, 2))
        #expect(bottom.node(named: "c")!.inputs[0] == T.rect(4, 8, 0, 5))
        #expect(bottom.node(named: "c")!.padding == T.pad(0, 0, 1, 0))
        // Columns [1,3) read [2, 2*2+3) = [2, 7): inside.
        let middle = try RegionAnalysis(stage, region: T.rect(1, 3, 1, 3))
        #expect(middle.node(named: "c")!.inputs[0] == T.rect(2, 7, 2, 7))
        #expect(middle.node(named: "c")!.padding == Padding.none)
    }

    /// 7x7 pad 3 then 5x5 pad 2 on 12x12; a region whose halo reaches both row borders.
    @Test func largeKernels() throws {
        var b = ModelBuilder("large")
        b.input("x", [1, 1, 12, 12])
        let c7 = b.conv("x", 1, 2, name: "c7", k: (7, 7), pads: [3, 3, 3, 3])
        b.output(b.conv(c7, 2, 2, name: "c5", k: (5, 5), pads: [2, 2, 2, 2]))
        let graph = try T.compiled(b)
        let a = try RegionAnalysis(try T.stage(graph, ["c7", "c5"]), region: T.rect(4, 8, 0, 6))
        // c5: rows [4,8) read [4-2, 7-2+4+1) = [2, 10); columns [0,6) read [-2, 5-2+5) = [-2, 8) -> [0, 8), left 2.
        #expect(a.node(named: "c5")!.inputs[0] == T.rect(2, 10, 0, 8))
        #expect(a.node(named: "c5")!.padding == T.pad(0, 2, 0, 0))
        // c7: rows [2,10) read [2-3, 9-3+6+1) = [-1, 13) -> [0, 12): top 1, bottom 1;
        //     columns [0,8) read [-3, 7-3+7) = [-3, 11) -> [0, 11): left 3.
        #expect(a.node(named: "c7")!.inputs[0] == T.rect(0, 12, 0, 11))
        #expect(a.node(named: "c7")!.padding == T.pad(1, 3, 1, 0))
        #expect(a.region("x__nhwc") == T.rect(0, 12, 0, 11))
    }

    /// 3x3 dilation 2 (a 5x5 window).
    @Test func dilationTwo() throws {
        var b = ModelBuilder("dilated")
        b.input("x", [1, 1, 10, 10])
        b.output(b.conv("x", 1, 2, name: "d", dilation: (2, 2), pads: [2, 2, 2, 2]))
        let graph = try T.compiled(b)
        let stage = try T.stage(graph, ["d"])
        // Rows [3,6) read [3-2, 5-2+2*2+1) = [1, 8); columns [0,2) read [-2, 1-2+5) = [-2, 4) -> [0, 4), left 2.
        let a = try RegionAnalysis(stage, region: T.rect(3, 6, 0, 2))
        #expect(a.node(named: "d")!.inputs[0] == T.rect(1, 8, 0, 4))
        #expect(a.node(named: "d")!.padding == T.pad(0, 2, 0, 0))
        // Rows [6,10) read [4, 9-2+5) = [4, 12) -> [4, 10), bottom 2.
        let low = try RegionAnalysis(stage, region: T.rect(6, 10, 4, 6))
        #expect(low.node(named: "d")!.inputs[0] == T.rect(4, 10, 2, 8))
        #expect(low.node(named: "d")!.padding == T.pad(0, 0, 2, 0))
    }

    /// Where the clip cuts through a dilated window's gap the rectangle is tighter than
    /// the clipped span: dilation 2 pad 1, output row 0 taps rows -1, 1, 3, so row 0 is not
    /// read ([0, 4) clipped would include it); the window then starts 2 rows above the
    /// buffer, the padding the kernel applies.
    @Test func clipThroughADilationGap() throws {
        var b = ModelBuilder("gap")
        b.input("x", [1, 1, 8, 8])
        b.output(b.conv("x", 1, 1, name: "d", dilation: (2, 2), pads: [1, 1, 1, 1]))
        let graph = try T.compiled(b)
        let stage = try T.stage(graph, ["d"])
        // Output 8 + 2 - 5 + 1 = 6 rows. Row 0 taps -1, 1, 3: rows [1, 4), padding 2 = 1 - (-1).
        let a = try RegionAnalysis(stage, region: T.rect(0, 1, 2, 3))
        #expect(a.node(named: "d")!.inputs[0] == T.rect(1, 4, 1, 6))
        #expect(a.node(named: "d")!.padding == T.pad(2, 0, 0, 0))
        // Rows [0, 2): row 1 taps 0, 2, 4, so [0, 5) and one row of padding as usual.
        let two = try RegionAnalysis(stage, region: T.rect(0, 2, 2, 3))
        #expect(two.node(named: "d")!.inputs[0] == T.rect(0, 5, 1, 6))
        #expect(two.node(named: "d")!.padding == T.pad(1, 0, 0, 0))
    }

    /// 3x3 pad 1 then MaxPool 2x2 stride 2 on 8x8 (pool output 4x4), on a 2x2 grid.
    @Test func maxPoolAfterConv() throws {
        var b = ModelBuilder("pool")
        b.input("x", [1, 2, 8, 8])
        let c = b.conv("x", 2, 2, name: "c")
        b.output(b.pool("MaxPool", c, name: "p", k: (2, 2), stride: (2, 2)))
        let graph = try T.compiled(b)
        let stage = try T.stage(graph, ["c", "p"])
        let patches = try stage.grid(rows: 2, cols: 2).map { try RegionAnalysis(stage, outputs: $0) }
        // Patch (1, 0): pool rows [2,4) read [4, 3*2+1+1) = [4, 8), columns [0,2) read [0, 4): no padding.
        // The conv: rows [4,8) read [3, 9) -> [3, 8), bottom 1; columns [0,4) read [-1, 5) -> [0, 5), left 1.
        let p10 = patches[2]
        #expect(p10.node(named: "p")!.output == T.rect(2, 4, 0, 2))
        #expect(p10.node(named: "p")!.inputs[0] == T.rect(4, 8, 0, 4))
        #expect(p10.node(named: "p")!.padding == Padding.none)
        #expect(p10.node(named: "c")!.inputs[0] == T.rect(3, 8, 0, 5))
        #expect(p10.node(named: "c")!.padding == T.pad(0, 1, 1, 0))
        // A 1x1 pool output at (1, 2) reads rows [2, 4), columns [4, 6).
        let one = try RegionAnalysis(stage, region: T.rect(1, 2, 2, 3))
        #expect(one.node(named: "p")!.inputs[0] == T.rect(2, 4, 4, 6))
    }

    /// MaxPool 2x2 stride 2 in ceil mode on 7x7, no pads: output ceil((7-2)/2) + 1 = 4, the
    /// last window reading rows 6 and 7, and row 7 is past the image: the ceil mode's
    /// overshoot is padding too, beyond the declared pads (0).
    @Test func ceilModePoolRunsPastItsPads() throws {
        var b = ModelBuilder("ceil")
        b.input("x", [1, 1, 7, 7])
        let c = b.conv("x", 1, 1, name: "c", k: (1, 1), pads: [0, 0, 0, 0])
        b.output(b.pool("MaxPool", c, name: "p", k: (2, 2), stride: (2, 2), ceil: true))
        let graph = try T.compiled(b)
        let stage = try T.stage(graph, ["c", "p"])
        #expect(stage.outputs[0].extent == T.rect(0, 4, 0, 4))
        // Rows [2,4) read [4, 3*2+1+1) = [4, 8) -> [4, 7): bottom 1; columns [0,2) read [0, 4).
        let a = try RegionAnalysis(stage, region: T.rect(2, 4, 0, 2))
        #expect(a.node(named: "p")!.inputs[0] == T.rect(4, 7, 0, 4))
        #expect(a.node(named: "p")!.padding == T.pad(0, 0, 1, 0))
    }

    /// A residual block: conv-conv-Add with the skip from the stage input. The passes fold
    /// the Add into the second conv (its residual input); the stage input must hold the
    /// union of the main path's need and the skip's.
    @Test func residualBlock() throws {
        var b = ModelBuilder("resblock")
        b.input("x", [1, 2, 8, 8])
        let stem = b.conv("x", 2, 4, name: "stem", k: (1, 1), pads: [0, 0, 0, 0])
        let c1 = b.conv(stem, 4, 4, name: "c1")
        let c2 = b.conv(c1, 4, 4, name: "c2")
        b.output(b.node("Add", [c2, stem], name: "add"))
        let graph = try T.compiled(b)
        let c2Node = try #require(graph.nodes.first { $0.name == "c2" })
        #expect(c2Node.input(Op.residualInput) == "stem")
        let stage = try T.stage(graph, ["c1", "c2", "add"])
        #expect(stage.inputs == ["stem"])
        // Output rows [4,8) cols [0,4): c2 reads c1 [3, 8) x [0, 5) and the residual "stem" at [4,8) x [0,4);
        // c1 reads stem [2, 8) x [0, 6). stem must hold [4,8)x[0,4) U [2,8)x[0,6) = [2,8)x[0,6).
        let a = try RegionAnalysis(stage, region: T.rect(4, 8, 0, 4))
        #expect(a.node(named: "c2")!.inputs[0] == T.rect(3, 8, 0, 5))
        #expect(a.node(named: "c2")!.inputs[Op.residualInput] == T.rect(4, 8, 0, 4))
        #expect(a.node(named: "c1")!.inputs[0] == T.rect(2, 8, 0, 6))
        #expect(a.region("stem") == T.rect(2, 8, 0, 6))
    }

    /// Two branches whose windows lean opposite ways, added: the input's rectangle is the
    /// union of two needs neither of which holds the other.
    @Test func branchUnionOfShiftedWindows() throws {
        var b = ModelBuilder("lean")
        b.input("x", [1, 1, 10, 10])
        let up = b.conv("x", 1, 2, name: "up", pads: [2, 2, 0, 0])     // output row o reads rows [o-2, o+1)
        let down = b.conv("x", 1, 2, name: "down", pads: [0, 0, 2, 2]) // output row o reads rows [o, o+3)
        b.output(b.node("Add", [up, down], name: "add"))
        let graph = try T.compiled(b)
        let a = try RegionAnalysis(try T.stage(graph, ["up", "down", "add"]), region: T.rect(4, 6, 4, 6))
        // up: rows [4,6) read [4-2, 5-2+3) = [2, 6); down: [4, 5+3) = [4, 8). Union [2, 8); the same on columns.
        #expect(a.node(named: "up")!.inputs[0] == T.rect(2, 6, 2, 6))
        #expect(a.node(named: "down")!.inputs[0] == T.rect(4, 8, 4, 8))
        #expect(a.region("x__nhwc") == T.rect(2, 8, 2, 8))
    }

    /// Concat along channels of a 3x3 pad 1 branch and a 5x5 pad 2 branch of the same input.
    @Test func concatOfBranchesWithDifferentKernels() throws {
        var b = ModelBuilder("concat")
        b.input("x", [1, 2, 8, 8])
        let k3 = b.conv("x", 2, 3, name: "k3")
        let k5 = b.conv("x", 2, 1, name: "k5", k: (5, 5), pads: [2, 2, 2, 2])
        let cat = b.node("Concat", [k3, k5], name: "cat", [("axis", .int(1))])
        b.output(b.conv(cat, 4, 2, name: "head", k: (1, 1), pads: [0, 0, 0, 0]))
        let graph = try T.compiled(b)
        let a = try RegionAnalysis(try T.stage(graph, ["k3", "k5", "cat", "head"]), region: T.rect(2, 4, 0, 3))
        // The 1x1 head and the Concat pass [2,4)x[0,3) to both branches.
        #expect(a.node(named: "cat")!.inputs == [T.rect(2, 4, 0, 3), T.rect(2, 4, 0, 3)])
        // k3: rows [2,4) read [1, 3-1+3) = [1, 5); columns [0,3) read [-1, 4) -> [0, 4), left 1.
        #expect(a.node(named: "k3")!.inputs[0] == T.rect(1, 5, 0, 4))
        #expect(a.node(named: "k3")!.padding == T.pad(0, 1, 0, 0))
        // k5: rows [2,4) read [0, 3-2+5) = [0, 6), no padding; columns [0,3) read [-2, 5) -> [0, 5), left 2.
        #expect(a.node(named: "k5")!.inputs[0] == T.rect(0, 6, 0, 5))
        #expect(a.node(named: "k5")!.padding == T.pad(0, 2, 0, 0))
        // x holds the union [0, 6) x [0, 5).
        #expect(a.region("x__nhwc") == T.rect(0, 6, 0, 5))
    }

    /// DS-CNN's first layers on its 49x10 input: a 10x4 stride 2 conv with SAME_UPPER
    /// padding, then a 3x3 depthwise conv, output 25x5 cut into a 3x2 grid.
    @Test func nonSquareInputOnA3x2Grid() throws {
        var b = ModelBuilder("dscnn")
        b.input("x", [1, 1, 49, 10])
        // SAME_UPPER: rows out ceil(49/2) = 25, total pad (25-1)*2+10-49 = 9 -> top 4, bottom 5;
        //             columns out 5, total (5-1)*2+4-10 = 2 -> left 1, right 1.
        let c = b.node("Conv", ["x", b.weight("cw", [4, 1, 10, 4])], name: "conv", outputs: ["conv"],
                       [("strides", ints([2, 2])), ("auto_pad", .string("SAME_UPPER"))])
        b.output(b.conv(c, 4, 4, name: "dw", group: 4))
        let graph = try T.compiled(b)
        let stage = try T.stage(graph, ["conv", "dw"])
        // Rows 25 in 3 parts: 9, 8, 8; columns 5 in 2: 3, 2.
        let passes = try stage.grid(rows: 3, cols: 2)
        let patches = try passes.map { try RegionAnalysis(stage, outputs: $0) }
        #expect(patches.map { $0.node(named: "dw")!.output } == [
            T.rect(0, 9, 0, 3), T.rect(0, 9, 3, 5), T.rect(9, 17, 0, 3), T.rect(9, 17, 3, 5), T.rect(17, 25, 0, 3), T.rect(17, 25, 3, 5),
        ])
        // Patch (0, 0): dw rows [0,9) read [-1, 10) -> [0, 10), columns [0,3) read [-1, 4) -> [0, 4).
        // conv rows [0,10) read [0*2-4, 9*2-4+9+1) = [-4, 24) -> [0, 24), top 4;
        //      columns [0,4) read [0*2-1, 3*2-1+3+1) = [-1, 9) -> [0, 9), left 1.
        #expect(patches[0].node(named: "dw")!.padding == T.pad(1, 1, 0, 0))
        #expect(patches[0].node(named: "conv")!.inputs[0] == T.rect(0, 24, 0, 9))
        #expect(patches[0].node(named: "conv")!.padding == T.pad(4, 1, 0, 0))
        // Patch (1, 1): dw rows [9,17) read [8, 18); columns [3,5) read [2, 6) -> [2, 5), right 1.
        // conv rows [8,18) read [16-4, 17*2-4+10) = [12, 40), no padding;
        //      columns [2,5) read [4-1, 4*2-1+4) = [3, 11) -> [3, 10), right 1.
        #expect(patches[3].node(named: "dw")!.inputs[0] == T.rect(8, 18, 2, 5))
        #expect(patches[3].node(named: "dw")!.padding == T.pad(0, 0, 0, 1))
        #expect(patches[3].node(named: "conv")!.inputs[0] == T.rect(12, 40, 3, 10))
        #expect(patches[3].node(named: "conv")!.padding == T.pad(0, 0, 0, 1))
        // Patch (2, 0): dw rows [17,25) read [16, 26) -> [16, 25), bottom 1.
        // conv rows [16,25) read [32-4, 24*2-4+10) = [28, 54) -> [28, 49), bottom 5.
        #expect(patches[4].node(named: "conv")!.inputs[0] == T.rect(28, 49, 0, 9))
        #expect(patches[4].node(named: "conv")!.padding == T.pad(0, 1, 5, 0))
    }

    /// Nearest Resize x2 (half_pixel, round_prefer_floor) of 4x4, then a 3x3 conv.
    @Test func nearestResizeTimesTwo() throws {
        var b = ModelBuilder("resize")
        b.input("x", [1, 2, 4, 4])
        let up = b.node("Resize", ["x", "", b.constant("scales", [4], [1, 1, 2, 2])], name: "up", outputs: ["up"], [("mode", .string("nearest"))])
        b.output(b.conv(up, 2, 2, name: "c"))
        let graph = try T.compiled(b)
        let stage = try T.stage(graph, ["up", "c"])
        // Output row o reads input row round((o + 0.5)/2 - 0.5) clamped: o = 0..7 -> 0, 0, 1, 1, 2, 2, 3, 3.
        // Resize rows [3,6) read rows {1, 2, 2} = [1, 3).
        let a = try RegionAnalysis(try T.stage(graph, ["up"]), region: T.rect(3, 6, 0, 8))
        #expect(a.region("x__nhwc") == T.rect(1, 3, 0, 4))
        // The conv's rows [2,4) read [1, 5) of the resize, which reads {0, 1, 1, 2} = [0, 3).
        let c = try RegionAnalysis(stage, region: T.rect(2, 4, 6, 8))
        #expect(c.node(named: "up")!.output == T.rect(1, 5, 5, 8))
        // Columns [6,8) read [5, 9) -> [5, 8) of the resize, which reads {2, 3, 3} = [2, 4).
        #expect(c.region("x__nhwc") == T.rect(0, 3, 2, 4))
    }
}
