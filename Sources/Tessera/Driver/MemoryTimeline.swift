import Foundation

/// The arena of a memory plan over time: one row per arena buffer (activations and the
/// scratch of the kernels that need some), with its offset, size and lifetime in node
/// indices, the step where the most bytes are live, and the totals. `tessera inspect
/// --memory` prints it as text (`text`) and draws it as SVG (`MemorySVG`); report.json's
/// `memory.buffers` lists the same rows (`json`).
public struct MemoryTimeline: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        /// The tensors sharing the buffer (a tensor and its views), or for scratch the
        /// planner's "scratch of <node>".
        public var tensors: [String]
        public var offset: Int
        public var bytes: Int
        /// First and last node index (inclusive) of the buffer's lifetime.
        public var first: Int
        public var last: Int
        /// The node whose kernel's scratch this is (nil for an activation).
        public var scratchNode: Int?

        public var isScratch: Bool { scratchNode != nil }
        public var end: Int { offset + bytes }
    }

    public var model: String
    /// Node names, in schedule order (the time axis).
    public var nodes: [String]
    public var rows: [Row]
    public var arenaBytes: Int
    public var lowerBoundBytes: Int
    public var scratchBytes: Int
    public var planner: String
    public var ioInArena: Bool
    /// Bytes live at each node (the sum over the buffers live there).
    public var liveBytes: [Int]

    /// The first node at which the most bytes are live (nil for a graph with no node).
    public var peakStep: Int? { liveBytes.indices.max { liveBytes[$0] < liveBytes[$1] || (liveBytes[$0] == liveBytes[$1] && $0 > $1) } }
    /// Lower bound / arena: 1 when the plan wastes nothing (1 for an empty arena).
    public var efficiency: Double { arenaBytes == 0 ? 1 : Double(lowerBoundBytes) / Double(arenaBytes) }

    public init(graph: Graph, plan: MemoryPlan) {
        model = graph.name
        nodes = graph.nodes.map(\.name)
        rows = plan.buffers.map { b in
            Row(tensors: b.tensors, offset: b.offset, bytes: b.bytes, first: b.first, last: b.last,
                scratchNode: Self.scratchNode(of: b, in: plan))
        }
        arenaBytes = plan.arenaBytes
        lowerBoundBytes = plan.lowerBoundBytes
        scratchBytes = plan.scratchBytes
        planner = plan.planner
        ioInArena = plan.ioInArena
        var live = [Int](repeating: 0, count: graph.nodes.count)
        for r in rows where r.first <= r.last && r.first >= 0 {
            for t in r.first...min(r.last, live.count - 1) { live[t] += r.bytes }
        }
        liveBytes = live
    }

    /// The node whose scratch `b` is: a one-node buffer at that node's scratch offset and
    /// size that holds no tensor of the plan's locations.
    static func scratchNode(of b: MemoryPlan.Buffer, in plan: MemoryPlan) -> Int? {
        guard b.first == b.last, let s = plan.scratch[b.first], s.offset == b.offset, s.bytes == b.bytes,
              !b.tensors.contains(where: { plan.locations[$0] != nil }) else { return nil }
        return b.first
    }

    /// report.json's `memory.buffers`: every arena buffer, scratch marked with its node.
    public var json: JSONValue {
        .array(rows.map { r in
            var fields: [(String, JSONValue)] = [
                ("kind", .string(r.isScratch ? "scratch" : "activation")),
                ("tensors", .array(r.tensors.map { .string($0) })), ("offset", .int(r.offset)), ("bytes", .int(r.bytes)),
                ("first_node", .int(r.first)), ("last_node", .int(r.last)),
            ]
            if let n = r.scratchNode {
                fields += [("node", .int(n)), ("node_name", .string(n < nodes.count ? nodes[n] : ""))]
            }
            return .object(fields)
        })
    }

    /// Columns of the lifetime bar: one per node up to `maxColumns`, else nodes grouped.
    static let maxColumns = 64

    /// The column of node `t` on a bar of `columns` columns for `steps` nodes.
    static func column(_ t: Int, steps: Int, columns: Int) -> Int { steps <= columns ? t : t * columns / steps }

    /// The text timeline: one row per buffer (offset, bytes, the lifetime as a bar over
    /// the node indices, the nodes, the tensors), the peak step marked, the totals.
    public func text() -> String {
        let steps = nodes.count
        let columns = max(1, min(steps, Self.maxColumns))
        func g(_ n: Int) -> String { InspectReport.grouped(n) }
        let peak = peakStep
        let peakColumn = peak.map { Self.column($0, steps: steps, columns: columns) }
        var out = ["Memory timeline of \"\(model)\": \(rows.count) buffer(s) over \(steps) node(s)"
                   + (steps > columns ? " (one column per \(String(format: "%.2f", Double(steps) / Double(columns))) nodes)" : "")]
        let offsetWidth = max(6, rows.map { g($0.offset).count }.max() ?? 0)
        let bytesWidth = max(5, rows.map { g($0.bytes).count }.max() ?? 0)
        let nodesWidth = max(5, rows.map { "\($0.first)-\($0.last)".count }.max() ?? 0)
        let indexWidth = max(1, String(max(rows.count - 1, 0)).count)
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        func padRight(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        let lead = "  " + pad("#", indexWidth) + "  " + pad("offset", offsetWidth) + "  " + pad("bytes", bytesWidth) + "  "
        out.append(lead + padRight("lifetime", columns) + "  " + padRight("nodes", nodesWidth) + "  tensors")
        if let peakColumn {
            let marker = String(repeating: " ", count: peakColumn) + "v"
            out.append(String(repeating: " ", count: lead.count) + padRight(marker, columns) + "  peak")
        }
        for (i, r) in rows.enumerated() {
            var bar = [Character](repeating: ".", count: columns)
            if r.first >= 0 && r.first <= r.last && r.last < steps {
                for c in Self.column(r.first, steps: steps, columns: columns)...Self.column(r.last, steps: steps, columns: columns) {
                    bar[c] = r.isScratch ? "s" : "#"
                }
            }
            let names = r.tensors.joined(separator: ", ")
            out.append("  " + pad(String(i), indexWidth) + "  " + pad(g(r.offset), offsetWidth) + "  " + pad(g(r.bytes), bytesWidth) + "  "
                       + String(bar) + "  " + padRight("\(r.first)-\(r.last)", nodesWidth) + "  "
                       + (r.isScratch ? "[scratch] " : "") + InspectReport.abbreviated(names, 60))
        }
        out.append("")
        if let peak {
            out.append("  peak        node \(peak) \"\(InspectReport.abbreviated(nodes[peak], 40))\": \(g(liveBytes[peak])) B live")
        }
        out.append("  arena       \(g(arenaBytes)) B" + (ioInArena ? " (inputs and outputs inside)" : " (inputs and outputs caller-owned)"))
        out.append("  lower bound \(g(lowerBoundBytes)) B")
        out.append("  efficiency  \(String(format: "%.3f", efficiency)) (lower bound / arena)")
        out.append("  planner     \(planner)")
        out.append("  scratch     \(g(scratchBytes)) B (largest live at once)")
        return out.joined(separator: "\n") + "\n"
    }
}
