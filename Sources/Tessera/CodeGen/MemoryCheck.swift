/// The memory checking mode of the generated C (`-DTSR_CHECK_MEMORY`, `tessera run
/// --check-memory`): the hooks CEmitter places around every layer, and the check table
/// that names the layers and buffers. Every line compiles to nothing without the define
/// (tsr_types.h); the runtime behind the hooks is Targets/common/tsr_check.c.
///
/// Around layer `i`:
///   - before it, `TSR_CHECK_READ(i, b, ptr, bytes)` for every arena buffer `b` it reads: the
///     checksum recorded when it was written must still match (another buffer placed over a
///     live one, or space freed early and poisoned, fails here, at the reader);
///   - when the plan put one of its outputs over an arena range of one of its inputs (in a
///     different buffer: an "overlap" placement), the same kernel call into the shadow area
///     first, under `#ifdef TSR_CHECK_MEMORY`, and after the real call
///     `TSR_CHECK_SAME(i, b, ptr, shadow, bytes)`: a kernel that overwrote input it still
///     needed fails;
///   - after it, `TSR_CHECK_WRITTEN(i, b, ptr, bytes)` for every arena buffer it wrote, then
///     `TSR_CHECK_POISON(i, ptr, bytes)` over the arena bytes of the buffers (scratch
///     included) whose lifetime ended at `i`, minus those of every buffer live at `i + 1`,
///     computed here from the plan.
///
/// Buffer ids are indices in `plan.buffers`. A layer that writes over its input's own buffer
/// (an alias, the in-place depthwise kernel) has no shadow check: the kernel is built for it.
struct MemoryCheck {
    let graph: Graph
    let plan: MemoryPlan
    let prefix: String
    /// Indexes built once (the emission stays linear in the graph): the buffer of each
    /// tensor, the buffers ending at each node and those live at each node.
    private let bufferOf: [String: Int]
    private let endingAt: [[Int]]
    private let liveAt: [[Int]]
    private let kept: [Range<Int>]

    init(graph: Graph, plan: MemoryPlan, prefix: String) {
        self.graph = graph
        self.plan = plan
        self.prefix = prefix
        var bufferOf: [String: Int] = [:]
        let steps = max(graph.nodes.count + 1, (plan.buffers.map(\.last).max() ?? 0) + 2)
        var endingAt = [[Int]](repeating: [], count: steps), liveAt = [[Int]](repeating: [], count: steps)
        for (b, buffer) in plan.buffers.enumerated() {
            for name in buffer.tensors where bufferOf[name] == nil {
                if case let .arena(offset)? = plan.locations[name], offset == buffer.offset { bufferOf[name] = b }
            }
            endingAt[buffer.last].append(b)
            for t in buffer.first...buffer.last { liveAt[t].append(b) }
        }
        for (b, buffer) in plan.buffers.enumerated() {
            for name in buffer.tensors where bufferOf[name] == nil { bufferOf[name] = b }
        }
        self.bufferOf = bufferOf
        self.endingAt = endingAt
        self.liveAt = liveAt
        let outputs = Set(graph.outputs)
        kept = plan.buffers.filter { b in b.tensors.contains { outputs.contains($0) } }.map { $0.offset..<($0.offset + $0.bytes) }
    }

    /// The arena buffer a tensor lives in: its location is `.arena(offset)` and the buffer
    /// at that offset lists it.
    func buffer(of tensor: String) -> Int? {
        guard case .arena? = plan.locations[tensor] else { return nil }
        return bufferOf[tensor]
    }

    private func range(_ tensor: String) -> Range<Int>? {
        guard case let .arena(offset)? = plan.locations[tensor], let t = graph.types[tensor] else { return nil }
        return offset..<(offset + t.byteCount)
    }

    private func bytes(_ tensor: String) -> Int { graph.types[tensor]?.byteCount ?? 0 }

    private func arenaPointer(_ offset: Int) -> String { "((uint8_t *)arena + \(offset))" }

