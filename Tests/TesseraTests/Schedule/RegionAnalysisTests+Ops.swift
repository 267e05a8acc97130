import Testing
@testable import Tessera

/// The ops besides windows, reductions ending a stage, and the stages the analysis refuses.
extension RegionAnalysisTests {
    /// Pad (2 rows on top, 1 column on the right) of 6x6, then a 1x1 conv: the region is
    /// moved up by the pad and clipped to the input. (A conv first, so that the Pad runs
    /// on an NHWC feature map.)
    @Test func padShiftsAndClips() throws {
        var b = ModelBuilder("pad")
        b.input("x", [1, 2, 6, 6])
        let c0 = b.conv("x", 2, 2, name: "c0", k: (1, 1), pads: [0, 0, 0, 0])
        let p = b.node("Pad", [c0, b.int64("pads", [0, 0, 2, 0, 0, 0, 0, 1])], name: "pad", outputs: ["padded"])  // 8x7
        b.output(b.conv(p, 2, 2, name: "c", k: (1, 1), pads: [0, 0, 0, 0]))
        let graph = try T.compiled(b)
        let stage = try T.stage(graph, ["pad", "c"])
        #expect(stage.inputs == ["c0"])
        // Output rows [1,5) are input rows [1-2, 5-2) = [-1, 3) -> [0, 3): 1 row of fill on top;
        // columns [4,7) are [4, 7) -> [4, 6): 1 column of fill on the right.
        let a = try RegionAnalysis(stage, region: T.rect(1, 5, 4, 7))
        #expect(a.node(named: "pad")!.inputs[0] == T.rect(0, 3, 4, 6))
        #expect(a.node(named: "pad")!.padding == T.pad(1, 0, 0, 1))
        #expect(a.region("c0") == T.rect(0, 3, 4, 6))
        // Rows [0,2) are all fill: nothing of the input is read.
        let fill = try RegionAnalysis(stage, region: T.rect(0, 2, 0, 3))
        #expect(fill.region("c0") == Rect.empty)
        #expect(fill.node(named: "pad")!.padding == T.pad(2, 0, 0, 0))
    }

    /// Concat along rows (axis 2 of NCHW, axis 1 after the layout pass): each input gets
    /// the part of the region in its range, possibly none.
    @Test func concatAlongRows() throws {
        var b = ModelBuilder("rows")
        b.input("a", [1, 2, 3, 5])
        b.input("b", [1, 2, 4, 5])
        let ca = b.conv("a", 2, 2, name: "ca", k: (1, 1), pads: [0, 0, 0, 0])
        let cb = b.conv("b", 2, 2, name: "cb", k: (1, 1), pads: [0, 0, 0, 0])
        let cat = b.node("Concat", [ca, cb], name: "cat", [("axis", .int(2))])  // 7x5: rows 0..<3 from ca, 3..<7 from cb
        b.output(b.conv(cat, 2, 2, name: "c", k: (1, 1), pads: [0, 0, 0, 0]))
        let graph = try T.compiled(b)
        let stage = try T.stage(graph, ["ca", "cb", "cat", "c"])
        // Rows [2,5): rows [2,3) of ca, rows [3,5) - 3 = [0, 2) of cb.
        let a = try RegionAnalysis(stage, region: T.rect(2, 5, 1, 4))
        #expect(a.node(named: "cat")!.inputs == [T.rect(2, 3, 1, 4), T.rect(0, 2, 1, 4)])
        // Rows [4,7) are all cb's: ca computes nothing.
        let low = try RegionAnalysis(stage, region: T.rect(4, 7, 0, 5))
        #expect(low.node(named: "ca")!.output == Rect.empty)
        #expect(low.region("b__nhwc") == T.rect(1, 4, 0, 5))
    }

