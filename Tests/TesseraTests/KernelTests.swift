import Testing
import TesseraKernels
@testable import Tessera

/// The C kernels called directly from Swift (compiled for the host by `swift build`),
/// against the reference interpreter, on shapes drawn at random with a fixed seed.
@Suite struct KernelTests {
    static let tolerance = 1e-5

    private func tuple6(_ v: [Int]) -> (Int32, Int32, Int32, Int32, Int32, Int32) {
        let p = v.map(Int32.init) + [Int32](repeating: 0, count: 6 - v.count)
        return (p[0], p[1], p[2], p[3], p[4], p[5])
    }

    private func cAct(_ a: Activation) -> tsr_act {
        switch a {
        case .none: return tsr_act(kind: TSR_ACT_NONE, min: 0, max: 0, alpha: 0, beta: 0)
        case .relu: return tsr_act(kind: TSR_ACT_RELU, min: 0, max: 0, alpha: 0, beta: 0)
        case let .clip(lo, hi): return tsr_act(kind: TSR_ACT_CLIP, min: lo, max: hi, alpha: 0, beta: 0)
        case .sigmoid: return tsr_act(kind: TSR_ACT_SIGMOID, min: 0, max: 0, alpha: 0, beta: 0)
        case .tanh: return tsr_act(kind: TSR_ACT_TANH, min: 0, max: 0, alpha: 0, beta: 0)
        case let .hardSigmoid(a, b): return tsr_act(kind: TSR_ACT_HARDSIGMOID, min: 0, max: 0, alpha: a, beta: b)
        case .hardSwish: return tsr_act(kind: TSR_ACT_HARDSWISH, min: 0, max: 0, alpha: 0, beta: 0)
        case let .leakyRelu(a): return tsr_act(kind: TSR_ACT_LEAKY_RELU, min: 0, max: 0, alpha: a, beta: 0)
        case .silu: return tsr_act(kind: TSR_ACT_SILU, min: 0, max: 0, alpha: 0, beta: 0)
        case .abs: return tsr_act(kind: TSR_ACT_ABS, min: 0, max: 0, alpha: 0, beta: 0)
        case .neg: return tsr_act(kind: TSR_ACT_NEG, min: 0, max: 0, alpha: 0, beta: 0)
        case .exp: return tsr_act(kind: TSR_ACT_EXP, min: 0, max: 0, alpha: 0, beta: 0)
        case .log: return tsr_act(kind: TSR_ACT_LOG, min: 0, max: 0, alpha: 0, beta: 0)
        case .sqrt: return tsr_act(kind: TSR_ACT_SQRT, min: 0, max: 0, alpha: 0, beta: 0)
        case .reciprocal: return tsr_act(kind: TSR_ACT_RECIPROCAL, min: 0, max: 0, alpha: 0, beta: 0)
        case let .elu(a): return tsr_act(kind: TSR_ACT_ELU, min: 0, max: 0, alpha: a, beta: 0)
        case let .selu(a, g): return tsr_act(kind: TSR_ACT_SELU, min: 0, max: 0, alpha: a, beta: g)
        case .softplus: return tsr_act(kind: TSR_ACT_SOFTPLUS, min: 0, max: 0, alpha: 0, beta: 0)
        case .softsign: return tsr_act(kind: TSR_ACT_SOFTSIGN, min: 0, max: 0, alpha: 0, beta: 0)
        case .erf: return tsr_act(kind: TSR_ACT_ERF, min: 0, max: 0, alpha: 0, beta: 0)
        case .floor: return tsr_act(kind: TSR_ACT_FLOOR, min: 0, max: 0, alpha: 0, beta: 0)
        case .ceil: return tsr_act(kind: TSR_ACT_CEIL, min: 0, max: 0, alpha: 0, beta: 0)
        case let .gelu(t): return tsr_act(kind: TSR_ACT_GELU, min: 0, max: 0, alpha: t ? 1 : 0, beta: 0)
        }
    }

