/// One layer of the generated schedule: the kernels it calls and the C statements.
struct KernelCall {
    /// Kernel functions the statements call (each lives in `<name>.c`); empty for aliases.
    var kernels: [String]
    var lines: [String]
}

/// Turns a node and its resolved semantics into kernel calls with parameter structs.
enum KernelCalls {
    /// `pointer(k)` renders the C expression addressing the node's k-th input;
    /// `output(k)` its k-th output.
    /// `dtype` is the element type the node computes on (its output's); `acc` the
    /// `tsr_acc_mode` of FP16 dot products.
    /// `variant` is the kernel family chosen for the node; `scratch` its arena scratch
    /// (a C pointer expression and the size), when the variant needs one.
    /// `walk`: the order the planner's overlap of output and input needs (OverlapRules).
    static func make(_ node: Node, _ spec: NodeSpec, variant: KernelVariant = .loopNest, scratch: (pointer: String, bytes: Int)? = nil,
                     walk: OverlapRules.Walk? = nil, isAlias: Bool, dtype: DType, acc: String,
                     input: (Int) -> String, output: (Int) -> String) throws -> KernelCall {
        let t = dtype == .float16 ? "f16" : "f32"
        let accField = dtype == .float16 ? [".acc = \(acc)"] : []
        // The data-movement kernels are generic in the element size (tsr_kernels.h).
        let elemBytes = ".elem_bytes = \(dtype.byteSize)"
        let x = input(0), y = output(0)
        func operand(_ i: Int) -> String { node.input(i) != nil ? input(i) : "NULL" }
        func call(_ kernel: String, _ type: String?, _ fields: [String], _ args: [String], prelude: [String] = []) -> KernelCall {
            var lines = prelude
            if let type {
                lines.append("static const \(type) p = {")
                lines += wrap(fields.map { $0 + "," }, width: 88).map { "    " + $0 }
                lines.append("};")
                lines.append("status = \(kernel)(&p, \(args.joined(separator: ", ")));")
            } else {
                lines.append("status = \(kernel)(\(args.joined(separator: ", ")));")
            }
            return KernelCall(kernels: [kernel], lines: lines)
        }
        func requireNHWC(_ layout: DataLayout) throws {
            guard layout == .nhwc else {
                throw TesseraError.internalError("\(node.location): \(node.op.name) reached code generation in \(layout.rawValue); the kernels are NHWC (LayoutLowering must run)")
            }
        }
        switch spec {
        case let .conv(s):
            try requireNHWC(s.layout)
            let walkField = walk.map { [".walk = \($0 == .forward ? "TSR_WALK_FORWARD" : "TSR_WALK_BACKWARD")"] } ?? []
            if s.isDepthwise {
                let fields = [window(s.batch, s.geometry), ".in_c = \(s.inChannels)", ".multiplier = \(s.outChannels / s.inChannels)", act(s.activation)]
                    + accField + walkField
                let kernel = variant == .depthwiseVector ? "tsr_depthwise_conv2d_vec_\(t)" : "tsr_depthwise_conv2d_\(t)"
                return call(kernel, "tsr_depthwise_conv2d_params", fields, [x, operand(1), operand(2), y])
            }
            let fields = [window(s.batch, s.geometry), ".in_c = \(s.inChannels)", ".out_c = \(s.outChannels)", ".groups = \(s.group)", act(s.activation)]
                + accField + walkField
            // The residual operand (ResidualFusion): added before the activation; the
            // planner usually gives the output the residual's storage.
            let residual = node.input(Op.residualInput) != nil ? input(Op.residualInput) : "NULL"
            switch variant {
            case .conv1x1:
                return call("tsr_conv2d_1x1_\(t)", "tsr_conv2d_params", fields, [x, operand(1), operand(2), residual, y])
            case .convIm2col:
                guard let scratch else { throw TesseraError.internalError("\(node.location): the im2col kernel has no scratch planned") }
                return call("tsr_conv2d_im2col_\(t)", "tsr_conv2d_params", fields, [x, operand(1), operand(2), residual, y, scratch.pointer, "\(scratch.bytes)"])
            default:
                return call("tsr_conv2d_\(t)", "tsr_conv2d_params", fields, [x, operand(1), operand(2), residual, y])
            }
        case let .gemm(s) where variant == .fullyConnected || variant == .fullyConnectedHalfWeights:
            let kernel = variant == .fullyConnectedHalfWeights ? "tsr_fully_connected_w16_f32" : "tsr_fully_connected_\(t)"
            return call(kernel, "tsr_fully_connected_params",
                        [".m = \(s.m)", ".n = \(s.n)", ".k = \(s.k)", act(s.activation)] + accField,
                        [x, operand(1), s.bias == .none ? "NULL" : operand(2), y])
        case let .gemm(s):
            let bias = ["TSR_BIAS_NONE", "TSR_BIAS_SCALAR", "TSR_BIAS_ROW", "TSR_BIAS_COLUMN", "TSR_BIAS_FULL"][s.bias.rawValue]
            return call("tsr_gemm_\(t)", "tsr_gemm_params", [
                ".m = \(s.m)", ".n = \(s.n)", ".k = \(s.k)", ".trans_a = \(s.transA ? 1 : 0)", ".trans_b = \(s.transB ? 1 : 0)",
                ".alpha = \(CSyntax.float(s.alpha))", ".beta = \(CSyntax.float(s.beta))", ".c_kind = \(bias)", act(s.activation),
            ] + accField, [x, operand(1), s.bias == .none ? "NULL" : operand(2), y])
        case let .matMul(s):
            return call("tsr_matmul_\(t)", "tsr_matmul_params", [
                ".m = \(s.m)", ".n = \(s.n)", ".k = \(s.k)", ".batch_rank = \(s.batchShape.count)",
                ".batch_shape = \(CSyntax.intArray(s.batchShape, count: 4))",
                ".a_batch_stride = \(CSyntax.intArray(s.aBatchStrides, count: 4))",
                ".b_batch_stride = \(CSyntax.intArray(s.bBatchStrides, count: 4))",
            ] + accField, [x, operand(1), y])
        case let .activation(shape, a):
            return call("tsr_activation_\(t)", "tsr_activation_params", [".size = \(shape.reduce(1, *))", act(a)], [x, y])
        case let .binary(op, s, a):
            return call("tsr_binary_\(t)", "tsr_binary_params", [
                ".op = TSR_BINARY_\(op.rawValue.uppercased())", ".rank = \(s.outputShape.count)",
                ".shape = \(CSyntax.intArray(s.outputShape, count: 6))", ".a_stride = \(CSyntax.intArray(s.aStrides, count: 6))",
                ".b_stride = \(CSyntax.intArray(s.bStrides, count: 6))", act(a),
            ], [x, operand(1), y])
        case let .affine(s, epsilon):
            guard epsilon == nil else {
                throw TesseraError.internalError("\(node.location): BatchNormalization reached code generation (BatchNormFolding must run)")
            }
            return call("tsr_channel_affine_\(t)", "tsr_channel_affine_params",
                        [".outer = \(s.outer)", ".channels = \(s.channels)", ".inner = \(s.inner)", act(s.activation)],
                        [x, operand(1), operand(2), y])
        case let .pool(kind, s):
            try requireNHWC(s.layout)
            // An AveragePool of the FP16 float head reads half and writes float.
            let mixed = s.outputDType == .float32 && kind == .average
            return call(kind == .max ? "tsr_maxpool2d_\(t)" : mixed ? "tsr_avgpool2d_f16_f32" : "tsr_avgpool2d_\(t)", "tsr_pool2d_params",
                        [window(s.batch, s.geometry), ".channels = \(s.channels)", ".count_include_pad = \(s.countIncludePad ? 1 : 0)"], [x, y])
        case let .reduce(s):
            // A mean or sum of the FP16 float head reads half and writes float.
            if s.outputDType == .float32, s.kind != .mean && s.kind != .sum {
                throw TesseraError.internalError("\(node.location): only mean and sum reductions write float from half")
            }
            return call(s.outputDType == .float32 ? "tsr_reduce_f16_f32" : "tsr_reduce_\(t)", "tsr_reduce_params",
                        [".op = TSR_REDUCE_\(s.kind.rawValue.uppercased())", ".outer = \(s.outer)", ".reduce = \(s.reduce)", ".inner = \(s.inner)"], [x, y])
        case let .concat(s):
            let inputs = node.inputs.indices.map(input)
            return call("tsr_concat", "tsr_concat_params",
                        [elemBytes, ".outer = \(s.outer)", ".count = \(s.chunks.count)", ".chunk = chunk"],
                        ["inputs_", y], prelude: ["static const int32_t chunk[\(s.chunks.count)] = \(CSyntax.intList(s.chunks));",
                                                  "const void *const inputs_[\(inputs.count)] = { \(inputs.joined(separator: ", ")) };"])
        case let .copy(s, _):
            if isAlias { return KernelCall(kernels: [], lines: ["/* view: same bytes in the same order, no code */"]) }
            return call("tsr_strided_copy", "tsr_strided_copy_params", stridedCopyFields(s, elemBytes: elemBytes), [x, y])
        case let .split(parts):
            var lines: [String] = []
            for (k, part) in parts.enumerated() {
                let c = call("tsr_strided_copy", "tsr_strided_copy_params", stridedCopyFields(part, elemBytes: elemBytes), [x, output(k)])
                lines += ["{"] + c.lines.map { "    " + $0 } + ["    if (status != TSR_OK) return status;", "}"]
            }
            return KernelCall(kernels: ["tsr_strided_copy"], lines: lines)
        case let .pad(s):
            return call("tsr_pad", "tsr_pad_params", [
                ".rank = \(s.inputShape.count)", elemBytes, ".in_shape = \(CSyntax.intArray(s.inputShape, count: 6))",
                ".out_shape = \(CSyntax.intArray(s.outputShape, count: 6))", ".pad_begin = \(CSyntax.intArray(s.begin, count: 6))",
                ".value = \(CSyntax.float(s.value))",
            ], [x, y])
        case let .resize(s):
            try requireNHWC(s.layout)
            return call("tsr_resize_nearest", "tsr_resize_nearest_params", [
                elemBytes, ".batch = \(s.batch)", ".channels = \(s.channels)", ".in_h = \(s.inH)", ".in_w = \(s.inW)",
                ".out_h = \(s.sourceRows.count)", ".out_w = \(s.sourceColumns.count)", ".src_h = src_h", ".src_w = src_w",
            ], [x, y], prelude: ["static const int32_t src_h[\(s.sourceRows.count)] = \(CSyntax.intList(s.sourceRows));",
                                 "static const int32_t src_w[\(s.sourceColumns.count)] = \(CSyntax.intList(s.sourceColumns));"])
        case let .view(shape):
            if isAlias { return KernelCall(kernels: [], lines: ["/* view: shares the input's storage, no code */"]) }
            return call("tsr_copy", nil, [], ["\(shape.reduce(1, *))", "\(dtype.byteSize)", x, y])
        case let .convert(s, to, perm):
            let direction = to == .float16 ? "f32_to_f16" : "f16_to_f32"
            if perm != nil {  // a Transpose converting on the way: one strided pass
                return call("tsr_strided_convert_\(direction)", "tsr_strided_copy_params", stridedCopyFields(s), [x, y])
            }
            return call("tsr_convert_\(direction)", nil, [], ["\(s.outputShape.reduce(1, *))", x, y])
        case let .insert(s):
            // Generic in the element size; the output is the base's storage (the planner
            // joins them), so only the patch moves.
            return call("tsr_insert_region", "tsr_insert_region_params", [
                ".rank = \(s.outputShape.count)", elemBytes, ".shape = \(CSyntax.intArray(s.patchShape, count: 6))",
                ".y_shape = \(CSyntax.intArray(s.outputShape, count: 6))", ".offsets = \(CSyntax.intArray(s.offsets, count: 6))",
            ], [x, y])
        case let .softmax(s, _):
            return call("tsr_softmax_\(t)", "tsr_softmax_params",
                        [".outer = \(s.outer)", ".axis = \(s.axis)", ".inner = \(s.inner)", ".log = \(s.log ? 1 : 0)"], [x, y])
        }
    }