    /// A Mul by a [1, C, 1, 1] feature map (squeeze-excitation style, the scale computed
    /// outside the stage): that operand needs its whole 1x1 extent.
    @Test func broadcastOperandOfSpatialSizeOne() throws {
        var b = ModelBuilder("se")
        b.input("x", [1, 2, 6, 6])
        b.input("s", [1, 2, 1, 1])
        let scale = b.conv("s", 2, 2, name: "sc", k: (1, 1), pads: [0, 0, 0, 0])
        let c = b.conv("x", 2, 2, name: "c")
        b.output(b.node("Mul", [c, scale], name: "mul"))
        let graph = try T.compiled(b)
        let stage = try T.stage(graph, ["c", "mul"])
        #expect(stage.inputs.contains("sc"))
        let a = try RegionAnalysis(stage, region: T.rect(2, 4, 3, 5))
        #expect(a.region("sc") == T.rect(0, 1, 0, 1))
        #expect(a.node(named: "c")!.output == T.rect(2, 4, 3, 5))
    }

    /// Nearest Resize in every coordinate transformation and rounding mode ResizeSpec
    /// supports, up and down and by fractions: the rectangle is the bounding box of the input
    /// pixels that, perturbed one at a time, change the region in the reference interpreter.
    @Test func resizeModesAgainstTheReferenceInterpreter() throws {
        let modes = [("half_pixel", "round_prefer_floor"), ("asymmetric", "floor"), ("align_corners", "round_prefer_ceil"),
                     ("pytorch_half_pixel", "ceil"), ("tf_half_pixel_for_nn", "round_prefer_floor")]
        let scales: [(Float, Float)] = [(2, 3), (1.5, 0.5), (0.6, 2.5)]
        var rng = SeededRandom(seed: 9)
        for (transform, rounding) in modes {
            for (sh, sw) in scales {
                var b = ModelBuilder("resize")
                b.input("x", [1, 1, 5, 6])
                b.output(b.node("Resize", ["x", "", b.constant("scales", [4], [1, 1, sh, sw])], name: "up", outputs: ["y"], [
                    ("mode", .string("nearest")), ("coordinate_transformation_mode", .string(transform)), ("nearest_mode", .string(rounding)),
                ]))
                let graph = try T.compiled(b)
                let stage = try T.stage(graph, ["up"])
                let extent = stage.outputs[0].extent
                let inputs = randomInputs(graph)
                let base = try ReferenceInterpreter.run(graph, inputs: inputs)["y"]!
                for _ in 0..<4 {
                    let r0 = Int(rng.next() % UInt64(extent.height)), c0 = Int(rng.next() % UInt64(extent.width))
                    let region = T.rect(r0, r0 + 1 + Int(rng.next() % UInt64(extent.height - r0)), c0, c0 + 1 + Int(rng.next() % UInt64(extent.width - c0)))
                    var box = Rect.empty
                    for h in 0..<5 {
                        for w in 0..<6 {
                            var x = inputs["x"]!
                            x.data[h * 6 + w] += 1
                            let y = try ReferenceInterpreter.run(graph, inputs: ["x": x])["y"]!
                            if region.rows.contains(where: { r in region.cols.contains { c in y.data[r * extent.width + c] != base.data[r * extent.width + c] } }) {
                                box = box.union(T.rect(h, h + 1, w, w + 1))
                            }
                        }
                    }
                    let a = try RegionAnalysis(stage, region: region)
                    #expect(a.region("x__nhwc") == box, "\(transform) \(rounding) x\(sh),\(sw): \(region) of \(extent)")
                }
            }
        }
    }