    private func window(_ batch: Int, _ g: SpatialGeometry) -> tsr_window {
        tsr_window(batch: Int32(batch), in_h: Int32(g.input.h), in_w: Int32(g.input.w), out_h: Int32(g.output.h), out_w: Int32(g.output.w),
                   kernel_h: Int32(g.kernel.h), kernel_w: Int32(g.kernel.w), stride_h: Int32(g.stride.h), stride_w: Int32(g.stride.w),
                   dilation_h: Int32(g.dilation.h), dilation_w: Int32(g.dilation.w), pad_top: Int32(g.pads.top),
                   pad_left: Int32(g.pads.left), pad_bottom: Int32(g.pads.bottom), pad_right: Int32(g.pads.right))
    }

    /// A one-node graph over random inputs of `shapes` (constants where `constants` says),
    /// so the node's spec comes from the same semantics code as compilation.
    private func single(_ op: String, _ shapes: [[Int]], _ attributes: [(String, JSONValue)], constants: [Int: [Int]] = [:],
                        rng: inout SeededRandom) throws -> (NodeSpec, [TensorValue?], TensorValue) {
        var b = ModelBuilder("k")
        var names: [String] = []
        var values: [TensorValue?] = []
        for (i, s) in shapes.enumerated() {
            let t = rng.tensor(s)
            names.append("in\(i)")
            values.append(t)
            b.input("in\(i)", s)
        }
        for (i, v) in constants.sorted(by: { $0.key < $1.key }) {
            names.append(b.int64("c\(i)", v))
            values.append(nil)
        }
        b.output(b.node(op, names, name: "n", attributes))
        let g = try b.graph(irAttributes: true)
        let spec = try NodeSpec.of(g.nodes[0], in: g)
        var inputs: [String: TensorValue] = [:]
        for (i, v) in values.enumerated() where v != nil { inputs["in\(i)"] = v }
        let expected = try #require(try ReferenceInterpreter.run(g, inputs: inputs)[g.outputs[0]])
        return (spec, values, expected)
    }

    private func check(_ y: [Float], _ expected: TensorValue, _ what: String) {
        let c = Comparison(TensorValue(shape: expected.shape, data: y), expected)
        #expect(c.within(relative: Self.tolerance), "\(what): \(c)")
    }

    @Test func convolutionsMatchTheReferenceOnRandomShapes() throws {
        var rng = SeededRandom(seed: 2026)
        var checked = 0
        for _ in 0..<80 {
            let depthwise = rng.next() % 3 == 0
            let group = depthwise ? Int(1 + rng.next() % 5) : [1, 1, 2, 3][Int(rng.next() % 4)]
            let cin = depthwise ? group : group * Int(1 + rng.next() % 3)
            let cout = group * Int(1 + rng.next() % 3)
            let kh = Int(1 + rng.next() % 3), kw = Int(1 + rng.next() % 3)
            let h = Int(rng.next() % 9) + kh, w = Int(rng.next() % 9) + kw
            let acts: [Activation] = [.none, .relu, .clip(min: -0.5, max: 0.5), .hardSwish, .silu]
            let act = acts[Int(rng.next() % UInt64(acts.count))]
            var attributes: [(String, JSONValue)] = [
                ("group", .int(group)), ("pads", ints((0..<4).map { _ in Int(rng.next() % 2) })),
                ("strides", ints([Int(1 + rng.next() % 2), Int(1 + rng.next() % 2)])),
                ("dilations", ints([Int(1 + rng.next() % 2), 1])), (Op.layoutAttribute, .string("NHWC")),
            ]
            for (k, v) in act.fusionAttributes { attributes.append((k, jsonValue(v))) }
            let batch = Int(1 + rng.next() % 2)
            let shapes = [[batch, h, w, cin], [cout, cin / group, kh, kw], [cout]]
            guard let (spec, v, expected) = try? single("Conv", shapes, attributes, rng: &rng), case let .conv(s) = spec else { continue }
            checked += 1
            var y = [Float](repeating: .nan, count: expected.count)
            let packing: WeightPacking = s.isDepthwise ? .hwm : .ohwi
            let weights = packing.pack(v[1]!.data, shapes[1])
            let status: Int32
            if s.isDepthwise {
                var p = tsr_depthwise_conv2d_params(win: window(s.batch, s.geometry), in_c: Int32(cin), multiplier: Int32(cout / cin), act: cAct(s.activation), acc: TSR_ACC_F32, walk: TSR_WALK_ANY)
                status = tsr_depthwise_conv2d_f32(&p, v[0]!.data, weights, v[2]!.data, &y)
            } else {
                var p = tsr_conv2d_params(win: window(s.batch, s.geometry), in_c: Int32(cin), out_c: Int32(cout), groups: Int32(group), act: cAct(s.activation), acc: TSR_ACC_F32, walk: TSR_WALK_ANY)
                status = tsr_conv2d_f32(&p, v[0]!.data, weights, v[2]!.data, nil, &y)
            }
            #expect(status == TSR_OK.rawValue)
            check(y, expected, "conv \(shapes) \(attributes)")
            try checkFastConvolutions(s, v, expected, shapes, "conv \(shapes) \(attributes)")
        }
        #expect(checked > 50)
    }

