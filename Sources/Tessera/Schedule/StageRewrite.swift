import OrderedCollections

/// Rewrites a graph so that a stage runs pass by pass (MCUNetV2's patches): every pass
/// gets its own copy of the stage's nodes on region-sized tensors, and each stage output
/// is assembled in place by InsertRegion nodes. The rest of the compiler then treats the
/// result as any graph: the memory planner gives the per-pass tensors short lifetimes
/// (so a pass's buffers are reused by the next), the checking mode checks every region
/// buffer, and the code generator emits one kernel call per region node.
///
/// Per pass (RegionAnalysis): a node computing region R of its output becomes the same op
/// on tensors holding exactly what it reads, with its padding replaced by the padding its
/// region applies (only at image borders), so a patch computes the very sums the whole
/// layer computes there. A tensor read by several nodes holds the union of their needs;
/// a reader that needs less reads a Slice of it, and a stage input (a whole tensor) is
/// read through a Slice of the region. The pass's part of each stage output is written
/// into place by InsertRegion, whose output shares the storage of the previous pass's.
public enum StageRewrite {
    public static func apply(_ graph: Graph, stage: Stage, passes: [[String: Rect]]) throws -> Graph {
        guard !passes.isEmpty, coversExactly(stage, passes) else {
            throw TesseraError.usage("the passes of a scheduled stage must cover each of its outputs exactly once")
        }
        let inStage = Set(stage.nodes)
        for i in stage.nodes {
            let node = graph.nodes[i]
            if node.op == .pad || node.op == .resize {
                throw TesseraError.unsupported(location: node.location, message: "\(node.op.name) inside a scheduled stage is not supported yet")
            }
            if node.op == .averagePool, (try AttributeReader(node).int("count_include_pad", default: 0)) != 0,
               (try AttributeReader(node).int("ceil_mode", default: 0)) != 0 {
                throw TesseraError.unsupported(location: node.location, message: "AveragePool with count_include_pad and ceil_mode inside a scheduled stage is not supported")
            }
        }
        if let r = stage.outputs.first(where: \.reduction) {
            throw TesseraError.unsupported(location: graph.nodes[r.node].location, message: "a patch-scheduled stage cannot end in a reduction yet")
        }
        // Nodes outside the stage that feed it run before it, the others after it.
        var feeds = Set<Int>()
        var producer: [String: Int] = [:]
        for (i, n) in graph.nodes.enumerated() { for o in n.outputs { producer[o] = i } }
        var stack = stage.nodes
        while let i = stack.popLast() {
            for t in graph.nodes[i].inputs where !t.isEmpty {
                if let p = producer[t], !inStage.contains(p), feeds.insert(p).inserted { stack.append(p) }
            }
        }
        var constants = graph.constants
        var nodes = graph.nodes.indices.filter { feeds.contains($0) }.map { graph.nodes[$0] }
        var assembled: [String: String] = [:]
        var expected: [String: (FeatureMap, Rect)] = [:]
        for (p, pass) in passes.enumerated() {
            let analysis = try RegionAnalysis(stage, outputs: pass)
            var held: [String: (name: String, rect: Rect)] = [:]
            var slices = 0
            // A tensor holding exactly `rect` of `tensor` in this pass.
            func read(_ tensor: String, _ rect: Rect) throws -> String {
                let source: (name: String, rect: Rect)
                if let h = held[tensor] {
                    source = h
                } else {
                    guard let map = stage.featureMap(tensor) else {
                        throw TesseraError.internalError("StageRewrite: \"\(tensor)\" has no feature map in the stage")
                    }
                    source = (tensor, map.extent)
                }
                if source.rect == rect { return source.name }
                guard let map = stage.featureMap(tensor) else { throw TesseraError.internalError("StageRewrite: \"\(tensor)\" has no feature map") }
                let name = "\(tensor)@\(p).slice\(slices)"
                slices += 1
                let local = rect.offsetBy(rows: -source.rect.rows.lowerBound, cols: -source.rect.cols.lowerBound)
                let axes = [map.rowAxis, map.colAxis]
                let starts = [local.rows.lowerBound, local.cols.lowerBound], ends = [local.rows.upperBound, local.cols.upperBound]
                for (suffix, values) in [("starts", starts), ("ends", ends), ("axes", axes)] {
                    let c = "\(name).\(suffix)"
                    constants[c] = Constant(name: c, type: TensorType([values.count], .int64), data: .int64(values.map(Int64.init)))
                }
                nodes.append(Node(name: name, op: .slice, inputs: [source.name, "\(name).starts", "\(name).ends", "\(name).axes"], outputs: [name]))
                return name
            }
            for record in analysis.nodes {
                let node = graph.nodes[record.node]
                guard let out = record.output, !out.isEmpty else { continue }
                var n = node
                n.name = "\(node.name)@\(p)"
                for (k, rect) in record.inputs.enumerated() {
                    guard let rect else { continue }
                    n.inputs[k] = try read(node.inputs[k], rect)
                }
                n.outputs = node.outputs.map { "\($0)@\(p)" }
                if let padding = record.padding, node.op == .conv || node.op == .maxPool || node.op == .averagePool {
                    n.attributes["auto_pad"] = nil
                    n.attributes["pads"] = .ints([padding.top, padding.left, padding.bottom, padding.right])
                    if node.op != .conv { n.attributes["ceil_mode"] = .int(0) }
                }
                for (original, local) in zip(node.outputs, n.outputs) {
                    held[original] = (local, out)
                    if let map = stage.featureMap(original) { expected[local] = (map, out) }
                }
                nodes.append(n)
            }
            for output in stage.outputs {
                guard let rect = pass[output.tensor], !rect.isEmpty, let map = stage.featureMap(output.tensor) else { continue }
                let patch = try read(output.tensor, rect)
                var offsets = [Int](repeating: 0, count: map.shape.count)
                offsets[map.rowAxis] = rect.rows.lowerBound
                offsets[map.colAxis] = rect.cols.lowerBound
                let last = !passes[(p + 1)...].contains { !($0[output.tensor]?.isEmpty ?? true) }
                let name = last ? output.tensor : "\(output.tensor)@assembled\(p)"
                nodes.append(Node(name: "\(output.tensor)@insert\(p)", op: .insertRegion, inputs: [patch, assembled[output.tensor] ?? ""],
                                  outputs: [name], attributes: ["shape": .ints(map.shape), "offsets": .ints(offsets)]))
                assembled[output.tensor] = name
            }
        }
        nodes += graph.nodes.indices.filter { !feeds.contains($0) && !inStage.contains($0) }.map { graph.nodes[$0] }
        var g = graph
        g.nodes = nodes
        g.constants = constants
        g = try ShapeInference.run(g)
        // The region nodes must compute exactly their regions: a mismatch is a bug here.
        for (tensor, (map, rect)) in expected {
            guard let shape = g.types[tensor]?.shape, shape[map.rowAxis] == rect.height, shape[map.colAxis] == rect.width else {
                throw TesseraError.internalError("StageRewrite: \"\(tensor)\" is \(shapeText(g.types[tensor]?.shape ?? [])), not the region \(rect)")
            }
        }
        return g
    }

    /// Whether the passes cover every stage output exactly once (the grids and bands of
    /// `Splitting` do): each output pixel written by one pass.
    static func coversExactly(_ stage: Stage, _ passes: [[String: Rect]]) -> Bool {
        stage.outputs.allSatisfy { out in
            let parts = passes.compactMap { $0[out.tensor] }.filter { !$0.isEmpty }
            let area = parts.map(\.area).reduce(0, +)
            let overlap = parts.indices.contains { i in parts[(i + 1)...].contains { !$0.intersection(parts[i]).isEmpty } }
            return area == out.extent.area && !overlap
        }
    }
}
