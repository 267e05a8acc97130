/// A dense float tensor in row-major order: what the reference interpreter computes with
/// and what tensors-JSON files hold.
public struct TensorValue: Equatable, Sendable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not match \(data.count) values")
        self.shape = shape
        self.data = data
    }

    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, data: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    public var count: Int { data.count }

    /// Every value rounded to the nearest IEEE half (round to nearest even).
    public func roundedToHalf() -> TensorValue {
        TensorValue(shape: shape, data: data.map { Float(Float16($0)) })
    }
}