    /// The data outputs of node `i` and whether it is an alias (no code: nothing written).
    private func writes(_ i: Int) -> [(k: Int, name: String)] {
        let node = graph.nodes[i]
        guard let spec = try? NodeSpec.of(node, in: graph) else { return [] }
        if MemoryPlanner.isView(node, spec) && plan.locations[node.inputs[0]] == plan.locations[node.outputs[0]] { return [] }
        return node.outputs.prefix(spec.outputShapes.count).enumerated().map { ($0.offset, $0.element) }
    }

    /// The outputs of node `i` the plan placed over an arena input of another buffer, with
    /// their byte offset in the shadow area.
    func shadowed(_ i: Int) -> [(k: Int, name: String, shadowOffset: Int)] {
        let node = graph.nodes[i]
        let inputs = node.inputs.filter { !$0.isEmpty }.compactMap { name in range(name).map { (name, $0) } }
        var result: [(k: Int, name: String, shadowOffset: Int)] = []
        var offset = 0
        for (k, out) in writes(i) {
            guard let r = range(out), let b = buffer(of: out) else { continue }
            if inputs.contains(where: { $0.1.overlaps(r) && buffer(of: $0.0) != b }) {
                result.append((k, out, offset))
                offset += MemoryPlanner.roundUp(r.count, plan.alignment)
            }
        }
        return result
    }

    private func shadowBytes(_ i: Int) -> Int {
        shadowed(i).reduce(0) { $0 + MemoryPlanner.roundUp(bytes($1.name), plan.alignment) }
    }

    /// The largest shadow area a layer needs: `<MODEL>_CHECK_SHADOW_BYTES`.
    var maxShadowBytes: Int { graph.nodes.indices.map(shadowBytes).max() ?? 0 }

    /// Header lines: the shadow area the driver provides.
    func header() -> [String] {
        ["#define \(prefix.uppercased())_CHECK_SHADOW_BYTES \(maxShadowBytes)u /* shadow area of -DTSR_CHECK_MEMORY (tsr_types.h) */"]
    }

    /// The check table, in the model's .c before run().
    func table() -> [String] {
        var l = ["#ifdef TSR_CHECK_MEMORY", "/* Names and state of the memory checking mode (tsr_types.h). */",
                 "static const char *const \(prefix)_check_nodes[\(max(graph.nodes.count, 1))] = {"]
        l += graph.nodes.map { "    \(CSyntax.string($0.location))," }
        if graph.nodes.isEmpty { l.append("    \"\",") }
        l.append("};")
        l.append("static const char *const \(prefix)_check_buffers[\(max(plan.buffers.count, 1))] = {")
        l += plan.buffers.map { b in
            let names = b.tensors.map { graph.types[$0] != nil ? "\"\($0)\"" : $0 }.joined(separator: ", ")
            return "    \(CSyntax.string(names)),"
        }
        if plan.buffers.isEmpty { l.append("    \"\",") }
        let n = max(plan.buffers.count, 1)
        l += ["};", "static uint32_t \(prefix)_check_sums[\(n)];", "static int32_t \(prefix)_check_writers[\(n)];",
              "static const tsr_check_table \(prefix)_check_table = {",
              "    \(graph.nodes.count), \(plan.buffers.count), \(prefix)_check_nodes, \(prefix)_check_buffers, \(prefix)_check_sums, \(prefix)_check_writers",
              "};", "#endif", ""]
        return l
    }

    /// The first statement of run(), after the argument checks.
    /// With the inputs in the arena (ArenaIO.swift): what the caller wrote there counts as
    /// written by "the caller" (node -2).
    func inputsInArena() -> [String] {
        var l: [String] = []
        for input in graph.inputs {
            guard let b = buffer(of: input.name), case let .arena(offset)? = plan.locations[input.name] else { continue }
            l.append("    TSR_CHECK_WRITTEN(-2, \(b), \(arenaPointer(offset)), \(bytes(input.name)));")
        }
        return l.isEmpty ? [] : l + [""]
    }

