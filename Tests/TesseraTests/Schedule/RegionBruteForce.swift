import Testing
@testable import Tessera

/// Brute force, independent of the analysis's arithmetic: which input pixels each output
/// pixel of a node reads, enumerated from the op's definition (the loops of the reference
/// interpreter: tap kh of output row oh is input row oh * stride - pad_top + kh * dilation,
/// read when inside the input), and a stage run patch by patch from local buffers.
enum RegionBruteForce {
    /// Calls `read(position, row, col)` for every input pixel output pixel (oh, ow) of
    /// `node` reads (feature-map inputs only; constants are not pixels).
    static func reads(_ node: Node, _ spec: NodeSpec, _ graph: Graph, _ oh: Int, _ ow: Int, _ read: (Int, Int, Int) -> Void) {
        func window(_ g: SpatialGeometry) {
            for kh in 0..<g.kernel.h {
                let ih = oh * g.stride.h - g.pads.top + kh * g.dilation.h
                guard ih >= 0 && ih < g.input.h else { continue }
                for kw in 0..<g.kernel.w {
                    let iw = ow * g.stride.w - g.pads.left + kw * g.dilation.w
                    if iw >= 0 && iw < g.input.w { read(0, ih, iw) }
                }
            }
        }
        switch spec {
        case let .conv(s):
            window(s.geometry)
            if node.input(Op.residualInput) != nil { read(Op.residualInput, oh, ow) }
        case let .pool(_, s): window(s.geometry)
        case .binary:
            for p in 0..<2 where graph.constants[node.inputs[p]] == nil {
                let shape = graph.types[node.inputs[p]]!.shape  // NHWC
                read(p, shape[1] == 1 ? 0 : oh, shape[2] == 1 ? 0 : ow)
            }
        case .concat:
            for p in node.inputs.indices { read(p, oh, ow) }  // channels only in these stages
        case .activation, .affine:
            read(0, oh, ow)
        default:
            Issue.record("\(node.location): no brute-force definition for \(node.op.name)")
        }
    }

    /// Each tensor's rectangle when every node computes the bounding box of what its
    /// readers read and reads, pixel by pixel, what that box needs.
    static func rectangles(_ stage: Stage, _ requested: [String: Rect]) -> [String: Rect] {
        let graph = stage.graph
        var need: [String: Rect] = [:]
        for o in stage.outputs where !o.reduction { need[o.tensor] = requested[o.tensor] }
        for i in stage.nodes.reversed() {
            let node = graph.nodes[i], spec = try! NodeSpec.of(node, in: graph)
            if case .reduce = spec {
                need[node.inputs[0], default: .empty] = need[node.inputs[0], default: .empty].union(requested[node.outputs[0]]!)
                continue
            }
            let out = need[node.outputs[0]] ?? .empty
            var boxes: [Int: Rect] = [:]
            for oh in out.rows {
                for ow in out.cols {
                    reads(node, spec, graph, oh, ow) { p, h, w in boxes[p] = (boxes[p] ?? .empty).union(Rect(h0: h, h1: h + 1, w0: w, w1: w + 1)) }
                }
            }
            for (p, t) in node.inputs.enumerated() where !t.isEmpty && graph.constants[t] == nil {
                need[t] = (need[t] ?? .empty).union(boxes[p] ?? .empty)
            }
        }
        return need
    }

    /// The pixels of each tensor the requested outputs depend on (sets, no rectangles).
    static func influence(_ stage: Stage, _ requested: [String: Rect]) -> [String: Set<[Int]>] {
        let graph = stage.graph
        var sets: [String: Set<[Int]>] = [:]
        func pixels(_ r: Rect) -> Set<[Int]> { Set(r.rows.flatMap { h in r.cols.map { [h, $0] } }) }
        for o in stage.outputs where !o.reduction { sets[o.tensor] = pixels(requested[o.tensor]!) }
        for i in stage.nodes.reversed() {
            let node = graph.nodes[i], spec = try! NodeSpec.of(node, in: graph)
            if case .reduce = spec {
                sets[node.inputs[0], default: []].formUnion(pixels(requested[node.outputs[0]]!))
                continue
            }
            for px in sets[node.outputs[0]] ?? [] {
                reads(node, spec, graph, px[0], px[1]) { p, h, w in sets[node.inputs[p], default: []].insert([h, w]) }
            }
        }
        return sets
    }

    static func boundingBox(_ pixels: Set<[Int]>) -> Rect {
        pixels.reduce(Rect.empty) { $0.union(Rect(h0: $1[0], h1: $1[0] + 1, w0: $1[1], w1: $1[1] + 1)) }
    }

    /// A tensor's values over a rectangle, NHWC (batch 1), in image coordinates.
    struct Buffer {
        var rect: Rect
        var channels: Int
        var data: [Double]

        init(_ rect: Rect, channels: Int) {
            self.rect = rect
            self.channels = channels
            data = [Double](repeating: .nan, count: rect.area * channels)
        }

        func index(_ h: Int, _ w: Int, _ c: Int) -> Int? {
            guard rect.contains(row: h, col: w) else { return nil }
            return ((h - rect.rows.lowerBound) * rect.width + (w - rect.cols.lowerBound)) * channels + c
        }
    }

