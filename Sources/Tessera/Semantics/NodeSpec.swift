/// A node's semantics resolved to numbers: what shape inference, the reference interpreter,
/// MAC counting and code generation all read, so that they can never disagree.
public enum NodeSpec: Equatable, Sendable {
    public enum BinaryOp: String, Sendable { case add, sub, mul, div, max, min, pow, prelu }
    public enum PoolKind: Sendable { case max, average }

    case conv(ConvSpec)
    case gemm(GemmSpec)
    case matMul(MatMulSpec)
    case activation(shape: [Int], Activation)
    case binary(BinaryOp, BroadcastSpec, Activation)
    /// BatchNormalization (scale, bias, mean, var inputs and epsilon) or ChannelAffine.
    case affine(AffineSpec, epsilon: Double?)
    case pool(PoolKind, PoolSpec)
    /// GlobalAveragePool and the Reduce ops.
    case reduce(ReduceSpec)
    case concat(ConcatSpec)
    /// Transpose (with its perm), Slice: one strided copy.
    case copy(StridedCopySpec, perm: [Int]?)
    case split([StridedCopySpec])
    case pad(PadSpec)
    case resize(ResizeSpec)
    /// Identity, Dropout, Flatten, Reshape, Squeeze, Unsqueeze: same bytes, new shape.
    case view(outputShape: [Int])
    case softmax(SoftmaxSpec, shape: [Int])
    /// Convert between float32 and float16.
    case convert(shape: [Int], to: DType)

    /// Resolves `node` against the types (and constants) known so far.
    static func make(_ node: Node, _ ctx: SpecContext) throws -> NodeSpec {
        switch node.op {
        case .conv: return .conv(try ConvSpec.make(node, ctx))
        case .gemm: return .gemm(try GemmSpec.make(node, ctx))
        case .matMul: return .matMul(try MatMulSpec.make(node, ctx))
        case _ where node.op.isActivation:
            return .activation(shape: try ctx.floatShape(node, 0), try Activation.of(node, ctx))
        case _ where node.op.isBinary:
            let op: BinaryOp = [.add: .add, .sub: .sub, .mul: .mul, .div: .div, .max: .max, .min: .min, .pow: .pow, .pRelu: .prelu][node.op]!
            let spec = try BroadcastSpec.make(node, ctx)
            if op == .prelu, spec.outputShape != (try ctx.floatShape(node, 0)) {
                throw AttributeReader(node).fail("PRelu slope \(shapeText(try ctx.floatShape(node, 1))) must broadcast to the input \(shapeText(try ctx.floatShape(node, 0)))")
            }
            return .binary(op, spec, try Activation.fused(node))
        case .batchNormalization:
            return .affine(try AffineSpec.make(node, ctx), epsilon: try AttributeReader(node).float("epsilon", default: 1e-5))
        case .channelAffine: return .affine(try AffineSpec.make(node, ctx), epsilon: nil)
        case .maxPool: return .pool(.max, try PoolSpec.make(node, ctx))
        case .averagePool: return .pool(.average, try PoolSpec.make(node, ctx))
        case .globalAveragePool: return .reduce(try ReduceSpec.globalAverage(node, ctx))
        case .reduceMean, .reduceSum, .reduceMax, .reduceMin: return .reduce(try ReduceSpec.reduce(node, ctx))
        case .concat: return .concat(try ConcatSpec.make(node, ctx))
        case .transpose:
            let (s, perm) = try StridedCopySpec.transpose(node, ctx)
            return .copy(s, perm: perm)
        case .slice: return .copy(try StridedCopySpec.slice(node, ctx), perm: nil)
        case .split: return .split(try StridedCopySpec.split(node, ctx))
        case .pad: return .pad(try PadSpec.make(node, ctx))
        case .resize: return .resize(try ResizeSpec.make(node, ctx))
        case .identity, .dropout, .flatten, .reshape, .squeeze, .unsqueeze:
            return .view(outputShape: try ViewShapes.make(node, ctx))
        case .softmax, .logSoftmax: return .softmax(try SoftmaxSpec.make(node, ctx), shape: try ctx.floatShape(node, 0))
        case .convert:
            let to = try AttributeReader(node).string("to", default: "")
            guard let dtype = DType(rawValue: to), dtype == .float16 || dtype == .float32 else {
                throw AttributeReader(node).fail("Convert to must be float16 or float32, got \"\(to)\"")
            }
            return .convert(shape: try ctx.floatShape(node, 0), to: dtype)
        default:
            throw TesseraError.internalError("\(node.op.name) has no semantics")
        }
    }

    /// Resolves `node` in a graph whose types are inferred.
    public static func of(_ node: Node, in graph: Graph) throws -> NodeSpec {
        try make(node, SpecContext(graph))
    }

    /// Shapes of the node's data outputs, in order.
    public var outputShapes: [[Int]] {
        switch self {
        case let .conv(s): return [s.outputShape]
        case let .gemm(s): return [s.outputShape]
        case let .matMul(s): return [s.outputShape]
        case let .activation(shape, _): return [shape]
        case let .binary(_, s, _): return [s.outputShape]
        case let .affine(s, _): return [s.shape]
        case let .pool(_, s): return [s.outputShape]
        case let .reduce(s): return [s.outputShape]
        case let .concat(s): return [s.outputShape]
        case let .copy(s, _): return [s.outputShape]
        case let .split(parts): return parts.map(\.outputShape)
        case let .pad(s): return [s.outputShape]
        case let .resize(s): return [s.outputShape]
        case let .view(shape): return [shape]
        case let .softmax(_, shape): return [shape]
        case let .convert(shape, _): return [shape]
        }
    }

    public var outputShape: [Int] { outputShapes[0] }

    /// Multiply-accumulate operations of the node (convolutions and matrix products).
    /// Element type of the node's outputs, given its first input's.
    public func outputDType(input: DType) -> DType {
        if case let .convert(_, to) = self { return to }
        return input
    }

    public var macs: Int {
        switch self {
        case let .conv(s): return s.macs
        case let .gemm(s): return s.macs
        case let .matMul(s): return s.macs
        default: return 0
        }
    }
}
