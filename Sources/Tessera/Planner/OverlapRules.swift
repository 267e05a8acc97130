import Synchronization

/// How close a layer's output may sit to its own input (vMCU's overlapped placement).
///
/// Each kernel states the order in which it reads its input and writes its output, as a
/// trace of events (`Trace`): byte ranges read and written, in execution order, relative
/// to the start of each buffer. A kernel walking forwards may write its output starting d
/// bytes below its input, where d is the largest distance by which any write runs ahead
/// of a read that comes after it (`Trace.forwardDistance`); one walking backwards may start
/// its output d bytes above its input (`Trace.backwardDistance`). From the shapes the
/// planner so gets the smallest safe distance, and the placement problem gets a narrower
/// forbidden interval for that pair (`PlacementProblem.Forbidden`).
///
/// The traces follow the C kernels (where a kernel mixes reads and writes inside a step
/// in several ways depending on the core's SIMD, the trace puts the step's writes before
/// its reads, which is safe for all of them):
/// - conv loop nest (`tsr_conv2d_*`): output pixels in order, or from the last with
///   `.walk = TSR_WALK_BACKWARD`; per output channel the window of its group is read, then
///   the channel written;
/// - depthwise and pooling loop nests, channel-vector depthwise: output pixels in order;
///   the output pixel is written (initialised), then its window read (the Helium
///   channel-vector kernel walks this way with `.walk = TSR_WALK_FORWARD`; the scalar
///   half one only when its channels are a multiple of 4);
/// - the matrix kernels (1x1, im2col): groups of TSR_MM_ROWS output pixels, the group's
///   outputs written, then the group's windows read; the 1x1 kernel also walks the groups
///   from the last to the first (`.walk = TSR_WALK_BACKWARD`), for layers that expand;
/// - elementwise (activations, affine, binary on a same-shape operand, conversions):
///   element by element, read then write, forwards; `tsr_convert_f16_to_f32` walks
///   backwards when its output starts above its input.
public enum OverlapRules {
    /// Read and write events in execution order.
    struct Trace {
        var isWrite: [Bool] = []
        var lo: [Int] = []
        var hi: [Int] = []

        mutating func read(_ l: Int, _ h: Int) {
            guard h > l else { return }
            isWrite.append(false)
            lo.append(l)
            hi.append(h)
        }

        mutating func write(_ l: Int, _ h: Int) {
            guard h > l else { return }
            isWrite.append(true)
            lo.append(l)
            hi.append(h)
        }

        /// The largest (write end - start of a later read): the output may start that
        /// many bytes below the input. nil when no write precedes a read.
        var forwardDistance: Int? {
            var minRead = Int.max, d: Int?
            for i in isWrite.indices.reversed() {
                if isWrite[i] {
                    if minRead != .max { d = max(d ?? .min, hi[i] - minRead) }
                } else {
                    minRead = min(minRead, lo[i])
                }
            }
            return d
        }

        /// The largest (end of a later read - write start): the output may start that many
        /// bytes above the input. nil when no write precedes a read.
        var backwardDistance: Int? {
            var maxRead = Int.min, d: Int?
            for i in isWrite.indices.reversed() {
                if isWrite[i] {
                    if maxRead != .min { d = max(d ?? .min, maxRead - lo[i]) }
                } else {
                    maxRead = max(maxRead, hi[i])
                }
            }
            return d
        }
    }

    /// How a kernel may walk when its output overlaps its input.
    public enum Walk: Equatable, Sendable {
        case forward, backward
    }

    /// The distances of one (input, output) pair: forward (output below the input) and,
    /// where the kernel can walk backwards, backward (output above).
    struct Distances: Equatable {
        var forward: Int?
        var backward: Int?
    }

    /// The distances for input `k` of the node, or nil when its kernel cannot write over
    /// that input. `inBytes`/`outBytes` are element sizes.
    static func distances(_ node: Node, _ spec: NodeSpec, variant: KernelVariant, simd: String, input k: Int,
                          inElement: Int, outElement: Int, in graph: Graph) -> Distances? {
        // The window traces walk the whole layer: the same shapes (the passes of a row band,
        // the candidates of the schedule search) are traced once.
        let head: String
        switch spec {
        case let .conv(c): head = "conv \(c.batch) \(c.inChannels) \(c.outChannels) \(c.group) \(c.layout.rawValue) \(geometryKey(c.geometry))"
        case let .pool(kind, p): head = "pool \(kind) \(p.batch) \(p.channels) \(p.countIncludePad) \(p.layout.rawValue) \(geometryKey(p.geometry))"
        default: head = ""
        }
        switch spec {
        case .conv, .pool:
            let key = "\(head)|\(variant.rawValue)|\(simd)|\(k)|\(inElement)|\(outElement)"
            if let known = traceCache.withLock({ $0[key] }) { return known }
            let d = uncachedDistances(node, spec, variant: variant, simd: simd, input: k, inElement: inElement, outElement: outElement, in: graph)
            traceCache.withLock { cache in
                if cache.count > 100_000 { cache.removeAll() }
                cache[key] = d
            }
            return d
        default:
            return uncachedDistances(node, spec, variant: variant, simd: simd, input: k, inElement: inElement, outElement: outElement, in: graph)
        }
    }