    /// The variants the generator picks for a convolution (im2col, 1x1, channel-vector
    /// depthwise) against the same reference, with the packing and scratch size the planner
    /// uses (the scratch size also against the kernel's own query).
    private func checkFastConvolutions(_ s: ConvSpec, _ v: [TensorValue?], _ expected: TensorValue, _ shapes: [[Int]], _ what: String) throws {
        let g = s.geometry
        if s.isDepthwise {
            guard s.outChannels == s.inChannels else { return }
            var y = [Float](repeating: .nan, count: expected.count)
            for walk in [TSR_WALK_ANY, TSR_WALK_FORWARD] {
                var y = [Float](repeating: .nan, count: expected.count)
                var p = tsr_depthwise_conv2d_params(win: window(s.batch, g), in_c: Int32(s.inChannels), multiplier: 1, act: cAct(s.activation), acc: TSR_ACC_F32, walk: walk)
                let weights = WeightPacking.hwm.pack(v[1]!.data, shapes[1])
                #expect(tsr_depthwise_conv2d_vec_f32(&p, v[0]!.data, weights, v[2]!.data, &y) == TSR_OK.rawValue)
                check(y, expected, "vector depthwise (walk \(walk.rawValue)) " + what)
            }
            return
        }
        guard s.group == 1 else { return }
        let packed = WeightPacking.convColumns(KernelVariant.packColumns(.float32)).pack(v[1]!.data, shapes[1])
        var p = tsr_conv2d_params(win: window(s.batch, g), in_c: Int32(s.inChannels), out_c: Int32(s.outChannels), groups: 1, act: cAct(s.activation), acc: TSR_ACC_F32, walk: TSR_WALK_ANY)
        let bytes = KernelVariant.convIm2col.scratchBytes(.conv(s), .float32)
        #expect(Int(tsr_conv2d_im2col_f32_scratch_bytes(&p)) == bytes, "scratch size of \(what)")
        var scratch = [UInt8](repeating: 0xFF, count: bytes)
        var y = [Float](repeating: .nan, count: expected.count)
        #expect(tsr_conv2d_im2col_f32(&p, v[0]!.data, packed, v[2]!.data, nil, &y, &scratch, Int32(bytes - 1)) == TSR_ERR_SCRATCH.rawValue)
        #expect(tsr_conv2d_im2col_f32(&p, v[0]!.data, packed, v[2]!.data, nil, &y, &scratch, Int32(bytes)) == TSR_OK.rawValue)
        check(y, expected, "im2col " + what)
        // A residual operand, added before the activation; passed as the output itself
        // (the planner's usual placement), each kernel reads an element before writing it.
        var linear = s
        linear.activation = .none
        let plain = ReferenceOps.conv(linear, v[0]!, v[1]!, v[2])
        let residual = (0..<expected.count).map { Float(($0 * 7919) % 23) / 11 - 1 }
        let withResidual = TensorValue(shape: expected.shape, data: zip(plain.data, residual).map { Float(s.activation.apply(Double($0) + Double($1))) })
        var loop = residual
        #expect(loop.withUnsafeMutableBufferPointer { b in tsr_conv2d_f32(&p, v[0]!.data, WeightPacking.ohwi.pack(v[1]!.data, shapes[1]), v[2]!.data, b.baseAddress, b.baseAddress) } == TSR_OK.rawValue)
        check(loop, withResidual, "loop nest with residual " + what)
        var blocked = residual
        #expect(blocked.withUnsafeMutableBufferPointer { b in tsr_conv2d_im2col_f32(&p, v[0]!.data, packed, v[2]!.data, b.baseAddress, b.baseAddress, &scratch, Int32(bytes)) } == TSR_OK.rawValue)
        check(blocked, withResidual, "im2col with residual " + what)
        if g.kernel == (1, 1) && g.pads == (0, 0, 0, 0) {
            for walk in [TSR_WALK_ANY, TSR_WALK_BACKWARD] {
                p.walk = walk
                y = [Float](repeating: .nan, count: expected.count)
                #expect(tsr_conv2d_1x1_f32(&p, v[0]!.data, packed, v[2]!.data, nil, &y) == TSR_OK.rawValue)
                check(y, expected, "1x1 (walk \(walk.rawValue)) " + what)
                var r = residual
                #expect(r.withUnsafeMutableBufferPointer { b in tsr_conv2d_1x1_f32(&p, v[0]!.data, packed, v[2]!.data, b.baseAddress, b.baseAddress) } == TSR_OK.rawValue)
                check(r, withResidual, "1x1 with residual (walk \(walk.rawValue)) " + what)
            }
        }
    }

