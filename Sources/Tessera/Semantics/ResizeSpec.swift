import Foundation

/// Resize (and Upsample) in nearest mode over the two spatial axes, resolved to source
/// index tables so that every coordinate transformation and rounding mode is one kernel.
public struct ResizeSpec: Equatable, Sendable {
    public var batch: Int, channels: Int
    public var inH: Int, inW: Int
    public var sourceRows: [Int]
    public var sourceColumns: [Int]
    public var layout: DataLayout

    public var outputShape: [Int] { layout.shape(n: batch, c: channels, h: sourceRows.count, w: sourceColumns.count) }

    static func make(_ node: Node, _ ctx: SpecContext) throws -> ResizeSpec {
        let a = AttributeReader(node)
        let x = try ctx.floatShape(node, 0)
        guard x.count == 4 else {
            throw TesseraError.unsupported(location: node.location, message: "Resize input must be 4-D (N, C, H, W), got \(shapeText(x))")
        }
        let layout = try DataLayout.of(node)
        let d = layout.split(x)
        let mode = try a.string("mode", default: "nearest")
        guard mode == "nearest" else {
            throw TesseraError.unsupported(location: node.location, message: "Resize mode \"\(mode)\" is not supported (only nearest)")
        }
        guard try a.int("antialias", default: 0) == 0, try a.string("keep_aspect_ratio_policy", default: "stretch") == "stretch" else {
            throw TesseraError.unsupported(location: node.location, message: "Resize antialias and keep_aspect_ratio_policy are not supported")
        }
        let transform = try a.string("coordinate_transformation_mode", default: "half_pixel")
        let rounding = try a.string("nearest_mode", default: "round_prefer_floor")
        // Scales and sizes are given in NCHW order (ONNX); the layout pass keeps them so.
        let logical = [d.n, d.c, d.h, d.w]
        var scales: [Double]
        var sizes: [Int]
        if let sc = ctx.constant(node, 3), sc.type.elementCount > 0 {
            guard let v = sc.integers, v.count == 4 else { throw a.fail("Resize sizes must be 4 integers") }
            sizes = v
            scales = zip(v, logical).map { Double($0) / Double($1) }
        } else if let sc = ctx.constant(node, 2), sc.type.elementCount > 0 {
            guard let v = sc.floats, v.count == 4, v.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw a.fail("Resize scales must be 4 positive numbers") }
            scales = v.map(Double.init)
            let scaled = zip(logical, scales).map { (Double($0) * $1).rounded(.down) }
            guard scaled.allSatisfy({ $0 <= Double(maxTensorElements) }) else {
                throw a.fail("Resize scales \(v) make the output of \(shapeText(logical)) larger than \(maxTensorElements) elements")
            }
            sizes = scaled.map { Int($0) }
        } else {
            throw a.fail("Resize needs constant scales or sizes")
        }
        guard sizes[0] == d.n, sizes[1] == d.c else {
            throw TesseraError.unsupported(location: node.location, message: "Resize of the batch or channel axis is not supported")
        }
        guard sizes[2] > 0, sizes[3] > 0 else { throw a.fail("Resize output \(shapeText(sizes)) is empty") }
        // The index tables below have one entry per output row and column.
        guard checkedElementCount(sizes) != nil else {
            throw a.fail("Resize output \(shapeText(sizes)) has more than \(maxTensorElements) elements (its size overflows)")
        }
        func table(_ inSize: Int, _ outSize: Int, _ scale: Double) throws -> [Int] {
            try (0..<outSize).map { o in
                let x = Double(o)
                let source: Double
                switch transform {
                case "half_pixel": source = (x + 0.5) / scale - 0.5
                case "pytorch_half_pixel": source = outSize > 1 ? (x + 0.5) / scale - 0.5 : 0
                case "asymmetric": source = x / scale
                case "align_corners": source = outSize > 1 ? x * Double(inSize - 1) / Double(outSize - 1) : 0
                case "tf_half_pixel_for_nn": source = (x + 0.5) / scale
                default:
                    throw TesseraError.unsupported(location: node.location, message: "Resize coordinate_transformation_mode \"\(transform)\" is not supported")
                }
                let index: Double
                switch rounding {
                case "round_prefer_floor": index = source == source.rounded(.down) + 0.5 ? source.rounded(.down) : source.rounded()
                case "round_prefer_ceil": index = source.rounded()
                case "floor": index = source.rounded(.down)
                case "ceil": index = source.rounded(.up)
                default: throw a.fail("Resize nearest_mode \"\(rounding)\" is not one of round_prefer_floor, round_prefer_ceil, floor, ceil")
                }
                return Int(Swift.min(Swift.max(index, 0), Double(inSize - 1)))
            }
        }
        return ResizeSpec(batch: d.n, channels: d.c, inH: d.h, inW: d.w,
                          sourceRows: try table(d.h, sizes[2], scales[2]), sourceColumns: try table(d.w, sizes[3], scales[3]), layout: layout)
    }
}

/// A reduction over one contiguous block of axes: x viewed as [outer][reduce][inner].
public struct ReduceSpec: Equatable, Sendable {
    public enum Kind: String, Sendable { case mean, sum, max, min }