    /// Every field of a window geometry, as plain integers (the trace cache's key).
    private static func geometryKey(_ g: SpatialGeometry) -> String {
        [g.kernel.h, g.kernel.w, g.stride.h, g.stride.w, g.dilation.h, g.dilation.w, g.pads.top, g.pads.left, g.pads.bottom, g.pads.right,
         g.input.h, g.input.w, g.output.h, g.output.w].map(String.init).joined(separator: ",")
    }

    private static let traceCache = Mutex<[String: Distances?]>([:])

    private static func uncachedDistances(_ node: Node, _ spec: NodeSpec, variant: KernelVariant, simd: String, input k: Int,
                                          inElement: Int, outElement: Int, in graph: Graph) -> Distances? {
        switch spec {
        case let .conv(c) where c.layout == .nhwc && k == 0:
            if c.isDepthwise {
                guard variant == .loopNest || variant == .depthwiseVector else { return nil }
                // The scalar half kernel computes the last in_c % 4 channels over the whole
                // image before walking the pixels (tsr_dw_range_f16): no pixel order.
                if variant == .depthwiseVector && inElement == 2 && simd != "helium" && c.inChannels % 4 != 0 { return nil }
                return Distances(forward: pixelTrace(c.batch, c.geometry, inC: c.inChannels, outC: c.outChannels, inE: inElement, outE: outElement)
                    .forwardDistance ?? .min)
            }
            switch variant {
            case .loopNest:
                return Distances(forward: convLoopTrace(c, backward: false, inE: inElement, outE: outElement).forwardDistance ?? .min,
                                 backward: convLoopTrace(c, backward: true, inE: inElement, outE: outElement).backwardDistance ?? .min)
            case .conv1x1, .convIm2col:
                let fwd = matrixTrace(c, backward: false, inE: inElement, outE: outElement).forwardDistance ?? .min
                guard variant == .conv1x1 else { return Distances(forward: fwd) }
                let bwd = matrixTrace(c, backward: true, inE: inElement, outE: outElement).backwardDistance ?? .min
                return Distances(forward: fwd, backward: bwd)
            default:
                return nil
            }
        case let .pool(_, s) where s.layout == .nhwc && k == 0:
            return Distances(forward: pixelTrace(s.batch, s.geometry, inC: s.channels, outC: s.channels, inE: inElement, outE: outElement)
                .forwardDistance ?? .min)
        case .activation where k == 0, .affine where k == 0:
            return inElement == outElement ? Distances(forward: 0) : nil
        case let .binary(_, b, _):
            // Only an operand read element by element in the output's order.
            guard k < 2, inElement == outElement else { return nil }
            let strides = k == 0 ? b.aStrides : b.bStrides
            guard strides == contiguousStrides(b.outputShape) else { return nil }
            return Distances(forward: 0)
        case let .convert(_, to, perm) where k == 0 && perm == nil:
            // (A conversion that also transposes reads across the whole input: no rule.)
            // float -> half shrinks: forwards from the same start. half -> float expands:
            // backwards from the same start (tsr_convert_f16_to_f32 walks that way).
            return to == .float16 ? Distances(forward: 0) : Distances(forward: nil, backward: 0)
        default:
            return nil
        }
    }

    /// The forbidden interval of offset(output) - offset(input) given the distances, both
    /// buffers' sizes and the alignment.
    static func forbidden(_ d: Distances, inBytes a: Int, outBytes b: Int, alignment: Int) -> PlacementProblem.Forbidden {
        // Allowed: delta <= lo (forwards, or disjoint below), delta >= hi (backwards, or
        // disjoint above).
        var lo = -b
        if let f = d.forward { lo = max(lo, f == .min ? a : -f) }
        var hi = a
        if let r = d.backward { hi = min(hi, r == .min ? -b : r) }
        lo = floorAligned(min(lo, a), alignment)
        hi = ceilAligned(max(hi, -b), alignment)
        return PlacementProblem.Forbidden(lo: lo, hi: hi)
    }