    /// GlobalAveragePool ending the stage: regions are named on its input, which each pass
    /// folds into the whole 1x1 output.
    @Test func globalAveragePoolEndsAStage() throws {
        var b = ModelBuilder("gap")
        b.input("x", [1, 2, 8, 8])
        let c = b.conv("x", 2, 4, name: "c")
        b.output(b.node("GlobalAveragePool", [c], name: "gap", outputs: ["g"]))
        let graph = try T.compiled(b)
        let stage = try T.stage(graph, ["c", "gap"])
        let out = try #require(stage.outputs.first)
        #expect(out.reduction)
        #expect(out.extent == T.rect(0, 8, 0, 8))  // the conv's output, not the 1x1 result
        let passes = try stage.grid(rows: 2, cols: 2)
        let first = try RegionAnalysis(stage, outputs: passes[0])
        #expect(first.node(named: "gap")!.output == nil)
        #expect(first.node(named: "gap")!.inputs[0] == T.rect(0, 4, 0, 4))
        #expect(first.node(named: "c")!.output == T.rect(0, 4, 0, 4))
        #expect(first.region("x__nhwc") == T.rect(0, 5, 0, 5))
        #expect(first.region(out.tensor) == nil)
        // The accumulator is the whole output in every pass.
        let costs = try StageCosts(stage, passes: passes)
        #expect(costs.tensor(out.tensor)?.largestRegionElements == 4)
        #expect(costs.node(named: "gap")?.patchedElements == 8 * 8 * 4)
    }

    /// ReduceMean over H, W ends a stage through the Transpose to NCHW the layout pass puts
    /// before it: a layout transpose keeps rows and columns (axes 1, 2 of NHWC become 2, 3).
    @Test func reduceMeanEndsAStageThroughTheLayoutTranspose() throws {
        var b = ModelBuilder("mean")
        b.input("x", [1, 2, 6, 6])
        let c = b.conv("x", 2, 3, name: "c")
        b.output(b.node("ReduceMean", [c, b.int64("axes", [2, 3])], name: "mean", outputs: ["m"], [("keepdims", .int(0))]))
        let graph = try T.compiled(b)
        let transpose = try #require(graph.nodes.first { $0.op == .transpose && $0.inputs == ["c"] })
        let stage = try T.stage(graph, ["c", transpose.name, "mean"])
        #expect(stage.featureMap("c")?.layout == .nhwc)
        #expect(stage.featureMap(transpose.outputs[0])?.layout == .nchw)
        let a = try RegionAnalysis(stage, region: T.rect(3, 6, 0, 2))
        #expect(a.region(transpose.outputs[0]) == T.rect(3, 6, 0, 2))
        // The conv: rows [3,6) read [2, 7) -> [2, 6); columns [0,2) read [-1, 3) -> [0, 3).
        #expect(a.region("x__nhwc") == T.rect(2, 6, 0, 3))
    }

    /// In FP16 the input is converted (and transposed) by a Convert; with `--input-layout
    /// nhwc` it arrives in NHWC. A stage from the graph input to the final pool gives the
    /// input the same rectangles in every case, whatever its layout.
    @Test func precisionsAndInputLayoutsGiveTheSameRegions() throws {
        var regions: [[Rect]] = []
        for options in [PassOptions(), PassOptions(precision: .fp16), PassOptions(inputLayout: .nhwc), PassOptions(precision: .fp16, inputLayout: .nhwc)] {
            let graph = try Pipeline.run(try Self.mixedStage().graph(), options: options)
            let gap = try #require(graph.nodes.firstIndex { $0.name == "gap" })
            let stage = try Stage(graph, nodes: 0...gap)
            #expect(stage.inputs == ["x"])
            #expect(stage.featureMap("x")?.layout == options.inputLayout)
            let passes = try stage.grid(rows: 2, cols: 3).map { try RegionAnalysis(stage, outputs: $0) }
            regions.append(passes.map { $0.region("x")! })
        }
        #expect(regions.allSatisfy { $0 == regions[0] })
        #expect(regions[0].count == 6 && regions[0][0] != regions[0][5])
    }

