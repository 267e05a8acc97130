import OrderedCollections

/// The nodes a stage rewrite (patches, `StageRewrite`; row bands, `BandRewrite`) adds to
/// the graph, in execution order: region copies of the stage's nodes, Slices of the
/// buffers they read, Concats that extend a band's rows, and the InsertRegion nodes that
/// assemble each stage output in place.
struct RegionNodes {
    let stage: Stage
    var nodes: [Node] = []
    var constants: OrderedDictionary<String, Constant>
    /// For each tensor of a pass: the feature map and the rectangle it must hold (checked
    /// against the shapes after the rewrite).
    var expected: [String: (FeatureMap, Rect)] = [:]
    private var counter = 0

    init(_ stage: Stage) {
        self.stage = stage
        constants = stage.graph.constants
    }

    func map(_ tensor: String) throws -> FeatureMap {
        guard let map = stage.featureMap(tensor) else {
            throw TesseraError.internalError("stage rewrite: \"\(tensor)\" has no feature map in the stage")
        }
        return map
    }

    /// A tensor holding exactly `rect` of `tensor`, read from `source` (a tensor holding
    /// `source.rect` of it): `source` itself when they agree, else a new Slice of it.
    mutating func read(_ tensor: String, _ rect: Rect, from source: (name: String, rect: Rect), tag: String) throws -> String {
        if source.rect == rect { return source.name }
        guard source.rect.contains(rect) else {
            throw TesseraError.internalError("stage rewrite: \(rect) of \"\(tensor)\" is not inside the \(source.rect) that \"\(source.name)\" holds")
        }
        let map = try map(tensor)
        let name = "\(tensor)@\(tag).slice\(counter)"
        counter += 1
        let local = rect.offsetBy(rows: -source.rect.rows.lowerBound, cols: -source.rect.cols.lowerBound)
        let values = [("starts", [local.rows.lowerBound, local.cols.lowerBound]), ("ends", [local.rows.upperBound, local.cols.upperBound]),
                      ("axes", [map.rowAxis, map.colAxis])]
        for (suffix, v) in values {
            let c = "\(name).\(suffix)"
            constants[c] = Constant(name: c, type: TensorType([v.count], .int64), data: .int64(v.map(Int64.init)))
        }
        nodes.append(Node(name: name, op: .slice, inputs: [source.name, "\(name).starts", "\(name).ends", "\(name).axes"], outputs: [name]))
        expected[name] = (map, rect)
        return name
    }

    /// The stage's node `index` computing `out` of its output(s) in pass `tag`, reading
    /// `inputs` (new names by position, nil to keep a constant) with `padding` in place of
    /// its pads (window ops). Returns the names of its outputs in this pass.
    mutating func compute(_ index: Int, out: Rect, inputs: [String?], padding: Padding?, tag: String) throws -> [String] {
        let node = stage.graph.nodes[index]
        var n = node
        n.name = "\(node.name)@\(tag)"
        for (k, name) in inputs.enumerated() { if let name { n.inputs[k] = name } }
        n.outputs = node.outputs.map { $0.isEmpty ? $0 : "\($0)@\(tag)" }
        if let padding, node.op == .conv || node.op == .maxPool || node.op == .averagePool {
            n.attributes["auto_pad"] = nil
            n.attributes["pads"] = .ints([padding.top, padding.left, padding.bottom, padding.right])
            if node.op != .conv { n.attributes["ceil_mode"] = .int(0) }
        }
        for (original, local) in zip(node.outputs, n.outputs) where !local.isEmpty {
            if let map = stage.featureMap(original) { expected[local] = (map, out) }
        }
        nodes.append(n)
        return n.outputs
    }

    /// `parts` (tensors holding consecutive row ranges of `tensor`, top first) joined
    /// along the rows into one tensor named `name`, holding `rect`.
    mutating func concatRows(_ tensor: String, _ parts: [String], rect: Rect, name: String) throws -> String {
        let map = try map(tensor)
        nodes.append(Node(name: name, op: .concat, inputs: parts, outputs: [name], attributes: ["axis": .int(map.rowAxis)]))
        expected[name] = (map, rect)
        return name
    }

    /// Writes `patch` (holding `rect` of the stage output `tensor`) into the assembled
    /// output: into `base` (the tensor the previous insert wrote; nil for the first), as
    /// the tensor `name`.
    mutating func insert(_ tensor: String, patch: String, rect: Rect, base: String?, name: String, tag: String) throws {
        let map = try map(tensor)
        var offsets = [Int](repeating: 0, count: map.shape.count)
        offsets[map.rowAxis] = rect.rows.lowerBound
        offsets[map.colAxis] = rect.cols.lowerBound
        nodes.append(Node(name: "\(tensor)@insert\(tag)", op: .insertRegion, inputs: [patch, base ?? ""],
                          outputs: [name], attributes: ["shape": .ints(map.shape), "offsets": .ints(offsets)]))
    }