    static func floorAligned(_ x: Int, _ a: Int) -> Int { x >= 0 ? x / a * a : -((-x + a - 1) / a * a) }
    static func ceilAligned(_ x: Int, _ a: Int) -> Int { -floorAligned(-x, a) }

    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in shape.indices.reversed() {
            strides[i] = shape[i] == 1 ? 0 : s
            s *= shape[i]
        }
        return strides
    }

    /// The input elements of output pixel (n, oh, ow)'s window over channels [c0, c1), as
    /// the range from its first to its last element, or nil when it lies in the padding.
    static func window(_ g: SpatialGeometry, _ n: Int, _ oh: Int, _ ow: Int, channels: Int, _ c0: Int, _ c1: Int) -> (Int, Int)? {
        func taps(_ o: Int, _ stride: Int, _ pad: Int, _ dilation: Int, _ kernel: Int, _ size: Int) -> (Int, Int)? {
            let start = o * stride - pad
            var first: Int?, last: Int?
            for t in 0..<kernel {
                let i = start + t * dilation
                if i >= 0 && i < size {
                    if first == nil { first = i }
                    last = i
                }
            }
            guard let first, let last else { return nil }
            return (first, last)
        }
        guard let rows = taps(oh, g.stride.h, g.pads.top, g.dilation.h, g.kernel.h, g.input.h),
              let cols = taps(ow, g.stride.w, g.pads.left, g.dilation.w, g.kernel.w, g.input.w) else { return nil }
        let first = ((n * g.input.h + rows.0) * g.input.w + cols.0) * channels + c0
        let last = ((n * g.input.h + rows.1) * g.input.w + cols.1) * channels + c1
        return (first, last)
    }

    /// Pixel by pixel: the output pixel written, then its window (every channel) read.
    static func pixelTrace(_ batch: Int, _ g: SpatialGeometry, inC: Int, outC: Int, inE: Int, outE: Int) -> Trace {
        var t = Trace()
        var p = 0
        for n in 0..<batch {
            for oh in 0..<g.output.h {
                for ow in 0..<g.output.w {
                    t.write(p * outC * outE, (p + 1) * outC * outE)
                    if let w = window(g, n, oh, ow, channels: inC, 0, inC) { t.read(w.0 * inE, w.1 * inE) }
                    p += 1
                }
            }
        }
        return t
    }

    /// The conv loop nest: output pixels from the first (or the last), per output channel
    /// the group's window read, then the channel written.
    static func convLoopTrace(_ c: ConvSpec, backward: Bool, inE: Int, outE: Int) -> Trace {
        var t = Trace()
        let g = c.geometry
        let inG = c.inChannels / c.group, outG = c.outChannels / c.group
        let pixels = g.output.h * g.output.w, total = c.batch * pixels
        for q in 0..<total {
            let p = backward ? total - 1 - q : q
            let n = p / pixels, oh = (p % pixels) / g.output.w, ow = p % g.output.w
            for group in 0..<c.group {
                let w = window(g, n, oh, ow, channels: c.inChannels, group * inG, (group + 1) * inG)
                for oc in (group * outG)..<((group + 1) * outG) {
                    if let w { t.read(w.0 * inE, w.1 * inE) }
                    let at = p * c.outChannels + oc
                    t.write(at * outE, (at + 1) * outE)
                }
            }
        }
        return t
    }

    /// The matrix kernels: groups of TSR_MM_ROWS output pixels (forwards, or from the last
    /// group to the first), each group's outputs written, then its windows read.
    static func matrixTrace(_ c: ConvSpec, backward: Bool, inE: Int, outE: Int) -> Trace {
        var t = Trace()
        let g = c.geometry
        let pixels = g.output.h * g.output.w
        let total = c.batch * pixels
        let rows = KernelVariant.microKernelRows
        let starts = Array(stride(from: 0, to: total, by: rows))
        for q in backward ? starts.reversed() : starts {
            let end = min(q + rows, total)
            t.write(q * c.outChannels * outE, end * c.outChannels * outE)
            var lo = Int.max, hi = Int.min
            for i in q..<end {
                let n = i / pixels, o = i % pixels
                if let w = window(g, n, o / g.output.w, o % g.output.w, channels: c.inChannels, 0, c.inChannels) {
                    lo = min(lo, w.0)
                    hi = max(hi, w.1)
                }
            }
            if lo < hi { t.read(lo * inE, hi * inE) }
        }
        return t
    }
}
