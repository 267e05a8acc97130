import Foundation
import OrderedCollections
import Testing
@testable import Tessera

/// The memory checking mode (-DTSR_CHECK_MEMORY, `tessera run --check-memory`): correct
/// plans pass on the host (FP32, FP16) and on an emulated MCU; plans planted wrong through
/// the test-only `CompileOptions.planEdit` fail, naming the layer and the buffer.
@Suite struct MemoryCheckTests {
    /// x -> relu -> t0 -> sigmoid -> t1 -> tanh -> t2 -> add(t0, t2) -> y: t0 lives from
    /// node 0 to node 3, across t1 and t2.
    static func longLived() throws -> Graph {
        var b = ModelBuilder("long_lived", seed: 5)
        b.input("x", [1, 64])
        b.node("Relu", ["x"], name: "relu", outputs: ["t0"])
        b.node("Sigmoid", ["t0"], name: "sigmoid", outputs: ["t1"])
        b.node("Tanh", ["t1"], name: "tanh", outputs: ["t2"])
        b.output(b.node("Add", ["t0", "t2"], name: "add", outputs: ["y"]))
        return try b.graph()
    }

    /// x -> relu -> t0 -> sigmoid -> t1 -> tanh -> y: t0's last reader writes t1.
    static func chain() throws -> Graph {
        var b = ModelBuilder("chain", seed: 6)
        b.input("x", [1, 64])
        b.node("Relu", ["x"], name: "relu", outputs: ["t0"])
        b.node("Sigmoid", ["t0"], name: "sigmoid", outputs: ["t1"])
        b.output(b.node("Tanh", ["t1"], name: "tanh", outputs: ["y"]))
        return try b.graph()
    }

    /// Moves the buffer holding `tensor` (and every tensor in it) to `offset`, growing the
    /// arena when needed.
    static func move(_ tensor: String, to offset: @escaping @Sendable (MemoryPlan) -> Int) -> @Sendable (inout MemoryPlan) -> Void {
        { plan in
            let b = plan.buffers.firstIndex { $0.tensors.contains(tensor) }!
            let o = offset(plan)
            plan.buffers[b].offset = o
            for name in plan.buffers[b].tensors { plan.locations[name] = .arena(o) }
            plan.arenaBytes = max(plan.arenaBytes, MemoryPlanner.roundUp(o + plan.buffers[b].bytes, plan.alignment))
        }
    }

    static func offset(_ plan: MemoryPlan, _ tensor: String) -> Int {
        plan.buffers.first { $0.tensors.contains(tensor) }!.offset
    }

    static func inputs(_ graph: Graph, seed: UInt64) -> OrderedDictionary<String, TensorValue> {
        let values = randomInputs(graph, seed: seed)
        return OrderedDictionary(uniqueKeysWithValues: graph.inputs.map { ($0.name, values[$0.name]!) })
    }

    /// The output of the failed tool run (the harness's or the firmware's).
    static func failure(_ body: () throws -> Void) -> (status: Int32, output: String)? {
        do {
            try body()
        } catch let TesseraError.toolFailed(_, status, output) {
            return (status, output)
        } catch {
            return (-1, "\(error)")
        }
        return nil
    }

    static func hostRun(_ graph: Graph, _ options: CompileOptions) throws {
        let model = try Compiler.compile(graph, options: options)
        _ = try HostRunner.compileAndRun(model, inputs: inputs(graph, seed: 3), checkMemory: true)
    }

    // MARK: correct plans pass