    @Test func poolsMatchTheReferenceOnRandomShapes() throws {
        var rng = SeededRandom(seed: 7)
        var checked = 0
        for _ in 0..<80 {
            let k = [Int(1 + rng.next() % 3), Int(1 + rng.next() % 3)]
            let pads = [Int(rng.next() % UInt64(k[0])), Int(rng.next() % UInt64(k[1])), Int(rng.next() % UInt64(k[0])), Int(rng.next() % UInt64(k[1]))]
            let isMax = rng.next() % 2 == 0
            var attributes: [(String, JSONValue)] = [("kernel_shape", ints(k)), ("pads", ints(pads)),
                                                     ("strides", ints([Int(1 + rng.next() % 3), Int(1 + rng.next() % 2)])),
                                                     ("ceil_mode", .int(Int(rng.next() % 2))), (Op.layoutAttribute, .string("NHWC"))]
            if !isMax { attributes.append(("count_include_pad", .int(Int(rng.next() % 2)))) }
            let shape = [1, Int(1 + rng.next() % 7), Int(1 + rng.next() % 7), Int(1 + rng.next() % 4)]
            guard let (spec, v, expected) = try? single(isMax ? "MaxPool" : "AveragePool", [shape], attributes, rng: &rng),
                  case let .pool(_, s) = spec else { continue }
            var p = tsr_pool2d_params(win: window(s.batch, s.geometry), channels: Int32(s.channels), count_include_pad: s.countIncludePad ? 1 : 0)
            var y = [Float](repeating: .nan, count: expected.count)
            let status = isMax ? tsr_maxpool2d_f32(&p, v[0]!.data, &y) : tsr_avgpool2d_f32(&p, v[0]!.data, &y)
            #expect(status == TSR_OK.rawValue)
            check(y, expected, "\(isMax ? "max" : "avg") pool \(shape) \(attributes)")
            checked += 1
        }
        #expect(checked > 40)
    }

