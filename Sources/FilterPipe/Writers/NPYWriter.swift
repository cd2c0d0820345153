/// Encodes a tensor as a NumPy `.npy` file (format 1.0): float32 little-endian, C order,
/// shape `(channels, height, width)`, readable by `numpy.load`.
public enum NPYWriter {
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        let shape = "(\(tensor.channels), \(tensor.height), \(tensor.width))"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        // Magic (6) + version (2) + length (2) + header + '\n' must be a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + tensor.values.count * 4)
        for value in tensor.values {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes += $0 }
        }
        return bytes
    }
}
