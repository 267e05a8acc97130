/// Where each tensor lives at run time, and the arena layout.
///
/// This is the first, simple planner: activations get arena space from producer to last
/// reader, placed first-fit in time order so that buffers whose lifetimes do not
/// intersect share addresses; view ops (Identity, Dropout, Flatten, Reshape) alias their
/// input. Lifetimes are inclusive: a node's output never overlaps the inputs it reads,
/// except a depthwise layer the planner runs in place (InPlacePlanning.swift).
public struct MemoryPlan: Equatable, Sendable {
    public enum Location: Equatable, Sendable {
        case input(Int)
        case output(Int)
        /// Byte offset in the arena.
        case arena(Int)
        /// Element offset in the weights blob of that dtype (float32 or float16).
        case weights(Int, DType)
        /// Not stored (e.g. Dropout's unused mask).
        case none
    }

    /// One arena allocation, shared by a tensor and the views that alias it.
    public struct Buffer: Equatable, Sendable {
        public var tensors: [String]
        public var offset: Int
        public var bytes: Int
        /// First and last node index (inclusive) during which the buffer holds live data.
        public var first: Int
        public var last: Int
    }

    public var locations: [String: Location]
    public var buffers: [Buffer]
    public var arenaBytes: Int
    public var alignment: Int
    /// Largest total of live activation bytes at any node: no plan can use less arena.
    public var lowerBoundBytes: Int
    /// Float constants the generated code reads, in weights-blob order, each in the
    /// packing its kernel wants (a constant read in two packings appears twice).
    public var weights: [PackedWeight]
    /// Elements of the float32 and float16 weights blobs, alignment padding included.
    public var weightsFloats: Int
    public var weightsHalves: Int
    /// The kernel variant of every node, in node order.
    public var variants: [KernelVariant]
    /// Caller-owned scratch of the nodes whose kernel needs some, by node index: a byte
    /// offset in the arena, live during that node only.
    public var scratch: [Int: Scratch]

    public struct Scratch: Equatable, Sendable {
        public var offset: Int
        public var bytes: Int
    }

    /// The placement strategy whose layout this is (`PlacementStrategy.rawValue`).
    public var planner: String = PlacementStrategy.firstFit.rawValue
    /// Whether the graph inputs and outputs live in the arena (`--io-in-arena`).
    public var ioInArena: Bool = false
    /// The layers whose output the placement put over their own input, and the walk
    /// their kernel must take (OverlapRules).
    public var walks: [Int: OverlapRules.Walk] = [:]

    /// The most scratch bytes live at once (each kernel's scratch lives for its layer only).
    public var scratchBytes: Int { scratch.values.map(\.bytes).max() ?? 0 }

    /// Bytes of read-only weights (both blobs).
    public var weightsBytes: Int { weightsFloats * 4 + weightsHalves * 2 }

    public static func == (a: MemoryPlan, b: MemoryPlan) -> Bool {
        a.locations == b.locations && a.buffers == b.buffers && a.arenaBytes == b.arenaBytes
            && a.weights == b.weights && a.weightsFloats == b.weightsFloats && a.weightsHalves == b.weightsHalves
            && a.variants == b.variants && a.scratch == b.scratch
    }
}

/// A constant placed in a weights blob.
public struct PackedWeight: Equatable, Sendable {
    public var name: String
    public var packing: WeightPacking
    /// float32 or float16: which blob.
    public var dtype: DType
    public var offset: Int
    public var count: Int
}

public enum MemoryPlanner {
    /// The weights blobs' alignment, and the arena's by default.
    public static let alignment = 16

    /// What the arena placement may do besides the defaults.
    struct ArenaOptions {
        var overlap: InPlacePolicy = .whenSmaller
        var ioInArena = false
        /// Byte alignment of arena offsets (a multiple of 4).
        var alignment = MemoryPlanner.alignment
        /// Test only: bytes by which every overlap rule lets an output come closer to its
        /// input than its kernel allows (a planted bug the checks must catch).
        var overlapSlack = 0
        /// Run the exact placement search too (off: the heuristics and segments only, for
        /// ranking the schedule search's candidates quickly).
        var exact = true
    }

    /// `kernels` and the target's `simd` pick the kernel variants (and with them weight
    /// packings and scratch); `inPlace` which depthwise layers write over their input.
    public static func plan(_ graph: Graph, kernels: KernelChoice = .best, simd: String = "none",
                            inPlace: InPlacePolicy = .whenSmaller, ioInArena: Bool = false, arenaAlignment: Int = alignment) throws -> MemoryPlan {
        try plan(graph, kernels: kernels, simd: simd, arena: ArenaOptions(overlap: inPlace, ioInArena: ioInArena, alignment: arenaAlignment))
    }