    private static func window(_ batch: Int, _ g: SpatialGeometry) -> String {
        ".win = { \(batch), \(g.input.h), \(g.input.w), \(g.output.h), \(g.output.w), \(g.kernel.h), \(g.kernel.w), "
            + "\(g.stride.h), \(g.stride.w), \(g.dilation.h), \(g.dilation.w), \(g.pads.top), \(g.pads.left), \(g.pads.bottom), \(g.pads.right) }"
    }

    /// The `tsr_strided_copy_params` fields; `elemBytes` (the `.elem_bytes` field) for
    /// tsr_strided_copy, nil for the converting gathers, whose element types are in their names.
    private static func stridedCopyFields(_ s: StridedCopySpec, elemBytes: String? = nil) -> [String] {
        [".rank = \(s.outputShape.count)"] + (elemBytes.map { [$0] } ?? []) + [".out_shape = \(CSyntax.intArray(s.outputShape, count: 6))",
         ".in_stride = \(CSyntax.intArray(s.inputStrides, count: 6))", ".in_offset = \(s.inputOffset)"]
    }

    /// The `tsr_act` initializer of an activation.
    static func act(_ a: Activation) -> String {
        let kind: String
        var extra: [String] = []
        switch a {
        case .none: kind = "TSR_ACT_NONE"
        case .relu: kind = "TSR_ACT_RELU"
        case let .clip(lo, hi):
            kind = "TSR_ACT_CLIP"
            extra = [".min = \(CSyntax.float(lo))", ".max = \(CSyntax.float(hi))"]
        case .sigmoid: kind = "TSR_ACT_SIGMOID"
        case .tanh: kind = "TSR_ACT_TANH"
        case let .hardSigmoid(alpha, beta):
            kind = "TSR_ACT_HARDSIGMOID"
            extra = [".alpha = \(CSyntax.float(alpha))", ".beta = \(CSyntax.float(beta))"]
        case .hardSwish: kind = "TSR_ACT_HARDSWISH"
        case let .leakyRelu(alpha):
            kind = "TSR_ACT_LEAKY_RELU"
            extra = [".alpha = \(CSyntax.float(alpha))"]
        case .silu: kind = "TSR_ACT_SILU"
        case let .elu(alpha):
            kind = "TSR_ACT_ELU"
            extra = [".alpha = \(CSyntax.float(alpha))"]
        case let .selu(alpha, gamma):
            kind = "TSR_ACT_SELU"
            extra = [".alpha = \(CSyntax.float(alpha))", ".beta = \(CSyntax.float(gamma))"]
        case let .gelu(tanh):
            kind = "TSR_ACT_GELU"
            if tanh { extra = [".alpha = 1.0f"] }
        case .abs, .neg, .exp, .log, .sqrt, .reciprocal, .softplus, .softsign, .erf, .floor, .ceil:
            kind = "TSR_ACT_" + a.name.uppercased()
        }
        return ".act = { " + ([".kind = \(kind)"] + extra).joined(separator: ", ") + " }"
    }