    @Test func binaryOpsBroadcastAndRunInPlace() throws {
        var rng = SeededRandom(seed: 5)
        let shapes: [([Int], [Int])] = [([2, 3, 4, 5], [2, 3, 4, 5]), ([2, 3, 4, 5], [3, 1, 1]), ([2, 3, 4, 5], [5]),
                                        ([2, 3, 4, 5], []), ([4, 1, 3], [2, 1]), ([1, 6, 1], [5, 1, 7])]
        for (op, cOp) in [("Add", TSR_BINARY_ADD), ("Sub", TSR_BINARY_SUB), ("Mul", TSR_BINARY_MUL), ("Div", TSR_BINARY_DIV),
                          ("Max", TSR_BINARY_MAX), ("Min", TSR_BINARY_MIN), ("Pow", TSR_BINARY_POW), ("PRelu", TSR_BINARY_PRELU)] {
            for (a, bShape) in shapes where op != "PRelu" || BroadcastSpec(a, bShape)?.outputShape == a {
                let (spec, v, expected) = try single(op, [a, bShape], [], rng: &rng)
                guard case let .binary(_, s, _) = spec else { Issue.record("not binary"); continue }
                var p = tsr_binary_params(op: cOp, rank: Int32(s.outputShape.count), shape: tuple6(s.outputShape), a_stride: tuple6(s.aStrides),
                                          b_stride: tuple6(s.bStrides), act: cAct(.none))
                var y = [Float](repeating: .nan, count: expected.count)
                #expect(tsr_binary_f32(&p, v[0]!.data, v[1]!.data, &y) == TSR_OK.rawValue)
                check(y, expected, "\(op) \(a) \(bShape)")
                if s.outputShape == a {
                    var inPlace = v[0]!.data
                    let status = inPlace.withUnsafeMutableBufferPointer { tsr_binary_f32(&p, $0.baseAddress, v[1]!.data, $0.baseAddress) }
                    #expect(status == TSR_OK.rawValue)
                    check(inPlace, expected, "in-place \(op) \(a) \(bShape)")
                }
            }
        }
    }

    @Test func everyActivationMatchesItsDefinition() throws {
        var rng = SeededRandom(seed: 8)
        let ops: [(String, [(String, JSONValue)])] = [("Relu", []), ("Clip", [("min", .double(-0.25)), ("max", .double(0.5))]),
                                                      ("Sigmoid", []), ("Tanh", []), ("HardSigmoid", [("alpha", .double(0.2)), ("beta", .double(0.5))]),
                                                      ("HardSwish", []), ("LeakyRelu", [("alpha", .double(0.01))]), ("Abs", []), ("Neg", []),
                                                      ("Exp", []), ("Elu", [("alpha", .double(0.5))]), ("Selu", []), ("Softplus", []),
                                                      ("Softsign", []), ("Erf", []), ("Floor", []), ("Ceil", []), ("Gelu", []),
                                                      ("Gelu", [("approximate", .string("tanh"))])]
        for (op, attributes) in ops {
            let (spec, v, _) = try single(op, [[3, 17]], attributes, rng: &rng)
            guard case let .activation(_, act) = spec else { Issue.record("not an activation"); continue }
            var p = tsr_activation_params(size: 51, act: cAct(act))
            var y = v[0]!.data.map { $0 * 8 }  // reach the saturated ranges too
            let scaled = ReferenceOps.evaluate(spec, TensorValue(shape: [3, 17], data: y), [])[0]
            let status = y.withUnsafeMutableBufferPointer { tsr_activation_f32(&p, $0.baseAddress, $0.baseAddress) }
            #expect(status == TSR_OK.rawValue)
            check(y, scaled, op)
        }
    }

