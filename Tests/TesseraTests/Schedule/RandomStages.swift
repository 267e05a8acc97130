@testable import Tessera

/// Seeded random chains and DAGs of spatial ops for the brute-force checks: convolutions
/// (kernels 1 to 5, strides 1 to 2, dilations 1 to 2, random asymmetric pads, some
/// depthwise), max and average pools (some dilated, some in ceil mode), residual Adds and
/// channel Concats of two branches, Relus; sometimes a final GlobalAveragePool.
struct RandomStage {
    var builder: ModelBuilder
    /// No window has gaps (every dilation 1 and kernel >= stride): the set of pixels a
    /// rectangle depends on is then a rectangle too.
    var gapFree = true
    var endsInReduction = false
    var description: [String] = []

    private var rng: SeededRandom
    private let gaps: Bool

    /// `linear`: no Relu and no MaxPool, so that a perturbed input pixel changes every
    /// output it influences (for the reference interpreter check); `reduction`: may end in
    /// a GlobalAveragePool; `gaps`: windows may be dilated or stride past their kernel.
    init(seed: UInt64, linear: Bool = false, reduction: Bool = true, gaps: Bool = true, size: ClosedRange<Int> = 9...15,
         steps: ClosedRange<Int> = 3...5) {
        rng = SeededRandom(seed: seed)
        self.gaps = gaps
        builder = ModelBuilder("random\(seed)", seed: seed &+ 100)
        let h = int(size), w = int(size)
        builder.input("x", [1, 2, h, w])
        var t = Tensor(name: "x", c: 2, h: h, w: w)
        for step in 0..<int(steps) {
            let name = "s\(step)"
            switch int(0...9) {
            case 0...3: t = conv(t, name, cout: int(1...3), sameShape: false)
            case 4: t = conv(t, name, cout: t.c, sameShape: false, group: t.c)
            case 5, 6: t = pool(t, name, allowMax: !linear)
            case 7, 8:
                let main = conv(conv(t, "\(name)a", cout: t.c, sameShape: true), "\(name)b", cout: t.c, sameShape: true)
                let skip = int(0...1) == 0 ? t : conv(t, "\(name)skip", cout: t.c, sameShape: true)
                t = Tensor(name: builder.node("Add", [main.name, skip.name], name: "\(name)add"), c: t.c, h: t.h, w: t.w)
                description.append("\(name)add")
            default:
                let left = conv(t, "\(name)l", cout: int(1...2), sameShape: true)
                let right = conv(t, "\(name)r", cout: int(1...2), sameShape: true)
                t = Tensor(name: builder.node("Concat", [left.name, right.name], name: "\(name)cat", [("axis", .int(1))]),
                           c: left.c + right.c, h: t.h, w: t.w)
                description.append("\(name)cat")
            }
            if !linear && int(0...3) == 0 { t.name = builder.node("Relu", [t.name], name: "\(name)relu") }
        }
        if reduction && int(0...3) == 0 {
            endsInReduction = true
            t.name = builder.node("GlobalAveragePool", [t.name], name: "gap")
        }
        builder.output(t.name)
    }

    struct Tensor {
        var name: String
        var c: Int, h: Int, w: Int
    }

    private mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(rng.next() % UInt64(range.count))
    }

    /// One axis of a random window over `size`, with an output of at least 2 (or `size`
    /// itself when `sameShape`: stride 1, pads adding up to the window's extent - 1).
    private mutating func axis(_ size: Int, kernel: ClosedRange<Int>, sameShape: Bool, ceil: Bool = false)
        -> (k: Int, s: Int, d: Int, before: Int, after: Int, out: Int) {
        while true {
            let k = int(kernel), d = k > 1 && gaps ? int(1...2) : 1, s = sameShape ? 1 : int(1...(gaps ? 2 : Swift.min(2, k)))
            let eff = (k - 1) * d + 1
            let before: Int, after: Int
            if sameShape {
                before = int(0...(eff - 1))
                after = eff - 1 - before
            } else {
                before = int(0...(eff - 1))
                after = int(0...(eff - 1))
            }
            let padded = size + before + after
            guard padded >= eff else { continue }
            var out = (padded - eff) / s + 1
            if ceil, (padded - eff) % s > 0 {
                out += 1
                if (out - 1) * s >= size + before { out -= 1 }
            }
            if out >= Swift.min(2, size) || sameShape { return (k, s, d, before, after, out) }
        }
    }

    private mutating func conv(_ x: Tensor, _ name: String, cout: Int, sameShape: Bool, group: Int = 1) -> Tensor {
        let r = axis(x.h, kernel: 1...5, sameShape: sameShape), c = axis(x.w, kernel: 1...5, sameShape: sameShape)
        if r.d > 1 || c.d > 1 || r.k < r.s || c.k < c.s { gapFree = false }
        builder.conv(x.name, x.c, cout, name: name, k: (r.k, c.k), stride: (r.s, c.s), dilation: (r.d, c.d),
                     pads: [r.before, c.before, r.after, c.after], group: group, bias: int(0...1) == 0)
        description.append("\(name) conv \(r.k)x\(c.k) s\(r.s),\(c.s) d\(r.d),\(c.d) pads \([r.before, c.before, r.after, c.after]) group \(group)")
        return Tensor(name: name, c: cout, h: r.out, w: c.out)
    }

    private mutating func pool(_ x: Tensor, _ name: String, allowMax: Bool) -> Tensor {
        let isMax = allowMax && int(0...1) == 0, ceil = int(0...2) == 0
        // Pads below the window's extent, as pools require.
        let r = axis(x.h, kernel: 1...3, sameShape: false, ceil: ceil), c = axis(x.w, kernel: 1...3, sameShape: false, ceil: ceil)
        if r.d > 1 || c.d > 1 || r.k < r.s || c.k < c.s { gapFree = false }
        builder.pool(isMax ? "MaxPool" : "AveragePool", x.name, name: name, k: (r.k, c.k), stride: (r.s, c.s),
                     pads: [r.before, c.before, r.after, c.after], dilation: (r.d, c.d), ceil: ceil)
        description.append("\(name) \(isMax ? "max" : "avg") pool \(r.k)x\(c.k) s\(r.s),\(c.s) d\(r.d),\(c.d) pads \([r.before, c.before, r.after, c.after]) ceil \(ceil)")
        return Tensor(name: name, c: x.c, h: r.out, w: c.out)
    }

    /// A random non-empty rectangle of `extent`.
    mutating func rect(in extent: Rect) -> Rect {
        let r0 = int(0...(extent.height - 1)), c0 = int(0...(extent.width - 1))
        return Rect(h0: r0, h1: int((r0 + 1)...extent.height), w0: c0, w1: int((c0 + 1)...extent.width))
    }

    /// The stage of every node of the compiled graph but the layout transposes at its ends.
    static func stage(_ graph: Graph) throws -> Stage {
        try Stage(graph, nodes: graph.nodes.indices.filter { i in
            let n = graph.nodes[i]
            return !(n.op == .transpose && (n.inputs[0] == "x" || graph.outputs.contains(n.outputs[0])))
        })
    }
}
