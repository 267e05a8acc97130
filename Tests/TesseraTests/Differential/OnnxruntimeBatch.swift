import Foundation
@testable import Tessera

/// onnxruntime as the tests' independent reference: many models exported to ONNX, run by
/// one Python process (Scripts/onnxruntime_batch.py) in the pinned environment that
/// `make test` creates (Scripts/python-env.sh, `.venv/`).
enum OnnxruntimeBatch {
    /// The environment's python: `$TESSERA_PYTHON`, else `.venv/bin/python` in the repository.
    static var python: String {
        ProcessInfo.processInfo.environment["TESSERA_PYTHON"]
            ?? TestEnvironment.repositoryRoot.appendingPathComponent(".venv/bin/python").path
    }

    struct Case {
        var name: String
        var graph: Graph
        var inputs: [String: TensorValue]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// onnxruntime's outputs of every case (keyed by case name, then output name), or the
    /// error message of a case it could not check or run.
    static func run(_ cases: [Case]) throws -> [String: Result<[String: TensorValue], Failure>] {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Failure(description: "onnxruntime's Python environment is missing: no executable \(python). `make test` creates it (Scripts/python-env.sh); or set TESSERA_PYTHON to a python with onnx, onnxruntime and numpy")
        }
        let dir = try TestEnvironment.temporaryDirectory()
        defer { TestEnvironment.remove(dir) }
        var manifest: [JSONValue] = []
        var exportErrors: [String: Failure] = [:]
        for (k, c) in cases.enumerated() {
            let model = "c\(k).onnx"
            do {
                try ONNXExporter.write(c.graph, to: dir + "/" + model)
            } catch {
                exportErrors[c.name] = Failure(description: "the export to ONNX failed: \(error)")
                continue
            }
            var inputs: [JSONValue] = []
            for (i, input) in c.graph.inputs.enumerated() {
                guard let value = c.inputs[input.name] else { throw Failure(description: "\(c.name): no value for input \(input.name)") }
                let file = "c\(k).in\(i).bin"
                try write(value.data, to: dir + "/" + file)
                inputs.append(.object([("name", .string(input.name)), ("shape", ints(value.shape)), ("file", .string(file))]))
            }
            manifest.append(.object([("name", .string("c\(k)")), ("model", .string(model)), ("inputs", .array(inputs)),
                                     ("outputs", .array(c.graph.outputs.map { .string($0) }))]))
        }
        try TestEnvironment.write(JSONWriter.write(.object([("cases", .array(manifest))])), to: dir + "/manifest.json")
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("Scripts/onnxruntime_batch.py").path
        let r = try Shell.run(python, [script, dir])
        guard r.status == 0 else { throw Failure(description: "Scripts/onnxruntime_batch.py exited \(r.status): \(r.output)") }
        let results = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: dir + "/results.json")), file: "results.json")
        var out: [String: Result<[String: TensorValue], Failure>] = [:]
        for (k, c) in cases.enumerated() {
            if let e = exportErrors[c.name] {
                out[c.name] = .failure(e)
                continue
            }
            guard let entry = results["results"]?["c\(k)"] else {
                out[c.name] = .failure(Failure(description: "no result"))
                continue
            }
            if case let .string(message)? = entry["error"] {
                out[c.name] = .failure(Failure(description: message))
                continue
            }
            var values: [String: TensorValue] = [:]
            for o in entry["outputs"]?.array ?? [] {
                guard case let .string(name)? = o["name"], case let .string(file)? = o["file"],
                      let shape = o["shape"]?.array?.compactMap({ $0.number.map { Int($0) } }) else { continue }
                let data = try read(dir + "/" + file)
                guard data.count == shape.reduce(1, *) else {
                    throw Failure(description: "\(c.name): output \(name) has \(data.count) values for shape \(shape)")
                }
                values[name] = TensorValue(shape: shape, data: data)
            }
            out[c.name] = .success(values)
        }
        return out
    }

    static func write(_ values: [Float], to path: String) throws {
        var bytes = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> [Float] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        return stride(from: 0, to: bytes.count - 3, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }
}
