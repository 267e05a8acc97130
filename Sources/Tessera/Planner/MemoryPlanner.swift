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
    public static let alignment = 16

    /// `kernels` and the target's `simd` pick the kernel variants (and with them weight
    /// packings and scratch); `inPlace` which depthwise layers write over their input.
    public static func plan(_ graph: Graph, kernels: KernelChoice = .best, simd: String = "none",
                            inPlace: InPlacePolicy = .whenSmaller) throws -> MemoryPlan {
        var locations: [String: MemoryPlan.Location] = [:]
        for (i, input) in graph.inputs.enumerated() { locations[input.name] = .input(i) }
        for (i, output) in graph.outputs.enumerated() { locations[output] = .output(i) }

        // Weights: float constants read as data (not shape operands), in first-use order,
        // in the packing of the kernel that reads them.
        var weights: [PackedWeight] = []
        var blob: [DType: Int] = [.float32: 0, .float16: 0]
        var specs: [NodeSpec] = []
        var variants: [KernelVariant] = []
        var dtypes: [DType] = []
        for node in graph.nodes {
            let spec = try NodeSpec.of(node, in: graph)
            try checkConstantWeights(node, graph)
            let variant = KernelVariant.select(node, spec, in: graph, choice: kernels, simd: simd)
            let dtype = try computeType(node, graph)
            specs.append(spec)
            variants.append(variant)
            dtypes.append(dtype)
            for (k, name) in node.inputs.enumerated() where !name.isEmpty && !node.op.constantInputs.contains(k) {
                let packing = variant.packing(k, spec, dtype)
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

        // Activations and scratch, then the depthwise layers that run in place where that
        // lowers the arena (InPlacePlanning).
        var layout = try arena(graph, specs, variants, dtypes, locations, inPlace: [])
        let candidates = kernels == .best ? inPlaceCandidates(graph, specs, locations, layout) : []
        let chosen = try searchInPlace(candidates, policy: inPlace, start: layout) { set in
            try arena(graph, specs, variants, dtypes, locations, inPlace: set)
        }
        if !chosen.isEmpty { layout = try arena(graph, specs, variants, dtypes, locations, inPlace: chosen) }
        for t in chosen { variants[t] = .depthwiseInPlace }
        return MemoryPlan(locations: layout.locations, buffers: layout.buffers, arenaBytes: layout.arenaBytes, alignment: alignment,
                          lowerBoundBytes: layout.lowerBoundBytes, weights: weights, weightsFloats: blob[.float32]!,
                          weightsHalves: blob[.float16]!, variants: variants, scratch: layout.scratch)
    }

    /// The arena part of a plan.
    struct ArenaLayout {
        var locations: [String: MemoryPlan.Location]
        var buffers: [MemoryPlan.Buffer]
        var arenaBytes: Int
        var lowerBoundBytes: Int
        var scratch: [Int: MemoryPlan.Scratch]
    }

    /// Places the activations and scratch in the arena. `locations` holds the graph inputs,
    /// outputs and weights; the depthwise nodes in `inPlace` write over their input (their
    /// output joins the input's buffer and their scratch is the in-place kernel's).
    static func arena(_ graph: Graph, _ specs: [NodeSpec], _ variants: [KernelVariant], _ dtypes: [DType],
                      _ placed: [String: MemoryPlan.Location], inPlace: Set<Int>) throws -> ArenaLayout {
        var locations = placed
        // Activations: one buffer per produced tensor; views and in-place outputs join their
        // input's buffer.
        var bufferOf: [String: Int] = [:]
        var buffers: [MemoryPlan.Buffer] = []
        for (t, node) in graph.nodes.enumerated() {
            // Data outputs (every Split output); extra outputs such as Dropout's mask are
            // never stored.
            let dataOutputs = specs[t].outputShapes.count
            for extra in node.outputs.dropFirst(dataOutputs) { locations[extra] = MemoryPlan.Location.none }
            for out in node.outputs.prefix(dataOutputs) where locations[out] == nil {  // graph outputs are placed
                let bytes = roundUp(try graph.type(of: out).byteCount, alignment)
                if isView(node, specs[t]) || inPlace.contains(t) {
                    if let b = bufferOf[node.inputs[0]] {  // an activation: share its buffer
                        bufferOf[out] = b
                        buffers[b].tensors.append(out)
                        buffers[b].bytes = max(buffers[b].bytes, bytes)
                        continue
                    }
                    if let source = locations[node.inputs[0]], !inPlace.contains(t) {  // a graph input, output or weights
                        locations[out] = source
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
        // Scratch: a buffer live during its node only.
        var scratchBuffer: [Int: Int] = [:]
        for (t, node) in graph.nodes.enumerated() {
            let variant = inPlace.contains(t) ? KernelVariant.depthwiseInPlace : variants[t]
            let bytes = variant.scratchBytes(specs[t], dtypes[t])
            guard bytes > 0 else { continue }
            scratchBuffer[t] = buffers.count
            buffers.append(.init(tensors: ["scratch of \(node.location)"], offset: 0, bytes: roundUp(bytes, alignment), first: t, last: t))
        }

        // First fit in time order: lowest offset not overlapping any placed buffer whose
        // lifetime intersects (inclusive bounds). The placed buffers live at each node and
        // those starting at each node find the intersecting ones without comparing every
        // pair: a buffer intersects [first, last] when it is live at `first` or starts in
        // (first, last].
        let steps = graph.nodes.count
        var liveAt = [[Int]](repeating: [], count: steps), startsAt = [[Int]](repeating: [], count: steps)
        let scratchIndices = Set(scratchBuffer.values)
        for i in buffers.indices {
            let b = buffers[i]
            var conflicts = liveAt[b.first].map { buffers[$0] }
            if b.last > b.first {
                for t in (b.first + 1)...b.last { conflicts += startsAt[t].map { buffers[$0] } }
            }
            conflicts.sort { $0.offset < $1.offset }
            var offset = 0
            for other in conflicts where other.offset < offset + b.bytes {
                offset = max(offset, other.offset + other.bytes)
            }
            buffers[i].offset = offset
            for t in b.first...b.last { liveAt[t].append(i) }
            startsAt[b.first].append(i)
            if !scratchIndices.contains(i) {
                for name in b.tensors { locations[name] = .arena(offset) }
            }
        }
        let scratch = scratchBuffer.mapValues { MemoryPlan.Scratch(offset: buffers[$0].offset, bytes: buffers[$0].bytes) }
        // The largest total of live bytes at any node, by a sweep over lifetime ends.
        var change = [Int](repeating: 0, count: steps + 1)
        for b in buffers {
            change[b.first] += b.bytes
            change[b.last + 1] -= b.bytes
        }
        var lowerBound = 0, live = 0
        for t in 0..<steps {
            live += change[t]
            lowerBound = max(lowerBound, live)
        }
        return ArenaLayout(locations: locations, buffers: buffers, arenaBytes: buffers.map { $0.offset + $0.bytes }.max() ?? 0,
                           lowerBoundBytes: lowerBound, scratch: scratch)
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
