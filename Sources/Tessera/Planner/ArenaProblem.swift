/// The placement problem of a graph's arena, before any placement: one buffer per
/// activation (views and residual outputs joined to their input's), one per scratch, and
/// the overlap rules of OverlapRules. `MemoryPlanner.arena` places it; the schedule
/// search reads its live bytes per step (`liveProfile`) without placing anything.
struct ArenaProblem {
    var locations: [String: MemoryPlan.Location]
    var buffers: [MemoryPlan.Buffer]
    /// Buffer index of every activation tensor the arena holds.
    var bufferOf: [String: Int]
    /// Node index -> buffer index of its scratch.
    var scratchBuffer: [Int: Int]
    var rules: [PlacementProblem.Pair: PlacementProblem.Forbidden]
    /// The node whose output each rule lets overlap its input.
    var ruleNode: [PlacementProblem.Pair: Int]
    /// Buffers [0, activations) hold tensors, the rest scratch.
    var activations: Int
    var problem: PlacementProblem

    init(_ graph: Graph, _ specs: [NodeSpec], _ variants: [KernelVariant], _ dtypes: [DType],
         _ placed: [String: MemoryPlan.Location], simd: String, _ options: MemoryPlanner.ArenaOptions) throws {
        let overlap = options.overlap, ioInArena = options.ioInArena, alignment = options.alignment
        func roundUp(_ x: Int, _ a: Int) -> Int { MemoryPlanner.roundUp(x, a) }
        func sharedInput(_ node: Node, _ spec: NodeSpec) -> String? { MemoryPlanner.sharedInput(node, spec) }
        func isView(_ node: Node, _ spec: NodeSpec) -> Bool { MemoryPlanner.isView(node, spec) }
        var locations = placed
        let steps = max(graph.nodes.count, 1)
        // Activations: one buffer per produced tensor; views, and convolutions that add
        // their result into a residual operand, join their input's buffer.
        var bufferOf: [String: Int] = [:]
        var buffers: [MemoryPlan.Buffer] = []
        if ioInArena {
            for input in graph.inputs {
                locations[input.name] = nil
                bufferOf[input.name] = buffers.count
                buffers.append(.init(tensors: [input.name], offset: 0, bytes: roundUp(input.type.byteCount, alignment), first: 0, last: 0))
            }
            for output in graph.outputs where bufferOf[output] == nil { locations[output] = nil }
        }
        for (t, node) in graph.nodes.enumerated() {
            // Data outputs (every Split output); extra outputs such as Dropout's mask are
            // never stored.
            let dataOutputs = specs[t].outputShapes.count
            for extra in node.outputs.dropFirst(dataOutputs) { locations[extra] = MemoryPlan.Location.none }
            for out in node.outputs.prefix(dataOutputs) where locations[out] == nil && bufferOf[out] == nil {
                let bytes = roundUp(try graph.type(of: out).byteCount, alignment)
                if let source = sharedInput(node, specs[t]) {
                    if let b = bufferOf[source] {  // an activation: share its buffer
                        bufferOf[out] = b
                        buffers[b].tensors.append(out)
                        buffers[b].bytes = max(buffers[b].bytes, bytes)
                        continue
                    }
                    if let location = locations[source], isView(node, specs[t]) {  // a graph input, output or weights
                        locations[out] = location
                        continue
                    }
                }
                bufferOf[out] = buffers.count
                buffers.append(.init(tensors: [out], offset: 0, bytes: bytes, first: t, last: t))
            }
        }
        for (t, node) in graph.nodes.enumerated() {
            for input in node.inputs where !input.isEmpty {
                if let b = bufferOf[input] { buffers[b].last = max(buffers[b].last, t) }
            }
        }
        if ioInArena {
            for output in graph.outputs {
                if let b = bufferOf[output] { buffers[b].last = steps - 1 }
            }
        }
        let activations = buffers.count
        // Scratch: a buffer live during its node only.
        var scratchBuffer: [Int: Int] = [:]
        for (t, node) in graph.nodes.enumerated() {
            let bytes = variants[t].scratchBytes(specs[t], dtypes[t])
            guard bytes > 0 else { continue }
            scratchBuffer[t] = buffers.count
            buffers.append(.init(tensors: ["scratch of \(node.location)"], offset: 0, bytes: roundUp(bytes, alignment), first: t, last: t))
        }

        // Overlap rules: a node's output over an input that dies there.
        var rules: [PlacementProblem.Pair: PlacementProblem.Forbidden] = [:]
        var ruleNode: [PlacementProblem.Pair: Int] = [:]
        if overlap != .never {
            for (t, node) in graph.nodes.enumerated() {
                guard let out = node.outputs.first, let b = bufferOf[out], buffers[b].first == t, buffers[b].tensors.first == out,
                      specs[t].outputShapes.count == 1 else { continue }
                for (k, input) in node.inputs.enumerated() where !input.isEmpty {
                    guard let a = bufferOf[input], a != b, buffers[a].last == t, node.inputs.filter({ $0 == input }).count == 1,
                          let inType = graph.types[input], let outType = graph.types[out],
                          let d = OverlapRules.distances(node, specs[t], variant: variants[t], simd: simd, input: k,
                                                         inElement: inType.dtype.byteSize, outElement: outType.dtype.byteSize, in: graph)
                    else { continue }
                    let pair = PlacementProblem.Pair(a, b)
                    var f = OverlapRules.forbidden(d, inBytes: buffers[a].bytes, outBytes: buffers[b].bytes, alignment: alignment)
                    if options.overlapSlack != 0 && f.lo < f.hi {
                        f.lo += options.overlapSlack
                        f.hi -= options.overlapSlack
                    }
                    rules[pair] = f
                    ruleNode[pair] = t
                }
            }
        }
        problem = PlacementProblem(buffers: buffers.map { .init(bytes: $0.bytes, first: $0.first, last: $0.last) },
                                       overlaps: rules, alignment: alignment)

        self.locations = locations
        self.buffers = buffers
        self.bufferOf = bufferOf
        self.scratchBuffer = scratchBuffer
        self.rules = rules
        self.ruleNode = ruleNode
        self.activations = activations
    }
}
