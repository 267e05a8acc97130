/// The geometry of a 2-D sliding window (convolution or pooling) along height and width:
/// ONNX's kernel_shape, strides, dilations, pads and auto_pad resolved to numbers.
public struct SpatialGeometry: Equatable, Sendable {
    public var kernel: (h: Int, w: Int)
    public var stride: (h: Int, w: Int)
    public var dilation: (h: Int, w: Int)
    /// top, left, bottom, right
    public var pads: (top: Int, left: Int, bottom: Int, right: Int)
    public var input: (h: Int, w: Int)
    public var output: (h: Int, w: Int)

    public static func == (a: SpatialGeometry, b: SpatialGeometry) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.dilation == b.dilation && a.pads == b.pads
            && a.input == b.input && a.output == b.output
    }

    /// Resolves the window attributes of `node` for an input of `inH` x `inW`.
    /// `kernel` comes from the weight (conv) or `kernel_shape` (pool).
    static func resolve(_ node: Node, inH: Int, inW: Int, kernel: (Int, Int), ceilMode: Bool = false) throws -> SpatialGeometry {
        let a = AttributeReader(node)
        func pair(_ name: String, _ def: Int) throws -> (Int, Int) {
            guard let v = try a.ints(name) else { return (def, def) }
            guard v.count == 2 else {
                throw a.fail("\(name) must have 2 values (height, width), got \(shapeText(v))")
            }
            guard v.allSatisfy({ $0 > 0 }) else { throw a.fail("\(name) must be positive, got \(shapeText(v))") }
            return (v[0], v[1])
        }
        let stride = try pair("strides", 1)
        let dilation = try pair("dilations", 1)
        let window = CheckedArithmetic(node, "the dilated kernel size")
        let effH = try window.add(try window.multiply(kernel.0 - 1, dilation.0), 1)
        let effW = try window.add(try window.multiply(kernel.1 - 1, dilation.1), 1)
        let autoPad = try a.string("auto_pad", default: "NOTSET")
        var pads = (top: 0, left: 0, bottom: 0, right: 0)
        let explicitPads = try a.ints("pads")
        switch autoPad {
        case "NOTSET":
            if let p = explicitPads {
                guard p.count == 4 else {
                    throw a.fail("pads must have 4 values (top, left, bottom, right), got \(shapeText(p))")
                }
                guard p.allSatisfy({ $0 >= 0 }) else { throw a.fail("pads must be non-negative, got \(shapeText(p))") }
                pads = (p[0], p[1], p[2], p[3])
            }
        case "VALID", "SAME_UPPER", "SAME_LOWER":
            if let p = explicitPads, p.contains(where: { $0 != 0 }) {
                throw a.fail("pads \(shapeText(p)) cannot be combined with auto_pad \"\(autoPad)\"")
            }
            if autoPad != "VALID" {
                let c = CheckedArithmetic(node, "the \(autoPad) padding")
                func same(_ size: Int, _ s: Int, _ eff: Int) throws -> (Int, Int) {
                    let out = try c.divideRoundingUp(size, s)
                    let total = max(0, try c.subtract(try c.add(try c.multiply(out - 1, s), eff), size))
                    let small = total / 2, large = total - small
                    return autoPad == "SAME_UPPER" ? (small, large) : (large, small)
                }
                let h = try same(inH, stride.0, effH), w = try same(inW, stride.1, effW)
                pads = (h.0, w.0, h.1, w.1)
            }
        default:
            throw a.fail("auto_pad must be NOTSET, VALID, SAME_UPPER or SAME_LOWER, got \"\(autoPad)\"")
        }
        let padded = CheckedArithmetic(node, "the padded input size")
        let paddedH = try padded.sum([inH, pads.top, pads.bottom])
        let paddedW = try padded.sum([inW, pads.left, pads.right])
        guard effH <= paddedH && effW <= paddedW else {
            let dilated = dilation == (1, 1) ? "" : " (dilated \(effH)x\(effW))"
            throw a.fail("kernel \(kernel.0)x\(kernel.1)\(dilated) is larger than the padded input \(paddedH)x\(paddedW)")
        }
        // padded >= eff here, so the window counts below are at most padded + 1.
        func outSize(_ padded: Int, _ eff: Int, _ s: Int, _ size: Int, _ padBegin: Int) -> Int {
            if !ceilMode { return (padded - eff) / s + 1 }
            var out = (padded - eff) / s + ((padded - eff) % s > 0 ? 1 : 0) + 1
            // The last window must start inside the input or its leading padding (a start
            // too large for Int is outside too).
            let (start, overflow) = (out - 1).multipliedReportingOverflow(by: s)
            if overflow || start >= size + padBegin { out -= 1 }
            return out
        }
        let out = (h: outSize(paddedH, effH, stride.0, inH, pads.top), w: outSize(paddedW, effW, stride.1, inW, pads.left))
        return SpatialGeometry(kernel: (kernel.0, kernel.1), stride: stride, dilation: dilation,
                               pads: pads, input: (inH, inW), output: out)
    }
}

