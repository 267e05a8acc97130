/// One spatial axis of a sliding window (Conv, MaxPool, AveragePool): output index o reads
/// input indices o * stride - padBegin + k * dilation for k in 0..<kernel, those inside
/// 0..<inputSize (the others are padding), as the reference interpreter does.
public struct WindowAxis: Equatable, Sendable {
    public var kernel: Int
    public var stride: Int
    public var dilation: Int
    /// Padding before the first input index (top or left).
    public var padBegin: Int
    public var inputSize: Int

    public init(kernel: Int, stride: Int, dilation: Int, padBegin: Int, inputSize: Int) {
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.padBegin = padBegin
        self.inputSize = inputSize
    }

    /// What computing outputs `out` reads.
    public struct Reads: Equatable, Sendable {
        /// The input indices read: from the first to the last index some window's tap
        /// lands on inside the input (empty when every tap is padding).
        public var range: Range<Int>
        /// Window positions before `range` (toward index 0) and after it: the padding the
        /// region needs on each side.
        public var before: Int
        public var after: Int
    }

    /// The unclipped window span of outputs `out`: [o0 * s - pad, (o1 - 1) * s - pad + (k - 1) * d + 1).
    public func span(_ out: Range<Int>) -> Range<Int> {
        guard !out.isEmpty else { return 0..<0 }
        let start = out.lowerBound * stride - padBegin
        return start..<((out.upperBound - 1) * stride - padBegin + (kernel - 1) * dilation + 1)
    }

    /// The input indices outputs `out` read, and the padding on each side.
    ///
    /// This is the span clipped to the input, 0..<inputSize, tightened where the clip cuts
    /// through the gaps of a dilated or strided window: e.g. a 3-tap window of dilation 2
    /// and padding 1 reads -1, 1, 3 for output 0, so row 0 is not read when output 0 is the
    /// only output computed. Padding is what lies between the span's ends and the indices
    /// read: the positions beyond the input's border, plus those unread edge rows when the
    /// clip tightened. Away from the borders there is none. Over the whole input it is the
    /// declared pads, less any pad rows no window reaches (a stride that does not divide),
    /// and in ceil mode possibly more after the input: the extra windows run past the
    /// declared pads (an AveragePool counting pads then counts only the declared ones).
    public func reads(_ out: Range<Int>) -> Reads {
        guard !out.isEmpty else { return Reads(range: 0..<0, before: 0, after: 0) }
        let span = span(out)
        let last = inputSize - 1
        // The first index read: windows starting before 0 may begin reading later than a
        // window after them; once a window starts inside the input its first tap is the
        // smallest of every window after it.
        var low: Int?
        for o in out {
            let start = o * stride - padBegin
            let k = start >= 0 ? 0 : (-start + dilation - 1) / dilation
            if k < kernel, start + k * dilation <= last { low = Swift.min(low ?? Int.max, start + k * dilation) }
            if start >= 0 { break }
        }
        // The last index read, symmetrically from the end.
        var high: Int?
        for o in out.reversed() {
            let start = o * stride - padBegin
            let end = start + (kernel - 1) * dilation
            let k = end <= last ? kernel - 1 : (last - start >= 0 ? (last - start) / dilation : -1)
            if k >= 0, start + k * dilation >= 0 { high = Swift.max(high ?? Int.min, start + k * dilation) }
            if end <= last { break }
        }
        guard let low, let high, low <= high else {
            // Every tap is padding: the positions before the input and after it.
            return Reads(range: 0..<0, before: Swift.max(0, Swift.min(span.upperBound, 0) - span.lowerBound),
                         after: Swift.max(0, span.upperBound - Swift.max(span.lowerBound, inputSize)))
        }
        return Reads(range: low..<(high + 1), before: low - span.lowerBound, after: span.upperBound - (high + 1))
    }
}
