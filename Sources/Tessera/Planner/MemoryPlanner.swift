/// Where each tensor lives at run time, and the arena layout.
///
/// This is the first, simple planner: activations get arena space from producer to last
/// reader, placed first-fit in time order so that buffers whose lifetimes do not
/// intersect share addresses; view ops (Identity, Dropout, Flatten, Reshape) alias their
/// input. Lifetimes are inclusive: a node's output never overlaps the inputs it reads.
public struct MemoryPlan: Equatable, Sendable {
    public enum Location: Equatable, Sendable {
        case input(Int)
        case output(Int)
        /// Byte offset in the arena.
        case arena(Int)
        /// Element offset in the weights blob.
        case weights(Int)
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
    /// Float constants the generated code reads, in weights-blob order.
    public var weights: [(name: String, offset: Int, count: Int)]
    /// Elements in the weights blob, including alignment padding.
    public var weightsElements: Int

    public static func == (a: MemoryPlan, b: MemoryPlan) -> Bool {
        a.locations == b.locations && a.buffers == b.buffers && a.arenaBytes == b.arenaBytes
            && a.weights.map(\.name) == b.weights.map(\.name) && a.weightsElements == b.weightsElements
    }
}

public enum MemoryPlanner {
    public static let alignment = 16

    public static func plan(_ graph: Graph) throws -> MemoryPlan {
        var locations: [String: MemoryPlan.Location] = [:]
        for (i, input) in graph.inputs.enumerated() { locations[input.name] = .input(i) }
        for (i, output) in graph.outputs.enumerated() { locations[output] = .output(i) }

        // Weights: float constants read as data (not shape operands), in first-use order.
        var weights: [(name: String, offset: Int, count: Int)] = []
        var weightsElements = 0
        let floatsPerAlign = alignment / 4
        for node in graph.nodes {
            for (k, name) in node.inputs.enumerated() where !name.isEmpty && !node.op.constantInputs.contains(k) {
                guard let c = graph.constants[name], locations[name] == nil else { continue }
                guard c.type.dtype == .float32 else {
                    throw TesseraError.unsupported(location: node.location, message: "constant \"\(name)\" of dtype \(c.type.dtype.rawValue) cannot be a data operand")
                }
                locations[name] = .weights(weightsElements)
                weights.append((name, weightsElements, c.type.elementCount))
                weightsElements += roundUp(c.type.elementCount, floatsPerAlign)
            }
        }

        // Activations: one buffer per produced tensor; views join their input's buffer.
        var bufferOf: [String: Int] = [:]
        var buffers: [MemoryPlan.Buffer] = []
        for (t, node) in graph.nodes.enumerated() {
            let out = node.outputs[0]
            if node.outputs.count > 1 {
                for extra in node.outputs.dropFirst() { locations[extra] = MemoryPlan.Location.none }
            }
            if locations[out] != nil { continue }  // graph output
            if node.op.isView {
                if let b = bufferOf[node.inputs[0]] {  // an activation: share its buffer
                    bufferOf[out] = b
                    buffers[b].tensors.append(out)
                    continue
                }
                if let source = locations[node.inputs[0]] {  // a graph input, output or weights
                    locations[out] = source
                    continue
                }
            }
            let bytes = try graph.type(of: out).byteCount
            bufferOf[out] = buffers.count
            buffers.append(.init(tensors: [out], offset: 0, bytes: roundUp(bytes, alignment), first: t, last: t))
        }
        for (t, node) in graph.nodes.enumerated() {
            for input in node.inputs where !input.isEmpty {
                if let b = bufferOf[input] { buffers[b].last = max(buffers[b].last, t) }
            }
        }

        // First fit in time order: lowest offset not overlapping any placed buffer whose
        // lifetime intersects (inclusive bounds).
        for i in buffers.indices {
            var conflicts = buffers[..<i].filter { $0.first <= buffers[i].last && buffers[i].first <= $0.last }
            conflicts.sort { $0.offset < $1.offset }
            var offset = 0
            for other in conflicts where other.offset < offset + buffers[i].bytes {
                offset = max(offset, other.offset + other.bytes)
            }
            buffers[i].offset = offset
            for name in buffers[i].tensors { locations[name] = .arena(offset) }
        }
        let arena = buffers.map { $0.offset + $0.bytes }.max() ?? 0
        var lowerBound = 0
        for t in graph.nodes.indices {
            lowerBound = max(lowerBound, buffers.filter { $0.first <= t && t <= $0.last }.map(\.bytes).reduce(0, +))
        }
        return MemoryPlan(locations: locations, buffers: buffers, arenaBytes: arena, alignment: alignment,
                          lowerBoundBytes: lowerBound, weights: weights, weightsElements: weightsElements)
    }

    static func roundUp(_ x: Int, _ a: Int) -> Int { (x + a - 1) / a * a }
}
