import Foundation
import Testing
@testable import Tessera

/// The matrix, 1x1, im2col and depthwise kernels on random shapes on the emulated cores: one model of independent branches (convolutions with odd channel counts,
/// 1x1, stride 2, asymmetric padding, dilation, single-pixel maps, depthwise; fully connected
/// layers), so one firmware per target and precision covers every shape. Both pick the
/// blocked variants, which read window rows in place and pack only the borders: corstone300
/// on its Helium paths, rv32zfh on the generic-vector back end (Zfh half arithmetic, lane by
/// lane), the Cortex-M7 and RV32F's float nodes on the register-blocked scalar micro-kernel
/// and depthwise path.
/// Against the reference interpreter on the same compiled graph, at the tolerances of
/// Tolerance.fp16, on the model-file graph in FP32 (Tolerance.againstFP32), and off Helium
/// bit for bit against the host build.
@Suite struct EmulatedShapeSweepTests {
    static let cases: [(String, Precision)] = [
        ("corstone300", .fp32), ("corstone300", .fp16), ("corstone300", .fp16Acc16), ("corstone300", .fp16Acc32),
        ("rv32zfh", .fp16), ("rv32zfh", .fp16Acc16), ("rv32zfh", .fp16Acc32),
        // The register-blocked scalar micro-kernel: float, and half as storage (Cortex-M7);
        // float beside the half vectors (RV32F).
        ("stm32h743", .fp32), ("stm32h743", .fp16), ("rv32zfh", .fp32),
    ]

