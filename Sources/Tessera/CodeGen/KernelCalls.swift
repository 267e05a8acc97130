/// One layer of the generated schedule: the kernel it calls and the C statements.
struct KernelCall {
    /// Kernel functions the statements call (each lives in `<name>.c`); empty for aliases.
    var kernels: [String]
    var lines: [String]
}

/// Turns a node and its resolved semantics into a kernel call with a parameter struct.
enum KernelCalls {
    /// `pointer(name)` renders the C expression that addresses a tensor's first element.
    static func make(_ node: Node, _ spec: NodeSpec, _ plan: MemoryPlan, pointer: (String) -> String) -> KernelCall {
        let x = pointer(node.inputs[0])
        let y = pointer(node.outputs[0])
        func operand(_ i: Int) -> String { node.input(i).map(pointer) ?? "NULL" }
        func call(_ kernel: String, _ type: String?, _ fields: [String], _ args: [String]) -> KernelCall {
            var lines: [String] = []
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
        let noAct = ".act = { TSR_ACT_NONE, 0.0f, 0.0f }"
        switch spec {
        case let .conv(s):
            let g = s.geometry
            return call("tsr_conv2d_f32", "tsr_conv2d_params", [
                ".batch = \(s.batch)", ".in_c = \(s.inChannels)", ".in_h = \(g.input.h)", ".in_w = \(g.input.w)",
                ".out_c = \(s.outChannels)", ".out_h = \(g.output.h)", ".out_w = \(g.output.w)",
                ".kernel_h = \(g.kernel.h)", ".kernel_w = \(g.kernel.w)",
                ".stride_h = \(g.stride.h)", ".stride_w = \(g.stride.w)",
                ".dilation_h = \(g.dilation.h)", ".dilation_w = \(g.dilation.w)",
                ".pad_top = \(g.pads.top)", ".pad_left = \(g.pads.left)", ".groups = \(s.group)", noAct,
            ], ["\(x)", operand(1), operand(2), y])
        case let .gemm(s):
            let bias = ["TSR_BIAS_NONE", "TSR_BIAS_SCALAR", "TSR_BIAS_ROW", "TSR_BIAS_COLUMN", "TSR_BIAS_FULL"][s.bias.rawValue]
            return call("tsr_gemm_f32", "tsr_gemm_params", [
                ".m = \(s.m)", ".n = \(s.n)", ".k = \(s.k)",
                ".trans_a = \(s.transA ? 1 : 0)", ".trans_b = \(s.transB ? 1 : 0)",
                ".alpha = \(CSyntax.float(s.alpha))", ".beta = \(CSyntax.float(s.beta))", ".c_kind = \(bias)", noAct,
            ], [x, operand(1), s.bias == .none ? "NULL" : operand(2), y])
        case let .matMul(s):
            return call("tsr_matmul_f32", "tsr_matmul_params", [
                ".m = \(s.m)", ".n = \(s.n)", ".k = \(s.k)", ".batch_rank = \(s.batchShape.count)",
                ".batch_shape = \(CSyntax.intArray(s.batchShape, count: 4))",
                ".a_batch_stride = \(CSyntax.intArray(s.aBatchStrides, count: 4))",
                ".b_batch_stride = \(CSyntax.intArray(s.bBatchStrides, count: 4))",
            ], [x, operand(1), y])
        case let .relu(shape):
            return call("tsr_relu_f32", "tsr_unary_params", [".size = \(shape.reduce(1, *))", ".min = 0.0f", ".max = 0.0f"], [x, y])
        case let .clip(shape, lo, hi):
            return call("tsr_clip_f32", "tsr_unary_params", [
                ".size = \(shape.reduce(1, *))", ".min = \(CSyntax.float(lo))", ".max = \(CSyntax.float(hi))",
            ], [x, y])
        case let .add(s):
            return call("tsr_add_f32", "tsr_binary_params", [
                ".rank = \(s.outputShape.count)",
                ".shape = \(CSyntax.intArray(s.outputShape, count: 6))",
                ".a_stride = \(CSyntax.intArray(s.aStrides, count: 6))",
                ".b_stride = \(CSyntax.intArray(s.bStrides, count: 6))", noAct,
            ], [x, operand(1), y])
        case let .maxPool(s), let .averagePool(s):
            let g = s.geometry
            let kernel = node.op == .maxPool ? "tsr_maxpool2d_f32" : "tsr_avgpool2d_f32"
            return call(kernel, "tsr_pool2d_params", [
                ".batch = \(s.batch)", ".channels = \(s.channels)", ".in_h = \(g.input.h)", ".in_w = \(g.input.w)",
                ".out_h = \(g.output.h)", ".out_w = \(g.output.w)", ".kernel_h = \(g.kernel.h)", ".kernel_w = \(g.kernel.w)",
                ".stride_h = \(g.stride.h)", ".stride_w = \(g.stride.w)",
                ".dilation_h = \(g.dilation.h)", ".dilation_w = \(g.dilation.w)",
                ".pad_top = \(g.pads.top)", ".pad_left = \(g.pads.left)",
                ".pad_bottom = \(g.pads.bottom)", ".pad_right = \(g.pads.right)",
                ".count_include_pad = \(s.countIncludePad ? 1 : 0)",
            ], [x, y])
        case let .globalAveragePool(planes, size, _):
            return call("tsr_global_avgpool_f32", "tsr_global_pool_params", [".planes = \(planes)", ".size = \(size)"], [x, y])
        case let .view(shape):
            if plan.locations[node.inputs[0]] == plan.locations[node.outputs[0]] {
                return KernelCall(kernels: [], lines: ["/* view: shares the input's storage, no code */"])
            }
            return call("tsr_copy_f32", nil, [], ["\(shape.reduce(1, *))", x, y])
        case let .transpose(s):
            return call("tsr_transpose_f32", "tsr_transpose_params", [
                ".rank = \(s.outputShape.count)",
                ".out_shape = \(CSyntax.intArray(s.outputShape, count: 6))",
                ".in_stride = \(CSyntax.intArray(s.inputStrides, count: 6))",
            ], [x, y])
        case let .softmax(s, _):
            return call("tsr_softmax_f32", "tsr_softmax_params", [".outer = \(s.outer)", ".axis = \(s.axis)", ".inner = \(s.inner)"], [x, y])
        }
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
        switch spec {
        case let .conv(s):
            let g = s.geometry
            var parts = ["\(g.kernel.h)x\(g.kernel.w)"]
            if g.stride != (1, 1) { parts.append("stride \(g.stride.h)x\(g.stride.w)") }
            if g.dilation != (1, 1) { parts.append("dilation \(g.dilation.h)x\(g.dilation.w)") }
            if g.pads != (0, 0, 0, 0) { parts.append("pads \(shapeText([g.pads.top, g.pads.left, g.pads.bottom, g.pads.right]))") }
            if s.isDepthwise { parts.append("depthwise") } else if s.group > 1 { parts.append("group \(s.group)") }
            return "Conv " + parts.joined(separator: " ")
        case let .gemm(s):
            return "Gemm \(s.m)x\(s.k) * \(s.k)x\(s.n)" + (s.transB ? " (B transposed)" : "")
        case let .maxPool(s), let .averagePool(s):
            let g = s.geometry
            return "\(node.op.name) \(g.kernel.h)x\(g.kernel.w) stride \(g.stride.h)x\(g.stride.w)"
        case let .transpose(s):
            return "Transpose perm \(shapeText(s.perm))"
        case let .clip(_, lo, hi):
            return "Clip [\(lo), \(hi)]"
        default:
            return node.op.name
        }
    }
}
