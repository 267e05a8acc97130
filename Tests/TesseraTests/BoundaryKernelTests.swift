import Testing
import TesseraKernels
@testable import Tessera

/// The kernels that let an FP16 model's boundary cost no whole-tensor copy: the strided
/// converts (a Transpose converting on the way) and the float-head reductions that read
/// half and write float. Against hand-worked values and the reference interpreter
/// (float64), and against the half-out kernels they share their loops with.
@Suite struct BoundaryKernelTests {
    private func params(_ s: StridedCopySpec) -> tsr_strided_copy_params {
        let v = { (a: [Int]) -> (Int32, Int32, Int32, Int32, Int32, Int32) in
            let p = a.map(Int32.init) + [Int32](repeating: 0, count: 6 - a.count)
            return (p[0], p[1], p[2], p[3], p[4], p[5])
        }
        // elem_bytes 0: the converts ignore it (their element types are in their names).
        return tsr_strided_copy_params(rank: Int32(s.outputShape.count), elem_bytes: 0, out_shape: v(s.outputShape),
                                       in_stride: v(s.inputStrides), in_offset: Int32(s.inputOffset))
    }

    private func transpose(_ shape: [Int], _ perm: [Int]) -> StridedCopySpec {
        let strides = StridedCopySpec.denseStrides(shape)
        return StridedCopySpec(outputShape: perm.map { shape[$0] }, inputStrides: perm.map { strides[$0] }, inputOffset: 0)
    }

    /// NCHW [1, 2, 2, 2] to NHWC, worked by hand: y[h][w][c] = x[c][h][w], each value
    /// rounded to half on the way (0.1 to nearest, 1e5 overflows to infinity, -0 keeps its sign).
    @Test func stridedConvertTransposesAndRoundsAHandWorkedCase() {
        let x: [Float] = [1, 2, 3, 4, 0.1, 65504, 1e5, -0.0]
        var p = params(transpose([1, 2, 2, 2], LayoutLowering.toNHWC))
        var y = [Float16](repeating: .nan, count: 8)
        #expect(tsr_strided_convert_f32_to_f16(&p, x, &y) == TSR_OK.rawValue)
        let expected: [Float16] = [1, Float16(0.1), 2, 65504, 3, .infinity, 4, -0.0]
        #expect(y == expected)
        #expect(y[7].sign == .minus)
        // And back: half NHWC to float NCHW, exact.
        var back = params(transpose([1, 2, 2, 2], LayoutLowering.toNCHW))
        var z = [Float](repeating: .nan, count: 8)
        #expect(tsr_strided_convert_f16_to_f32(&back, expected, &z) == TSR_OK.rawValue)
        #expect(z == [1, 2, 3, 4, Float(Float16(0.1)), 65504, .infinity, -0.0])
    }