    /// Branches of the sweep model, seeded: conv (grouped or not) and Gemm.
    static func model() -> ModelBuilder {
        var b = ModelBuilder("shape_sweep", seed: 41)
        var rng = SeededRandom(seed: 42)
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        for i in 0..<12 {
            let depthwise = i % 4 == 3
            let cin = [1, 3, 5, 8, 16, 17, 24, 33][pick(8)]
            let cout = depthwise ? cin : [1, 7, 8, 16, 19, 32, 40][pick(7)]
            let kh = [1, 3, 3, 2][pick(4)], kw = [1, 3, 3, 5][pick(4)]
            let dil = pick(4) == 0 ? 2 : 1
            let h = i == 5 ? 1 : 1 + pick(11), w = i == 5 ? 1 : 1 + pick(11)
            let reachH = (kh - 1) * dil + 1, reachW = (kw - 1) * dil + 1
            // Pads (top, left, bottom, right), each below the reach, enough for one output.
            var pads = [pick(reachH), pick(reachW), pick(reachH), pick(reachW)]
            pads[2] = max(pads[2], reachH - h - pads[0])
            pads[3] = max(pads[3], reachW - w - pads[1])
            let x = b.input("x\(i)", [1, cin, h, w])
            let wt = b.weight("w\(i)", [cout, depthwise ? 1 : cin, kh, kw], scale: 0.4)
            var inputs = [x, wt]
            if pick(3) != 0 { inputs.append(b.weight("b\(i)", [cout])) }
            var attributes: [(String, JSONValue)] = [("strides", ints([1 + pick(2), 1 + pick(2)])), ("pads", ints(pads)),
                                                     ("dilations", ints([dil, dil]))]
            if depthwise { attributes.append(("group", .int(cin))) }
            var y = b.node("Conv", inputs, name: "conv\(i)", attributes)
            if pick(2) == 0 { y = b.node("Relu", [y], name: "relu\(i)") }
            b.output(y)
        }
        // Unpadded 1x1 convolutions (the direct 1x1 variant), stride 1 and 2.
        for (i, (cin, cout, h, stride)) in [(17, 24, 5, 2), (32, 16, 4, 1)].enumerated() {
            let x = b.input("p\(i)", [1, cin, h, h + 1])
            b.output(b.node("Conv", [x, b.weight("pw\(i)", [cout, cin, 1, 1], scale: 0.4), b.weight("pb\(i)", [cout])],
                            name: "pointwise\(i)", [("strides", ints([stride, stride]))]))
        }
        // Chunk boundaries of the FP16 micro-kernel: a 3x3 convolution over 32 channels
        // (segments of 96 terms, three 32-term chunks each, and 9 chunks: more than one
        // group) and a 1x1 convolution over 64 channels (one segment of two chunks).
        for (i, (cin, kernel, pad)) in [(32, 3, 1), (64, 1, 0)].enumerated() {
            let x = b.input("c\(i)", [1, cin, 4, 5])
            b.output(b.node("Conv", [x, b.weight("cw\(i)", [16, cin, kernel, kernel], scale: 0.2), b.weight("cb\(i)", [16])],
                            name: "chunks\(i)", [("pads", ints([pad, pad, pad, pad]))]))
        }
        // Residual blocks, the Add folded into the last convolution (ResidualFusion), so
        // that each path of the micro-kernels' residual epilogue runs: 3x3 over 16 channels
        // (FP16: chunked full blocks; FP32: two full blocks), 1x1 to 24 channels (a full and
        // a narrow block in one chunk; three FP32 blocks), 3x3 to 19 channels (a 3-column
        // tail) with a hard sigmoid (the buffered epilogue; exact arithmetic, so the same bits with any libm). 20 and 9 pixels leave calls of 2
        // and 1 rows, whose blocks run row by row.
        for (i, (cin, ch, mid, kernel, h, w, act)) in [(8, 16, 16, 3, 4, 5, "Relu"), (8, 24, 16, 1, 4, 5, ""),
                                                       (3, 19, 5, 3, 3, 3, "HardSigmoid")].enumerated() {
            let x = b.input("r\(i)", [1, cin, h, w])
            let skip = b.node("Relu", [b.node("Conv", [x, b.weight("ra\(i)", [ch, cin, 1, 1], scale: 0.4)], name: "res_a\(i)")], name: "res_skip\(i)")
            let inner = b.node("Relu", [b.node("Conv", [skip, b.weight("rb\(i)", [mid, ch, 1, 1], scale: 0.4)], name: "res_b\(i)")], name: "res_inner\(i)")
            let pad = kernel / 2
            let main = b.node("Conv", [inner, b.weight("rc\(i)", [ch, mid, kernel, kernel], scale: 0.3), b.weight("rcb\(i)", [ch])],
                              name: "res_c\(i)", [("pads", ints([pad, pad, pad, pad]))])
            let sum = b.node("Add", [main, skip], name: "res_add\(i)")
            b.output(act.isEmpty ? sum : b.node(act, [sum], name: "res_act\(i)"))
        }
        for (i, (m, k, n)) in [(1, 37, 10), (3, 64, 16), (4, 19, 33)].enumerated() {
            let x = b.input("f\(i)", [m, k])
            b.output(b.node("Gemm", [x, b.weight("fw\(i)", [n, k], scale: 0.3), b.weight("fb\(i)", [n])], name: "fc\(i)",
                            [("transB", .int(1))]))
        }
        return b
    }

    @Test(arguments: cases)
    func randomShapesOnTheEmulator(_ c: (String, Precision)) throws {
        let (target, precision) = c
        // Off Helium the kernels compute the portable code's operations in its order:
        // rv32zfh's vector lanes and Zfh scalar code (fused half multiply-adds included),
        // the scalar FPU code, and the Cortex-M7's paired half conversions (VCVTB/VCVTT):
        // the host's bits exactly.
        let model = try EmulatedKernelTests.runAndCompare(try Self.model().graph(), target: target, precision: precision, seed: 43,
                                                          sameBitsAsHost: target != "corstone300")
        // The sweep exercises the blocked variants, not only the loop nests.
        for kernel in ["conv2d_im2col", "conv2d_1x1", "fully_connected", "depthwise_conv2d_vec"] {
            #expect(model.kernels.contains { $0.contains(kernel) }, "no \(kernel) kernel chosen on \(target) at \(precision.rawValue): \(model.kernels)")
        }
        // The three residual Adds are folded into their convolutions.
        let fused = model.graph.nodes.filter { $0.op == .conv && $0.inputs.count > Op.residualInput && !$0.inputs[Op.residualInput].isEmpty }
        #expect(fused.count == 3, "residual convolutions: \(fused.map(\.name))")
    }
}
