/// The random numbers of the zoo's generated weights: SplitMix64, and a bell-shaped draw
/// made of it with additions and multiplications only (no libm), so that one seed gives
/// the same bits on every IEEE 754 machine.
struct SeededWeights {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 53 bits.
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Mean 0, variance 1, bell-shaped: the sum of four uniforms, centred and scaled
    /// (Irwin-Hall), so within +-2 sqrt(3): a truncated-normal-like draw.
    mutating func bell() -> Double {
        (uniform() + uniform() + uniform() + uniform() - 2) * 1.7320508075688772
    }

    /// `count` draws of `bell() * scale`.
    mutating func bells(_ count: Int, scale: Double) -> [Float] {
        (0..<count).map { _ in Float(bell() * scale) }
    }
}

/// The per-channel mean and variance of an activation (over positions), as the generator
/// expects them from its own weights: what BatchNormalization's running statistics are set
/// to, so that each normalised channel has the mean beta and the variance gamma^2 that
/// its BatchNormalization draws, and the activations stay near 1 through any depth.
///
/// The estimate treats the values a convolution window reads as independent and ignores
/// the zero padding; the test runs the network on random inputs to check the result.
struct ChannelStatistics {
    var mean: [Double]
    var variance: [Double]

    /// A normalised image: every channel mean 0, variance 1.
    static func standard(_ channels: Int) -> ChannelStatistics {
        ChannelStatistics(mean: [Double](repeating: 0, count: channels), variance: [Double](repeating: 1, count: channels))
    }

    /// The statistics of Conv(x, weights) with `group` groups, weights [M, C/group, kH, kW].
    func convolved(_ weights: [Float], outChannels m: Int, group: Int) -> ChannelStatistics {
        let perGroupIn = mean.count / group, perGroupOut = m / group
        let taps = weights.count / (m * perGroupIn)
        var out = ChannelStatistics(mean: [], variance: [])
        for o in 0..<m {
            var mu = 0.0, v = 0.0
            for i in 0..<perGroupIn {
                let c = (o / perGroupOut) * perGroupIn + i
                var sum = 0.0, squares = 0.0
                for k in 0..<taps {
                    let w = Double(weights[(o * perGroupIn + i) * taps + k])
                    sum += w
                    squares += w * w
                }
                mu += mean[c] * sum
                v += variance[c] * squares
            }
            out.mean.append(mu)
            out.variance.append(v)
        }
        return out
    }

    /// After BatchNormalization whose running statistics are `self`, with scale gamma and
    /// shift beta: mean beta, variance gamma^2 var / (var + eps).
    func normalised(gamma: [Float], beta: [Float], epsilon: Double) -> ChannelStatistics {
        ChannelStatistics(mean: beta.map(Double.init),
                          variance: variance.indices.map { c in Double(gamma[c]) * Double(gamma[c]) * variance[c] / (variance[c] + epsilon) })
    }

    /// After Clip(lo, hi), each channel taken as normal with its mean and variance.
    func clipped(_ lo: Double, _ hi: Double) -> ChannelStatistics {
        var out = ChannelStatistics(mean: [], variance: [])
        for c in mean.indices {
            let (m, v) = Self.clippedNormal(mean: mean[c], sd: variance[c].squareRoot(), lo, hi)
            out.mean.append(m)
            out.variance.append(v)
        }
        return out
    }

    /// The sum of two independent activations (a residual Add).
    static func + (a: ChannelStatistics, b: ChannelStatistics) -> ChannelStatistics {
        ChannelStatistics(mean: zip(a.mean, b.mean).map(+), variance: zip(a.variance, b.variance).map(+))
    }

    /// Mean and variance of clip(X, lo, hi) for X normal(mean, sd^2).
    static func clippedNormal(mean mu: Double, sd: Double, _ lo: Double, _ hi: Double) -> (mean: Double, variance: Double) {
        guard sd > 0 else { let y = min(max(mu, lo), hi); return (y, 0) }
        let a = (lo - mu) / sd, b = (hi - mu) / sd
        let pa = cdf(a), pb = cdf(b), da = density(a), db = density(b)
        let inside = pb - pa
        let first = mu * inside + sd * (da - db) + lo * pa + hi * (1 - pb)
        let second = mu * mu * inside + 2 * mu * sd * (da - db) + sd * sd * (inside + a * da - b * db)
            + lo * lo * pa + hi * hi * (1 - pb)
        return (first, max(second - first * first, 0))
    }

    /// The standard normal density.
    static func density(_ z: Double) -> Double { 0.3989422804014327 * exp(-0.5 * z * z) }

    /// The standard normal distribution function, from erfc's Chebyshev fit (Numerical
    /// Recipes' erfcc, relative error below 1.2e-7 everywhere).
    static func cdf(_ z: Double) -> Double {
        let x = -z / 2.0.squareRoot(), ax = abs(x)
        let t = 1 / (1 + 0.5 * ax)
        var p = 0.17087277
        for c in [-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368] {
            p = c + t * p
        }
        let erfc = t * exp(-ax * ax - 1.26551223 + t * p)
        return 0.5 * (x >= 0 ? erfc : 2 - erfc)
    }

    /// e^x by range reduction and a Taylor series, with additions and multiplications only.
    static func exp(_ x: Double) -> Double {
        let x = min(max(x, -700), 700)
        let k = (x * 1.4426950408889634).rounded()
        let r = x - k * 0.6931471805599453
        var term = 1.0, sum = 1.0
        for n in 1...18 {
            term *= r / Double(n)
            sum += term
        }
        return sum * Double(sign: .plus, exponent: Int(k), significand: 1)
    }
}
