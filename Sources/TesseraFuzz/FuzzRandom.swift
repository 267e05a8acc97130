/// The fuzzer's random numbers: SplitMix64, so that a seed and a case index give the same
/// case on every machine and run.
public struct FuzzRandom {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The generator of case `index` of a run with `seed`.
    public init(seed: UInt64, case index: Int) {
        var mixer = FuzzRandom(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound)) &+ 1
        if span == 0 { return Int(bitPattern: UInt(next())) }
        return range.lowerBound &+ Int(bitPattern: UInt(next() % span))
    }

    public mutating func int(_ range: Range<Int>) -> Int { int(range.lowerBound...(range.upperBound - 1)) }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    public mutating func pick<T>(_ items: [T]) -> T { items[int(0..<items.count)] }

    /// Uniform in [lo, hi).
    public mutating func float(_ lo: Double = -1, _ hi: Double = 1) -> Double {
        lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53)
    }

    /// Integers where arithmetic goes wrong: zero and signs, powers of two around the
    /// int32 and int64 limits, square roots of the limits.
    public static let interestingInts: [Int] = [
        0, 1, -1, 2, 3, -2, 7, 8, 16, 255, 256, 65_535, 65_536, 46_341, 3_037_000_500,
        Int(Int32.max), Int(Int32.max) - 1, Int(Int32.max) + 1, -Int(Int32.max), Int(Int32.min), Int(Int32.min) - 1,
        1 << 32, 1 << 62, (1 << 62) + 1, Int.max, Int.max - 1, Int.min, Int.min + 1,
    ]

    /// Numbers where floating-point goes wrong.
    public static let interestingDoubles: [Double] = [
        0, -0.0, 1, -1, 0.5, 1e-45, 1e-300, 3.4e38, 3.5e38, 1e300, -1e300, .infinity, -.infinity, .nan, 65_504, 65_520,
    ]

    /// An integer at the limits, or (a third of the time) a small one, which keeps more
    /// mutated models valid and so reaches the later stages.
    public mutating func interestingInt() -> Int {
        chance(0.65) ? pick(FuzzRandom.interestingInts) : int(-4...20)
    }

    /// Names that break assumptions: empty, long, non-ASCII, with quotes and control
    /// characters, C keywords.
    public mutating func interestingName() -> String {
        pick(["", " ", String(repeating: "a", count: 300), String(repeating: "x", count: 41), "ü", "名前", "🙂", "a\"b", "a\\b",
              "a\nb", "a\u{0}b", "*/", "int", "_", "0abc", "a b", "nodes[0]", "__nhwc", "x__nhwc", "x_2"])
    }
}
