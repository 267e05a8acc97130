import Testing
import TesseraKernels
@testable import Tessera

/// The data-movement kernels are generic in the element size: one call moves 1-, 2-, 4- and
/// 8-byte elements to the same places. Each kernel runs on tensors whose element i holds i
/// (as an integer of the element's size) and must put every element where the reference
/// puts it; pad's constant is a float or an IEEE half by the size. tsr_copy runs at every
/// alignment its element size allows take each path of tsr_move (tsr_move.h).
@Suite struct MovementKernelTests {
    private func tuple6(_ v: [Int]) -> (Int32, Int32, Int32, Int32, Int32, Int32) {
        let p = v.map(Int32.init) + [Int32](repeating: 0, count: 6 - v.count)
        return (p[0], p[1], p[2], p[3], p[4], p[5])
    }

    /// Runs `kernel` on x = [first, first + 1, ...] (`count` elements of T) into `outCount`
    /// elements of T preset to T.max, and returns the status and y as Ints.
    private func move<T: FixedWidthInteger>(_: T.Type, count: Int, first: Int = 0, outCount: Int,
                                            _ kernel: (UnsafeRawPointer, UnsafeMutableRawPointer) -> Int32) -> (Int32, [Int]) {
        let x = (0..<count).map { T(truncatingIfNeeded: first + $0) }
        var y = [T](repeating: T.max, count: outCount)
        let status = x.withUnsafeBytes { xb in y.withUnsafeMutableBytes { yb in kernel(xb.baseAddress!, yb.baseAddress!) } }
        return (status, y.map { Int(truncatingIfNeeded: $0) })
    }

    /// The same for every element size, with the size passed to the kernel.
    private func everySize(count: Int, outCount: Int, first: Int = 0,
                           _ kernel: (Int32, UnsafeRawPointer, UnsafeMutableRawPointer) -> Int32) -> [(Int32, Int32, [Int])] {
        [(1, move(UInt8.self, count: count, first: first, outCount: outCount) { kernel(1, $0, $1) }),
         (2, move(UInt16.self, count: count, first: first, outCount: outCount) { kernel(2, $0, $1) }),
         (4, move(UInt32.self, count: count, first: first, outCount: outCount) { kernel(4, $0, $1) }),
         (8, move(UInt64.self, count: count, first: first, outCount: outCount) { kernel(8, $0, $1) })].map { ($0.0, $0.1.0, $0.1.1) }
    }

    @Test func stridedCopyMovesEveryElementSizeAlike() {
        let shape = [1, 3, 8, 8]  // 192 elements: distinct in a byte
        let dense = StridedCopySpec.denseStrides(shape)
        let specs = [
            StridedCopySpec(outputShape: [1, 8, 8, 3], inputStrides: [192, 8, 1, 64], inputOffset: 0),  // NCHW -> NHWC (scatter rows)
            StridedCopySpec(outputShape: [8, 3, 1, 8], inputStrides: [1, 64, 192, 8], inputOffset: 0),  // no unit step
            StridedCopySpec(outputShape: [1, 2, 8, 4], inputStrides: [192, 64, 8, -2], inputOffset: 7),  // negative step
            StridedCopySpec(outputShape: [1, 2, 8, 8], inputStrides: dense, inputOffset: 64),  // one run
        ]
        let indices = TensorValue(shape: shape, data: (0..<192).map(Float.init))
        for s in specs {
            let expected = ReferenceOps.stridedCopy(s, indices).data.map { Int($0) }
            for (size, status, y) in everySize(count: 192, outCount: expected.count, { size, x, y in
                var p = tsr_strided_copy_params(rank: 4, elem_bytes: size, out_shape: tuple6(s.outputShape),
                                                in_stride: tuple6(s.inputStrides), in_offset: Int32(s.inputOffset))
                return tsr_strided_copy(&p, x, y)
            }) {
                #expect(status == TSR_OK.rawValue)
                #expect(y == expected, "\(size)-byte elements, \(s)")
            }
        }
        var bad = tsr_strided_copy_params(rank: 1, elem_bytes: 3, out_shape: tuple6([2]), in_stride: tuple6([1]), in_offset: 0)
        var y = [UInt8](repeating: 0, count: 8)
        #expect(tsr_strided_copy(&bad, y, &y) == TSR_ERR_PARAM.rawValue)
    }

