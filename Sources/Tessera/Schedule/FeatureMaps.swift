/// The spatial axes of a graph's feature maps.
///
/// A feature map is a 4-D tensor computed by the graph (not a constant). Its rows and
/// columns are axes 1 and 2 when it is NHWC — every feature map that flows between
/// spatial ops after the lower-layout pass — and axes 2 and 3 when it is NCHW (the IR's
/// logical layout, which the graph inputs and the tensors around a layout Transpose keep).
/// Tensors of any other rank have no spatial axes: a spatial stage can neither read nor
/// write them, and `Stage` reports a node that does as an error naming it.
public struct FeatureMap: Equatable, Sendable {
    public var layout: DataLayout
    public var shape: [Int]

    /// Axis of the rows (H).
    public var rowAxis: Int { layout == .nhwc ? 1 : 2 }
    /// Axis of the columns (W).
    public var colAxis: Int { rowAxis + 1 }
    public var height: Int { shape[rowAxis] }
    public var width: Int { shape[colAxis] }
    /// The whole map.
    public var extent: Rect { .whole(h: height, w: width) }
    /// Elements per pixel (batch times channels): a region of `area` pixels holds
    /// `area * elementsPerPixel` elements.
    public var elementsPerPixel: Int { shape.reduce(1, *) / Swift.max(1, height * width) }
    public var elementCount: Int { shape.reduce(1, *) }
}

enum FeatureMaps {
    /// The layout of every feature map of `graph`, inferred forwards as LayoutLowering
    /// assigned it: a graph input has its declared layout, a spatial op writes its
    /// `data_layout`, a Transpose (or Convert with `perm`) by [0, 2, 3, 1] turns NCHW into
    /// NHWC, and the ops LayoutLowering lets follow their input (elementwise, binary,
    /// ChannelAffine, Concat, Pad, Convert) write NHWC when a feature map they read is.
    /// Every other 4-D tensor is in the IR's logical NCHW.
    static func layouts(_ graph: Graph) throws -> [String: DataLayout] {
        var layout: [String: DataLayout] = [:]
        for input in graph.inputs where input.type.rank == 4 { layout[input.name] = input.layout }
        func isNHWC(_ t: String) -> Bool { graph.constants[t] == nil && layout[t] == .nhwc }
        for node in graph.nodes {
            let out: DataLayout
            if node.op.hasLayout {
                out = try DataLayout.of(node)
            } else if let perm = try permutation(node) {
                let source = layout[node.inputs[0]] ?? .nchw
                if perm == [0, 1, 2, 3] {
                    out = source
                } else {
                    out = source == .nchw && perm == LayoutLowering.toNHWC ? .nhwc : .nchw
                }
            } else if followsInput(node.op) {
                out = node.inputs.contains(where: isNHWC) ? .nhwc : .nchw
            } else {
                out = .nchw
            }
            for o in node.outputs where !o.isEmpty && graph.types[o]?.rank == 4 { layout[o] = out }
        }
        return layout
    }

    /// The perm of a Transpose, or of a Convert that is also one; nil for other ops.
    static func permutation(_ node: Node) throws -> [Int]? {
        guard node.op == .transpose || (node.op == .convert && node.attributes["perm"] != nil) else { return nil }
        if let p = try AttributeReader(node).ints("perm") { return p }
        return node.op == .transpose ? [3, 2, 1, 0] : nil
    }

    /// Ops whose output LayoutLowering gives the layout of their input (and the Slices
    /// and InsertRegions of an earlier stage rewrite, which keep it).
    static func followsInput(_ op: Op) -> Bool {
        op.isActivation || op.isBinary || [.identity, .dropout, .channelAffine, .batchNormalization, .concat, .pad, .convert, .slice, .insertRegion].contains(op)
    }
}
