import FuzzSupport

// libFuzzer entry point: the input is treated as a JPEG (its first 3 bytes are forced to the SOI
// marker plus a marker prefix). A successful decode must give a consistent buffer; a failure
// must be a thrown `ImageIOError`. Anything else (a trap, a sanitizer report) is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let soi: [UInt8] = [0xFF, 0xD8, 0xFF]
    for index in 0..<min(bytes.count, soi.count) { bytes[index] = soi[index] }
    FuzzChecks.decodeAndRoundTrip(bytes)
    return 0
}
