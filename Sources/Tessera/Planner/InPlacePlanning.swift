/// Whether the planner may place a layer's output over its own input (OverlapRules):
/// `--in-place`.
public enum InPlacePolicy: String, Sendable, CaseIterable {
    /// Where it lowers the arena: the placement with the overlap rules is kept only when it
    /// is smaller than the one without (an overlapped layer may walk more slowly).
    case whenSmaller = "auto"
    /// Every rule is offered to the placement, which uses those that help it.
    case always
    /// None: every output is disjoint from the inputs of its layer.
    case never
}
