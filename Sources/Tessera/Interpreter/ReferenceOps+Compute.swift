import Foundation

/// Arithmetic ops of the reference interpreter: convolution, matrix products, pooling,
/// softmax.
extension ReferenceOps {
    static func conv(_ s: ConvSpec, _ x: TensorValue, _ w: TensorValue, _ bias: TensorValue?) -> TensorValue {
        viaNCHW(s.layout, x) { convNCHW(s, $0, w, bias) }
    }

    static func convNCHW(_ s: ConvSpec, _ x: TensorValue, _ w: TensorValue, _ bias: TensorValue?) -> TensorValue {
        let g = s.geometry
        let shape = [s.batch, s.outChannels, g.output.h, g.output.w]
        let (inC, outC) = (s.inChannels, s.outChannels)
        let cPerGroup = inC / s.group, mPerGroup = outC / s.group
        var y = [Float](repeating: 0, count: shape.reduce(1, *))
        var o = 0
        for n in 0..<s.batch {
            for m in 0..<outC {
                let group = m / mPerGroup
                for oh in 0..<g.output.h {
                    for ow in 0..<g.output.w {
                        var acc = bias.map { Double($0.data[m]) } ?? 0
                        for ci in 0..<cPerGroup {
                            let c = group * cPerGroup + ci
                            for kh in 0..<g.kernel.h {
                                let ih = oh * g.stride.h - g.pads.top + kh * g.dilation.h
                                if ih < 0 || ih >= g.input.h { continue }
                                for kw in 0..<g.kernel.w {
                                    let iw = ow * g.stride.w - g.pads.left + kw * g.dilation.w
                                    if iw < 0 || iw >= g.input.w { continue }
                                    let xv = x.data[((n * inC + c) * g.input.h + ih) * g.input.w + iw]
                                    let wv = w.data[((m * cPerGroup + ci) * g.kernel.h + kh) * g.kernel.w + kw]
                                    acc += Double(xv) * Double(wv)
                                }
                            }
                        }
                        y[o] = Float(s.activation.apply(acc))
                        o += 1
                    }
                }
            }
        }
        return TensorValue(shape: shape, data: y)
    }


    static func gemm(_ s: GemmSpec, _ a: TensorValue, _ b: TensorValue, _ c: TensorValue?) -> TensorValue {
        var y = [Float](repeating: 0, count: s.m * s.n)
        for i in 0..<s.m {
            for j in 0..<s.n {
                var acc = 0.0
                for p in 0..<s.k {
                    let av = s.transA ? a.data[p * s.m + i] : a.data[i * s.k + p]
                    let bv = s.transB ? b.data[j * s.k + p] : b.data[p * s.n + j]
                    acc += Double(av) * Double(bv)
                }
                var v = s.alpha * acc
                if let c {
                    let cv: Float
                    switch s.bias {
                    case .none: cv = 0
                    case .scalar: cv = c.data[0]
                    case .row: cv = c.data[j]
                    case .column: cv = c.data[i]
                    case .full: cv = c.data[i * s.n + j]
                    }
                    v += s.beta * Double(cv)
                }
                y[i * s.n + j] = Float(s.activation.apply(v))
            }
        }
        return TensorValue(shape: s.outputShape, data: y)
    }

    static func matMul(_ s: MatMulSpec, _ a: TensorValue, _ b: TensorValue) -> TensorValue {
        var y = [Float](repeating: 0, count: s.batchCount * s.m * s.n)
        for batch in 0..<s.batchCount {
            var rest = batch, aBase = 0, bBase = 0
            for d in stride(from: s.batchShape.count - 1, through: 0, by: -1) {
                let idx = rest % s.batchShape[d]
                rest /= s.batchShape[d]
                aBase += idx * s.aBatchStrides[d]
                bBase += idx * s.bBatchStrides[d]
            }
            for i in 0..<s.m {
                for j in 0..<s.n {
                    var acc = 0.0
                    for p in 0..<s.k {
                        acc += Double(a.data[aBase + i * s.k + p]) * Double(b.data[bBase + p * s.n + j])
                    }
                    y[(batch * s.m + i) * s.n + j] = Float(acc)
                }
            }
        }
        return TensorValue(shape: s.outputShape, data: y)
    }

    /// Visits every index of `shape` in row-major order with the offsets given by `strides`.
    static func forEachIndex(_ shape: [Int], _ strides: [[Int]], _ body: ([Int]) -> Void) {
        let count = shape.reduce(1, *)
        var offsets = [Int](repeating: 0, count: strides.count)
        var index = [Int](repeating: 0, count: shape.count)
        for _ in 0..<count {
            body(offsets)
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                for k in 0..<strides.count { offsets[k] += strides[k][d] }
                if index[d] < shape[d] { break }
                for k in 0..<strides.count { offsets[k] -= strides[k][d] * shape[d] }
                index[d] = 0
                d -= 1
            }
        }
    }

    static func softmax(_ s: SoftmaxSpec, _ shape: [Int], _ x: TensorValue) -> TensorValue {
        var y = x.data
        for o in 0..<s.outer {
            for i in 0..<s.inner {
                let at = { (a: Int) in (o * s.axis + a) * s.inner + i }
                var peak = -Double.infinity
                for a in 0..<s.axis { peak = max(peak, Double(x.data[at(a)])) }
                var sum = 0.0
                for a in 0..<s.axis { sum += exp(Double(x.data[at(a)]) - peak) }
                for a in 0..<s.axis {
                    let shifted = Double(x.data[at(a)]) - peak
                    y[at(a)] = Float(s.log ? shifted - Foundation.log(sum) : exp(shifted) / sum)
                }
            }
        }
        return TensorValue(shape: shape, data: y)
    }

    /// ONNX MaxPool / AveragePool; the average's divisor follows onnxruntime (padded taps
    /// count with count_include_pad, taps beyond the explicit pads never do).
    static func pool(_ s: PoolSpec, _ x: TensorValue, max isMax: Bool) -> TensorValue {
        viaNCHW(s.layout, x) { poolNCHW(s, $0, max: isMax) }
    }

    static func poolNCHW(_ s: PoolSpec, _ x: TensorValue, max isMax: Bool) -> TensorValue {
        let g = s.geometry
        var y: [Float] = []
        y.reserveCapacity(s.outputShape.reduce(1, *))
        for plane in 0..<(s.batch * s.channels) {
            let base = plane * g.input.h * g.input.w
            for oh in 0..<g.output.h {
                for ow in 0..<g.output.w {
                    var best = -Double.infinity, sum = 0.0, valid = 0, counted = 0
                    for kh in 0..<g.kernel.h {
                        let ih = oh * g.stride.h - g.pads.top + kh * g.dilation.h
                        for kw in 0..<g.kernel.w {
                            let iw = ow * g.stride.w - g.pads.left + kw * g.dilation.w
                            let inPads = ih < g.input.h + g.pads.bottom && iw < g.input.w + g.pads.right
                            if inPads { counted += 1 }
                            guard ih >= 0, ih < g.input.h, iw >= 0, iw < g.input.w else { continue }
                            let v = Double(x.data[base + ih * g.input.w + iw])
                            best = Swift.max(best, v)
                            sum += v
                            valid += 1
                        }
                    }
                    if isMax {
                        y.append(Float(best))
                    } else {
                        y.append(Float(sum / Double(s.countIncludePad ? counted : valid)))
                    }
                }
            }
        }
        return TensorValue(shape: [s.batch, s.channels, g.output.h, g.output.w], data: y)
    }
}
