/// Softmax over one axis (opset 13 semantics), viewed as [outer][axis][inner].
public struct SoftmaxSpec: Equatable, Sendable {
    public var outer: Int, axis: Int, inner: Int
    /// LogSoftmax.
    public var log: Bool

    static func make(_ node: Node, _ ctx: SpecContext) throws -> SoftmaxSpec {
        let x = try ctx.floatShape(node, 0)
        guard !x.isEmpty else { throw AttributeReader(node).fail("Softmax input must have rank 1 or more") }
        let axis = try normalizedAxis(try AttributeReader(node).int("axis", default: -1), rank: x.count, node)
        return SoftmaxSpec(outer: x[..<axis].reduce(1, *), axis: x[axis], inner: x[(axis + 1)...].reduce(1, *), log: node.op == .logSoftmax)
    }
}

/// Output shapes of the ops that only reinterpret their input (Identity, Dropout, Flatten,
/// Reshape).
enum ViewShapes {
    static func make(_ node: Node, _ ctx: SpecContext) throws -> [Int] {
        let a = AttributeReader(node)
        let x = try ctx.floatShape(node, 0)
        switch node.op {
        case .identity:
            return x
        case .dropout:
            if let t = ctx.constant(node, 2), let v = t.integers, v.contains(where: { $0 != 0 }) {
                throw TesseraError.unsupported(location: node.location, message: "Dropout in training mode is not supported (inference only)")
            }
            return x
        case .flatten:
            let axis = try normalizedAxis(try a.int("axis", default: 1), rank: x.count, extra: 1, node)
            return [x[..<axis].reduce(1, *), x[axis...].reduce(1, *)]
        case .reshape:
            return try reshape(node, x, ctx)
        case .squeeze:
            let axes = try squeezeAxes(node, ctx, rank: x.count) ?? x.indices.filter { x[$0] == 1 }
            for axis in axes where x[axis] != 1 {
                throw a.fail("Squeeze axis \(axis) has size \(x[axis]), not 1")
            }
            return x.indices.filter { !axes.contains($0) }.map { x[$0] }
        case .unsqueeze:
            guard let raw = try axesOperand(node, ctx) else { throw a.fail("Unsqueeze needs axes") }
            let rank = x.count + raw.count
            let axes = try raw.map { try normalizedAxis($0, rank: rank, node) }
            guard Set(axes).count == axes.count else { throw a.fail("Unsqueeze axes \(shapeText(raw)) repeat an axis") }
            var out: [Int] = []
            var rest = x[...]
            for d in 0..<rank {
                if axes.contains(d) { out.append(1) } else { out.append(rest.removeFirst()) }
            }
            return out
        default:
            throw TesseraError.internalError("\(node.op.name) is not a view op")
        }
    }

    /// Axes from the constant second input (opset 13+) or the `axes` attribute (older).
    static func axesOperand(_ node: Node, _ ctx: SpecContext) throws -> [Int]? {
        let a = AttributeReader(node)
        if let c = ctx.constant(node, 1) {
            guard let v = c.integers else { throw a.fail("\(node.op.name) axes must be integers") }
            guard node.attributes["axes"] == nil else { throw a.fail("\(node.op.name) axes are given both as input and as attribute") }
            return v
        }
        return try a.ints("axes")
    }

    private static func squeezeAxes(_ node: Node, _ ctx: SpecContext, rank: Int) throws -> [Int]? {
        try axesOperand(node, ctx).map { try $0.map { try normalizedAxis($0, rank: rank, node) } }
    }

    private static func reshape(_ node: Node, _ x: [Int], _ ctx: SpecContext) throws -> [Int] {
        let a = AttributeReader(node)
        guard let c = ctx.constant(node, 1) else { throw a.fail("Reshape needs a constant shape input") }
        guard c.type.dtype == .int64, c.type.rank == 1, let target = c.integers else {
            throw a.fail("Reshape shape \"\(c.name)\" must be a 1-D int64 constant, got \(c.type)")
        }
        let allowZero = try a.int("allowzero", default: 0)
        guard allowZero == 0 || allowZero == 1 else { throw a.fail("allowzero must be 0 or 1, got \(allowZero)") }
        var out: [Int] = []
        var inferred: Int?
        for (d, v) in target.enumerated() {
            switch v {
            case -1:
                guard inferred == nil else { throw a.fail("Reshape shape \(shapeText(target)) has more than one -1") }
                inferred = d
                out.append(1)
            case 0 where allowZero == 0:
                guard d < x.count else { throw a.fail("Reshape shape \(shapeText(target)) copies dimension \(d) (0) but the input \(shapeText(x)) has rank \(x.count)") }
                out.append(x[d])
            case let v where v < 0:
                throw a.fail("Reshape shape \(shapeText(target)) has a negative dimension \(v)")
            default:
                out.append(v)
            }
        }
        let count = x.reduce(1, *)
        guard let known = checkedElementCount(out) else {
            throw a.fail("Reshape shape \(shapeText(target)) overflows")
        }
        if let d = inferred {
            guard known > 0, count % known == 0 else {
                throw a.fail("Reshape cannot turn \(shapeText(x)) (\(count) elements) into \(shapeText(target))")
            }
            out[d] = count / known
        } else if known != count {
            throw a.fail("Reshape cannot turn \(shapeText(x)) (\(count) elements) into \(shapeText(target)) (\(known) elements)")
        }
        return out
    }
}

/// Clip bounds from attributes (old opsets) or constant scalar inputs (opset 11+).
enum ClipBounds {
    static func make(_ node: Node, _ ctx: SpecContext) throws -> (min: Float, max: Float) {
        let a = AttributeReader(node)
        func bound(_ input: Int, _ attribute: String, _ fallback: Float) throws -> Float {
            if let c = ctx.constant(node, input) {
                guard c.type.elementCount == 1, let v = c.floats?.first else {
                    throw a.fail("Clip \(attribute) \"\(c.name)\" must be a scalar float constant, got \(c.type)")
                }
                if node.attributes[attribute] != nil { throw a.fail("Clip \(attribute) is given both as attribute and input") }
                return v
            }
            return try a.optionalFloat(attribute).map { Float($0) } ?? fallback
        }
        return (try bound(1, "min", -.infinity), try bound(2, "max", .infinity))
    }
}
