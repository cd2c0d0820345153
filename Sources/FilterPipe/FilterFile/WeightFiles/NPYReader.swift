// numpy's .npy format (numpy/lib/format.py): "\x93NUMPY", major and minor version, the header length
// (2 bytes little-endian in 1.0; 4 bytes in 2.0 and 3.0, 3.0 allowing UTF-8), then a Python dict
// literal {'descr': '<f4', 'fortran_order': False, 'shape': (30, 1, 5, 5), } padded with spaces to a
// multiple of 64 bytes and ended by '\n', then the raw data.

/// Reads float arrays from `.npy` files.
public enum NPYReader {
    /// The array in the `.npy` file at `path` (dtypes `<f8 <f4 <f2 >f8 >f4 >f2`, C or Fortran order).
    public static func read(contentsOf path: String) throws(WeightFileError) -> WeightArray {
        let size = try WeightFileBytes.fileSize(path)
        guard size <= WeightFileLimits.largestData + WeightFileLimits.largestNPYHeader else {
            throw WeightFileError("is \(size) bytes, more than the \(WeightFileLimits.largestData)-byte limit for a weight file")
        }
        return try parse(WeightFileBytes.read(path, offset: 0, count: size))
    }

    /// The array in `bytes`, a whole `.npy` file.
    public static func parse(_ bytes: [UInt8]) throws(WeightFileError) -> WeightArray {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw WeightFileError("not a .npy file (it does not start with the .npy magic bytes)")
        }
        let major = bytes[6], minor = bytes[7]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw WeightFileError("truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw WeightFileError("unsupported .npy format version \(major).\(minor) (expected 1.0, 2.0 or 3.0)")
        }
        guard headerLength <= WeightFileLimits.largestNPYHeader else {
            throw WeightFileError("its .npy header claims \(headerLength) bytes (at most \(WeightFileLimits.largestNPYHeader))")
        }
        guard headerStart + headerLength <= bytes.count else {
            throw WeightFileError(
                "truncated .npy header (claims \(headerLength) bytes, the file has \(bytes.count - headerStart) after the prefix)"
            )
        }
        guard let header = String(validating: bytes[headerStart..<headerStart + headerLength], as: UTF8.self) else {
            throw WeightFileError("its .npy header is not UTF-8 text")
        }
        let fields = try HeaderFields(header)
        guard let dtype = fields.dtype else {
            throw WeightFileError(
                "dtype '\(fields.descr)' is not supported (expected <f8, <f4, <f2, >f8, >f4 or >f2: float64, float32, float16)")
        }
        let dataStart = headerStart + headerLength
        guard let count = WeightFileBytes.count(of: fields.shape, itemSize: dtype.size, limit: WeightFileLimits.largestData)
        else {
            throw WeightFileError(
                "shape \(WeightArray.text(of: fields.shape)) holds more than \(WeightFileLimits.largestData) bytes of \(fields.descr)"
            )
        }
        let needed = count * dtype.size
        let available = bytes.count - dataStart
        guard available >= needed else {
            throw WeightFileError(
                "truncated data: shape \(WeightArray.text(of: fields.shape)) of \(fields.descr) needs \(needed) bytes, the file has \(available)"
            )
        }
        let raw = bytes.withUnsafeBytes { buffer in
            dtype.decode(
                UnsafeRawBufferPointer(rebasing: buffer[dataStart..<dataStart + needed]), count: count,
                bigEndian: fields.bigEndian)
        }
        let values = fields.fortranOrder ? cOrder(fromFortran: raw, shape: fields.shape) : raw
        return WeightArray(shape: fields.shape, values: values)
    }

    /// Fortran order (first axis fastest) rearranged to C order (last axis fastest).
    static func cOrder(fromFortran values: [Double], shape: [Int]) -> [Double] {
        guard shape.count > 1, !values.isEmpty else { return values }
        var result = [Double](repeating: 0, count: values.count)
        var index = [Int](repeating: 0, count: shape.count)
        for cPosition in 0..<values.count {
            var fortranPosition = 0, stride = 1
            for axis in 0..<shape.count {
                fortranPosition += index[axis] * stride
                stride *= shape[axis]
            }
            result[cPosition] = values[fortranPosition]
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// The three keys of the header dict, read from its literal text.
    struct HeaderFields {
        var descr = ""
        var fortranOrder = false
        var shape: [Int] = []

        var bigEndian: Bool { descr.hasPrefix(">") }
        var dtype: WeightDType? {
            switch descr {
            case "<f8", ">f8": .float64
            case "<f4", ">f4": .float32
            case "<f2", ">f2": .float16
            default: nil
            }
        }

        init(_ header: String) throws(WeightFileError) {
            func value(of key: String) throws(WeightFileError) -> Substring {
                guard let keyRange = header.firstRange(of: "'\(key)'") ?? header.firstRange(of: "\"\(key)\""),
                    let colon = header[keyRange.upperBound...].firstIndex(of: ":")
                else { throw WeightFileError("its .npy header has no '\(key)' (header: \(header.prefix(120)))") }
                return header[header.index(after: colon)...].drop(while: { $0 == " " })
            }
            let descrText = try value(of: "descr")
            guard let quote = descrText.first, quote == "'" || quote == "\"",
                let end = descrText.dropFirst().firstIndex(of: quote)
            else { throw WeightFileError("its .npy header's 'descr' is not a string (header: \(header.prefix(120)))") }
            descr = String(descrText[descrText.index(after: descrText.startIndex)..<end])
            let orderText = try value(of: "fortran_order")
            if orderText.hasPrefix("True") {
                fortranOrder = true
            } else if !orderText.hasPrefix("False") {
                throw WeightFileError("its .npy header's 'fortran_order' is neither True nor False")
            }
            let shapeText = try value(of: "shape")
            guard shapeText.first == "(", let close = shapeText.firstIndex(of: ")") else {
                throw WeightFileError("its .npy header's 'shape' is not a tuple")
            }
            for part in shapeText[shapeText.index(after: shapeText.startIndex)..<close].split(separator: ",") {
                let trimmed = part.trimmingPrefix(while: { $0 == " " }).prefix(while: { $0 != " " && $0 != "L" })
                if trimmed.isEmpty { continue }
                guard let side = Int(trimmed), side >= 0 else {
                    throw WeightFileError("its .npy header's shape has '\(part)', not a size")
                }
                shape.append(side)
            }
        }
    }
}
