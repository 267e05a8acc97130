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
        try RegionNodes.checkSupported(stage, mode: "patch-scheduled")
        var out = RegionNodes(stage)
        var assembled: [String: String] = [:]
        for (p, pass) in passes.enumerated() {
            let analysis = try RegionAnalysis(stage, outputs: pass)
            // What each tensor holds in this pass: stage inputs whole, the others their region.
            var held: [String: (name: String, rect: Rect)] = [:]
            func source(_ t: String) throws -> (name: String, rect: Rect) { try held[t] ?? (t, out.map(t).extent) }
            for record in analysis.nodes {
                let node = graph.nodes[record.node]
                guard let region = record.output, !region.isEmpty else { continue }
                var inputs = [String?](repeating: nil, count: node.inputs.count)
                for (k, rect) in record.inputs.enumerated() {
                    guard let rect else { continue }
                    inputs[k] = try out.read(node.inputs[k], rect, from: try source(node.inputs[k]), tag: "\(p)")
                }
                let names = try out.compute(record.node, out: region, inputs: inputs, padding: record.padding, tag: "\(p)")
                for (original, local) in zip(node.outputs, names) where !local.isEmpty { held[original] = (local, region) }
            }
            for output in stage.outputs {
                guard let rect = pass[output.tensor], !rect.isEmpty else { continue }
                let last = !passes[(p + 1)...].contains { !($0[output.tensor]?.isEmpty ?? true) }
                if output.reduction {  // fold the pass's part of its input in
                    let t = graph.nodes[output.node].inputs[0]
                    let part = try out.read(t, rect, from: try source(t), tag: "\(p)")
                    assembled[output.tensor] = try out.fold(output.node, part: part, acc: assembled[output.tensor], last: last, tag: "\(p)")
                    continue
                }
                let patch = try out.read(output.tensor, rect, from: try source(output.tensor), tag: "\(p)")
                let name = last ? output.tensor : "\(output.tensor)@assembled\(p)"
                try out.insert(output.tensor, patch: patch, rect: rect, base: assembled[output.tensor], name: name, tag: "\(p)")
                assembled[output.tensor] = name
            }
        }
        return try out.graph(feeds: RegionNodes.feeds(stage))
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