    static func plan(_ graph: Graph, kernels: KernelChoice, simd: String, arena options: ArenaOptions) throws -> MemoryPlan {
        let ioInArena = options.ioInArena
        var locations: [String: MemoryPlan.Location] = [:]
        if !ioInArena {
            for (i, input) in graph.inputs.enumerated() { locations[input.name] = .input(i) }
            for (i, output) in graph.outputs.enumerated() { locations[output] = .output(i) }
        }

        // Weights: float constants read as data (not shape operands), in first-use order,
        // in the packing of the kernel that reads them.
        var weights: [PackedWeight] = []
        var blob: [DType: Int] = [.float32: 0, .float16: 0]
        let (specs, variants, dtypes) = try kernelChoices(graph, kernels: kernels, simd: simd)
        for (t, node) in graph.nodes.enumerated() {
            for (k, name) in node.inputs.enumerated() where !name.isEmpty && !node.op.constantInputs.contains(k) {
                let packing = variants[t].packing(k, specs[t], dtypes[t])
                guard let c = graph.constants[name], locations[packing.key(name)] == nil else { continue }
                let dtype = c.type.dtype
                guard dtype == .float32 || dtype == .float16 else {
                    throw TesseraError.unsupported(location: node.location, message: "constant \"\(name)\" of dtype \(dtype.rawValue) cannot be a data operand")
                }
                let offset = blob[dtype]!
                locations[packing.key(name)] = .weights(offset, dtype)
                weights.append(PackedWeight(name: name, packing: packing, dtype: dtype, offset: offset, count: c.type.elementCount))
                blob[dtype] = offset + roundUp(c.type.elementCount, alignment / dtype.byteSize)
            }
        }

        // Activations, scratch and (with ioInArena) inputs and outputs, placed by every
        // strategy of ArenaPlacement with the overlap rules of OverlapRules, keeping the
        // smallest arena.
        let layout = try arena(graph, specs, variants, dtypes, locations, simd: simd, options)
        var plan = MemoryPlan(locations: layout.locations, buffers: layout.buffers, arenaBytes: layout.arenaBytes, alignment: options.alignment,
                              lowerBoundBytes: layout.lowerBoundBytes, weights: weights, weightsFloats: blob[.float32]!,
                              weightsHalves: blob[.float16]!, variants: variants, scratch: layout.scratch)
        plan.planner = layout.planner
        plan.walks = layout.walks
        plan.ioInArena = ioInArena
        return plan
    }

    /// Every node's spec, kernel variant and compute type, in graph order.
    static func kernelChoices(_ graph: Graph, kernels: KernelChoice, simd: String) throws -> ([NodeSpec], [KernelVariant], [DType]) {
        var specs: [NodeSpec] = [], variants: [KernelVariant] = [], dtypes: [DType] = []
        for node in graph.nodes {
            let spec = try NodeSpec.of(node, in: graph)
            try checkConstantWeights(node, graph)
            specs.append(spec)
            variants.append(KernelVariant.select(node, spec, in: graph, choice: kernels, simd: simd))
            dtypes.append(try computeType(node, graph))
        }
        return (specs, variants, dtypes)
    }

    /// The arena bytes no placement can go below at each step of `graph` (in its order):
    /// what the schedule search weighs before planning a candidate whole.
    static func liveProfile(_ graph: Graph, kernels: KernelChoice, simd: String, arena options: ArenaOptions) throws -> [Int] {
        let (specs, variants, dtypes) = try kernelChoices(graph, kernels: kernels, simd: simd)
        var placed: [String: MemoryPlan.Location] = [:]
        if !options.ioInArena {
            for (i, input) in graph.inputs.enumerated() { placed[input.name] = .input(i) }
            for (i, output) in graph.outputs.enumerated() { placed[output] = .output(i) }
        }
        let built = try ArenaProblem(graph, specs, variants, dtypes, placed, simd: simd, options)
        var bounds = ArenaPlacement.stepBounds(built.problem)
        if bounds.count < graph.nodes.count { bounds += [Int](repeating: 0, count: graph.nodes.count - bounds.count) }
        return bounds
    }