    @Test func concatAndResizeMoveEveryElementSizeAlike() {
        // Concat of three [2][chunk] inputs, laid end to end in one x.
        let chunks: [Int32] = [3, 1, 5]
        let starts = [0, 6, 8]
        let expected = (0..<2).flatMap { o in (0..<3).flatMap { k in (0..<Int(chunks[k])).map { starts[k] + o * Int(chunks[k]) + $0 } } }
        for (size, status, y) in everySize(count: 18, outCount: 18, { size, x, y in
            chunks.withUnsafeBufferPointer { chunk in
                var p = tsr_concat_params(elem_bytes: size, outer: 2, count: 3, chunk: chunk.baseAddress)
                let inputs: [UnsafeRawPointer?] = starts.map { x + $0 * Int(size) }
                return tsr_concat(&p, inputs, y)
            }
        }) {
            #expect(status == TSR_OK.rawValue)
            #expect(y == expected, "concat, \(size)-byte elements")
        }
        // Resize NHWC [1][3][4][2] with repeated rows and columns.
        let rows: [Int32] = [0, 0, 2, 1, 1], cols: [Int32] = [3, 0, 0, 1, 2, 3, 3]
        let resized = rows.flatMap { h in cols.flatMap { w in (0..<2).map { Int(h) * 8 + Int(w) * 2 + $0 } } }
        for (size, status, y) in everySize(count: 24, outCount: resized.count, { size, x, y in
            rows.withUnsafeBufferPointer { r in
                cols.withUnsafeBufferPointer { c in
                    var p = tsr_resize_nearest_params(elem_bytes: size, batch: 1, channels: 2, in_h: 3, in_w: 4, out_h: 5, out_w: 7,
                                                      src_h: r.baseAddress, src_w: c.baseAddress)
                    return tsr_resize_nearest(&p, x, y)
                }
            }
        }) {
            #expect(status == TSR_OK.rawValue)
            #expect(y == resized, "resize, \(size)-byte elements")
        }
    }

    @Test func padFillsFloatOrHalfByTheElementSize() {
        let inShape = [2, 3], outShape = [4, 6], begin = [1, 2]
        let value: Float = 0.1
        func expected(_ fill: Int) -> [Int] {
            (0..<4).flatMap { r in
                (0..<6).map { c in
                    let (i, j) = (r - begin[0], c - begin[1])
                    return i >= 0 && i < inShape[0] && j >= 0 && j < inShape[1] ? 1000 + i * 3 + j : fill
                }
            }
        }
        func pad(_ size: Int32) -> tsr_pad_params {
            tsr_pad_params(rank: 2, elem_bytes: size, in_shape: tuple6(inShape), out_shape: tuple6(outShape), pad_begin: tuple6(begin),
                           value: value)
        }
        let f32 = move(UInt32.self, count: 6, first: 1000, outCount: 24) { x, y in var p = pad(4); return tsr_pad(&p, x, y) }
        #expect(f32.0 == TSR_OK.rawValue)
        #expect(f32.1 == expected(Int(value.bitPattern)))
        let f16 = move(UInt16.self, count: 6, first: 1000, outCount: 24) { x, y in var p = pad(2); return tsr_pad(&p, x, y) }
        #expect(f16.0 == TSR_OK.rawValue)
        #expect(f16.1 == expected(Int(Float16(value).bitPattern)))  // rounded to half once
        for size: Int32 in [1, 8] {
            let bad = move(UInt8.self, count: 48, outCount: 192) { x, y in var p = pad(size); return tsr_pad(&p, x, y) }
            #expect(bad.0 == TSR_ERR_PARAM.rawValue, "pad of \(size)-byte elements")
        }
    }

    /// tsr_copy at every alignment: word, half-word and byte runs.
    @Test func copyMovesRunsAtAnyAlignment() {
        let x = (0..<64).map { UInt8($0) }
        for (size, count, from, to) in [(4, 5, 0, 8), (2, 7, 2, 6), (1, 9, 1, 3), (8, 3, 8, 16), (2, 3, 0, 10), (1, 4, 4, 8)] {
            var y = [UInt8](repeating: 0xFF, count: 64)
            let status = x.withUnsafeBytes { xb in
                y.withUnsafeMutableBytes { yb in tsr_copy(Int32(count), Int32(size), xb.baseAddress! + from, yb.baseAddress! + to) }
            }
            #expect(status == TSR_OK.rawValue)
            let n = size * count
            #expect(Array(y[to..<(to + n)]) == Array(x[from..<(from + n)]), "\(count) x \(size) bytes from \(from) to \(to)")
            #expect(y[..<to].allSatisfy { $0 == 0xFF } && y[(to + n)...].allSatisfy { $0 == 0xFF })
        }
    }
}
