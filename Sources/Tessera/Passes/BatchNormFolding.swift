import OrderedCollections

/// Folds inference BatchNormalization into the Conv or Gemm that produces its input
/// (scaling the weights and bias per output channel), and lowers every other one to a
/// ChannelAffine with precomputed scale and shift.
enum BatchNormFolding {
    static func run(_ graph: Graph) throws -> Graph {
        var e = GraphEditor(graph)
        for i in e.indices {
            guard let bn = e[i], bn.op == .batchNormalization else { continue }
            let (scale, shift) = try affine(bn, e.constants)
            let x = bn.inputs[0]
            if let p = e.producer(of: x), e.useCount(of: x) == 1, try fold(into: p, scale, shift, &e) {
                // The producer now computes the normalised values under the BN's output name.
                e.remove(i)
                e.update(p) { n in n.outputs[n.outputs.firstIndex(of: x)!] = bn.outputs[0] }
                continue
            }
            let s = e.addConstant("\(bn.name)_scale", [scale.count], scale)
            let t = e.addConstant("\(bn.name)_shift", [shift.count], shift)
            e.update(i) { n in
                n = Node(name: bn.name, op: .channelAffine, inputs: [x, s, t], outputs: [bn.outputs[0]],
                         attributes: ["axis": .int(1)], sourceIndex: bn.sourceIndex)
            }
        }
        return e.graph
    }

    /// Per-channel scale gamma / sqrt(var + eps) and shift beta - mean * scale, computed in
    /// double precision.
    static func affine(_ bn: Node, _ constants: OrderedDictionary<String, Constant>) throws -> (scale: [Float], shift: [Float]) {
        let eps = try AttributeReader(bn).float("epsilon", default: 1e-5)
        let p = try (1...4).map { k -> [Float] in
            guard let v = constants[bn.inputs[k]]?.floats else {
                throw TesseraError.unsupported(location: bn.location, message: "BatchNormalization input \(k) must be a float constant")
            }
            return v
        }
        var scale: [Float] = [], shift: [Float] = []
        for c in p[0].indices {
            let k = Double(p[0][c]) / (Double(p[3][c]) + eps).squareRoot()
            scale.append(Float(k))
            shift.append(Float(Double(p[1][c]) - Double(p[2][c]) * k))
        }
        // Finite statistics can still give a scale beyond float (a tiny variance): the
        // weights would not be finite.
        if let c = scale.indices.first(where: { !scale[$0].isFinite || !shift[$0].isFinite }) {
            throw TesseraError.invalidModel(location: bn.location, message: "BatchNormalization channel \(c): scale \(scale[c]) and shift \(shift[c]) are not finite (gamma / sqrt(var + epsilon) overflows float)")
        }
        return (scale, shift)
    }

    private static func notFinite(_ node: Node) -> TesseraError {
        .invalidModel(location: node.location, message: "folding the BatchNormalization that follows makes its weights overflow float")
    }

    /// Folds y = x * scale + shift (per output channel) into node `p`; false when `p` is
    /// not a foldable Conv or Gemm.
    private static func fold(into p: Int, _ scale: [Float], _ shift: [Float], _ g: inout GraphEditor) throws -> Bool {
        let node = g[p]!
        guard try Activation.fused(node) == .none else { return false }
        switch try g.spec(p) {
        case let .conv(c) where c.layout == .nchw:
            guard let w = g.constants[node.inputs[1]], let wv = w.floats else { return false }
            let perChannel = wv.count / c.outChannels
            let scaled = wv.enumerated().map { $0.element * scale[$0.offset / perChannel] }
            let bias = node.input(2).flatMap { g.constants[$0]?.floats } ?? [Float](repeating: 0, count: c.outChannels)
            guard node.input(2) == nil || g.constants[node.inputs[2]] != nil else { return false }
            let weights = g.addConstant("\(node.name)_w_bn", w.type.shape, scaled)
            let b = g.addConstant("\(node.name)_b_bn", [c.outChannels], (0..<c.outChannels).map { bias[$0] * scale[$0] + shift[$0] })
            guard (g.constants[weights]!.floats! + g.constants[b]!.floats!).allSatisfy(\.isFinite) else { throw notFinite(node) }
            g.update(p) { n in
                n.inputs[1] = weights
                if n.inputs.count < 3 { n.inputs.append(b) } else { n.inputs[2] = b }
            }
            return true
        case let .gemm(s):
            guard s.bias == .none || s.bias == .scalar || s.bias == .row,
                  let b = g.constants[node.inputs[1]], let bv = b.floats else { return false }
            let c = node.input(2).flatMap { g.constants[$0]?.floats }
            guard s.bias == .none || c != nil else { return false }
            // Column j of op(B) scales by scale[j]; alpha stays, beta * C folds into a row.
            let scaled = bv.enumerated().map { k, v in v * scale[s.transB ? k / s.k : k % s.n] }
            let row = (0..<s.n).map { j -> Float in
                let cj: Float = s.bias == .none ? 0 : (s.bias == .scalar ? c![0] : c![j])
                return Float(s.beta) * cj * scale[j] + shift[j]
            }
            let weights = g.addConstant("\(node.name)_b_bn", b.type.shape, scaled)
            let name = g.addConstant("\(node.name)_c_bn", [s.n], row)
            guard (scaled + row).allSatisfy(\.isFinite) else { throw notFinite(node) }
            g.update(p) { n in
                n.inputs[1] = weights
                if n.inputs.count < 3 { n.inputs.append(name) } else { n.inputs[2] = name }
                n.attributes["beta"] = .float(1)
            }
            return true
        default:
            return false
        }
    }
}