    @Test(arguments: [Precision.fp32, .fp16])
    func correctPlansPassOnTheHost(_ precision: Precision) throws {
        for name in ["conv_relu_pool", "dw_separable", "residual", "ops_mix"] {
            let graph = try SyntheticModels.named(name).graph()
            let model = try Compiler.compile(graph, options: CompileOptions(precision: precision))
            let actual = try HostRunner.compileAndRun(model, inputs: Self.inputs(graph, seed: 9), checkMemory: true)
            let expected = try ReferenceInterpreter.run(model.graph, inputs: randomInputs(graph, seed: 9))
            for output in graph.outputs {
                let c = Comparison(try #require(actual[output]), try #require(expected[output]))
                #expect(c.within(relative: Tolerance.fp16(precision)), "\(name) \(precision.rawValue) \(output): \(c)")
            }
        }
    }

    @Test func correctPlanPassesOnQEMU() throws {
        let graph = try SyntheticModels.named("dw_separable").graph()
        let model = try Compiler.compile(graph, options: CompileOptions(target: "corstone300", precision: .fp16))
        let run = try EmulatorRunner.run(model, target: model.target, inputs: Self.inputs(graph, seed: 4), checkMemory: true)
        #expect(run.outputs.count == graph.outputs.count)
    }

    /// The hooks compile to nothing without the define: the generated C names them, the
    /// default build (no -DTSR_CHECK_MEMORY) is the one every other test runs.
    @Test func hooksAndTableAreEmitted() throws {
        let model = try Compiler.compile(try Self.longLived())
        let c = try #require(model.files.first { $0.name == "long_lived.c" }).contents
        let h = try #require(model.files.first { $0.name == "long_lived.h" }).contents
        #expect(c.contains("TSR_CHECK_BEGIN(long_lived_check_table, arena);"))
        #expect(c.contains("TSR_CHECK_READ(3, "))
        #expect(c.contains("static const char *const long_lived_check_nodes[4] = {"))
        #expect(c.contains("\"nodes[3] \\\"add\\\"\","))
        #expect(h.contains("#define LONG_LIVED_CHECK_SHADOW_BYTES "))
    }

    /// Poison ranges: dead buffers minus live ones, as intervals.
    @Test func intervalArithmetic() {
        #expect(MemoryCheck.union([0..<4, 8..<12, 2..<6, 12..<14]) == [0..<6, 8..<14])
        #expect(MemoryCheck.subtract([0..<10, 20..<30], [2..<4, 8..<22, 25..<26]) == [0..<2, 4..<8, 22..<25, 26..<30])
        #expect(MemoryCheck.subtract([0..<10], []) == [0..<10])
    }

    // MARK: planted plans fail

    /// (a) t1 placed over t0 while t0 is live: the add reading t0 fails.
    @Test func overlappingLiveBuffersFailAtTheReader() throws {
        var options = CompileOptions()
        options.planEdit = Self.move("t1") { Self.offset($0, "t0") }
        let f = try #require(Self.failure { try Self.hostRun(try Self.longLived(), options) })
        #expect(f.status == 3)
        #expect(f.output.contains(#"tessera check: nodes[3] "add": reads buffer "t0" (arena+"#), "\(f.output)")
        #expect(f.output.contains(#"which no longer holds what nodes[0] "relu" wrote (another buffer was written over it"#), "\(f.output)")
    }

    /// (b) t0's lifetime cut short (as if it ended at the sigmoid): its space is poisoned
    /// after node 1 and the add reading it fails.
    @Test func aShortenedLifetimeIsPoisoned() throws {
        var options = CompileOptions()
        options.planEdit = { plan in
            let b = plan.buffers.firstIndex { $0.tensors.contains("t0") }!
            plan.buffers[b].last = 1
        }
        let model = try Compiler.compile(try Self.longLived(), options: options)
        let c = try #require(model.files.first { $0.name == "long_lived.c" }).contents
        #expect(c.contains("TSR_CHECK_POISON(1, ((uint8_t *)arena + \(Self.offset(model.plan, "t0"))), 256);"))
        let f = try #require(Self.failure { try Self.hostRun(try Self.longLived(), options) })
        #expect(f.status == 3)
        #expect(f.output.contains(#"tessera check: nodes[3] "add": reads buffer "t0" (arena+"#), "\(f.output)")
        #expect(f.output.contains("it holds the poison pattern: its space was freed before this read"), "\(f.output)")
    }

    /// (c) The sigmoid's output one element after its input: the kernel writes t1[i] over
    /// t0[i + 1] before reading it. The shadow comparison fails, naming the layer and t1.
    /// One element earlier (exactly in place) is a legal overlap for an elementwise kernel
    /// and passes, through the same shadow check.
    @Test func anOverlapOneElementTooCloseFailsTheShadowCheck() throws {
        var legal = CompileOptions()
        legal.planEdit = Self.move("t1") { Self.offset($0, "t0") }
        let model = try Compiler.compile(try Self.chain(), options: legal)
        let c = try #require(model.files.first { $0.name == "chain.c" }).contents
        #expect(c.contains("TSR_CHECK_SHADOW(256)") && c.contains("TSR_CHECK_SAME(1, "), "\(c)")
        #expect(try #require(model.files.first { $0.name == "chain.h" }).contents.contains("#define CHAIN_CHECK_SHADOW_BYTES 256u"))
        try Self.hostRun(try Self.chain(), legal)

        var close = CompileOptions()
        close.planEdit = Self.move("t1") { Self.offset($0, "t0") + 4 }
        let f = try #require(Self.failure { try Self.hostRun(try Self.chain(), close) })
        #expect(f.status == 3)
        #expect(f.output.contains(#"tessera check: nodes[1] "sigmoid": writes buffer "t1" (arena+"#), "\(f.output)")
        #expect(f.output.contains("over its own input and overwrote input it still needed"), "\(f.output)")
    }

    /// The firmware reports through semihosting the same way: (a) on QEMU.
    @Test func aPlantedPlanFailsOnQEMU() throws {
        var options = CompileOptions(target: "corstone300", precision: .fp32)
        options.planEdit = Self.move("t1") { Self.offset($0, "t0") }
        let graph = try Self.longLived()
        let model = try Compiler.compile(graph, options: options)
        let f = try #require(Self.failure {
            _ = try EmulatorRunner.run(model, target: model.target, inputs: Self.inputs(graph, seed: 3), checkMemory: true)
        })
        #expect(f.status == 3)
        #expect(f.output.contains(#"tessera check: nodes[3] "add": reads buffer "t0""#), "\(f.output)")
    }

    /// `tessera run --check-memory` (the real binary) passes on a correct plan.
    @Test func theCLIFlagBuildsTheCheckingMode() throws {
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        let root = TestEnvironment.repositoryRoot.path
        let r = try TestEnvironment.cli(["run", root + "/Examples/digits_cnn.json", "--target", "host", "--input",
                                         root + "/Examples/digits_cnn.input.json", "-o", dir + "/out.json", "--check-memory", "--compare"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("within --tolerance"), "\(r.stdout)")
    }
}
