/// Folds a residual Add into the convolution that produces one of its operands:
/// Add(Conv(x), r) + act becomes Conv(x, w, b, residual: r) + act, which computes
/// act(conv(x) + b + r) as it writes each output (Op.residualInput). The memory planner
/// then gives the convolution's output the residual's storage, so a ResNet block keeps
/// two tensors live instead of three, and the sum is never a separate pass over memory.
///
/// Applies when
/// - the Conv (groups 1, any kernel, stride, padding) has no activation of its own, and
///   only the Add reads its output, which is not a graph output;
/// - r has the Add's shape and element type (no broadcasting), is produced by a node that
///   is not a view (so its storage is its own), is no graph input, output or constant,
///   and every other reader of r runs before the Conv in any order (is one of the Conv's
///   ancestors) and is not a view: r may then be overwritten as the Conv writes.
/// When both operands are such convolutions, the one with more MACs (the block's main
/// path) takes the other (the shortcut) as its residual, so that the shortcut is computed
/// first and the main path accumulates into it.
enum ResidualFusion {
    static func run(_ graph: Graph) throws -> Graph {
        var e = GraphEditor(graph)
        for i in e.indices {
            guard let add = e[i], add.op == .add, add.inputs.count == 2, add.inputs[0] != add.inputs[1],
                  let outType = e.types[add.outputs[0]] else { continue }
            var choices: [(conv: Int, residual: String, macs: Int)] = []
            for k in 0..<2 {
                let operand = add.inputs[k], other = add.inputs[1 - k]
                guard let c = e.producer(of: operand), let conv = e[c], conv.op == .conv, conv.inputs.count <= 3,
                      case let .conv(spec)? = try? e.spec(c), spec.group == 1, spec.activation == .none,
                      e.useCount(of: operand) == 1, !e.isGraphOutput(operand),
                      e.types[operand] == outType, e.types[other] == outType,
                      canOverwrite(other, before: c, reader: i, e) else { continue }
                choices.append((c, other, spec.macs))
            }
            guard let best = choices.max(by: { $0.macs < $1.macs }) else { continue }
            let activation = try Activation.fused(add)
            e.remove(i)
            e.update(best.conv) { n in
                while n.inputs.count < Op.residualInput { n.inputs.append("") }
                n.inputs.append(best.residual)
                n.outputs[0] = add.outputs[0]
                for (key, value) in activation.fusionAttributes { n.attributes[key] = value }
            }
        }
        return e.graph
    }

    /// Whether `tensor` may be overwritten by node `conv`: its own storage, and every
    /// reader other than `reader` an ancestor of `conv` that is not a view.
    private static func canOverwrite(_ tensor: String, before conv: Int, reader: Int, _ e: GraphEditor) -> Bool {
        guard let p = e.producer(of: tensor), let producer = e[p], !producer.op.isView, producer.op != .transpose,
              !e.isGraphOutput(tensor), e.constants[tensor] == nil else { return false }
        let others = e.readers(of: tensor).filter { $0 != reader }
        guard !others.contains(conv) else { return false }
        let ancestors = ancestors(of: conv, e)
        return others.allSatisfy { r in ancestors.contains(r) && !(e[r]?.op.isView ?? true) }
    }

    /// The nodes `node` depends on, directly or not.
    private static func ancestors(of node: Int, _ e: GraphEditor) -> Set<Int> {
        var seen = Set<Int>(), stack = [node]
        while let n = stack.popLast() {
            for input in e[n]?.inputs ?? [] where !input.isEmpty {
                if let p = e.producer(of: input), seen.insert(p).inserted { stack.append(p) }
            }
        }
        return seen
    }
}
