/// A node's semantics resolved to numbers: what shape inference, the reference interpreter,
/// MAC counting and code generation all read, so that they can never disagree.
public enum NodeSpec: Equatable, Sendable {
    case conv(ConvSpec)
    case gemm(GemmSpec)
    case matMul(MatMulSpec)
    case relu(shape: [Int])
    case clip(shape: [Int], min: Float, max: Float)
    case add(BroadcastSpec)
    case maxPool(PoolSpec)
    case averagePool(PoolSpec)
    case globalAveragePool(planes: Int, size: Int, outputShape: [Int])
    /// Identity, Dropout, Flatten, Reshape: same bytes, new shape.
    case view(outputShape: [Int])
    case transpose(TransposeSpec)
    case softmax(SoftmaxSpec, shape: [Int])

    /// Resolves `node` against the types (and constants) known so far.
    static func make(_ node: Node, _ ctx: SpecContext) throws -> NodeSpec {
        switch node.op {
        case .conv: return .conv(try ConvSpec.make(node, ctx))
        case .gemm: return .gemm(try GemmSpec.make(node, ctx))
        case .matMul: return .matMul(try MatMulSpec.make(node, ctx))
        case .relu: return .relu(shape: try ctx.floatShape(node, 0))
        case .clip:
            let b = try ClipBounds.make(node, ctx)
            return .clip(shape: try ctx.floatShape(node, 0), min: b.min, max: b.max)
        case .add: return .add(try BroadcastSpec.make(node, ctx))
        case .maxPool: return .maxPool(try PoolSpec.make(node, ctx))
        case .averagePool: return .averagePool(try PoolSpec.make(node, ctx))
        case .globalAveragePool:
            let x = try ctx.floatShape(node, 0)
            guard x.count >= 3 else {
                throw TesseraError.invalidModel(location: node.location, message: "GlobalAveragePool input must have rank 3 or more (N, C, spatial...), got \(shapeText(x))")
            }
            return .globalAveragePool(planes: x[0] * x[1], size: x[2...].reduce(1, *),
                                      outputShape: [x[0], x[1]] + [Int](repeating: 1, count: x.count - 2))
        case .identity, .dropout, .flatten, .reshape:
            return .view(outputShape: try ViewShapes.make(node, ctx))
        case .transpose: return .transpose(try TransposeSpec.make(node, ctx))
        case .softmax: return .softmax(try SoftmaxSpec.make(node, ctx), shape: try ctx.floatShape(node, 0))
        }
    }

    /// Resolves `node` in a graph whose types are inferred.
    public static func of(_ node: Node, in graph: Graph) throws -> NodeSpec {
        try make(node, SpecContext(graph))
    }

    /// Shape of the node's first (data) output.
    public var outputShape: [Int] {
        switch self {
        case let .conv(s): return s.outputShape
        case let .gemm(s): return s.outputShape
        case let .matMul(s): return s.outputShape
        case let .add(s): return s.outputShape
        case let .maxPool(s), let .averagePool(s): return s.outputShape
        case let .globalAveragePool(_, _, shape): return shape
        case let .view(shape): return shape
        case let .transpose(s): return s.outputShape
        case let .softmax(_, shape): return shape
        case let .relu(shape), let .clip(shape, _, _): return shape
        }
    }

    /// Multiply-accumulate operations of the node (convolutions and matrix products).
    public var macs: Int {
        switch self {
        case let .conv(s): return s.macs
        case let .gemm(s): return s.macs
        case let .matMul(s): return s.macs
        default: return 0
        }
    }
}
