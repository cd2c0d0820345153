// The safetensors format (huggingface/safetensors): 8 bytes little-endian N, then N bytes of JSON
// {"NAME": {"dtype": "F32", "shape": [30, 1, 5, 5], "data_offsets": [BEGIN, END]}, ...,
// "__metadata__": {...}}, then the data area; offsets are relative to the data area's start and
// little-endian C-order values fill [BEGIN, END).

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Reads float tensors from `.safetensors` files.
public enum SafetensorsReader {
    /// One tensor's header entry.
    struct Entry: Decodable {
        var dtype: String
        var shape: [Int]
        var dataOffsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    /// The header's tensors by name (`__metadata__` left out).
    struct Header: Decodable {
        var entries: [String: Entry] = [:]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys where key.stringValue != "__metadata__" {
                entries[key.stringValue] = try container.decode(Entry.self, forKey: key)
            }
        }
    }

    /// The tensor `name` of the `.safetensors` file at `path` (dtypes F64, F32, F16, BF16).
    public static func read(contentsOf path: String, tensor name: String) throws(WeightFileError) -> WeightArray {
        let size = try WeightFileBytes.fileSize(path)
        guard size >= 8 else {
            throw WeightFileError("not a .safetensors file (\(size) bytes, shorter than its 8-byte header length)")
        }
        let prefix = try WeightFileBytes.read(path, offset: 0, count: 8)
        var claimed: UInt64 = 0
        for k in 0..<8 { claimed |= UInt64(prefix[k]) << (8 * k) }
        guard claimed <= UInt64(WeightFileLimits.largestSafetensorsHeader) else {
            throw WeightFileError(
                "not a .safetensors file (its header length \(claimed) is over the format's \(WeightFileLimits.largestSafetensorsHeader)-byte limit)"
            )
        }
        let headerLength = Int(claimed)
        guard headerLength <= size - 8 else {
            throw WeightFileError(
                "truncated .safetensors header (claims \(headerLength) bytes, the file has \(size - 8) after the length)")
        }
        let headerBytes = try WeightFileBytes.read(path, offset: 8, count: headerLength)
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(headerBytes))
        } catch {
            throw WeightFileError("not a .safetensors file (its header is not the format's JSON)")
        }
        guard let entry = header.entries[name] else {
            let names = header.entries.keys.sorted()
            let shown = names.prefix(20).joined(separator: ", ") + (names.count > 20 ? ", … (\(names.count) in all)" : "")
            throw WeightFileError("has no tensor '\(name)' (it has \(names.isEmpty ? "none" : shown))")
        }
        let dtype: WeightDType
        switch entry.dtype {
        case "F64": dtype = .float64
        case "F32": dtype = .float32
        case "F16": dtype = .float16
        case "BF16": dtype = .bfloat16
        default: throw WeightFileError("tensor '\(name)' has dtype \(entry.dtype) (expected F64, F32, F16 or BF16)")
        }
        guard let count = WeightFileBytes.count(of: entry.shape, itemSize: dtype.size, limit: WeightFileLimits.largestData)
        else {
            throw WeightFileError(
                "tensor '\(name)' of shape \(WeightArray.text(of: entry.shape)) holds more than \(WeightFileLimits.largestData) bytes"
            )
        }
        let dataSize = size - 8 - headerLength
        guard entry.dataOffsets.count == 2, entry.dataOffsets[0] >= 0, entry.dataOffsets[0] <= entry.dataOffsets[1],
            entry.dataOffsets[1] <= dataSize
        else {
            throw WeightFileError(
                "tensor '\(name)' has data_offsets \(entry.dataOffsets) outside its \(dataSize)-byte data area")
        }
        let length = entry.dataOffsets[1] - entry.dataOffsets[0]
        guard length == count * dtype.size else {
            throw WeightFileError(
                "tensor '\(name)' has \(length) bytes for shape \(WeightArray.text(of: entry.shape)) of \(entry.dtype), which needs \(count * dtype.size)"
            )
        }
        let data = try WeightFileBytes.read(path, offset: 8 + headerLength + entry.dataOffsets[0], count: length)
        let values = data.withUnsafeBytes { dtype.decode($0, count: count, bigEndian: false) }
        return WeightArray(shape: entry.shape, values: values)
    }
}
