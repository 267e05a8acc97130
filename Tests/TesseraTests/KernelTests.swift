import Testing
import TesseraKernels
@testable import Tessera

/// The C kernels called directly from Swift (compiled for the host by `swift build`),
/// against the reference interpreter on shapes drawn at random with a fixed seed.
@Suite struct KernelTests {
    static let tolerance = 1e-5

    private func tuple6(_ v: [Int]) -> (Int32, Int32, Int32, Int32, Int32, Int32) {
        let p = v.map(Int32.init) + [Int32](repeating: 0, count: 6 - v.count)
        return (p[0], p[1], p[2], p[3], p[4], p[5])
    }

    private func tuple4(_ v: [Int]) -> (Int32, Int32, Int32, Int32) {
        let p = v.map(Int32.init) + [Int32](repeating: 0, count: 4 - v.count)
        return (p[0], p[1], p[2], p[3])
    }

    private let noAct = tsr_act(kind: TSR_ACT_NONE, min: 0, max: 0)

    /// A one-node graph, so that the node's spec comes from the same semantics code as
    /// compilation does.
    private func single(_ op: String, _ shapes: [[Int]], _ attributes: [(String, JSONValue)], rng: inout SeededRandom) throws -> (Graph, NodeSpec, [TensorValue]) {
        var b = ModelBuilder("k")
        var names: [String] = []
        var values: [TensorValue] = []
        for (i, s) in shapes.enumerated() {
            let t = rng.tensor(s)
            names.append("in\(i)")
            values.append(t)
            b.input("in\(i)", s)
        }
        b.output(b.node(op, names, name: "n", attributes))
        let g = try b.graph()
        return (g, try NodeSpec.of(g.nodes[0], in: g), values)
    }

    @Test func conv2dMatchesTheReferenceOnRandomShapes() throws {
        var rng = SeededRandom(seed: 2026)
        var checked = 0
        for _ in 0..<60 {
            let depthwise = rng.next() % 4 == 0
            let group = depthwise ? Int(1 + rng.next() % 4) : [1, 1, 2, 3][Int(rng.next() % 4)]
            let cin = depthwise ? group : group * Int(1 + rng.next() % 3)
            let cout = depthwise ? group : group * Int(1 + rng.next() % 3)
            let kh = Int(1 + rng.next() % 3), kw = Int(1 + rng.next() % 3)
            let h = Int(rng.next() % 9) + kh, w = Int(rng.next() % 9) + kw
            let pads = (0..<4).map { _ in Int(rng.next() % 2) }
            let attributes: [(String, JSONValue)] = [
                ("group", .int(group)), ("pads", ints(pads)),
                ("strides", ints([Int(1 + rng.next() % 2), Int(1 + rng.next() % 2)])),
                ("dilations", ints([Int(1 + rng.next() % 2), 1])),
            ]
            let shapes = [[Int(1 + rng.next() % 2), cin, h, w], [cout, cin / group, kh, kw], [cout]]
            // Dilation can make the kernel larger than a small input: such draws are skipped.
            guard let (_, spec, values) = try? single("Conv", shapes, attributes, rng: &rng), case let .conv(s) = spec else { continue }
            checked += 1
            let geo = s.geometry
            var p = tsr_conv2d_params()
            p.batch = Int32(s.batch); p.in_c = Int32(s.inChannels); p.in_h = Int32(geo.input.h); p.in_w = Int32(geo.input.w)
            p.out_c = Int32(s.outChannels); p.out_h = Int32(geo.output.h); p.out_w = Int32(geo.output.w)
            p.kernel_h = Int32(geo.kernel.h); p.kernel_w = Int32(geo.kernel.w)
            p.stride_h = Int32(geo.stride.h); p.stride_w = Int32(geo.stride.w)
            p.dilation_h = Int32(geo.dilation.h); p.dilation_w = Int32(geo.dilation.w)
            p.pad_top = Int32(geo.pads.top); p.pad_left = Int32(geo.pads.left); p.groups = Int32(s.group); p.act = noAct
            var y = [Float](repeating: .nan, count: s.outputShape.reduce(1, *))
            let status = tsr_conv2d_f32(&p, values[0].data, values[1].data, values[2].data, &y)
            #expect(status == TSR_OK.rawValue)
            let expected = ReferenceOps.conv(s, values[0], values[1], values[2])
            let c = Comparison(TensorValue(shape: s.outputShape, data: y), expected)
            #expect(c.within(relative: Self.tolerance), "conv \(shapes) \(attributes): \(c)")
        }
        #expect(checked > 40)
    }

