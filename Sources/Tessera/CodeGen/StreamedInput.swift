/// The generated API of a streamed input (`--input streamed`, InputStreaming): the model
/// pulls the rectangles of its input it needs through `<model>_read_input`, which the
/// application provides; `<model>_run` does not read `inputs`.
extension CEmitter {
    var readInputFunction: String { "\(prefix)_read_input" }

    /// The streamed input (one, 4-D: InputStreaming checked it).
    private var streamedInput: GraphInput? { streamed ? graph.inputs.first : nil }

    /// The call of a ReadInput node writing to `dst`, and the comment on it.
    func readInputCall(_ node: Node, dst: String) throws -> (call: KernelCall, summary: String) {
        guard let input = streamedInput, let offsets = try AttributeReader(node).ints("offsets"), let shape = try AttributeReader(node).ints("shape") else {
            throw TesseraError.internalError("\(node.location): ReadInput reached code generation without a streamed input")
        }
        let (r, c) = InputStreaming.axes(input)
        let args = [offsets[r], offsets[c], shape[r], shape[c]].map(String.init) + [dst]
        let lines = ["status = \(readInputFunction)(\(args.joined(separator: ", "))) == 0 ? TSR_OK : TSR_ERR_INPUT;",
                     "if (status != TSR_OK) return status;"]
        let summary = "ReadInput rows \(offsets[r])..\(offsets[r] + shape[r] - 1), columns \(offsets[c])..\(offsets[c] + shape[c] - 1) of \"\(input.name)\" through \(readInputFunction)"
        return (KernelCall(kernels: [], lines: lines), summary)
    }

    /// The memory contract's line on the input.
    func streamedContractLines() -> [String] {
        [" *   input    streamed: pulled region by region through \(readInputFunction)() (below), into",
         " *            the arena; \(prefix)_run() does not read inputs[] (it may be NULL);",
         " *   outputs  caller-owned \(io == .float16 ? "IEEE half (tsr_f16)" : "float32") buffers, row-major, never aliased by the arena."]
    }

    /// The callback's declaration, for the header.
    func streamedDeclarations() -> [String] {
        guard let input = streamedInput else { return [] }
        let x = input.type.shape
        let nhwc = input.layout == .nhwc
        let channels = nhwc ? x[3] : x[1]
        return ["#define \(macro)_INPUT_STREAMED 1",
                "#define \(macro)_INPUT_HEIGHT \(nhwc ? x[1] : x[2])",
                "#define \(macro)_INPUT_WIDTH \(nhwc ? x[2] : x[3])",
                "#define \(macro)_INPUT_CHANNELS \(channels)", "",
                "/* Streamed input (--input streamed): provided by the application (a camera or file",
                " * driver), called by \(prefix)_run() for every region of input \"\(CSyntax.comment(input.name))\" it needs.",
                " * Writes rows row..row+height-1 and columns col..col+width-1 of the frame, every",
                nhwc ? " * channel, into dst channels last: dst[(r * width + c) * \(channels) + k]."
                     : " * channel, into dst channel by channel: dst[(k * height + r) * width + c].",
                " * Returns 0, or anything else to stop the inference (\(prefix)_run() then returns",
                " * TSR_ERR_INPUT). dst is in the arena, aligned to \(macro)_ARENA_ALIGN. */",
                "int \(readInputFunction)(int32_t row, int32_t col, int32_t height, int32_t width, \(ioType) *dst);"]
    }
}