    public var kind: Kind
    public var outer: Int, reduce: Int, inner: Int
    public var outputShape: [Int]
    /// float32 for a reduction of a float16 tensor written in float (`output_dtype`), nil
    /// when it writes its input's type.
    public var outputDType: DType? = nil

    /// GlobalAveragePool: the spatial axes of an NCHW or NHWC tensor.
    static func globalAverage(_ node: Node, _ ctx: SpecContext) throws -> ReduceSpec {
        let x = try ctx.floatShape(node, 0)
        guard x.count >= 3 else {
            throw TesseraError.invalidModel(location: node.location, message: "GlobalAveragePool input must have rank 3 or more (N, C, spatial...), got \(shapeText(x))")
        }
        if try DataLayout.of(node) == .nhwc {
            guard x.count == 4 else { throw TesseraError.internalError("NHWC GlobalAveragePool must be 4-D") }
            return ReduceSpec(kind: .mean, outer: x[0], reduce: x[1] * x[2], inner: x[3], outputShape: [x[0], 1, 1, x[3]])
        }
        return ReduceSpec(kind: .mean, outer: x[0] * x[1], reduce: x[2...].reduce(1, *), inner: 1,
                          outputShape: [x[0], x[1]] + [Int](repeating: 1, count: x.count - 2))
    }

    /// ReduceMean, ReduceSum, ReduceMax and ReduceMin.
    static func reduce(_ node: Node, _ ctx: SpecContext) throws -> ReduceSpec {
        let a = AttributeReader(node)
        let kind: Kind = [.reduceMean: .mean, .reduceSum: .sum, .reduceMax: .max, .reduceMin: .min][node.op]!
        let x = try ctx.floatShape(node, 0)
        guard !x.isEmpty else { throw a.fail("\(node.op.name) input must have rank 1 or more") }
        var axes = try ViewShapes.axesOperand(node, ctx) ?? []
        let keepdims = try a.int("keepdims", default: 1), noop = try a.int("noop_with_empty_axes", default: 0)
        guard keepdims == 0 || keepdims == 1 else { throw a.fail("keepdims must be 0 or 1, got \(keepdims)") }
        guard noop == 0 || noop == 1 else { throw a.fail("noop_with_empty_axes must be 0 or 1, got \(noop)") }
        if axes.isEmpty {
            if noop == 1 {
                return ReduceSpec(kind: kind, outer: x.reduce(1, *), reduce: 1, inner: 1, outputShape: x)
            }
            axes = Array(x.indices)
        }
        let sorted = try Set(axes.map { try normalizedAxis($0, rank: x.count, node) }).sorted()
        guard sorted.count == axes.count else { throw a.fail("\(node.op.name) axes \(shapeText(axes)) repeat an axis") }
        guard sorted.last! - sorted.first! + 1 == sorted.count else {
            throw TesseraError.unsupported(location: node.location, message: "\(node.op.name) over non-adjacent axes \(shapeText(sorted)) is not supported")
        }
        let keep = keepdims == 1
        var out: [Int] = []
        for (d, size) in x.enumerated() {
            if !sorted.contains(d) { out.append(size) } else if keep { out.append(1) }
        }
        return ReduceSpec(kind: kind, outer: x[..<sorted.first!].reduce(1, *), reduce: sorted.map { x[$0] }.reduce(1, *),
                          inner: x[(sorted.last! + 1)...].reduce(1, *), outputShape: out)
    }
}

/// y = x * scale[c] + shift[c] along one axis: BatchNormalization (inference) and
/// ChannelAffine. x is viewed as [outer][channels][inner].
public struct AffineSpec: Equatable, Sendable {
    public var outer: Int, channels: Int, inner: Int
    public var shape: [Int]
    public var activation: Activation

    static func make(_ node: Node, _ ctx: SpecContext) throws -> AffineSpec {
        let a = AttributeReader(node)
        let x = try ctx.floatShape(node, 0)
        guard x.count >= 2 else { throw a.fail("\(node.op.name) input must have rank 2 or more, got \(shapeText(x))") }
        let axis = node.op == .channelAffine ? try normalizedAxis(try a.int("axis", default: 1), rank: x.count, node) : 1
        let c = x[axis]
        let operands = node.op == .batchNormalization ? 1...4 : 1...2
        for i in operands {
            let s = try ctx.floatShape(node, i)
            guard s == [c] else { throw a.fail("\(node.op.name) input \(i) must have shape [\(c)], got \(shapeText(s))") }
        }
        if node.op == .batchNormalization {
            guard try a.int("training_mode", default: 0) == 0 else {
                throw TesseraError.unsupported(location: node.location, message: "BatchNormalization in training mode is not supported")
            }
            let eps = try a.float("epsilon", default: 1e-5)
            if let v = ctx.constant(node, 4)?.floats, let bad = v.firstIndex(where: { Double($0) + eps <= 0 }) {
                throw a.fail("BatchNormalization var[\(bad)] + epsilon = \(Double(v[bad]) + eps) must be positive")
            }
        }
        return AffineSpec(outer: x[..<axis].reduce(1, *), channels: c, inner: x[(axis + 1)...].reduce(1, *), shape: x,
                          activation: try Activation.fused(node))
    }
}