/// The physical order of a 4-D activation's axes. Model files are NCHW (ONNX); the
/// layout pass moves spatial ops to NHWC, the kernels' layout, and records it on the node.
public enum DataLayout: String, Sendable {
    case nchw = "NCHW"
    case nhwc = "NHWC"

    static func of(_ node: Node) throws -> DataLayout {
        let a = AttributeReader(node)
        let text = try a.string(Op.layoutAttribute, default: "NCHW")
        guard let layout = DataLayout(rawValue: text) else {
            throw a.fail("\(Op.layoutAttribute) must be \"NCHW\" or \"NHWC\", got \"\(text)\"")
        }
        return layout
    }

    /// (N, C, H, W) of a 4-D shape in this layout.
    func split(_ s: [Int]) -> (n: Int, c: Int, h: Int, w: Int) {
        self == .nchw ? (s[0], s[1], s[2], s[3]) : (s[0], s[3], s[1], s[2])
    }

    /// The 4-D shape of (N, C, H, W) in this layout.
    func shape(n: Int, c: Int, h: Int, w: Int) -> [Int] {
        self == .nchw ? [n, c, h, w] : [n, h, w, c]
    }

    /// Axis of the channels.
    var channelAxis: Int { self == .nchw ? 1 : 3 }
}

/// Conv: ONNX 2-D convolution, grouped (depthwise when group == C == M). The weight is
/// always OIHW in the IR (code generation packs it for the kernel); the activations are in
/// the node's `data_layout`.
public struct ConvSpec: Equatable, Sendable {
    public var batch: Int
    public var inChannels: Int
    public var outChannels: Int
    public var group: Int
    public var geometry: SpatialGeometry
    public var hasBias: Bool
    public var layout: DataLayout
    public var activation: Activation

    public var outputShape: [Int] {
        layout.shape(n: batch, c: outChannels, h: geometry.output.h, w: geometry.output.w)
    }
    /// Every group has one input channel: the depthwise kernel applies (with a channel
    /// multiplier of outChannels / inChannels).
    public var isDepthwise: Bool { group == inChannels && group > 1 }
    public var macs: Int {
        batch * outChannels * geometry.output.h * geometry.output.w * (inChannels / group) * geometry.kernel.h * geometry.kernel.w
    }

