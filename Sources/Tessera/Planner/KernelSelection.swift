/// The kernels code generation may choose from.
public enum KernelChoice: String, Sendable {
    /// The fastest variant for each layer's shapes and target.
    case best
    /// The plain C loop nests only: the reference point of `tessera bench`.
    case baseline
}

/// The C kernel family that implements a node. Chosen per layer from its shapes, before
/// memory planning: the variant decides how the weights are packed and how much scratch
/// the layer needs.
public enum KernelVariant: String, Sendable {
    /// The plain C loop nest of the op (`tsr_conv2d_f32`, `tsr_gemm_f16`, ...).
    case loopNest = "loop nest"
    /// `tsr_conv2d_1x1_*`: unpadded 1x1 convolution straight into the matrix micro-kernel.
    case conv1x1 = "1x1 direct"
    /// `tsr_conv2d_im2col_*`: im2col into scratch, then the matrix micro-kernel.
    case convIm2col = "im2col"
    /// `tsr_depthwise_conv2d_vec_*`: depthwise, vectorised over channels.
    case depthwiseVector = "channel-vector depthwise"
    /// `tsr_fully_connected_*`: matrix micro-kernel on packed weights.
    case fullyConnected = "fully connected"
    /// `tsr_fully_connected_w16_f32`: float activations times half weights and bias, the
    /// classifier head of the FP16 modes (its logits stay float, its weights half).
    case fullyConnectedHalfWeights = "fully connected, half weights"

    /// Rows (output pixels) the matrix micro-kernel takes per call: TSR_MM_ROWS in tsr_mm.h.
    public static let microKernelRows = 3

    /// Columns per block of packed weights: TSR_PACK_COLS_F32 / TSR_PACK_COLS_F16.
    public static func packColumns(_ dtype: DType) -> Int { dtype == .float16 ? 16 : 8 }

    /// The variant for `node` on a core whose kernels' SIMD is `simd`
    /// (`TargetDescription.kernelSIMD`). The blocked variants run everywhere but the host:
    /// Helium, the generic-vector back end for half nodes ("fp16-vector"), and the
    /// register-blocked scalar micro-kernel of the other MCU cores. The host keeps the loop
    /// nests (the harness's reference build).
    static func select(_ node: Node, _ spec: NodeSpec, in graph: Graph, choice: KernelChoice, simd: String) -> KernelVariant {
        if case .gemm = spec, let b = node.input(1), graph.constants[b]?.type.dtype == .float16,
           graph.types[node.outputs[0]]?.dtype == .float32 {
            return .fullyConnectedHalfWeights  // the only kernel for those dtypes (PrecisionLowering)
        }
        // Scalar FPU cores (Cortex-M4/M7/M33: "dsp"; RV32F's float nodes beside its half
        // vectors) run the matrix variants on the register-blocked portable micro-kernel,
        // and depthwise layers on the channel-vector kernels' scalar paths (four channels
        // of a pixel with their sums in registers).
        let scalar = simd == "dsp" || simd == "fp16-vector"
        guard choice == .best, simd == "helium" || scalar else { return .loopNest }
        func constant(_ k: Int) -> Bool { node.input(k).map { graph.constants[$0] != nil } ?? false }
        switch spec {
        case let .conv(c) where c.layout == .nhwc:
            if c.isDepthwise {
                return c.outChannels == c.inChannels ? .depthwiseVector : .loopNest
            }
            guard c.group == 1, constant(1) else { return .loopNest }
            let g = c.geometry
            if g.kernel == (1, 1) && g.pads == (0, 0, 0, 0) { return .conv1x1 }
            return .convIm2col
        case let .gemm(g):
            return Self.isFullyConnected(g) && constant(1) ? .fullyConnected : .loopNest
        default:
            return .loopNest
        }
    }

    /// Whether the fully connected kernels compute `g` (given a constant B): no transposed A,
    /// alpha 1, and no C or a row bias with beta 1.
    static func isFullyConnected(_ g: GemmSpec) -> Bool {
        !g.transA && g.alpha == 1 && (g.bias == .none || (g.bias == .row && g.beta == 1))
    }

