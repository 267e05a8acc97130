/// `report.json`: what the compiled model needs, byte for byte.
enum Report {
    /// Whether the arena fits the target's arena region and the weights its flash, before
    /// any code is linked; `tessera run` on the target links and decides for good.
    static func fits(_ plan: MemoryPlan, _ t: TargetDescription) -> JSONValue {
        guard !t.isHost, let region = t.arenaRegion else { return .null }
        let weights = plan.weightsBytes
        return .object([
            ("sram", .bool(plan.arenaBytes + t.stackBytes <= region.size)),
            ("flash", .bool(weights <= t.flash.size)),
            ("sram_region", .string(region.name)), ("sram_region_bytes", .int(region.size)),
            ("sram_needed_bytes", .int(plan.arenaBytes + t.stackBytes)),
            ("flash_bytes", .int(t.flash.size)), ("flash_needed_bytes", .int(weights)),
            ("basis", .string("arena plus the target's \(t.stackBytes)-byte stack against \(region.name); weights against \(t.flash.name); code and libc come on top at link time")),
        ])
    }

    /// The schedule: each stage's nodes, how it runs and what it costs in MACs, and the
    /// layer-by-layer arena it is weighed against (null for `--schedule layer`).
    static func scheduleJSON(_ s: ScheduleChoice) -> JSONValue {
        let stages: [JSONValue] = s.stages.map { st in
            var fields: [(String, JSONValue)] = [("ops", .array(st.ops.map { .string($0) }))]
            switch st.plan.mode {
            case let .patches(r, c): fields += [("mode", .string("patches")), ("grid", .array([.int(r), .int(c)]))]
            case let .bands(k): fields += [("mode", .string("bands")), ("band", .int(k))]
            }
            fields += [("from", .array(st.plan.from.map { .string($0) })), ("through", .string(st.plan.through)),
                       ("overhead_macs", .int(st.overheadMACs)),
                       ("mac_overhead", .double(s.networkMACs == 0 ? 0 : Double(st.overheadMACs) / Double(s.networkMACs)))]
            if let p = st.peakBytes { fields.append(("peak_bound_bytes", .int(p))) }
            return .object(fields)
        }
        var fields: [(String, JSONValue)] = [("request", .string(s.request.description)), ("stages", .array(stages)),
                                             ("peak_layer_by_layer", s.peakLayerByLayer.map { .int($0) } ?? .null),
                                             ("mac_overhead", .double(s.networkMACs == 0 ? 0 : Double(s.overheadMACs) / Double(s.networkMACs)))]
        if let n = s.candidates { fields.append(("candidates_weighed", .int(n))) }
        return .object(fields)
    }

    /// Every byte of activations the model needs at run time: the arena plus the
    /// caller-owned input and output buffers, or the arena alone when they live in it.
    static func totalActivationBytes(_ plan: MemoryPlan, inputBytes: Int, outputBytes: Int) -> Int {
        plan.ioInArena ? plan.arenaBytes : plan.arenaBytes + inputBytes + outputBytes
    }

    static func json(graph: Graph, plan: MemoryPlan, summary: ModelSummary, kernels: [String], precision: Precision,
                     target: TargetDescription, schedule: ScheduleChoice, streamedInput: Bool = false) -> JSONValue {
        let inputBytes = graph.inputs.map(\.type.byteCount).reduce(0, +)
        // A streamed input stays with the application (its camera or file): what the
        // model reads of it is in the arena.
        let heldInputBytes = streamedInput ? 0 : inputBytes
        let outputBytes = graph.outputs.compactMap { graph.types[$0]?.byteCount }.reduce(0, +)
        let timeline = MemoryTimeline(graph: graph, plan: plan)
        func location(_ name: String) -> JSONValue {
            switch plan.locations[name] {
            case let .input(i)?: return .string("input \(i)")
            case let .output(i)?: return .string("output \(i)")
            case let .arena(offset)?: return .string("arena+\(offset)")
            case let .weights(offset, dtype)?: return .string("weights\(dtype == .float16 ? "_f16" : "")+\(offset * dtype.byteSize)")
            case .none?, nil: return .string("none")
            }
        }
        let layers: [JSONValue] = summary.layers.map { layer in
            .object([
                ("node", .string(layer.node)), ("op", .string(layer.op)), ("description", .string(layer.description)),
                ("output_shape", .array(layer.outputShape.map { .int($0) })),
                ("params", .int(layer.params)), ("macs", .int(layer.macs)),
                ("output_bytes", .int(layer.activationBytes)),
                ("output_location", location(graph.nodes[layer.index].outputs[0])),
            ])
        }
        let buffers: [JSONValue] = plan.buffers.map { b in
            .object([
                ("tensors", .array(b.tensors.map { .string($0) })), ("offset", .int(b.offset)), ("bytes", .int(b.bytes)),
                ("first_node", .int(b.first)), ("last_node", .int(b.last)),
            ])
        }
        // A long name's C symbols and files use a shortened prefix (CSyntax.symbolPrefix).
        let prefix = CSyntax.symbolPrefix(graph.name)
        return .object([("model", .string(graph.name))] + (prefix == graph.name ? [] : [("symbol_prefix", .string(prefix))]) + [
            ("target", .string(target.name)),
            ("precision", .string(precision.rawValue)),
            ("accumulation", .string(precision.accumulation(on: target))),
            ("io", .string(graph.outputs.first.flatMap { graph.types[$0]?.dtype.rawValue } ?? "float32")),
            ("tessera_version", .string(Tessera.version)),
            ("macs", .int(summary.macs)),
            ("params", .int(summary.params)),
            ("memory", .object([
                ("arena_bytes", .int(plan.arenaBytes)),
                ("arena_lower_bound_bytes", .int(plan.lowerBoundBytes)),  // the old name of lower_bound_bytes
                ("lower_bound_bytes", .int(plan.lowerBoundBytes)),
                ("scratch_bytes", .int(plan.scratchBytes)),
                ("planner", .string(plan.planner)),
                ("io_in_arena", .bool(plan.ioInArena)),
                ("input", .string(streamedInput ? "streamed" : plan.ioInArena ? "arena" : "caller")),
                ("total_activation_bytes", .int(totalActivationBytes(plan, inputBytes: heldInputBytes, outputBytes: outputBytes))),
                ("efficiency", .double(timeline.efficiency)),
                ("buffers", timeline.json),
                ("arena_alignment", .int(plan.alignment)),
                ("weights_bytes", .int(plan.weightsBytes)),
                ("weights_padding_bytes", .int(plan.weightsBytes - plan.weights.map { $0.count * $0.dtype.byteSize }.reduce(0, +))),
                ("input_bytes", .int(inputBytes)),
                ("output_bytes", .int(outputBytes)),
            ])),
            ("fits", fits(plan, target)),
            ("schedule", scheduleJSON(schedule)),
            ("kernels", .array(kernels.map { .string($0) })),
            ("layers", .array(layers)),
            ("arena_buffers", .array(buffers)),
        ])
    }
}