    /// The arena part of a plan.
    struct ArenaLayout {
        var locations: [String: MemoryPlan.Location]
        var buffers: [MemoryPlan.Buffer]
        var arenaBytes: Int
        var lowerBoundBytes: Int
        var scratch: [Int: MemoryPlan.Scratch]
        var planner: String
        var walks: [Int: OverlapRules.Walk]
    }

    /// Places the activations and scratch in the arena. `placed` holds the graph inputs,
    /// outputs and weights (with `ioInArena`, only the weights).
    static func arena(_ graph: Graph, _ specs: [NodeSpec], _ variants: [KernelVariant], _ dtypes: [DType],
                      _ placed: [String: MemoryPlan.Location], simd: String, _ options: ArenaOptions) throws -> ArenaLayout {
        let overlap = options.overlap, alignment = options.alignment
        let built = try ArenaProblem(graph, specs, variants, dtypes, placed, simd: simd, options)
        var locations = built.locations, buffers = built.buffers
        let rules = built.rules, ruleNode = built.ruleNode, scratchBuffer = built.scratchBuffer, activations = built.activations
        let problem = built.problem
        var placement = ArenaPlacement.best(problem, exactSearch: options.exact)
        var used = rules
        if overlap == .whenSmaller && !rules.isEmpty {
            // Overlapped layers may run a slower walk: keep them only where they pay.
            var disjoint = problem
            disjoint.overlaps = [:]
            let plain = ArenaPlacement.best(disjoint, exactSearch: options.exact)
            if plain.arenaBytes <= placement.arenaBytes {
                placement = plain
                used = [:]
            }
        }
        for i in buffers.indices { buffers[i].offset = placement.offsets[i] }
        for i in 0..<activations {
            for name in buffers[i].tensors { locations[name] = .arena(buffers[i].offset) }
        }
        // The walk of every layer whose output the placement put over its input.
        var walks: [Int: OverlapRules.Walk] = [:]
        for (pair, f) in used {
            let a = buffers[pair.a], b = buffers[pair.b]
            guard a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes, let t = ruleNode[pair] else { continue }
            let delta = b.offset - a.offset
            walks[t] = delta <= f.lo ? .forward : .backward
        }
        let scratch = scratchBuffer.mapValues { MemoryPlan.Scratch(offset: buffers[$0].offset, bytes: buffers[$0].bytes) }
        // The lower bound after the overlap decisions: the pairs the placement overlaps
        // count their smallest union, every other pair is apart.
        let realized = used.filter { pair, _ in
            let a = buffers[pair.a], b = buffers[pair.b]
            return a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes
        }
        let bound = ArenaPlacement.lowerBound(PlacementProblem(buffers: problem.buffers, overlaps: realized, alignment: alignment))
        return ArenaLayout(locations: locations, buffers: buffers, arenaBytes: placement.arenaBytes, lowerBoundBytes: bound,
                           scratch: scratch, planner: placement.strategy.rawValue, walks: walks)
    }

    /// The input whose buffer the node's output joins: a view's input, the residual
    /// operand a convolution adds its result into (KernelCalls passes it as the output), or
    /// the whole tensor an InsertRegion writes a patch into.
    static func sharedInput(_ node: Node, _ spec: NodeSpec) -> String? {
        if isView(node, spec) { return node.inputs[0] }
        if node.op == .conv, let r = node.input(Op.residualInput) { return r }
        if node.op == .insertRegion, let base = node.input(1) { return base }
        return nil
    }

    /// The kernels read convolution weights packed at compile time: a Conv weight computed
    /// at run time cannot be compiled (the pipeline checks this first, so that the message
    /// names the model's tensor).
    static func checkConstantWeights(_ node: Node, _ graph: Graph) throws {
        if node.op == .conv, let w = node.input(1), graph.constants[w] == nil {
            throw TesseraError.unsupported(location: node.location, message: "the Conv weight \"\(w)\" is computed at run time; code generation needs constant convolution weights")
        }
    }

    /// The element type a node computes in: its output's (a Convert's input's).
    static func computeType(_ node: Node, _ graph: Graph) throws -> DType {
        try graph.type(of: node.op == .convert ? node.inputs[0] : node.outputs[0]).dtype
    }

    /// The node's output is its input's bytes in the same order.
    public static func isView(_ node: Node, _ spec: NodeSpec) -> Bool {
        if node.op.isView { return true }
        if case let .copy(s, _) = spec, node.op == .transpose { return s.isIdentityOrder }
        return false
    }

    static func roundUp(_ x: Int, _ a: Int) -> Int { (x + a - 1) / a * a }
}
