import Testing
@testable import Tessera

/// The analysis on seeded random chains and DAGs against brute force that shares none of
/// its arithmetic (RegionBruteForce): pixel-by-pixel enumeration of each op's definition,
/// the reference interpreter, and the stage run patch by patch from local buffers.
extension RegionAnalysisTests {
    /// For the whole output and two random rectangles of each of 30 random stages (half of
    /// them without dilation or stride past the kernel):
    /// - every tensor's rectangle is exactly the bounding box of what its readers read,
    ///   enumerated pixel by pixel, when each node computes the rectangle it is given;
    /// - the stage input's rectangle holds every input pixel the outputs depend on (sets
    ///   propagated pixel by pixel), and is exactly their bounding box when no window has
    ///   gaps (with dilation or stride > kernel a computed rectangle can read pixels the
    ///   requested outputs do not depend on, e.g. row 0 under a dilated window starting at -1);
    /// - computing each node's region from its inputs' buffers alone, through the padding
    ///   the analysis gives, reproduces the reference interpreter on every computed pixel;
    /// - a final GlobalAveragePool summed over the passes of a 2x2 grid of its input is the
    ///   reference's.
    @Test func randomStagesAgainstBruteForce() throws {
        var tightened = 0
        for seed in UInt64(1)...30 {
            var random = RandomStage(seed: seed, gaps: seed % 2 == 1)
            let graph = try T.compiled(random.builder)
            let stage = try RandomStage.stage(graph)
            try #require(stage.outputs.count == 1)
            let out = stage.outputs[0]
            let reference = try ReferenceInterpreter.runAll(graph, inputs: randomInputs(graph, seed: seed))
            for trial in 0..<3 {
                let region = trial == 0 ? out.extent : random.rect(in: out.extent)
                let requested = [out.tensor: region]
                let context = "seed \(seed), \(region) of \(out.extent): \(random.description.joined(separator: "; "))"
                let a = try RegionAnalysis(stage, outputs: requested)

                let boxes = RegionBruteForce.rectangles(stage, requested)
                #expect(Set(boxes.keys).isSubset(of: Set(a.regions.keys)), "\(context)")
                for (t, r) in a.regions { #expect((boxes[t] ?? .empty) == r, "\(context): \"\(t)\"") }

                let sets = RegionBruteForce.influence(stage, requested)
                for t in stage.inputs {
                    let box = RegionBruteForce.boundingBox(sets[t] ?? [])
                    #expect(a.regions[t]!.contains(box), "\(context): \"\(t)\" \(a.regions[t]!) misses pixels of \(box)")
                    if random.gapFree {
                        #expect(a.regions[t] == box, "\(context): \"\(t)\"")
                    } else if a.regions[t] != box {
                        tightened += 1
                    }
                }

                let buffers = RegionBruteForce.simulate(a, reference: reference)
                for (t, b) in buffers where !stage.inputs.contains(t) {
                    let ref = reference[t]!, shape = ref.shape
                    var worst = 0.0
                    for h in b.rect.rows { for w in b.rect.cols { for c in 0..<b.channels {
                        let r = Double(ref.data[(h * shape[2] + w) * shape[3] + c])
                        let d = abs(b.data[b.index(h, w, c)!] - r) / (1 + abs(r))
                        if !(d <= worst) { worst = d }
                    } } }
                    #expect(worst < 1e-5, "\(context): \"\(t)\" over \(b.rect) differs from the reference by \(worst)")
                }
            }
            if random.endsInReduction {
                let passes = try stage.grid(rows: 2, cols: 2)
                var sum = [Double](repeating: 0, count: graph.types[out.tensor]!.shape[3])
                for pass in passes {
                    let a = try RegionAnalysis(stage, outputs: pass)
                    let partial = RegionBruteForce.reductionPartial(a, RegionBruteForce.simulate(a, reference: reference), out)
                    for c in sum.indices { sum[c] += partial[c] }
                }
                let mean = reference[out.tensor]!.data, pixels = Double(out.extent.area)
                for c in sum.indices { #expect(abs(sum[c] / pixels - Double(mean[c])) < 1e-5 * (1 + abs(Double(mean[c]))), "seed \(seed)") }
            }
        }
        // Not a requirement, a sign the gapped windows were exercised.
        #expect(tightened > 0)
    }

    /// The pixel sets the brute force propagates are what the reference interpreter says:
    /// on random linear stages (no Relu, no MaxPool, dense random weights), perturbing an
    /// input pixel changes the requested outputs exactly when it is in the set.
    @Test func influenceSetsMatchTheReferenceInterpreter() throws {
        for seed in UInt64(201)...204 {
            var random = RandomStage(seed: seed, linear: true, reduction: false, size: 7...9, steps: 2...3)
            let graph = try T.compiled(random.builder)
            let stage = try RandomStage.stage(graph)
            let out = stage.outputs[0]
            let region = random.rect(in: out.extent)
            let a = try RegionAnalysis(stage, outputs: [out.tensor: region])
            let sets = RegionBruteForce.influence(stage, [out.tensor: region])
            let inputs = randomInputs(graph, seed: seed)
            let x = inputs["x"]!, (c, h, w) = (x.shape[1], x.shape[2], x.shape[3])
            let name = graph.outputs[0]
            let base = try ReferenceInterpreter.run(graph, inputs: inputs)[name]!
            let oc = base.shape[1], (oh, ow) = (base.shape[2], base.shape[3])
            var changed = Set<[Int]>()
            for ih in 0..<h {
                for iw in 0..<w {
                    var perturbed = x
                    for ch in 0..<c { perturbed.data[(ch * h + ih) * w + iw] += 1 }
                    let y = try ReferenceInterpreter.run(graph, inputs: ["x": perturbed])[name]!
                    let moved = region.rows.contains { r in region.cols.contains { q in
                        (0..<oc).contains { m in y.data[(m * oh + r) * ow + q] != base.data[(m * oh + r) * ow + q] }
                    } }
                    if moved { changed.insert([ih, iw]) }
                }
            }
            let context = "seed \(seed), \(region): \(random.description.joined(separator: "; "))"
            #expect(changed == sets["x__nhwc"] ?? [], "\(context)")
            #expect(a.region("x__nhwc")!.contains(RegionBruteForce.boundingBox(changed)), "\(context)")
        }
    }
}
