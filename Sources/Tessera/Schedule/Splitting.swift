/// Ways to cut a stage output into the regions of successive passes.
public enum Splitting {
    /// `size` cut into `count` consecutive parts as even as possible: sizes differ by at
    /// most one, the larger ones first (10 in 3: 4, 3, 3).
    public static func parts(_ size: Int, _ count: Int) throws -> [Range<Int>] {
        guard count >= 1 else { throw TesseraError.usage("a split needs at least 1 part, got \(count)") }
        guard count <= size else { throw TesseraError.usage("\(size) rows or columns cannot be cut into \(count) non-empty parts") }
        let small = size / count, larger = size % count
        var out: [Range<Int>] = [], at = 0
        for k in 0..<count {
            let n = small + (k < larger ? 1 : 0)
            out.append(at..<(at + n))
            at += n
        }
        return out
    }

    /// An `extent` cut into a `rows` x `cols` grid of patches (MCUNetV2-style), row-major:
    /// patch (i, j) is at index i * cols + j. Patch heights differ by at most one, and so
    /// do widths; the grid need not be square.
    public static func grid(_ extent: Rect, rows: Int, cols: Int) throws -> [Rect] {
        let r = try parts(extent.height, rows), c = try parts(extent.width, cols)
        return r.flatMap { rr in c.map { cc in
            Rect(rows: (rr.lowerBound + extent.rows.lowerBound)..<(rr.upperBound + extent.rows.lowerBound),
                 cols: (cc.lowerBound + extent.cols.lowerBound)..<(cc.upperBound + extent.cols.lowerBound))
        } }
    }

    /// An `extent` cut into horizontal bands of `height` rows, full width, top to bottom;
    /// the last band is shorter when the height does not divide the extent's.
    public static func bands(_ extent: Rect, height: Int) throws -> [Rect] {
        guard height >= 1 else { throw TesseraError.usage("a band needs at least 1 row, got \(height)") }
        return stride(from: extent.rows.lowerBound, to: extent.rows.upperBound, by: height).map {
            Rect(rows: $0..<Swift.min($0 + height, extent.rows.upperBound), cols: extent.cols)
        }
    }
}

extension Stage {
    /// One pass per patch of a `rows` x `cols` grid: each output's extent cut the same way
    /// (`Splitting.grid`); pass k produces patch k of every output.
    public func grid(rows: Int, cols: Int) throws -> [[String: Rect]] {
        try passes { try Splitting.grid($0, rows: rows, cols: cols) }
    }

    /// One pass per band of `height` rows of every output's extent (`Splitting.bands`).
    /// Outputs of different heights get different band counts; the passes are as many as
    /// the largest count, and an output whose bands ran out gets an empty region.
    public func bands(height: Int) throws -> [[String: Rect]] {
        try passes { try Splitting.bands($0, height: height) }
    }

    private func passes(_ cut: (Rect) throws -> [Rect]) throws -> [[String: Rect]] {
        let pieces = try outputs.map { try cut($0.extent) }
        let count = pieces.map(\.count).max() ?? 0
        return (0..<count).map { k in
            Dictionary(uniqueKeysWithValues: zip(outputs, pieces).map { ($0.tensor, k < $1.count ? $1[k] : .empty) })
        }
    }
}