    @Test func dataMovementKernels() throws {
        var rng = SeededRandom(seed: 3)
        // Transpose and Slice with a negative step are strided copies.
        for (op, attributes, constants) in [("Transpose", [("perm", ints([3, 0, 2, 1]))], [:]),
                                            ("Slice", [], [1: [3, -1], 2: [0, -100], 3: [3, 1], 4: [-2, -1]])] as [(String, [(String, JSONValue)], [Int: [Int]])] {
            let (spec, v, expected) = try single(op, [[2, 3, 4, 5]], attributes, constants: constants, rng: &rng)
            guard case let .copy(s, _) = spec else { Issue.record("not a copy"); continue }
            var p = tsr_strided_copy_params(rank: Int32(s.outputShape.count), elem_bytes: 4, out_shape: tuple6(s.outputShape),
                                            in_stride: tuple6(s.inputStrides), in_offset: Int32(s.inputOffset))
            var y = [Float](repeating: .nan, count: expected.count)
            #expect(tsr_strided_copy(&p, v[0]!.data, &y) == TSR_OK.rawValue)
            #expect(y == expected.data, "\(op)")
        }
        // Concat on axis 2 of three inputs.
        let (cspec, cv, cexpected) = try single("Concat", [[2, 3, 1, 2], [2, 3, 4, 2], [2, 3, 2, 2]], [("axis", .int(2))], rng: &rng)
        guard case let .concat(cs) = cspec else { Issue.record("not concat"); return }
        let chunks = cs.chunks.map(Int32.init)
        var y = [Float](repeating: .nan, count: cexpected.count)
        let status = chunks.withUnsafeBufferPointer { chunk -> Int32 in
            var p = tsr_concat_params(elem_bytes: 4, outer: Int32(cs.outer), count: 3, chunk: chunk.baseAddress)
            return cv[0]!.data.withUnsafeBufferPointer { a in
                cv[1]!.data.withUnsafeBufferPointer { b in
                    cv[2]!.data.withUnsafeBufferPointer { c in
                        let ptrs: [UnsafeRawPointer?] = [UnsafeRawPointer(a.baseAddress), UnsafeRawPointer(b.baseAddress), UnsafeRawPointer(c.baseAddress)]
                        return tsr_concat(&p, ptrs, &y)
                    }
                }
            }
        }
        #expect(status == TSR_OK.rawValue)
        #expect(y == cexpected.data)
        // Pad and ReduceMean.
        let (pspec, pv, pexpected) = try single("Pad", [[1, 2, 3, 2]], [], constants: [1: [0, 1, 2, 0, 0, 0, 1, 3]], rng: &rng)
        guard case let .pad(ps) = pspec else { Issue.record("not pad"); return }
        var pp = tsr_pad_params(rank: 4, elem_bytes: 4, in_shape: tuple6(ps.inputShape), out_shape: tuple6(ps.outputShape), pad_begin: tuple6(ps.begin), value: ps.value)
        var py = [Float](repeating: .nan, count: pexpected.count)
        #expect(tsr_pad(&pp, pv[0]!.data, &py) == TSR_OK.rawValue)
        #expect(py == pexpected.data)
        let (rspec, rv, rexpected) = try single("ReduceMean", [[2, 3, 4, 5]], [("axes", ints([1, 2])), ("keepdims", .int(0))], rng: &rng)
        guard case let .reduce(rs) = rspec else { Issue.record("not reduce"); return }
        var rp = tsr_reduce_params(op: TSR_REDUCE_MEAN, outer: Int32(rs.outer), reduce: Int32(rs.reduce), inner: Int32(rs.inner))
        var ry = [Float](repeating: .nan, count: rexpected.count)
        #expect(tsr_reduce_f32(&rp, rv[0]!.data, &ry) == TSR_OK.rawValue)
        check(ry, rexpected, "reduce mean")
    }