    /// Joins items into lines of at most `width` characters (an item longer than that gets
    /// a line of its own).
    static func wrap(_ items: [String], width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for item in items {
            if !current.isEmpty && current.count + 1 + item.count > width {
                lines.append(current)
                current = item
            } else {
                current = current.isEmpty ? item : current + " " + item
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// One-line description of a layer for comments and tables.
    static func summary(_ node: Node, _ spec: NodeSpec) -> String {
        func withActivation(_ text: String, _ a: Activation) -> String { a == .none ? text : "\(text) + \(a)" }
        switch spec {
        case let .conv(s):
            let g = s.geometry
            var parts = ["\(g.kernel.h)x\(g.kernel.w)"]
            if g.stride != (1, 1) { parts.append("stride \(g.stride.h)x\(g.stride.w)") }
            if g.dilation != (1, 1) { parts.append("dilation \(g.dilation.h)x\(g.dilation.w)") }
            if g.pads != (0, 0, 0, 0) { parts.append("pads \(shapeText([g.pads.top, g.pads.left, g.pads.bottom, g.pads.right]))") }
            if s.isDepthwise { parts.append("depthwise") } else if s.group > 1 { parts.append("group \(s.group)") }
            return withActivation("Conv " + parts.joined(separator: " "), s.activation)
        case let .gemm(s):
            return withActivation("Gemm \(s.m)x\(s.k) * \(s.k)x\(s.n)" + (s.transB ? " (B transposed)" : ""), s.activation)
        case let .pool(_, s):
            let g = s.geometry
            return "\(node.op.name) \(g.kernel.h)x\(g.kernel.w) stride \(g.stride.h)x\(g.stride.w)"
        case let .copy(_, perm?):
            return "Transpose perm \(shapeText(perm))"
        case let .convert(_, to, perm?):
            return "Convert to \(to.rawValue), transposed perm \(shapeText(perm))"
        case let .activation(_, a):
            return "\(a)"
        case let .binary(_, _, a):
            return withActivation(node.op.name, a)
        case let .affine(s, _):
            return withActivation(node.op.name, s.activation)
        default:
            return node.op.name
        }
    }
}
