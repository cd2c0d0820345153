import Testing

@testable import FilterPipe

/// Expected bytes follow the .npy format 1.0 specification (numpy/lib/format.py), written out by hand.
@Test func npyHeaderFollowsFormatOneAndValuesAreLittleEndianFloat32() {
    let tensor = Tensor(shape: Shape(channels: 2, height: 1, width: 2), values: [1, -2, 0.5, 3])
    let bytes = NPYWriter.encode(tensor)
    #expect(Array(bytes[0..<8]) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 0x01, 0x00])
    let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
    #expect((10 + headerLength) % 64 == 0)
    let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
    #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 2), }"))
    #expect(header.hasSuffix("\n"))
    let data = Array(bytes[(10 + headerLength)...])
    // 1.0 = 0x3F800000, -2.0 = 0xC0000000, 0.5 = 0x3F000000, 3.0 = 0x40400000, little-endian.
    #expect(data == [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0, 0, 0, 0, 0x3F, 0, 0, 0x40, 0x40])
}
