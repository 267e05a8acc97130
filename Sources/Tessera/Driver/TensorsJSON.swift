import Foundation
import OrderedCollections

/// Tensors-JSON: `{"<tensor name>": {"shape": [...], "data": [flat row-major numbers]}}`,
/// the format of inputs and outputs on every target. `null` in data stands for NaN.
public enum TensorsJSON {
    public static func read(path: String) throws -> OrderedDictionary<String, TensorValue> {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TesseraError.io(path: path, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(try JSONParser.parse(data, file: path), file: path)
    }

    public static func parse(_ json: JSONValue, file: String) throws -> OrderedDictionary<String, TensorValue> {
        guard let members = json.members else {
            throw TesseraError.invalidTensors(location: file, message: "must be an object of tensors, got \(json.kindName)")
        }
        var out = OrderedDictionary<String, TensorValue>()
        for (name, value) in members {
            let at = "\(file): tensor \"\(name)\""
            guard let shapeValue = value["shape"], let dataValue = value["data"]?.array else {
                throw TesseraError.invalidTensors(location: at, message: "needs \"shape\" and \"data\"")
            }
            let shape = try ModelLoader.shapeValue(shapeValue, at, allowZero: true)
            let values: [Float] = try dataValue.enumerated().map { k, v in
                if case .null = v { return .nan }
                guard let x = v.number else {
                    throw TesseraError.invalidTensors(location: at, message: "data[\(k)] must be a number, got \(v.kindName)")
                }
                return Float(x)
            }
            guard values.count == shape.reduce(1, *) else {
                throw TesseraError.invalidTensors(location: at, message: "data has \(values.count) values but shape \(shapeText(shape)) needs \(shape.reduce(1, *))")
            }
            out[name] = TensorValue(shape: shape, data: values)
        }
        return out
    }

    public static func write(_ tensors: OrderedDictionary<String, TensorValue>) -> String {
        let object: JSONValue = .object(tensors.map { name, t in
            (name, .object([("shape", .array(t.shape.map { .int($0) })),
                            ("data", .array(t.data.map(number)))]))
        })
        return JSONWriter.write(object)
    }

    /// The float's shortest round-trip text, carried as a double that prints the same way.
    static func number(_ f: Float) -> JSONValue {
        guard f.isFinite else { return .null }
        return .double(Double("\(f)")!)
    }

    public static func write(_ tensors: OrderedDictionary<String, TensorValue>, to path: String) throws {
        do {
            try Data(write(tensors).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TesseraError.io(path: path, message: "cannot write the file (\(error.localizedDescription))")
        }
    }
}