    static func make(_ node: Node, _ ctx: SpecContext) throws -> ConvSpec {
        let a = AttributeReader(node)
        let x = try ctx.floatShape(node, 0), w = try ctx.floatShape(node, 1)
        guard x.count == 4 else {
            throw TesseraError.unsupported(location: node.location, message: "Conv input must be 4-D (N, C, H, W), got \(shapeText(x)); only 2-D convolution is supported")
        }
        guard w.count == 4 else { throw a.fail("Conv weight must be 4-D, got \(shapeText(w))") }
        let layout = try DataLayout.of(node)
        let d = layout.split(x)
        let group = try a.int("group", default: 1)
        guard group >= 1 else { throw a.fail("group must be at least 1, got \(group)") }
        let m = w[0]
        guard m % group == 0 else { throw a.fail("weight has \(m) output channels, not divisible by group \(group)") }
        guard d.c == (try CheckedArithmetic(node, "the input channels of the weight").multiply(w[1], group)) else {
            throw a.fail("input has \(d.c) channels but weight \(shapeText(w)) with group \(group) expects \(w[1] * group)")
        }
        if let ks = try a.ints("kernel_shape"), ks != [w[2], w[3]] {
            throw a.fail("kernel_shape \(shapeText(ks)) does not match the weight's \(shapeText([w[2], w[3]]))")
        }
        guard w[2] > 0 && w[3] > 0 && m > 0 else { throw a.fail("Conv weight \(shapeText(w)) has an empty dimension") }
        let geometry = try SpatialGeometry.resolve(node, inH: d.h, inW: d.w, kernel: (w[2], w[3]))
        var hasBias = false
        if node.input(2) != nil {
            let b = try ctx.floatShape(node, 2)
            guard b == [m] else { throw a.fail("Conv bias must have shape [\(m)], got \(shapeText(b))") }
            hasBias = true
        }
        let spec = ConvSpec(batch: d.n, inChannels: d.c, outChannels: m, group: group, geometry: geometry, hasBias: hasBias,
                            layout: layout, activation: try Activation.fused(node))
        if node.input(Op.residualInput) != nil {
            let r = try ctx.floatShape(node, Op.residualInput)
            guard r == spec.outputShape else {
                throw a.fail("Conv residual must have the output's shape \(shapeText(spec.outputShape)), got \(shapeText(r))")
            }
            guard group == 1 else { throw a.fail("a Conv with a residual input must have group 1, got \(group)") }
        }
        return spec
    }
}

/// MaxPool and AveragePool over the two spatial axes.
public struct PoolSpec: Equatable, Sendable {
    public var batch: Int
    public var channels: Int
    public var geometry: SpatialGeometry
    public var countIncludePad: Bool
    public var layout: DataLayout
    /// float32 for an AveragePool of a float16 tensor written in float (`output_dtype`).
    public var outputDType: DType? = nil

    public var outputShape: [Int] { layout.shape(n: batch, c: channels, h: geometry.output.h, w: geometry.output.w) }

    static func make(_ node: Node, _ ctx: SpecContext) throws -> PoolSpec {
        let a = AttributeReader(node)
        let x = try ctx.floatShape(node, 0)
        guard x.count == 4 else {
            throw TesseraError.unsupported(location: node.location, message: "\(node.op.name) input must be 4-D (N, C, H, W), got \(shapeText(x)); only 2-D pooling is supported")
        }
        let layout = try DataLayout.of(node)
        let d = layout.split(x)
        guard let ks = try a.ints("kernel_shape") else { throw a.fail("missing required attribute \"kernel_shape\"") }
        guard ks.count == 2, ks.allSatisfy({ $0 > 0 }) else {
            throw a.fail("kernel_shape must be 2 positive values, got \(shapeText(ks))")
        }
        let ceil = try a.int("ceil_mode", default: 0)
        guard ceil == 0 || ceil == 1 else { throw a.fail("ceil_mode must be 0 or 1, got \(ceil)") }
        if node.op == .maxPool {
            let order = try a.int("storage_order", default: 0)
            guard order == 0 else {
                throw TesseraError.unsupported(location: node.location, message: "storage_order \(order) is not supported (only 0, row major)")
            }
        }
        let cip = try a.int("count_include_pad", default: 0)
        guard cip == 0 || cip == 1 else { throw a.fail("count_include_pad must be 0 or 1, got \(cip)") }
        let g = try SpatialGeometry.resolve(node, inH: d.h, inW: d.w, kernel: (ks[0], ks[1]), ceilMode: ceil == 1)
        let effH = (g.kernel.h - 1) * g.dilation.h + 1, effW = (g.kernel.w - 1) * g.dilation.w + 1
        guard max(g.pads.top, g.pads.bottom) < effH && max(g.pads.left, g.pads.right) < effW else {
            throw a.fail("pads must be smaller than the kernel window \(effH)x\(effW), got \(shapeText([g.pads.top, g.pads.left, g.pads.bottom, g.pads.right]))")
        }
        return PoolSpec(batch: d.n, channels: d.c, geometry: g, countIncludePad: cip == 1, layout: layout)
    }
}