    /// The packing the kernel wants for input `k` of a node computing in `dtype`.
    func packing(_ k: Int, _ spec: NodeSpec, _ dtype: DType) -> WeightPacking {
        let columns = Self.packColumns(dtype)
        switch (self, spec) {
        case (.conv1x1, _) where k == 1, (.convIm2col, _) where k == 1:
            return .convColumns(columns)
        case let (.fullyConnected, .gemm(g)) where k == 1, let (.fullyConnectedHalfWeights, .gemm(g)) where k == 1:
            return .matrixColumns(columns, transposed: g.transB)
        case let (_, .conv(c)) where k == 1 && c.layout == .nhwc:
            return c.isDepthwise ? .hwm : .ohwi
        default:
            return .plain
        }
    }

    /// Bytes of caller-owned scratch the kernel needs (tsr_conv2d_im2col_*_scratch_bytes).
    func scratchBytes(_ spec: NodeSpec, _ dtype: DType) -> Int {
        guard case let .conv(c) = spec else { return 0 }
        switch self {
        case .convIm2col:
            let k = c.geometry.kernel.h * c.geometry.kernel.w * c.inChannels
            return Self.microKernelRows * k * dtype.byteSize
        default:
            return 0
        }
    }
}

/// How a constant's elements are ordered in the weights blob.
public enum WeightPacking: Hashable, Sendable {
    /// As in the IR (row-major of its shape).
    case plain
    /// Conv weight OIHW -> OHWI, for tsr_conv2d_* (NHWC).
    case ohwi
    /// Depthwise weight [M][1][kh][kw] -> [kh][kw][M], for tsr_depthwise_conv2d_*.
    case hwm
    /// Conv weight OIHW as the K x N matrix (K = kernel row, kernel column, input channel;
    /// N = output channel) in blocks of `columns` columns, each block row by row
    /// (TSR_PACK_COLS_* in tsr_kernels.h).
    case convColumns(Int)
    /// Gemm B, [K][N] (or [N][K] when `transposed`), in blocks of `columns` columns.
    case matrixColumns(Int, transposed: Bool)

    /// Short name, for keys and comments.
    public var name: String {
        switch self {
        case .plain: return "plain"
        case .ohwi: return "ohwi"
        case .hwm: return "hwm"
        case let .convColumns(n): return "hwi-o\(n)"
        case let .matrixColumns(n, t): return t ? "nk-k\(n)" : "kn-k\(n)"
        }
    }

    /// The key of a (constant, packing) pair in `MemoryPlan.locations`.
    func key(_ name: String) -> String { self == .plain ? name : "\(name)@\(self.name)" }

    /// `values` of a tensor of `shape` (OIHW for convolutions), reordered.
    func pack(_ values: [Float], _ shape: [Int]) -> [Float] {
        switch self {
        case .plain:
            return values
        case .ohwi, .hwm:
            guard shape.count == 4 else { return values }
            let (o, i, h, w) = (shape[0], shape[1], shape[2], shape[3])
            var out = [Float](repeating: 0, count: values.count)
            for a in 0..<o {
                for b in 0..<i {
                    for c in 0..<h {
                        for d in 0..<w {
                            let source = ((a * i + b) * h + c) * w + d
                            let target = self == .ohwi ? ((a * h + c) * w + d) * i + b : ((c * w + d) * o + a) * i + b
                            out[target] = values[source]
                        }
                    }
                }
            }
            return out
        case let .convColumns(columns):
            guard shape.count == 4 else { return values }
            let (o, i, h, w) = (shape[0], shape[1], shape[2], shape[3])
            // Row r = (kh * w + kw) * i + ic of the K x N matrix, column oc.
            return Self.blocks(rows: h * w * i, columns: o, width: columns) { r, oc in
                let ic = r % i, kw = (r / i) % w, kh = r / (i * w)
                return values[((oc * i + ic) * h + kh) * w + kw]
            }
        case let .matrixColumns(columns, transposed):
            guard shape.count == 2 else { return values }
            let (k, n) = transposed ? (shape[1], shape[0]) : (shape[0], shape[1])
            return Self.blocks(rows: k, columns: n, width: columns) { r, c in
                transposed ? values[c * k + r] : values[r * n + c]
            }
        }
    }

    /// The matrix element(row, column) in column blocks of `width`, each row by row.
    private static func blocks(rows: Int, columns: Int, width: Int, _ element: (Int, Int) -> Float) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(rows * columns)
        for start in stride(from: 0, to: columns, by: width) {
            let nb = min(width, columns - start)
            for r in 0..<rows {
                for j in 0..<nb { out.append(element(r, start + j)) }
            }
        }
        return out
    }
}