    /// Random permutations and shapes: the converts equal a strided copy (the reference
    /// interpreter's) followed by rounding, element for element.
    @Test func stridedConvertsEqualTransposeThenConvert() {
        var rng = SeededRandom(seed: 16)
        for _ in 0..<40 {
            let rank = 1 + Int(rng.next() % 4)
            let shape = (0..<rank).map { _ in 1 + Int(rng.next() % 5) }
            var perm = Array(0..<rank)
            for i in stride(from: rank - 1, to: 0, by: -1) { perm.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            let s = transpose(shape, perm)
            let x = rng.tensor(shape)
            let moved = ReferenceOps.stridedCopy(s, x)
            var p = params(s)
            var y16 = [Float16](repeating: .nan, count: x.count)
            #expect(tsr_strided_convert_f32_to_f16(&p, x.data, &y16) == TSR_OK.rawValue)
            #expect(y16 == moved.data.map { Float16($0) }, "f32 to f16 \(shape) perm \(perm)")
            let h = x.data.map { Float16($0) }
            var y32 = [Float](repeating: .nan, count: x.count)
            #expect(tsr_strided_convert_f16_to_f32(&p, h, &y32) == TSR_OK.rawValue)
            #expect(y32 == ReferenceOps.stridedCopy(s, TensorValue(shape: shape, data: h.map { Float($0) })).data, "f16 to f32 \(shape) perm \(perm)")
        }
        var bad = tsr_strided_copy_params()
        bad.rank = 0
        var y = [Float16](repeating: 0, count: 1)
        #expect(tsr_strided_convert_f32_to_f16(&bad, [1], &y) == TSR_ERR_PARAM.rawValue)
        #expect(tsr_strided_convert_f32_to_f16(nil, [1], &y) == TSR_ERR_NULL.rawValue)
    }

    private func window(_ batch: Int, _ g: SpatialGeometry) -> tsr_window {
        tsr_window(batch: Int32(batch), in_h: Int32(g.input.h), in_w: Int32(g.input.w), out_h: Int32(g.output.h), out_w: Int32(g.output.w),
                   kernel_h: Int32(g.kernel.h), kernel_w: Int32(g.kernel.w), stride_h: Int32(g.stride.h), stride_w: Int32(g.stride.w),
                   dilation_h: Int32(g.dilation.h), dilation_w: Int32(g.dilation.w), pad_top: Int32(g.pads.top),
                   pad_left: Int32(g.pads.left), pad_bottom: Int32(g.pads.bottom), pad_right: Int32(g.pads.right))
    }

    /// One node over a random half-representable input: its spec and the reference
    /// interpreter's float64 result.
    private func single(_ op: String, _ shape: [Int], _ attributes: [(String, JSONValue)], constants: [Int]? = nil,
                        rng: inout SeededRandom) throws -> (NodeSpec, [Float], TensorValue) {
        var b = ModelBuilder("k")
        b.input("x", shape)
        var inputs = ["x"]
        if let constants { inputs.append(b.int64("axes", constants)) }
        b.output(b.node(op, inputs, name: "n", attributes))
        let g = try b.graph(irAttributes: true)
        let x = rng.tensor(shape).data.map { Float(Float16($0 * 8 - 4)) }
        let expected = try #require(try ReferenceInterpreter.run(g, inputs: ["x": TensorValue(shape: shape, data: x)])[g.outputs[0]])
        return (try NodeSpec.of(g.nodes[0], in: g), x, expected)
    }

    /// tsr_avgpool2d_f16_f32: the reference's float64 average within float rounding, and
    /// exactly tsr_avgpool2d_f16's result before its rounding to half.
    @Test func averagePoolOfHalfWritesFloat() throws {
        var rng = SeededRandom(seed: 61)
        var checked = 0
        for _ in 0..<60 {
            let k = [Int(1 + rng.next() % 4), Int(1 + rng.next() % 4)]
            let pads = [Int(rng.next() % UInt64(k[0])), Int(rng.next() % UInt64(k[1])), Int(rng.next() % UInt64(k[0])), Int(rng.next() % UInt64(k[1]))]
            let attributes: [(String, JSONValue)] = [("kernel_shape", ints(k)), ("pads", ints(pads)),
                                                     ("strides", ints([Int(1 + rng.next() % 3), Int(1 + rng.next() % 2)])),
                                                     ("ceil_mode", .int(Int(rng.next() % 2))), ("count_include_pad", .int(Int(rng.next() % 2))),
                                                     (Op.layoutAttribute, .string("NHWC"))]
            // Up to 40 channels: more than one block of TSR_F16_BLOCK.
            let shape = [1 + Int(rng.next() % 2), Int(1 + rng.next() % 7), Int(1 + rng.next() % 7), Int(1 + rng.next() % 40)]
            guard let (spec, x, expected) = try? single("AveragePool", shape, attributes, rng: &rng), case let .pool(_, s) = spec else { continue }
            var p = tsr_pool2d_params(win: window(s.batch, s.geometry), channels: Int32(s.channels), count_include_pad: s.countIncludePad ? 1 : 0)
            let h = x.map { Float16($0) }
            var y32 = [Float](repeating: .nan, count: expected.count)
            var y16 = [Float16](repeating: .nan, count: expected.count)
            #expect(tsr_avgpool2d_f16_f32(&p, h, &y32) == TSR_OK.rawValue)
            #expect(tsr_avgpool2d_f16(&p, h, &y16) == TSR_OK.rawValue)
            let c = Comparison(TensorValue(shape: expected.shape, data: y32), expected)
            #expect(c.within(relative: 1e-5), "avg pool \(shape) \(attributes): \(c)")
            #expect(y32.map { Float16($0) } == y16, "the half kernel is the float one rounded once")
            checked += 1
        }
        #expect(checked > 30)
    }

    /// tsr_reduce_f16_f32 (mean, sum; GlobalAveragePool's form on NHWC): the reference
    /// within float rounding, and exactly tsr_reduce_f16's result before rounding.
    @Test func reductionsOfHalfWriteFloat() throws {
        var rng = SeededRandom(seed: 62)
        for (op, kind) in [("ReduceMean", TSR_REDUCE_MEAN), ("ReduceSum", TSR_REDUCE_SUM)] {
            for axes in [[1, 2], [1], [0, 1, 2, 3], [3]] {
                let shape = [2, Int(1 + rng.next() % 6), Int(1 + rng.next() % 6), Int(1 + rng.next() % 40)]
                let (spec, x, expected) = try single(op, shape, [("keepdims", .int(1))], constants: axes, rng: &rng)
                guard case let .reduce(s) = spec else { Issue.record("not a reduce"); continue }
                var p = tsr_reduce_params(op: kind, outer: Int32(s.outer), reduce: Int32(s.reduce), inner: Int32(s.inner))
                let h = x.map { Float16($0) }
                var y32 = [Float](repeating: .nan, count: expected.count)
                var y16 = [Float16](repeating: .nan, count: expected.count)
                #expect(tsr_reduce_f16_f32(&p, h, &y32) == TSR_OK.rawValue)
                #expect(tsr_reduce_f16(&p, h, &y16) == TSR_OK.rawValue)
                let c = Comparison(TensorValue(shape: expected.shape, data: y32), expected)
                #expect(c.maxAbsError <= 1e-5 * max(1, expected.data.map { abs(Double($0)) }.max() ?? 1), "\(op) \(shape) axes \(axes): \(c)")
                #expect(y32.map { Float16($0) } == y16, "\(op): the half kernel is the float one rounded once")
            }
        }
        // Hand-worked: the mean of the halves 1, 2, 4 and 2^-11 (not a half's ulp at 1) is
        // kept in float: (7 + 2^-11) / 4.
        var p = tsr_reduce_params(op: TSR_REDUCE_MEAN, outer: 1, reduce: 4, inner: 1)
        var y: [Float] = [.nan]
        #expect(tsr_reduce_f16_f32(&p, [1, 2, 4, 0x1p-11] as [Float16], &y) == TSR_OK.rawValue)
        #expect(y == [(7 + 0x1p-11) / 4])
        // Max and min stay in half (exact there): the float-out kernel refuses them.
        p.op = TSR_REDUCE_MAX
        #expect(tsr_reduce_f16_f32(&p, [1, 2, 4, 8] as [Float16], &y) == TSR_ERR_PARAM.rawValue)
    }
}
