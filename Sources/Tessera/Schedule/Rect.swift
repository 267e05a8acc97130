/// A rectangle over the two spatial axes of a feature map: rows `rows` (h0..<h1) and
/// columns `cols` (w0..<w1), both half-open, in the tensor's own coordinates.
///
/// A rectangle with no rows or no columns is empty, and every empty rectangle is the same
/// value, `Rect.empty` (so `==` compares what is covered, not how the emptiness was made).
public struct Rect: Hashable, Sendable, CustomStringConvertible {
    public let rows: Range<Int>
    public let cols: Range<Int>

    public init(rows: Range<Int>, cols: Range<Int>) {
        if rows.isEmpty || cols.isEmpty {
            self.rows = 0..<0
            self.cols = 0..<0
        } else {
            self.rows = rows
            self.cols = cols
        }
    }

    /// Rows h0..<h1 and columns w0..<w1; empty when h1 <= h0 or w1 <= w0.
    public init(h0: Int, h1: Int, w0: Int, w1: Int) {
        self.init(rows: h0..<Swift.max(h0, h1), cols: w0..<Swift.max(w0, w1))
    }

    public static let empty = Rect(rows: 0..<0, cols: 0..<0)

    /// The whole of an `h` x `w` feature map.
    public static func whole(h: Int, w: Int) -> Rect { Rect(rows: 0..<h, cols: 0..<w) }

    public var isEmpty: Bool { rows.isEmpty }
    public var height: Int { rows.count }
    public var width: Int { cols.count }
    /// Pixels covered: height * width.
    public var area: Int { rows.count * cols.count }

    /// The smallest rectangle holding both: the bounding box of the union (the union
    /// itself when one holds the other or they line up). Empty rectangles add nothing.
    public func union(_ other: Rect) -> Rect {
        if isEmpty { return other }
        if other.isEmpty { return self }
        return Rect(rows: Swift.min(rows.lowerBound, other.rows.lowerBound)..<Swift.max(rows.upperBound, other.rows.upperBound),
                    cols: Swift.min(cols.lowerBound, other.cols.lowerBound)..<Swift.max(cols.upperBound, other.cols.upperBound))
    }

    /// The pixels in both (empty when they do not meet).
    public func intersection(_ other: Rect) -> Rect {
        Rect(h0: Swift.max(rows.lowerBound, other.rows.lowerBound), h1: Swift.min(rows.upperBound, other.rows.upperBound),
             w0: Swift.max(cols.lowerBound, other.cols.lowerBound), w1: Swift.min(cols.upperBound, other.cols.upperBound))
    }

    /// Every pixel of `other` is in this rectangle (always true for an empty `other`).
    public func contains(_ other: Rect) -> Bool {
        other.isEmpty || (rows.lowerBound <= other.rows.lowerBound && other.rows.upperBound <= rows.upperBound
            && cols.lowerBound <= other.cols.lowerBound && other.cols.upperBound <= cols.upperBound)
    }

    public func contains(row: Int, col: Int) -> Bool { rows.contains(row) && cols.contains(col) }

    /// The rectangle moved by `rows` down and `cols` right (empty stays empty).
    public func offsetBy(rows dr: Int, cols dc: Int) -> Rect {
        isEmpty ? self : Rect(rows: (rows.lowerBound + dr)..<(rows.upperBound + dr), cols: (cols.lowerBound + dc)..<(cols.upperBound + dc))
    }

    /// `[h0..<h1, w0..<w1]`, or `empty`.
    public var description: String {
        isEmpty ? "empty" : "[\(rows.lowerBound)..<\(rows.upperBound), \(cols.lowerBound)..<\(cols.upperBound)]"
    }
}

/// Rows (top, bottom) and columns (left, right) that a node computing a region treats as
/// lying outside its input buffer: the zeros (for a convolution; ignored by MaxPool) of a
/// sliding window's padding, or the fill of a Pad node. A region away from the image's
/// borders has none; one on a border has that border's part only.
public struct Padding: Hashable, Sendable, CustomStringConvertible {
    public var top: Int
    public var left: Int
    public var bottom: Int
    public var right: Int

    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }

    public static let none = Padding(top: 0, left: 0, bottom: 0, right: 0)

    public var isNone: Bool { self == .none }

    /// `(top, left, bottom, right)`, the order of ONNX's pads.
    public var description: String { "(\(top), \(left), \(bottom), \(right))" }
}
