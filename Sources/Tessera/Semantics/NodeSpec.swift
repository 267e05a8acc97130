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
    /// Transpose (with its perm), Slice, ReadInput: one strided copy.
    case copy(StridedCopySpec, perm: [Int]?)
    case split([StridedCopySpec])
    case pad(PadSpec)
    case resize(ResizeSpec)
    /// Identity, Dropout, Flatten, Reshape, Squeeze, Unsqueeze: same bytes, new shape.
    case view(outputShape: [Int])
    case softmax(SoftmaxSpec, shape: [Int])
    /// Convert between float32 and float16; with `perm` (a Convert carrying a permutation)
    /// the copy is the Transpose's strided one, else dense.
    case convert(StridedCopySpec, to: DType, perm: [Int]?)
    /// InsertRegion: a patch written into its place in a whole tensor.
    case insert(InsertSpec)

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
        case .averagePool:
            var s = try PoolSpec.make(node, ctx)
            s.outputDType = try outputDType(node, ctx)
            return .pool(.average, s)
        case .globalAveragePool, .reduceMean, .reduceSum, .reduceMax, .reduceMin:
            var s = node.op == .globalAveragePool ? try ReduceSpec.globalAverage(node, ctx) : try ReduceSpec.reduce(node, ctx)
            s.outputDType = try outputDType(node, ctx)
            return .reduce(s)
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
            if node.attributes["perm"] != nil {
                let (s, perm) = try StridedCopySpec.transpose(node, ctx)
                return .convert(s, to: dtype, perm: perm)
            }
            let shape = try ctx.floatShape(node, 0)
            return .convert(StridedCopySpec(outputShape: shape, inputStrides: StridedCopySpec.denseStrides(shape), inputOffset: 0), to: dtype, perm: nil)
        case .insertRegion: return .insert(try InsertSpec.make(node, ctx))
        case .readInput: return .copy(try StridedCopySpec.readInput(node, ctx), perm: nil)
        default:
            throw TesseraError.internalError("\(node.op.name) has no semantics")
        }
    }

    /// The `output_dtype` of a reduction (Op.outputDTypeAttribute): nil (its input's), or
    /// float32 for one reading float16 — the only mixed reduction the kernels have.
    private static func outputDType(_ node: Node, _ ctx: SpecContext) throws -> DType? {
        guard node.attributes[Op.outputDTypeAttribute] != nil else { return nil }
        let a = AttributeReader(node)
        let text = try a.string(Op.outputDTypeAttribute, default: "")
        guard text == DType.float32.rawValue, try ctx.type(node, 0).dtype == .float16 else {
            throw a.fail("\(Op.outputDTypeAttribute) must be float32 on a float16 input, got \"\(text)\" on \(try ctx.type(node, 0).dtype.rawValue)")
        }
        return .float32
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
        case let .convert(s, _, _): return [s.outputShape]
        case let .insert(s): return [s.outputShape]
        }
    }

    public var outputShape: [Int] { outputShapes[0] }

    /// Element type of the node's outputs, given its first input's.
    public func outputDType(input: DType) -> DType {
        switch self {
        case let .convert(_, to, _): return to
        case let .pool(_, s): return s.outputDType ?? input
        case let .reduce(s): return s.outputDType ?? input
        default: return input
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
