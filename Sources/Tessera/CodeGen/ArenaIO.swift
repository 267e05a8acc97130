/// The generated API when the inputs and outputs live in the arena (`--io-in-arena`,
/// TFLite Micro's convention): `<model>_input(arena, i)` / `<model>_output(arena, i)`
/// point into the arena, `<model>_invoke(arena)` runs on what is there, and
/// `<model>_run(inputs, outputs, arena)` (the descriptor's entry point) copies caller
/// buffers in and out around it. The planner may then reuse an input's bytes once the
/// layers have read it.
extension CEmitter {
    /// The arena offset of a graph input or output.
    func arenaOffset(_ tensor: String) -> Int {
        if case let .arena(offset)? = plan.locations[tensor] { return offset }
        return 0
    }

    /// The kernel copying the inputs in and the outputs out (generic in the element size).
    var copyKernel: String { "tsr_copy" }

    func arenaIODeclarations() -> [String] {
        ["/* Inputs and outputs live in the arena: write input i at <model>_input(arena, i), call",
         " * \(prefix)_invoke(arena), read output i at \(prefix)_output(arena, i) (NULL for an index",
         " * out of range). An input's bytes are reused once the layers have read it. */",
         "void *\(prefix)_input(void *arena, int32_t i);",
         "const void *\(prefix)_output(const void *arena, int32_t i);",
         "int \(prefix)_invoke(void *arena);", ""]
    }

    func arenaIOHeaderLines() -> [String] {
        var l: [String] = []
        for (i, input) in graph.inputs.enumerated() {
            l.append("#define \(macro)_INPUT_\(i)_OFFSET \(arenaOffset(input.name))u")
        }
        for (i, output) in graph.outputs.enumerated() {
            l.append("#define \(macro)_OUTPUT_\(i)_OFFSET \(arenaOffset(output))u")
        }
        return l
    }

    /// `<model>_invoke` around `body`, the accessors, and `<model>_run` copying in and out.
    func arenaIOSource(_ body: [String]) -> [String] {
        var l = ["int \(prefix)_invoke(void *arena)", "{",
                 "    float *const a = (float *)arena;",
                 "    tsr_f16 *const h = (tsr_f16 *)arena;",
                 "    int status = TSR_OK;", "",
                 "    if (arena == NULL) return TSR_ERR_NULL;",
                 "    if (((uintptr_t)arena & (\(macro)_ARENA_ALIGN - 1u)) != 0u) return TSR_ERR_ALIGN;",
                 "    (void)a;",
                 "    (void)h;", ""]
        l += check.begin()
        l += check.inputsInArena()
        l += body
        l += ["    return status;", "}", ""]
        func accessor(_ signature: String, _ cast: String, _ names: [String]) -> [String] {
            var f = [signature, "{"]
            for (i, name) in names.enumerated() {
                f.append("    if (i == \(i)) return (\(cast) *)arena + \(arenaOffset(name));")
            }
            return f + ["    (void)arena;", "    return NULL;", "}", ""]
        }
        l += accessor("void *\(prefix)_input(void *arena, int32_t i)", "uint8_t", graph.inputs.map(\.name))
        l += accessor("const void *\(prefix)_output(const void *arena, int32_t i)", "const uint8_t", graph.outputs)
        l += ["int \(prefix)_run(const \(ioType) *const inputs[], \(ioType) *const outputs[], void *arena)", "{",
              "    int status;", "",
              "    if (inputs == NULL || outputs == NULL || arena == NULL) return TSR_ERR_NULL;",
              "    if (((uintptr_t)arena & (\(macro)_ARENA_ALIGN - 1u)) != 0u) return TSR_ERR_ALIGN;"]
        for (i, input) in graph.inputs.enumerated() {
            let place = "(\(ioType) *)\(prefix)_input(arena, \(i))"
            l += ["    if (inputs[\(i)] != \(place)) {",
                  "        status = \(copyKernel)(\(input.type.elementCount), \(io.byteSize), inputs[\(i)], \(place));",
                  "        if (status != TSR_OK) return status;", "    }"]
        }
        l += ["    status = \(prefix)_invoke(arena);", "    if (status != TSR_OK) return status;"]
        for (i, output) in graph.outputs.enumerated() {
            let place = "(const \(ioType) *)\(prefix)_output(arena, \(i))"
            l += ["    if (outputs[\(i)] != NULL && outputs[\(i)] != \(place)) {",
                  "        status = \(copyKernel)(\(graph.types[output]?.elementCount ?? 0), \(io.byteSize), \(place), outputs[\(i)]);",
                  "        if (status != TSR_OK) return status;", "    }"]
        }
        return l + ["    return TSR_OK;", "}", ""]
    }
}