    /// Runs one pass of `analysis` node by node, each node computing its region from the
    /// buffers of its inputs alone, through the padding the analysis gives (the window of
    /// local output row i starts at local input row i * stride - padding.top). Returns the
    /// buffers, or records an issue when a node reads outside what its input holds.
    static func simulate(_ analysis: RegionAnalysis, reference: [String: TensorValue]) -> [String: Buffer] {
        let stage = analysis.stage, graph = stage.graph
        var buffers: [String: Buffer] = [:]
        for t in stage.inputs {
            let ref = reference[t]!, shape = ref.shape  // NHWC
            var b = Buffer(analysis.regions[t]!, channels: shape[3])
            for h in b.rect.rows { for w in b.rect.cols { for c in 0..<shape[3] {
                b.data[b.index(h, w, c)!] = Double(ref.data[(h * shape[2] + w) * shape[3] + c])
            } } }
            buffers[t] = b
        }
        func value(_ t: String, _ h: Int, _ w: Int, _ c: Int, _ node: Node) -> Double {
            guard let b = buffers[t], let i = b.index(h, w, c) else {
                Issue.record("\(node.location) reads \"\(t)\" at (\(h), \(w)) outside its buffer \(buffers[t]?.rect.description ?? "none")")
                return .nan
            }
            return b.data[i]
        }
        for record in analysis.nodes {
            let node = graph.nodes[record.node], spec = try! NodeSpec.of(node, in: graph)
            guard let out = record.output else { continue }  // a final reduction: see reductionPartial
            let channels = graph.types[node.outputs[0]]!.shape[3]
            var y = Buffer(out, channels: channels)
            func window(_ g: SpatialGeometry, _ combine: (_ i: Int, _ j: Int, _ taps: [(h: Int, w: Int, kh: Int, kw: Int)]) -> Void) {
                let input = record.inputs[0]!, pad = record.padding!
                if !input.isEmpty {
                    // The window span is the padding plus the buffer.
                    #expect((out.height - 1) * g.stride.h + (g.kernel.h - 1) * g.dilation.h + 1 == pad.top + input.height + pad.bottom, "\(node.location)")
                    #expect((out.width - 1) * g.stride.w + (g.kernel.w - 1) * g.dilation.w + 1 == pad.left + input.width + pad.right, "\(node.location)")
                }
                for i in 0..<out.height {
                    for j in 0..<out.width {
                        var taps: [(h: Int, w: Int, kh: Int, kw: Int)] = []
                        for kh in 0..<g.kernel.h {
                            let lh = i * g.stride.h - pad.top + kh * g.dilation.h
                            guard lh >= 0 && lh < input.height else { continue }
                            for kw in 0..<g.kernel.w {
                                let lw = j * g.stride.w - pad.left + kw * g.dilation.w
                                guard lw >= 0 && lw < input.width else { continue }
                                taps.append((input.rows.lowerBound + lh, input.cols.lowerBound + lw, kh, kw))
                            }
                        }
                        combine(i, j, taps)
                    }
                }
            }
            switch spec {
            case let .conv(s):
                let w = graph.constants[node.inputs[1]]!.floats!, bias = node.input(2).map { graph.constants[$0]!.floats! }
                let cPerGroup = s.inChannels / s.group, mPerGroup = s.outChannels / s.group
                let g = s.geometry
                window(g) { i, j, taps in
                    for m in 0..<s.outChannels {
                        var acc = bias.map { Double($0[m]) } ?? 0
                        for ci in 0..<cPerGroup {
                            let c = (m / mPerGroup) * cPerGroup + ci
                            for (h, wc, kh, kw) in taps {
                                acc += value(node.inputs[0], h, wc, c, node) * Double(w[((m * cPerGroup + ci) * g.kernel.h + kh) * g.kernel.w + kw])
                            }
                        }
                        if let r = node.input(Op.residualInput) { acc += value(r, out.rows.lowerBound + i, out.cols.lowerBound + j, m, node) }
                        y.data[(i * out.width + j) * channels + m] = s.activation.apply(acc)
                    }
                }
            case let .pool(kind, s):
                window(s.geometry) { i, j, taps in
                    for c in 0..<channels {
                        let v = taps.map { value(node.inputs[0], $0.h, $0.w, c, node) }
                        y.data[(i * out.width + j) * channels + c] = kind == .max ? (v.max() ?? -.infinity) : v.reduce(0, +) / Double(v.count)
                    }
                }
            case let .binary(op, _, act):
                guard op == .add else { Issue.record("\(node.location): only Add is simulated"); continue }
                for h in out.rows { for w in out.cols { for c in 0..<channels {
                    let terms = (0..<2).map { p -> Double in
                        let shape = graph.types[node.inputs[p]]!.shape
                        return value(node.inputs[p], shape[1] == 1 ? 0 : h, shape[2] == 1 ? 0 : w, shape[3] == 1 ? 0 : c, node)
                    }
                    y.data[y.index(h, w, c)!] = act.apply(terms[0] + terms[1])
                } } }
            case .concat:
                var base = 0
                for t in node.inputs {
                    let n = graph.types[t]!.shape[3]
                    for h in out.rows { for w in out.cols { for c in 0..<n { y.data[y.index(h, w, base + c)!] = value(t, h, w, c, node) } } }
                    base += n
                }
            case let .activation(_, act):
                for h in out.rows { for w in out.cols { for c in 0..<channels { y.data[y.index(h, w, c)!] = act.apply(value(node.inputs[0], h, w, c, node)) } } }
            default:
                Issue.record("\(node.location): \(node.op.name) is not simulated")
            }
            buffers[node.outputs[0]] = y
        }
        return buffers
    }

    /// The sum of a final reduction's input over the region this pass folds in, per channel.
    static func reductionPartial(_ analysis: RegionAnalysis, _ buffers: [String: Buffer], _ output: StageOutput) -> [Double] {
        let node = analysis.stage.graph.nodes[output.node]
        let region = analysis.node(output.node)!.inputs[0]!, b = buffers[node.inputs[0]]!
        return (0..<b.channels).map { c in region.rows.flatMap { h in region.cols.map { b.data[b.index(h, $0, c)!] } }.reduce(0, +) }
    }
}
