/// How one node of a stage maps the region of its output it computes to the regions of its
/// data inputs it reads: the node's semantics (`NodeSpec`) reduced to what the region
/// analysis needs.
enum RegionRule: Equatable, Sendable {
    /// Every data input needs exactly the output's region: elementwise ops, activations,
    /// ChannelAffine, Convert, layout transposes, Concat and Split along channels.
    case identity
    /// Conv, MaxPool, AveragePool: input 0 through the window; a Conv's residual input
    /// (`Op.residualInput`) needs the output's region.
    case window(rows: WindowAxis, cols: WindowAxis)
    /// A binary op: for each of its two inputs, whether its rows and its columns broadcast
    /// from size 1 (that input then needs its single row or column).
    case broadcast(rows: [Bool], cols: [Bool])
    /// Concat along rows or columns: input k holds output indices offsets[k]..<offsets[k] + sizes[k].
    case concat(alongRows: Bool, offsets: [Int], sizes: [Int])
    /// Pad: the input sits at `begin` inside the output.
    case pad(rowBegin: Int, colBegin: Int, inputHeight: Int, inputWidth: Int)
    /// Resize (nearest): output row r reads input row rows[r], column c reads cols[c].
    case resize(rows: [Int], cols: [Int])
    /// A reduction over both spatial axes ending the stage: it folds the part of its
    /// input the caller names into its whole output (see `Stage`).
    case reduction

    /// What computing `out` reads of each data input (by position in `positions`, the
    /// node's data inputs), and the padding it applies (window ops and Pad only).
    func reads(_ out: Rect, positions: [Int]) -> (inputs: [Rect], padding: Padding?) {
        switch self {
        case .identity, .reduction:
            return (positions.map { _ in out }, nil)
        case let .window(rows, cols):
            let r = rows.reads(out.rows), c = cols.reads(out.cols)
            let input = Rect(rows: r.range, cols: c.range)
            let padding = out.isEmpty ? Padding.none : Padding(top: r.before, left: c.before, bottom: r.after, right: c.after)
            // Input 0 is the window's; the residual (position 3) is added pixel by pixel.
            return (positions.map { $0 == 0 ? input : out }, padding)
        case let .broadcast(rows, cols):
            let inputs = positions.map { p -> Rect in
                Rect(rows: rows[p] && !out.isEmpty ? 0..<1 : out.rows, cols: cols[p] && !out.isEmpty ? 0..<1 : out.cols)
            }
            return (inputs, nil)
        case let .concat(alongRows, offsets, sizes):
            let inputs = positions.map { k -> Rect in
                let along = alongRows ? out.rows : out.cols
                let lo = Swift.max(along.lowerBound, offsets[k]) - offsets[k]
                let hi = Swift.min(along.upperBound, offsets[k] + sizes[k]) - offsets[k]
                let part = lo..<Swift.max(lo, hi)
                return alongRows ? Rect(rows: part, cols: out.cols) : Rect(rows: out.rows, cols: part)
            }
            return (inputs, nil)
        case let .pad(rowBegin, colBegin, inputHeight, inputWidth):
            let inside = Rect.whole(h: inputHeight, w: inputWidth).offsetBy(rows: rowBegin, cols: colBegin)
            let kept = out.intersection(inside)
            guard !out.isEmpty else { return ([.empty], Padding.none) }
            // Output rows above the input (and so on) are the pad's fill.
            func outside(_ o: Range<Int>, _ i: Range<Int>) -> (Int, Int) {
                (Swift.max(0, Swift.min(o.upperBound, i.lowerBound) - o.lowerBound),
                 Swift.max(0, o.upperBound - Swift.max(o.lowerBound, i.upperBound)))
            }
            let (top, bottom) = outside(out.rows, inside.rows), (left, right) = outside(out.cols, inside.cols)
            return ([kept.offsetBy(rows: -rowBegin, cols: -colBegin)], Padding(top: top, left: left, bottom: bottom, right: right))
        case let .resize(rows, cols):
            guard !out.isEmpty else { return ([.empty], nil) }
            let r = rows[out.rows], c = cols[out.cols]
            return ([Rect(rows: r.min()!..<(r.max()! + 1), cols: c.min()!..<(c.max()! + 1))], nil)
        }
    }

    /// A window covering its whole unpadded input, one output pixel.
    static func isGlobal(_ g: SpatialGeometry) -> Bool {
        g.output == (1, 1) && g.kernel == g.input && g.pads == (0, 0, 0, 0) && g.dilation == (1, 1)
    }

