import Foundation

/// Reads ONNX TensorProtos (initializers, Constant values) into Tessera constants.
enum ONNXTensors {
    /// The highest rank of a tensor, as in model JSON.
    static let maxRank = 8

    /// Converts `tensor` named `name`; `directory` resolves external data files.
    static func constant(_ tensor: Onnx_TensorProto, name: String, directory: URL, at location: String) throws -> Constant {
        let shape = try tensor.dims.map { d -> Int in
            guard d >= 0, d <= Int64(Int32.max) else { throw TesseraError.invalidModel(location: location, message: "dimension \(d) is out of range") }
            return Int(d)
        }
        guard shape.count <= ONNXTensors.maxRank else {
            throw TesseraError.unsupported(location: location, message: "rank \(shape.count) is above the supported maximum of \(ONNXTensors.maxRank)")
        }
        guard let count = checkedElementCount(shape) else {
            throw TesseraError.invalidModel(location: location, message: "shape \(shapeText(shape)) has too many elements")
        }
        let raw = try rawBytes(tensor, directory: directory, at: location)
        func fromRaw<T>(_ size: Int, _ make: (UInt64) -> T) throws -> [T]? {
            guard let raw else { return nil }
            guard raw.count == count * size else {
                throw TesseraError.invalidModel(location: location, message: "raw data holds \(raw.count) bytes but shape \(shapeText(shape)) needs \(count * size)")
            }
            let bytes = [UInt8](raw)
            return (0..<count).map { k in
                var w: UInt64 = 0
                for b in 0..<size { w |= UInt64(bytes[k * size + b]) << (8 * UInt64(b)) }
                return make(w)
            }
        }
        func checked<T>(_ values: [T]) throws -> [T] {
            guard values.count == count else {
                throw TesseraError.invalidModel(location: location, message: "holds \(values.count) values but shape \(shapeText(shape)) needs \(count)")
            }
            return values
        }
        let data: ConstantData
        let dtype = Onnx_TensorProto.DataType(rawValue: Int(tensor.dataType))
        switch dtype {
        case .float?:
            data = .float(try fromRaw(4) { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) } ?? checked(tensor.floatData))
        case .float16?:
            data = .float(try fromRaw(2) { Float(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) }
                          ?? checked(tensor.int32Data.map { Float(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) }))
        case .double?:
            data = .float(try fromRaw(8) { Float(Double(bitPattern: $0)) } ?? checked(tensor.doubleData.map { Float($0) }))
        case .int64?:
            data = .int64(try fromRaw(8) { Int64(bitPattern: $0) } ?? checked(tensor.int64Data))
        case .int32?, .int16?, .int8?, .uint8?, .uint16?, .bool?:
            let size = [ .int32: 4, .int16: 2, .uint16: 2, .int8: 1, .uint8: 1, .bool: 1][dtype!]!
            let signed = dtype == .int32 || dtype == .int16 || dtype == .int8
            data = .int64(try fromRaw(size) { w -> Int64 in
                guard signed else { return Int64(w) }
                let shift = UInt64(64 - 8 * size)
                return Int64(bitPattern: w << shift) >> Int64(shift)
            } ?? checked(tensor.int32Data.map { Int64($0) }))
        default:
            throw TesseraError.unsupported(location: location, message: "tensor data type \(tensor.dataType) (\(dtype.map { "\($0)" } ?? "unknown")) is not supported")
        }
        if case let .float(v) = data, let bad = v.firstIndex(where: { !$0.isFinite }) {
            throw TesseraError.invalidModel(location: location, message: "value \(bad) is not finite (\(v[bad]))")
        }
        let type: DType = if case .int64 = data { .int64 } else { .float32 }
        return Constant(name: name, type: TensorType(shape, type), data: data)
    }

    /// The tensor's raw bytes: inline `raw_data`, external data loaded from its file, or
    /// nil when the values are in the typed fields.
    private static func rawBytes(_ tensor: Onnx_TensorProto, directory: URL, at location: String) throws -> Data? {
        guard tensor.dataLocation == .external else { return tensor.hasRawData ? tensor.rawData : nil }
        var entries: [String: String] = [:]
        for e in tensor.externalData { entries[e.key] = e.value }
        guard let file = entries["location"], !file.isEmpty, !file.hasPrefix("/"), !file.contains("..") else {
            throw TesseraError.invalidModel(location: location, message: "external data without a valid relative \"location\"")
        }
        let url = directory.appendingPathComponent(file)
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw TesseraError.io(path: url.path, message: "external data file of \(location) cannot be read (keep it next to the model)")
        }
        defer { try? handle.close() }
        func number(_ key: String) throws -> UInt64? {
            guard let text = entries[key] else { return nil }
            guard let v = UInt64(text) else {
                throw TesseraError.invalidModel(location: location, message: "external data \(key) \"\(text)\" is not a non-negative integer")
            }
            return v
        }
        let offset = try number("offset") ?? 0, length = try number("length")
        do {
            let size = try handle.seekToEnd()
            // Both fit in the file, so nothing below reads or allocates more than the file.
            guard offset <= size, length.map({ $0 <= size - offset }) ?? true else {
                throw TesseraError.io(path: url.path, message: "external data of \(location) is truncated (offset \(offset), length \(length.map(String.init) ?? "to the end"), file of \(size) bytes)")
            }
            try handle.seek(toOffset: offset)
            if let length {
                let data = try handle.read(upToCount: Int(length)) ?? Data()
                guard data.count == Int(length) else {
                    throw TesseraError.io(path: url.path, message: "external data of \(location) is truncated")
                }
                return data
            }
            return try handle.readToEnd() ?? Data()
        } catch let e as TesseraError {
            throw e
        } catch {
            throw TesseraError.io(path: url.path, message: "cannot read external data of \(location): \(error.localizedDescription)")
        }
    }
}