    @Test func poolsMatchTheReferenceOnRandomShapes() throws {
        var rng = SeededRandom(seed: 7)
        var checked = 0
        for _ in 0..<80 {
            let k = [Int(1 + rng.next() % 3), Int(1 + rng.next() % 3)]
            let pads = [Int(rng.next() % UInt64(k[0])), Int(rng.next() % UInt64(k[1])),
                        Int(rng.next() % UInt64(k[0])), Int(rng.next() % UInt64(k[1]))]
            let isMax = rng.next() % 2 == 0
            var attributes: [(String, JSONValue)] = [("kernel_shape", ints(k)), ("pads", ints(pads)),
                                                     ("strides", ints([Int(1 + rng.next() % 3), Int(1 + rng.next() % 2)])),
                                                     ("ceil_mode", .int(Int(rng.next() % 2)))]
            if !isMax { attributes.append(("count_include_pad", .int(Int(rng.next() % 2)))) }
            let shape = [1, Int(1 + rng.next() % 3), Int(1 + rng.next() % 7), Int(1 + rng.next() % 7)]
            guard let (_, spec, values) = try? single(isMax ? "MaxPool" : "AveragePool", [shape], attributes, rng: &rng) else { continue }
            let s: PoolSpec
            switch spec {
            case let .maxPool(x), let .averagePool(x): s = x
            default: Issue.record("not a pool"); continue
            }
            let g = s.geometry
            var p = tsr_pool2d_params(batch: Int32(s.batch), channels: Int32(s.channels), in_h: Int32(g.input.h), in_w: Int32(g.input.w),
                                      out_h: Int32(g.output.h), out_w: Int32(g.output.w), kernel_h: Int32(g.kernel.h), kernel_w: Int32(g.kernel.w),
                                      stride_h: Int32(g.stride.h), stride_w: Int32(g.stride.w), dilation_h: Int32(g.dilation.h),
                                      dilation_w: Int32(g.dilation.w), pad_top: Int32(g.pads.top), pad_left: Int32(g.pads.left),
                                      pad_bottom: Int32(g.pads.bottom), pad_right: Int32(g.pads.right),
                                      count_include_pad: s.countIncludePad ? 1 : 0)
            var y = [Float](repeating: .nan, count: s.outputShape.reduce(1, *))
            let status = isMax ? tsr_maxpool2d_f32(&p, values[0].data, &y) : tsr_avgpool2d_f32(&p, values[0].data, &y)
            #expect(status == TSR_OK.rawValue)
            let c = Comparison(TensorValue(shape: s.outputShape, data: y), ReferenceOps.pool(s, values[0], max: isMax))
            #expect(c.within(relative: Self.tolerance), "\(isMax ? "max" : "avg") pool \(shape) \(attributes): \(c)")
            checked += 1
        }
        #expect(checked > 40)
    }

    @Test func gemmAllBiasKindsAndTransposes() throws {
        var rng = SeededRandom(seed: 9)
        let (m, n, k) = (3, 5, 7)
        for transA in [0, 1] {
            for transB in [0, 1] {
                for cShape in [[Int]?.none, [], [n], [m, 1], [m, n]] {
                    var shapes = [transA == 1 ? [k, m] : [m, k], transB == 1 ? [n, k] : [k, n]]
                    if let cShape { shapes.append(cShape) }
                    let attributes: [(String, JSONValue)] = [("transA", .int(transA)), ("transB", .int(transB)),
                                                             ("alpha", .double(0.75)), ("beta", .double(-1.5))]
                    let (_, spec, v) = try single("Gemm", shapes, attributes, rng: &rng)
                    guard case let .gemm(s) = spec else { Issue.record("not gemm"); continue }
                    var p = tsr_gemm_params(m: Int32(m), n: Int32(n), k: Int32(k), trans_a: Int32(transA), trans_b: Int32(transB),
                                            alpha: 0.75, beta: -1.5, c_kind: tsr_bias_kind(UInt32(s.bias.rawValue)), act: noAct)
                    var y = [Float](repeating: .nan, count: m * n)
                    let status = v.count == 3 ? tsr_gemm_f32(&p, v[0].data, v[1].data, v[2].data, &y) : tsr_gemm_f32(&p, v[0].data, v[1].data, nil, &y)
                    #expect(status == TSR_OK.rawValue)
                    let c = Comparison(TensorValue(shape: [m, n], data: y), ReferenceOps.gemm(s, v[0], v[1], v.count == 3 ? v[2] : nil))
                    #expect(c.within(relative: Self.tolerance), "gemm \(shapes) \(attributes): \(c)")
                }
            }
        }
    }

    @Test func addBroadcastsAndRunsInPlace() throws {
        var rng = SeededRandom(seed: 5)
        let cases: [([Int], [Int])] = [([2, 3, 4, 5], [2, 3, 4, 5]), ([2, 3, 4, 5], [3, 1, 1]), ([2, 3, 4, 5], [5]),
                                       ([2, 3, 4, 5], []), ([4, 1, 3], [2, 1]), ([1, 6, 1], [5, 1, 7]), ([3, 1], [1, 4])]
        for (a, bShape) in cases {
            let (_, spec, v) = try single("Add", [a, bShape], [], rng: &rng)
            guard case let .add(s) = spec else { Issue.record("not add"); continue }
            var p = tsr_binary_params(rank: Int32(s.outputShape.count), shape: tuple6(s.outputShape), a_stride: tuple6(s.aStrides),
                                      b_stride: tuple6(s.bStrides), act: noAct)
            var y = [Float](repeating: .nan, count: s.outputShape.reduce(1, *))
            #expect(tsr_add_f32(&p, v[0].data, v[1].data, &y) == TSR_OK.rawValue)
            let expected = ReferenceOps.add(s, v[0], v[1])
            #expect(Comparison(TensorValue(shape: s.outputShape, data: y), expected).within(relative: Self.tolerance), "add \(a) + \(bShape)")
            if s.outputShape == a {  // in place: y aliases a
                var inPlace = v[0].data
                let status = inPlace.withUnsafeMutableBufferPointer { buffer in
                    tsr_add_f32(&p, buffer.baseAddress, v[1].data, buffer.baseAddress)
                }
                #expect(status == TSR_OK.rawValue)
                #expect(Comparison(TensorValue(shape: a, data: inPlace), expected).within(relative: Self.tolerance), "in-place add \(a) + \(bShape)")
            }
        }
    }