    /// The rule of `node`, whose data inputs and outputs are the feature maps given (nil
    /// for a constant input); throws for an op that cannot be inside a spatial stage.
    static func make(_ node: Node, _ spec: NodeSpec, inputs: [FeatureMap?], output: FeatureMap?) throws -> RegionRule {
        func refuse(_ why: String) -> TesseraError {
            .unsupported(location: node.location, message: "\(node.op.name) \(why) cannot be inside a spatial stage")
        }
        switch spec {
        case let .conv(s):
            return window(s.geometry)
        case let .pool(kind, s):
            // An average over the whole map (TFLite's global pools) folds like a GAP.
            return kind == .average && isGlobal(s.geometry) ? .reduction : window(s.geometry)
        case .activation, .affine:
            return .identity
        case let .convert(_, _, perm):
            if let perm { try layoutOnly(perm, inputs[0], output, refuse) }
            return .identity
        case let .copy(_, perm):
            if let perm { try layoutOnly(perm, inputs[0], output, refuse) }
            return .identity
        case .view:
            return .identity
        case let .binary(_, s, _):
            guard let output else { throw TesseraError.internalError("\(node.location): binary op without a feature map output") }
            // An input broadcasts along an axis where it has size 1 and the output does not;
            // a constant operand is not a region (it is read whole, like a weight).
            func broadcasts(_ axis: Int) -> [Bool] {
                inputs.map { map in map.map { $0.shape[axis] == 1 && s.outputShape[axis] != 1 } ?? false }
            }
            let rows = broadcasts(output.rowAxis), cols = broadcasts(output.colAxis)
            return rows.contains(true) || cols.contains(true) ? .broadcast(rows: rows, cols: cols) : .identity
        case .concat:
            guard let output else { throw TesseraError.internalError("\(node.location): Concat without a feature map output") }
            let axis = try normalizedAxis(try AttributeReader(node).int("axis", default: 1), rank: 4, node)
            guard axis == output.rowAxis || axis == output.colAxis else { return .identity }
            let sizes = inputs.map { $0!.shape[axis] }
            var offsets: [Int] = [], at = 0
            for s in sizes {
                offsets.append(at)
                at += s
            }
            return .concat(alongRows: axis == output.rowAxis, offsets: offsets, sizes: sizes)
        case .split:
            guard let input = inputs[0] else { throw refuse("of a constant") }
            let axis = try normalizedAxis(try AttributeReader(node).int("axis", default: 0), rank: 4, node)
            guard axis != input.rowAxis && axis != input.colAxis else { throw refuse("along the rows or columns") }
            return .identity
        case let .pad(s):
            guard let input = inputs[0] else { throw refuse("of a constant") }
            return .pad(rowBegin: s.begin[input.rowAxis], colBegin: s.begin[input.colAxis], inputHeight: input.height, inputWidth: input.width)
        case let .resize(s):
            return .resize(rows: s.sourceRows, cols: s.sourceColumns)
        case .reduce:
            // Stage checks that it is over both spatial axes and ends the stage.
            return .reduction
        case .gemm, .matMul, .softmax:
            throw refuse("(not a spatial op)")
        case .insert:
            throw refuse("(a stage's patch assembly, written by StageRewrite)")
        }
    }

    /// Why `node` can never be inside a spatial stage (nil when it may be): completes
    /// "<op> ... cannot be inside a spatial stage".
    static func refusal(_ node: Node, _ spec: NodeSpec) -> String? {
        switch spec {
        case .gemm, .matMul: return "(a matrix product, not a spatial op)"
        case .softmax: return "(it normalises over a whole axis)"
        case let .copy(_, perm) where perm == nil: return "(a slice)"
        case .view where !((node.op == .identity || node.op == .dropout) && node.outputs.count == 1):
            return "(it reshapes the feature map)"
        default: return nil
        }
    }

    private static func window(_ g: SpatialGeometry) -> RegionRule {
        .window(rows: WindowAxis(kernel: g.kernel.h, stride: g.stride.h, dilation: g.dilation.h, padBegin: g.pads.top, inputSize: g.input.h),
                cols: WindowAxis(kernel: g.kernel.w, stride: g.stride.w, dilation: g.dilation.w, padBegin: g.pads.left, inputSize: g.input.w))
    }

    /// A transpose inside a stage may only change the layout (NCHW <-> NHWC): the rows and
    /// columns stay the rows and columns.
    private static func layoutOnly(_ perm: [Int], _ input: FeatureMap?, _ output: FeatureMap?,
                                   _ refuse: (String) -> TesseraError) throws {
        guard let input, let output else { throw refuse("of a constant") }
        let expected: [Int]
        switch (input.layout, output.layout) {
        case (.nhwc, .nchw): expected = LayoutLowering.toNCHW
        case (.nchw, .nhwc): expected = LayoutLowering.toNHWC
        default: expected = [0, 1, 2, 3]
        }
        guard perm == expected else { throw refuse("with perm \(shapeText(perm)) (it moves the rows or columns)") }
    }
}