    @Test func resizeNearestFollowsItsIndexTables() throws {
        var rng = SeededRandom(seed: 4)
        var b = ModelBuilder("resize")
        b.input("x", [1, 3, 4, 2])
        let scales = b.constant("scales", [4], [1, 1, 1.5, 3])
        b.output(b.node("Resize", ["x", "", scales], [("mode", .string("nearest")), (Op.layoutAttribute, .string("NHWC"))]))
        let g = try b.graph(irAttributes: true)
        guard case let .resize(s) = try NodeSpec.of(g.nodes[0], in: g) else { Issue.record("not resize"); return }
        let x = rng.tensor([1, 3, 4, 2])
        let expected = try #require(try ReferenceInterpreter.run(g, inputs: ["x": x]).first?.value)
        let rows = s.sourceRows.map(Int32.init), cols = s.sourceColumns.map(Int32.init)
        var y = [Float](repeating: .nan, count: expected.count)
        let status = rows.withUnsafeBufferPointer { r in
            cols.withUnsafeBufferPointer { c -> Int32 in
                var p = tsr_resize_nearest_params(elem_bytes: 4, batch: 1, channels: 2, in_h: 3, in_w: 4, out_h: Int32(rows.count), out_w: Int32(cols.count),
                                                  src_h: r.baseAddress, src_w: c.baseAddress)
                return tsr_resize_nearest(&p, x.data, &y)
            }
        }
        #expect(status == TSR_OK.rawValue)
        #expect(y == expected.data)
        #expect(expected.shape == [1, 4, 12, 2])
    }

    @Test func kernelsRejectNullPointersAndBadParameters() {
        var x: [Float] = [1, 2, 3, 4]
        var y = [Float](repeating: 0, count: 4)
        var act = tsr_activation_params(size: 4, act: cAct(.relu))
        #expect(tsr_activation_f32(&act, nil, &y) == TSR_ERR_NULL.rawValue)
        #expect(tsr_activation_f32(nil, x, &y) == TSR_ERR_NULL.rawValue)
        act.size = -1
        #expect(tsr_activation_f32(&act, x, &y) == TSR_ERR_PARAM.rawValue)
        #expect(tsr_copy(-3, 4, x, &y) == TSR_ERR_PARAM.rawValue)
        #expect(tsr_copy(4, 3, x, &y) == TSR_ERR_PARAM.rawValue)  // not an element size
        let g = SpatialGeometry(kernel: (2, 2), stride: (1, 1), dilation: (1, 1), pads: (0, 0, 0, 0), input: (2, 2), output: (1, 1))
        var conv = tsr_conv2d_params(win: window(1, g), in_c: 3, out_c: 2, groups: 2, act: cAct(.none), acc: TSR_ACC_F32, walk: TSR_WALK_ANY)  // 3 channels, 2 groups
        #expect(tsr_conv2d_f32(&conv, x, x, nil, nil, &y) == TSR_ERR_PARAM.rawValue)
        var softmax = tsr_softmax_params(outer: 1, axis: 0, inner: 1, log: 0)
        #expect(tsr_softmax_f32(&softmax, x, &y) == TSR_ERR_PARAM.rawValue)
        var clip = tsr_activation_params(size: 4, act: cAct(.clip(min: 2, max: 3)))
        let status = x.withUnsafeMutableBufferPointer { tsr_activation_f32(&clip, $0.baseAddress, $0.baseAddress) }
        #expect(status == TSR_OK.rawValue)
        #expect(x == [2, 2, 3, 3])
    }
}

/// An attribute value as model JSON.
func jsonValue(_ v: AttributeValue) -> JSONValue {
    switch v {
    case let .int(i): return .int(i)
    case let .float(f): return .double(f)
    case let .string(s): return .string(s)
    case let .ints(a): return .array(a.map { .int($0) })
    case let .floats(a): return .array(a.map { .double($0) })
    }
}