    @Test func matMulTransposeAndSoftmax() throws {
        var rng = SeededRandom(seed: 3)
        let (_, mspec, mv) = try single("MatMul", [[3, 1, 2, 4], [5, 4, 3]], [], rng: &rng)
        guard case let .matMul(m) = mspec else { Issue.record("not matmul"); return }
        var mp = tsr_matmul_params(m: Int32(m.m), n: Int32(m.n), k: Int32(m.k), batch_rank: Int32(m.batchShape.count),
                                   batch_shape: tuple4(m.batchShape), a_batch_stride: tuple4(m.aBatchStrides), b_batch_stride: tuple4(m.bBatchStrides))
        var my = [Float](repeating: .nan, count: m.outputShape.reduce(1, *))
        #expect(tsr_matmul_f32(&mp, mv[0].data, mv[1].data, &my) == TSR_OK.rawValue)
        #expect(Comparison(TensorValue(shape: m.outputShape, data: my), ReferenceOps.matMul(m, mv[0], mv[1])).within(relative: Self.tolerance))

        let (_, tspec, tv) = try single("Transpose", [[2, 3, 4, 5]], [("perm", ints([3, 0, 2, 1]))], rng: &rng)
        guard case let .transpose(t) = tspec else { Issue.record("not transpose"); return }
        var tp = tsr_transpose_params(rank: 4, out_shape: tuple6(t.outputShape), in_stride: tuple6(t.inputStrides))
        var ty = [Float](repeating: .nan, count: 120)
        #expect(tsr_transpose_f32(&tp, tv[0].data, &ty) == TSR_OK.rawValue)
        #expect(ty == ReferenceOps.transpose(t, tv[0]).data)

        let (_, sspec, sv) = try single("Softmax", [[2, 7, 3]], [("axis", .int(1))], rng: &rng)
        guard case let .softmax(s, shape) = sspec else { Issue.record("not softmax"); return }
        var sp = tsr_softmax_params(outer: Int32(s.outer), axis: Int32(s.axis), inner: Int32(s.inner))
        var sy = sv[0].data
        let status = sy.withUnsafeMutableBufferPointer { tsr_softmax_f32(&sp, $0.baseAddress, $0.baseAddress) }  // in place
        #expect(status == TSR_OK.rawValue)
        #expect(Comparison(TensorValue(shape: shape, data: sy), ReferenceOps.softmax(s, shape, sv[0])).within(relative: Self.tolerance))
    }

    @Test func kernelsRejectNullPointersAndBadParameters() {
        var x: [Float] = [1, 2, 3, 4]
        var y = [Float](repeating: 0, count: 4)
        var unary = tsr_unary_params(size: 4, min: 0, max: 1)
        #expect(tsr_relu_f32(&unary, nil, &y) == TSR_ERR_NULL.rawValue)
        #expect(tsr_clip_f32(nil, x, &y) == TSR_ERR_NULL.rawValue)
        unary.size = -1
        #expect(tsr_relu_f32(&unary, x, &y) == TSR_ERR_PARAM.rawValue)
        #expect(tsr_copy_f32(-3, x, &y) == TSR_ERR_PARAM.rawValue)
        var conv = tsr_conv2d_params(batch: 1, in_c: 3, in_h: 2, in_w: 2, out_c: 2, out_h: 1, out_w: 1, kernel_h: 2, kernel_w: 2,
                                     stride_h: 1, stride_w: 1, dilation_h: 1, dilation_w: 1, pad_top: 0, pad_left: 0,
                                     groups: 2, act: noAct)  // 3 channels do not split into 2 groups
        #expect(tsr_conv2d_f32(&conv, x, x, nil, &y) == TSR_ERR_PARAM.rawValue)
        var softmax = tsr_softmax_params(outer: 1, axis: 0, inner: 1)
        #expect(tsr_softmax_f32(&softmax, x, &y) == TSR_ERR_PARAM.rawValue)
        var clip = tsr_unary_params(size: 4, min: 2, max: 3)
        let status = x.withUnsafeMutableBufferPointer { tsr_clip_f32(&clip, $0.baseAddress, $0.baseAddress) }
        #expect(status == TSR_OK.rawValue)
        #expect(x == [2, 2, 3, 3])
    }
}