    func begin() -> [String] { ["    TSR_CHECK_BEGIN(\(prefix)_check_table, arena);", ""] }

    /// Before node `i`'s call: the read checks, then the shadow call. `make` is the node's
    /// kernel call with a given rendering of its outputs, `output` the real rendering (the
    /// outputs that are not shadowed are written in place twice, with the same values).
    func before(_ i: Int, output: @escaping (Int) -> String, _ make: ((Int) -> String) throws -> KernelCall) throws -> [String] {
        let node = graph.nodes[i]
        var l: [String] = []
        var seen = Set<String>()
        for name in node.inputs where !name.isEmpty && seen.insert(name).inserted {
            guard let b = buffer(of: name), case let .arena(offset)? = plan.locations[name] else { continue }
            l.append("    TSR_CHECK_READ(\(i), \(b), \(arenaPointer(offset)), \(bytes(name)));")
        }
        let shadow = shadowed(i)
        guard !shadow.isEmpty else { return l }
        let total = shadowBytes(i)
        let call = try make { k in
            guard let s = shadow.first(where: { $0.k == k }) else { return output(k) }
            let type = graph.types[s.name]?.dtype == .float16 ? "tsr_f16" : "float"
            return "(\(type) *)((uint8_t *)tsr_shadow_ + \(s.shadowOffset))"
        }
        l += ["#ifdef TSR_CHECK_MEMORY", "    {", "        /* check: the same call into the shadow area (the output is placed over an input) */",
              "        void *const tsr_shadow_ = TSR_CHECK_SHADOW(\(total));"]
        l += call.lines.map { "        " + $0 }
        l += ["        if (status != TSR_OK) return status;", "    }", "#endif"]
        return l
    }

    /// After node `i` (its call and layer hook): the shadow comparison, the write records,
    /// the poison.
    func after(_ i: Int) -> [String] {
        var l: [String] = []
        for s in shadowed(i) {
            guard let b = buffer(of: s.name), case let .arena(offset)? = plan.locations[s.name] else { continue }
            l.append("    TSR_CHECK_SAME(\(i), \(b), \(arenaPointer(offset)), (uint8_t *)TSR_CHECK_SHADOW(\(shadowBytes(i))) + \(s.shadowOffset), \(bytes(s.name)));")
        }
        for (_, name) in writes(i) {
            guard let b = buffer(of: name), case let .arena(offset)? = plan.locations[name] else { continue }
            l.append("    TSR_CHECK_WRITTEN(\(i), \(b), \(arenaPointer(offset)), \(bytes(name)));")
        }
        for r in poisonRanges(after: i) {
            l.append("    TSR_CHECK_POISON(\(i), \(arenaPointer(r.lowerBound)), \(r.count));")
        }
        return l
    }

    /// The arena byte ranges to poison after node `i`: the union of the buffers whose
    /// lifetime ends at `i` minus the union of those live at `i + 1` (scratch included).
    /// Outputs in the arena (`--io-in-arena`) stay: the caller reads them after the run.
    func poisonRanges(after i: Int) -> [Range<Int>] {
        func range(_ b: Int) -> Range<Int> { plan.buffers[b].offset..<(plan.buffers[b].offset + plan.buffers[b].bytes) }
        let dead = endingAt[i].map(range)
        let live = (i + 1 < liveAt.count ? liveAt[i + 1].map(range) : []) + kept
        return Self.subtract(Self.union(dead), Self.union(live))
    }

    static func union(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, r.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    /// `a` minus `b`, both sorted disjoint unions.
    static func subtract(_ a: [Range<Int>], _ b: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in a {
            var start = r.lowerBound
            for c in b where c.upperBound > start && c.lowerBound < r.upperBound {
                if c.lowerBound > start { out.append(start..<c.lowerBound) }
                start = max(start, c.upperBound)
            }
            if start < r.upperBound { out.append(start..<r.upperBound) }
        }
        return out
    }
}
