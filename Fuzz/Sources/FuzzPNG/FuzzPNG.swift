import FuzzSupport

// libFuzzer entry point: the input is treated as a PNG (its first 8 bytes are forced to the PNG
// signature so no execution is spent on the sniffing branch). A successful decode must give a
// consistent buffer and must survive an encode → decode round trip unchanged; a failure must be
// a thrown `ImageIOError`. Anything else (a trap, a sanitizer report) is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    for index in 0..<min(bytes.count, signature.count) { bytes[index] = signature[index] }
    FuzzChecks.decodeAndRoundTrip(bytes)
    return 0
}