    /// Folds `part` (a region of the input of the terminal reduction `index`) into its
    /// running result `acc` (nil before the first region) and returns the new result. A
    /// sum or mean adds the region's sum (ReduceSum) to the running sum; with `last` a mean
    /// is scaled by 1 / (rows x columns) and the result takes the reduction's output name.
    mutating func fold(_ index: Int, part: String, acc: String?, last: Bool, tag: String) throws -> String {
        let node = stage.graph.nodes[index], out = node.outputs[0]
        guard let input = stage.featureMap(node.inputs[0]), let type = stage.graph.types[out] else {
            throw TesseraError.internalError("stage rewrite: \(node.location) is not a spatial reduction")
        }
        let spec = try NodeSpec.of(node, in: stage.graph)
        let whole: Bool  // a whole-map average (GlobalAveragePool or a global AveragePool): no axes of its own
        switch spec {
        case .reduce: whole = node.op == .globalAveragePool
        case .pool(.average, _): whole = true
        default: throw TesseraError.internalError("stage rewrite: \(node.location) is not a spatial reduction")
        }
        let mean: Bool
        if case let .reduce(r) = spec { mean = r.kind == .mean } else { mean = true }
        func name(_ suffix: String, final: Bool) -> String { final ? out : "\(out)@\(tag).\(suffix)" }
        var partial = node
        partial.name = "\(node.name)@\(tag)"
        partial.op = .reduceSum
        partial.inputs[0] = part
        if whole {
            partial.inputs = [part]
            partial.attributes = ["axes": .ints([input.rowAxis, input.colAxis]), "keepdims": .int(1)]
        }
        let sumIsResult = last && !mean
        partial.outputs = [name("part", final: sumIsResult && acc == nil)]
        nodes.append(partial)
        var result = partial.outputs[0]
        if let acc {
            let sum = name("acc", final: sumIsResult)
            nodes.append(Node(name: "\(node.name)@\(tag).add", op: .add, inputs: [acc, result], outputs: [sum]))
            result = sum
        }
        // The sums are in the input's type; a reduction that wrote another type (a half
        // pool writing float) converts once at the end.
        let computes = stage.graph.types[node.inputs[0]]?.dtype ?? type.dtype
        let converts = last && computes != type.dtype
        if last && mean {
            let scale = "\(out)@scale"
            constants[scale] = Constant(name: scale, type: TensorType([1], computes),
                                        data: .float([computes == .float16 ? Float(Float16(1 / Float(input.height * input.width))) : 1 / Float(input.height * input.width)]))
            let scaled = converts ? "\(out)@\(tag).scaled" : out
            nodes.append(Node(name: "\(node.name)@\(tag).scale", op: .mul, inputs: [result, scale], outputs: [scaled]))
            result = scaled
        }
        if converts {
            if result == out {  // a sum named for the output: rename it, then convert
                nodes[nodes.count - 1].outputs = ["\(out)@\(tag).sum"]
                result = "\(out)@\(tag).sum"
            }
            nodes.append(Node(name: "\(node.name)@\(tag).convert", op: .convert, inputs: [result], outputs: [out],
                              attributes: ["to": .string(type.dtype.rawValue)]))
            result = out
        }
        return result
    }

    /// The graph: the nodes feeding the stage, then these, then the rest; shapes inferred
    /// and every region tensor checked to hold exactly its rectangle.
    func graph(feeds: Set<Int>) throws -> Graph {
        let graph = stage.graph, inStage = Set(stage.nodes)
        var g = graph
        g.nodes = graph.nodes.indices.filter { feeds.contains($0) }.map { graph.nodes[$0] } + nodes
            + graph.nodes.indices.filter { !feeds.contains($0) && !inStage.contains($0) }.map { graph.nodes[$0] }
        g.constants = constants
        g = try ShapeInference.run(g)
        // The region nodes must compute exactly their regions: a mismatch is a bug in the rewrite.
        for (tensor, (map, rect)) in expected {
            guard let shape = g.types[tensor]?.shape, shape[map.rowAxis] == rect.height, shape[map.colAxis] == rect.width else {
                throw TesseraError.internalError("stage rewrite: \"\(tensor)\" is \(shapeText(g.types[tensor]?.shape ?? [])), not the region \(rect)")
            }
        }
        return g
    }

    /// The nodes outside the stage that feed it (they run before it; the others after).
    static func feeds(_ stage: Stage) -> Set<Int> {
        let graph = stage.graph, inStage = Set(stage.nodes)
        var feeds = Set<Int>(), producer: [String: Int] = [:]
        for (i, n) in graph.nodes.enumerated() { for o in n.outputs { producer[o] = i } }
        var stack = stage.nodes
        while let i = stack.popLast() {
            for t in graph.nodes[i].inputs where !t.isEmpty {
                if let p = producer[t], !inStage.contains(p), feeds.insert(p).inserted { stack.append(p) }
            }
        }
        return feeds
    }

    /// Refuses what neither rewrite supports inside a stage yet.
    static func checkSupported(_ stage: Stage, mode: String) throws {
        let graph = stage.graph
        for i in stage.nodes {
            let node = graph.nodes[i]
            if node.op == .pad || node.op == .resize {
                throw TesseraError.unsupported(location: node.location, message: "\(node.op.name) inside a \(mode) stage is not supported yet")
            }
            if node.op == .averagePool, (try AttributeReader(node).int("count_include_pad", default: 0)) != 0,
               (try AttributeReader(node).int("ceil_mode", default: 0)) != 0 {
                throw TesseraError.unsupported(location: node.location, message: "AveragePool with count_include_pad and ceil_mode inside a \(mode) stage is not supported")
            }
        }
        for r in stage.outputs where r.reduction {
            let spec = try NodeSpec.of(graph.nodes[r.node], in: graph)
            var folds = false
            if case let .reduce(s) = spec { folds = s.kind == .mean || s.kind == .sum }
            if case .pool(.average, _) = spec { folds = true }
            guard folds else {
                throw TesseraError.unsupported(location: graph.nodes[r.node].location, message: "a \(mode) stage can end in a mean or a sum, not a maximum or minimum, yet")
            }
        }
    }
}