    @Test func refusesOpsThatAreNotSpatial() throws {
        var b = ModelBuilder("classifier")
        b.input("x", [1, 2, 4, 4])
        let c = b.conv("x", 2, 2, name: "c")
        let f = b.node("Flatten", [c], name: "flatten", outputs: ["f"])
        b.output(b.node("Gemm", [f, b.weight("fw", [3, 32])], name: "fc", outputs: ["y"], [("transB", .int(1))]))
        let graph = try T.compiled(b)
        // From the conv on: the conv, the layout pass's Transpose back to NCHW, Flatten, Gemm.
        let first = try #require(graph.nodes.firstIndex { $0.name == "c" })
        let gemm = try #require(throws: TesseraError.self) { try Stage(graph, nodes: first..<graph.nodes.count) }
        #expect(gemm.description.hasPrefix("nodes[1] \"flatten\": Flatten (it reshapes the feature map) cannot be inside a spatial stage"))
        let fc = try #require(throws: TesseraError.self) { try T.stage(graph, ["fc"]) }
        #expect(fc.description == "nodes[2] \"fc\": Gemm (a matrix product, not a spatial op) cannot be inside a spatial stage")
        // A stage ending before Flatten is fine: its output is the transposed feature map.
        let stage = try Stage(graph, nodes: first..<(first + 2))
        #expect(stage.outputs.map(\.extent) == [T.rect(0, 4, 0, 4)])
        #expect(stage.featureMap(stage.outputs[0].tensor)?.layout == .nchw)
    }

    @Test func refusesAReductionInsideAStage() throws {
        var b = ModelBuilder("se_inside")
        b.input("x", [1, 2, 6, 6])
        let c = b.conv("x", 2, 2, name: "c")
        let g = b.node("GlobalAveragePool", [c], name: "gap", outputs: ["g"])
        b.output(b.node("Mul", [c, g], name: "mul"))
        let graph = try T.compiled(b)
        let error = try #require(throws: TesseraError.self) { try T.stage(graph, ["c", "gap", "mul"]) }
        #expect(error.description.contains("nodes[1] \"gap\": GlobalAveragePool reduces the rows and columns, so it can only end a spatial stage, but nodes[2] \"mul\" reads its output inside the stage"))
    }

    @Test func refusesASpatialTranspose() throws {
        var b = ModelBuilder("swap")
        b.input("x", [1, 2, 6, 5])
        let c = b.conv("x", 2, 2, name: "c")
        let t = b.node("Transpose", [c], name: "swap", outputs: ["t"], [("perm", ints([0, 1, 3, 2]))])
        b.output(b.conv(t, 2, 2, name: "c2"))
        let graph = try T.compiled(b)
        // The conv and every transpose up to c2 (the layout pass's and the swap, maybe merged).
        let first = try #require(graph.nodes.firstIndex { $0.name == "c" }), last = try #require(graph.nodes.firstIndex { $0.name == "c2" })
        let error = try #require(throws: TesseraError.self) { try Stage(graph, nodes: first..<last) }
        #expect(error.description.contains(": Transpose with perm"))
        #expect(error.description.contains("(it moves the rows or columns) cannot be inside a spatial stage"))
    }

    /// A stage must contain every node between two of its nodes.
    @Test func refusesAStageNotClosedUnderConsumers() throws {
        var b = ModelBuilder("open")
        b.input("x", [1, 2, 6, 6])
        let c1 = b.conv("x", 2, 2, name: "c1")
        let mid = b.node("Mul", [c1, b.weight("scale", [2, 1, 1])], name: "mid", outputs: ["m"])
        b.output(b.conv(mid, 2, 2, name: "c2"))
        let graph = try T.compiled(b)
        let error = try #require(throws: TesseraError.self) { try T.stage(graph, ["c1", "c2"]) }
        #expect(error.description == "the stage is not closed under its consumers: nodes[1] \"mid\" reads \"c1\" computed in the stage and feeds nodes[2] \"c2\", so it must be in the stage too")
        // Missing, unknown and out-of-extent output regions.
        let stage = try T.stage(graph, ["c1"])
        #expect(throws: TesseraError.usage("nodes[0] \"c1\": no region is given for \"c1\", an output of the stage")) {
            try RegionAnalysis(stage, outputs: [:])
        }
        #expect(throws: TesseraError.self) { try RegionAnalysis(stage, outputs: ["c1": .empty, "m": .empty]) }
        #expect(throws: TesseraError.usage("nodes[0] \"c1\": the region [0..<7, 0..<6] of \"c1\" is outside its extent [0..<6, 0..<6]")) {
            try RegionAnalysis(stage, region: T.rect(0, 7, 0, 6))
        }
    }
}
