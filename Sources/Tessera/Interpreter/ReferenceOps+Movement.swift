import Foundation

/// Elementwise and data-movement ops of the reference interpreter.
extension ReferenceOps {
    static func binary(_ op: NodeSpec.BinaryOp, _ s: BroadcastSpec, _ act: Activation, _ a: TensorValue, _ b: TensorValue) -> TensorValue {
        var y: [Float] = []
        y.reserveCapacity(s.outputShape.reduce(1, *))
        forEachIndex(s.outputShape, [s.aStrides, s.bStrides]) { o in
            let u = Double(a.data[o[0]]), v = Double(b.data[o[1]])
            let r: Double
            switch op {
            case .add: r = u + v
            case .sub: r = u - v
            case .mul: r = u * v
            case .div: r = u / v
            case .max: r = u.isNaN || v.isNaN ? .nan : Swift.max(u, v)
            case .min: r = u.isNaN || v.isNaN ? .nan : Swift.min(u, v)
            case .pow: r = Foundation.pow(u, v)
            case .prelu: r = u < 0 ? u * v : u
            }
            y.append(Float(act.apply(r)))
        }
        return TensorValue(shape: s.outputShape, data: y)
    }

    /// BatchNormalization (inputs scale, bias, mean, var; epsilon) or ChannelAffine
    /// (inputs scale, shift).
    static func affine(_ s: AffineSpec, _ epsilon: Double?, _ x: TensorValue, _ p: [TensorValue]) -> TensorValue {
        var scale = p[0].data.map(Double.init), shift = p[1].data.map(Double.init)
        if let epsilon {
            for c in 0..<s.channels {
                let k = scale[c] / (Double(p[3].data[c]) + epsilon).squareRoot()
                shift[c] -= Double(p[2].data[c]) * k
                scale[c] = k
            }
        }
        var y = x.data
        for o in 0..<s.outer {
            for c in 0..<s.channels {
                for i in 0..<s.inner {
                    let k = (o * s.channels + c) * s.inner + i
                    y[k] = Float(s.activation.apply(Double(x.data[k]) * scale[c] + shift[c]))
                }
            }
        }
        return TensorValue(shape: s.shape, data: y)
    }

    static func reduce(_ s: ReduceSpec, _ x: TensorValue) -> TensorValue {
        var y = [Float](repeating: 0, count: s.outer * s.inner)
        for o in 0..<s.outer {
            for i in 0..<s.inner {
                let values = (0..<s.reduce).map { Double(x.data[(o * s.reduce + $0) * s.inner + i]) }
                let r: Double
                switch s.kind {
                case .mean: r = values.reduce(0, +) / Double(s.reduce)
                case .sum: r = values.reduce(0, +)
                case .max: r = values.contains { $0.isNaN } ? .nan : values.max()!
                case .min: r = values.contains { $0.isNaN } ? .nan : values.min()!
                }
                y[o * s.inner + i] = Float(r)
            }
        }
        return TensorValue(shape: s.outputShape, data: y)
    }

    static func concat(_ s: ConcatSpec, _ inputs: [TensorValue]) -> TensorValue {
        var y: [Float] = []
        for o in 0..<s.outer {
            for (t, chunk) in zip(inputs, s.chunks) { y += t.data[(o * chunk)..<((o + 1) * chunk)] }
        }
        return TensorValue(shape: s.outputShape, data: y)
    }

    static func stridedCopy(_ s: StridedCopySpec, _ x: TensorValue) -> TensorValue {
        var y: [Float] = []
        y.reserveCapacity(s.outputShape.reduce(1, *))
        forEachIndex(s.outputShape, [s.inputStrides]) { o in y.append(x.data[s.inputOffset + o[0]]) }
        return TensorValue(shape: s.outputShape, data: y)
    }

    /// InsertRegion: the base (zeros without one) with the patch written at its offsets.
    static func insert(_ s: InsertSpec, _ x: TensorValue, _ base: TensorValue?) -> TensorValue {
        var y = base?.data ?? [Float](repeating: 0, count: s.outputShape.reduce(1, *))
        let strides = StridedCopySpec.denseStrides(s.outputShape)
        let start = zip(s.offsets, strides).map { $0 * $1 }.reduce(0, +)
        var k = 0
        forEachIndex(s.patchShape, [strides]) { o in
            y[start + o[0]] = x.data[k]
            k += 1
        }
        return TensorValue(shape: s.outputShape, data: y)
    }

    static func pad(_ s: PadSpec, _ x: TensorValue) -> TensorValue {
        var y = [Float](repeating: s.value, count: s.outputShape.reduce(1, *))
        let outStrides = StridedCopySpec.denseStrides(s.outputShape)
        let base = zip(s.begin, outStrides).map { $0 * $1 }.reduce(0, +)
        var k = 0
        forEachIndex(s.inputShape, [outStrides]) { o in
            y[base + o[0]] = x.data[k]
            k += 1
        }
        return TensorValue(shape: s.outputShape, data: y)
    }

    static func resize(_ s: ResizeSpec, _ x: TensorValue) -> TensorValue {
        viaNCHW(s.layout, x) { x in
            var y: [Float] = []
            for plane in 0..<(s.batch * s.channels) {
                for r in s.sourceRows {
                    for c in s.sourceColumns { y.append(x.data[(plane * s.inH + r) * s.inW + c]) }
                }
            }
            return TensorValue(shape: [s.batch, s.channels, s.sourceRows.count, s.sourceColumns.count], data: y)
        }
    }
}
