import CImageIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// This is the only Swift file that imports CImageIO.

/// Limits applied while decoding, checked from the header before pixel memory is allocated.
public struct DecodeLimits: Sendable, Equatable {
    /// Largest width × height accepted (default 100 megapixels).
    public var maxPixels: Int = 100_000_000
    /// Largest file read, in bytes (default 1 GiB), checked with `fstat` before any byte is read.
    public var maxFileBytes: Int = DecodeLimits.defaultMaxFileBytes
    public static let defaultMaxFileBytes = 1 << 30
    public init(maxPixels: Int = 100_000_000, maxFileBytes: Int = DecodeLimits.defaultMaxFileBytes) {
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
    }
}

/// How PNGs are written.
public struct PNGWriteOptions: Sendable, Equatable {
    /// zlib level 0...9.
    public var compressionLevel: Int
    /// `tEXt` chunks (keyword, Latin-1 text), written in order.
    public var text: [TextChunk]

    public struct TextChunk: Sendable, Equatable {
        public var keyword: String
        public var text: String
        public init(keyword: String, text: String) {
            self.keyword = keyword
            self.text = text
        }
    }

    public init(compressionLevel: Int = 1, text: [TextChunk] = []) {
        self.compressionLevel = compressionLevel
        self.text = text
    }
}

/// Reading PNG/JPEG files into pixels and writing PNGs, through libpng, libjpeg-turbo and libdeflate
/// (or zlib where libdeflate is not installed: see `deflateBackend`).
///
/// All decoding happens from memory in the C target `CImageIO`; its status codes and messages
/// become `ImageIOError`s here.
public enum ImageCodec {
    /// The format of `bytes` (the first bytes of a file) by magic number, or nil.
    public static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if bytes.count >= 8 && bytes[0..<8].elementsEqual(pngSignature) { return .png }
        if bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF { return .jpeg }
        return nil
    }

    /// Whether the folder walker should treat the file at `path` as an image: its extension is
    /// `.png`, `.jpg` or `.jpeg` (any case), or its first bytes are a PNG or JPEG signature.
    /// Unreadable files with another extension are not candidates.
    public static func isImageCandidate(path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            let ext = name[name.index(after: dot)...].lowercased()
            if ext == "png" || ext == "jpg" || ext == "jpeg" { return true }
        }
        guard let descriptor = try? openRegularFile(path) else { return false }
        defer { close(descriptor) }
        var head = [UInt8](repeating: 0, count: 8)
        let count = head.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 8, 0) }
        return count > 0 && sniff(Array(head.prefix(count))) != nil
    }

    /// Decodes a PNG or JPEG held in memory. `path` only names the source in errors.
    public static func decode(_ data: [UInt8], path: String? = nil, limits: DecodeLimits = DecodeLimits()) throws(ImageIOError)
        -> PixelBuffer
    {
        guard let format = sniff(Array(data.prefix(8))) else {
            let what = data.isEmpty ? "empty file" : "not a PNG or JPEG file"
            throw ImageIOError(.unknownFormat, path: path, message: what)
        }
        let maxPixels = UInt64(max(0, limits.maxPixels))
        var image = cimageio_image()
        data.withUnsafeBufferPointer { buffer in
            switch format {
            case .png: _ = cimageio_png_decode(buffer.baseAddress, buffer.count, maxPixels, &image)
            case .jpeg: _ = cimageio_jpeg_decode(buffer.baseAddress, buffer.count, maxPixels, &image)
            }
        }
        defer { cimageio_image_free(&image) }
        guard image.status == Int32(CIMAGEIO_OK.rawValue) else {
            throw ImageIOError(errorCode(image.status), path: path, message: message(of: &image.message))
        }
        return pixelBuffer(copying: image)
    }

    /// The deflate implementation PNG writing and the PNG fast path use, with its version or path:
    /// at level 1 (the default) filterpipe's own run-length coder; at other levels, and for
    /// inflating and checksums, libdeflate when its shared library (libdeflate.so.0, from the
    /// libdeflate0 package) loads at run time, else zlib, with the reason.
    /// `FILTERPIPE_DEFLATE=zlib` or `=libdeflate` makes that library do all of it. Chosen once per
    /// process, on first use. All write valid PNGs that decode to the same pixels; the bytes differ.
    public static var deflateBackend: String {
        String(cString: cimageio_deflate_backend_name(CIMAGEIO_DEFLATE_ACTIVE))
    }

    /// One of the deflate implementations, named explicitly (tests compare them).
    enum DeflateBackend: Int32, CaseIterable, Sendable {
        case zlib = 1
        case libdeflate = 2
        /// filterpipe's run-length coder at level 1; libdeflate or zlib otherwise.
        case runLength = 3

        /// Its name and version or path; nil when it is not available in this process.
        var name: String? { cimageio_deflate_backend_name(rawValue).map { String(cString: $0) } }
    }

    /// `encodePNG` (no text chunks) through `backend`, whichever is active.
    static func encodePNG(_ image: PixelBuffer, level: Int, rowFilter: Int, using backend: DeflateBackend)
        throws(ImageIOError) -> [UInt8]
    {
        try encode(image, options: PNGWriteOptions(compressionLevel: level)) { pixels, _, _, buffer in
            cimageio_png_encode_using(
                backend.rawValue, pixels, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                Int32(image.bitDepth), Int32(level), Int32(rowFilter), buffer)
        }
    }

    /// The size of the run-length coder's raw deflate stream of `bytes` in blocks of `block` input
    /// bytes, when zlib inflates it back to exactly `bytes`; nil when it does not (tests, Fuzz/).
    static func runLengthDeflateRoundTrip(_ bytes: [UInt8], block: Int) -> Int? {
        let size = bytes.withUnsafeBufferPointer { cimageio_rle_deflate_check($0.baseAddress, $0.count, max(block, 1)) }
        return size > 0 ? size : nil
    }

    /// Only the 8-bit PNG fast path of `decode`, inflating through `backend`: nil when it leaves
    /// the file to libpng (another layout, anything unusual, or `backend` unavailable).
    static func decodePNGFastPath(_ data: [UInt8], using backend: DeflateBackend) -> PixelBuffer? {
        var image = cimageio_image()
        let decoded = data.withUnsafeBufferPointer { buffer in
            cimageio_png_decode_fast_using(
                backend.rawValue, buffer.baseAddress, buffer.count, UInt64(DecodeLimits().maxPixels), &image)
        }
        guard decoded == 1 else { return nil }
        defer { cimageio_image_free(&image) }
        return pixelBuffer(copying: image)
    }

    /// Decodes a PNG through libpng only, without the fast path `decode` takes for 8-bit photos:
    /// the fast path's reference in tests.
    static func decodePNGWithLibpng(_ data: [UInt8], limits: DecodeLimits = DecodeLimits()) throws(ImageIOError) -> PixelBuffer {
        var image = cimageio_image()
        data.withUnsafeBufferPointer { buffer in
            _ = cimageio_png_decode_libpng(buffer.baseAddress, buffer.count, UInt64(max(0, limits.maxPixels)), &image)
        }
        defer { cimageio_image_free(&image) }
        guard image.status == Int32(CIMAGEIO_OK.rawValue) else {
            throw ImageIOError(errorCode(image.status), message: message(of: &image.message))
        }
        return pixelBuffer(copying: image)
    }

    /// Reads and decodes the file at `path`.
    public static func decode(fileAt path: String, limits: DecodeLimits = DecodeLimits()) throws(ImageIOError) -> PixelBuffer {
        try decode(try readFile(path, limits: limits), path: path, limits: limits)
    }

    /// What an image file's header says, read without decoding (see `probe(fileAt:)`).
    public struct Probe: Sendable, Equatable {
        public var format: ImageFormat
        public var width: Int
        public var height: Int
        /// Channels as decoded (a palette PNG counts 3; transparency may add alpha).
        public var channels: Int
        public var bitDepth: Int
        /// A progressive JPEG: decoding holds every DCT coefficient, 2 bytes each.
        public var progressive: Bool
        /// DCT coefficients per pixel of a JPEG (1.5 for 4:2:0 colour, 3 for 4:4:4), 0 for a PNG.
        public var coefficientsPerPixel: Double
        /// The file's size in bytes.
        public var fileSize: Int
    }

    /// The size and layout of the PNG or JPEG at `path` from its header: the first 8 KiB, or for a
    /// JPEG whose frame header lies further (behind EXIF thumbnails, ICC profiles) up to 256 KiB.
    /// Nil when the header does not say (not an image, unreadable, malformed).
    public static func probe(fileAt path: String) -> Probe? {
        guard let descriptor = try? openRegularFile(path) else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        var result = cimageio_probe_result()
        var found = false
        for size in [8 << 10, 256 << 10] {
            var head = [UInt8](repeating: 0, count: size)
            let count = head.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            found = head.withUnsafeBufferPointer { cimageio_probe($0.baseAddress, count, &result) } == 1
            if found || count < size || sniff(Array(head.prefix(3))) != .jpeg { break }
        }
        guard found else { return nil }
        return Probe(
            format: result.format == 1 ? .png : .jpeg, width: Int(result.width), height: Int(result.height),
            channels: Int(result.channels), bitDepth: Int(result.bit_depth), progressive: result.progressive != 0,
            coefficientsPerPixel: Double(result.coefficients_per_pixel_x16) / 16, fileSize: Int(info.st_size))
    }

    /// The result of `decodeRows`: 8-bit images in row layout, 16-bit ones packed.
    enum DecodedRows {
        case rows(RowImage)
        case pixels(PixelBuffer)
    }

    /// Reads and decodes the file at `path` like `decode(fileAt:)`, an 8-bit result in row layout
    /// (the same samples, each row after a spare byte; see `RowImage`).
    static func decodeRows(fileAt path: String, limits: DecodeLimits = DecodeLimits()) throws(ImageIOError) -> DecodedRows {
        let data = try readFile(path, limits: limits)
        guard sniff(Array(data.prefix(8))) != nil else {
            let what = data.isEmpty ? "empty file" : "not a PNG or JPEG file"
            throw ImageIOError(.unknownFormat, path: path, message: what)
        }
        var image = cimageio_image()
        data.withUnsafeBufferPointer { buffer in
            _ = cimageio_decode_rows(buffer.baseAddress, buffer.count, UInt64(max(0, limits.maxPixels)), &image)
        }
        guard image.status == Int32(CIMAGEIO_OK.rawValue) else {
            cimageio_image_free(&image)
            throw ImageIOError(errorCode(image.status), path: path, message: message(of: &image.message))
        }
        guard image.row_stride != 0, let storage = image.pixels else {
            defer { cimageio_image_free(&image) }
            return .pixels(pixelBuffer(copying: image))
        }
        return .rows(
            RowImage(
                adopting: storage.assumingMemoryBound(to: UInt8.self), width: Int(image.width),
                height: Int(image.height), channels: Int(image.channels)
            ) { free($0) })
    }

    /// Writes `image` as a PNG at `path` (atomically, as `writePNG`), with the same bytes
    /// `writePNG` writes for its pixels. The rows are filtered in place: `image` is spent.
    static func writePNG(consuming image: RowImage, to path: String, options: PNGWriteOptions) throws(ImageIOError) {
        try withTextRecords(options) { (records: UnsafeBufferPointer<cimageio_text_chunk>) throws(ImageIOError) in
            try AtomicFile.write(to: path, failure: ImageIOError.init(writing:)) { (descriptor: Int32) throws(ImageIOError) in
                var reason = [CChar](repeating: 0, count: Int(CIMAGEIO_MESSAGE_SIZE))
                let status = cimageio_png_write_rows(
                    descriptor, image.rows, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                    Int32(options.compressionLevel), records.baseAddress, records.count, &reason)
                guard status == Int32(CIMAGEIO_OK.rawValue) else {
                    throw ImageIOError(
                        errorCode(status), path: path,
                        message: String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
                }
            }
        }
    }

    /// Encodes `image` as PNG bytes (8-bit: 1–4 channels; 16-bit: gray or RGB).
    ///
    /// Rows use PNG filter Paeth and the image is deflated in one piece at
    /// `options.compressionLevel` (0 stores without compression; see `deflateBackend`); the
    /// default level 1, filterpipe's run-length coder, is the fast setting feature maps want.
    public static func encodePNG(_ image: PixelBuffer, options: PNGWriteOptions = PNGWriteOptions()) throws(ImageIOError)
        -> [UInt8]
    {
        try encode(image, options: options) { pixels, texts, textCount, buffer in
            cimageio_png_encode(
                pixels, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                Int32(image.bitDepth), Int32(options.compressionLevel), texts, textCount, buffer)
        }
    }

    /// `encodePNG` with an explicit PNG row filter for every row (0 none, 1 Sub, 2 Up, 4 Paeth).
    static func encodePNG(_ image: PixelBuffer, options: PNGWriteOptions, rowFilter: Int) throws(ImageIOError) -> [UInt8] {
        try encode(image, options: options) { pixels, texts, textCount, buffer in
            cimageio_png_encode_filtered(
                pixels, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                Int32(image.bitDepth), Int32(options.compressionLevel), Int32(rowFilter),
                texts, textCount, buffer)
        }
    }

    /// Encodes through libpng/zlib with an explicit PNG row filter (0 none, 1 sub, 2 up,
    /// 5 adaptive) and zlib strategy; for measurements and cross-checks of `encodePNG`.
    public static func encodePNGWithLibpng(
        _ image: PixelBuffer, options: PNGWriteOptions = PNGWriteOptions(),
        filter: Int = 5, zlibStrategy: Int = 0
    ) throws(ImageIOError) -> [UInt8] {
        try encode(image, options: options) { pixels, texts, textCount, buffer in
            cimageio_png_encode_libpng(
                pixels, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                Int32(image.bitDepth), Int32(options.compressionLevel), Int32(filter),
                Int32(zlibStrategy), texts, textCount, buffer)
        }
    }

    /// Writes `image` as a PNG at `path`: to a temporary file in the same folder, renamed into
    /// place when complete, so no reader ever sees a partial file.
    public static func writePNG(_ image: PixelBuffer, to path: String, options: PNGWriteOptions = PNGWriteOptions())
        throws(ImageIOError)
    {
        // Written straight from the encoder's buffer: no copy into an Array first.
        try withEncoded(
            image, options: options,
            { pixels, texts, textCount, buffer in
                cimageio_png_encode(
                    pixels, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                    Int32(image.bitDepth), Int32(options.compressionLevel), texts, textCount, buffer)
            }
        ) { (bytes: UnsafeRawBufferPointer) throws(ImageIOError) in
            do throws(OutputError) { try AtomicFile.write(bytes, to: path) } catch { throw ImageIOError(writing: error) }
        }
    }

    /// Tunes the C allocator for a batch of large images (see `cimageio_tune_malloc_for_batches`).
    /// `reusingLargeBuffers` (float tensors of a few sizes, image after image): freed buffers are
    /// reused instead of unmapped and faulted in again. Otherwise (the streaming route, or a
    /// memory budget): large buffers are mapped and unmapped, so resident memory follows what is
    /// live. It changes the whole process's allocator, so the library never calls it: a program
    /// that runs batches (the `filterpipe` command) opts in, once, before its workers start.
    /// Returns whether it applied.
    @discardableResult
    public static func tuneAllocatorForBatches(reusingLargeBuffers: Bool = true) -> Bool {
        cimageio_tune_malloc_for_batches(reusingLargeBuffers ? 1 : 0) == 1
    }

    // MARK: - Bridging to CImageIO

    private typealias EncodeCall = (
        UnsafeRawPointer, UnsafePointer<cimageio_text_chunk>?, Int, UnsafeMutablePointer<cimageio_buffer>
    ) -> Int32

    /// Lays out the text chunks as C records (Latin-1 bytes) and runs `call` on the pixels.
    private static func encode(_ image: PixelBuffer, options: PNGWriteOptions, _ call: EncodeCall) throws(ImageIOError) -> [UInt8]
    {
        try withEncoded(image, options: options, call) { (bytes: UnsafeRawBufferPointer) throws(ImageIOError) in
            Array(bytes.bindMemory(to: UInt8.self))
        }
    }

    /// Runs `call` on the pixels and hands the encoded bytes (valid only inside) to `body`.
    private static func withEncoded<Result>(
        _ image: PixelBuffer, options: PNGWriteOptions, _ call: EncodeCall,
        _ body: (UnsafeRawBufferPointer) throws(ImageIOError) -> Result
    ) throws(ImageIOError) -> Result {
        var buffer = cimageio_buffer()
        try withTextRecords(options) { (records: UnsafeBufferPointer<cimageio_text_chunk>) throws(ImageIOError) in
            switch image.samples {
            case .uint8(let samples):
                samples.withUnsafeBytes { _ = call($0.baseAddress!, records.baseAddress, records.count, &buffer) }
            case .uint16(let samples):
                samples.withUnsafeBytes { _ = call($0.baseAddress!, records.baseAddress, records.count, &buffer) }
            }
        }
        defer { cimageio_buffer_free(&buffer) }
        guard buffer.status == Int32(CIMAGEIO_OK.rawValue), let data = buffer.data else {
            throw ImageIOError(.encode, message: message(of: &buffer.message))
        }
        return try body(UnsafeRawBufferPointer(start: data, count: buffer.size))
    }

    /// `options.text` as C records of Latin-1 bytes, valid inside `body`; throws for text that is not Latin-1.
    private static func withTextRecords(
        _ options: PNGWriteOptions, _ body: (UnsafeBufferPointer<cimageio_text_chunk>) throws(ImageIOError) -> Void
    ) throws(ImageIOError) {
        var latin1: [[CChar]] = []
        for chunk in options.text {
            for string in [chunk.keyword, chunk.text] {
                var bytes: [CChar] = []
                for scalar in string.unicodeScalars {
                    guard scalar.value <= 0xFF else {
                        throw ImageIOError(.encode, message: "tEXt \"\(chunk.keyword)\" is not Latin-1")
                    }
                    bytes.append(CChar(bitPattern: UInt8(scalar.value)))
                }
                bytes.append(0)
                latin1.append(bytes)
            }
        }
        var failure: ImageIOError?
        withTextRecords(latin1, index: 0, records: []) { records in
            records.withUnsafeBufferPointer { buffer in
                do throws(ImageIOError) { try body(buffer) } catch { failure = error }
            }
        }
        if let failure { throw failure }
    }

    /// Pins each string's storage for the duration of `body` (nested so every pointer stays valid).
    private static func withTextRecords(
        _ strings: [[CChar]], index: Int, records: [cimageio_text_chunk],
        _ body: ([cimageio_text_chunk]) -> Void
    ) {
        guard index < strings.count else { return body(records) }
        strings[index].withUnsafeBufferPointer { keyword in
            strings[index + 1].withUnsafeBufferPointer { text in
                let record = cimageio_text_chunk(
                    keyword: keyword.baseAddress, keyword_length: keyword.count - 1,
                    text: text.baseAddress, text_length: text.count - 1)
                withTextRecords(strings, index: index + 2, records: records + [record], body)
            }
        }
    }

    private static func pixelBuffer(copying image: cimageio_image) -> PixelBuffer {
        let width = Int(image.width), height = Int(image.height), channels = Int(image.channels)
        let count = width * height * channels
        let raw = UnsafeRawPointer(image.pixels!)
        if image.bit_depth == 16 {
            let samples = Array(UnsafeBufferPointer(start: raw.assumingMemoryBound(to: UInt16.self), count: count))
            return PixelBuffer(width: width, height: height, channels: channels, samples: .uint16(samples))
        }
        let samples = Array(UnsafeBufferPointer(start: raw.assumingMemoryBound(to: UInt8.self), count: count))
        return PixelBuffer(width: width, height: height, channels: channels, samples: .uint8(samples))
    }

    private static func errorCode(_ status: Int32) -> ImageIOError.Code {
        switch UInt32(bitPattern: status) {
        case CIMAGEIO_ERR_IO.rawValue: .io
        case CIMAGEIO_ERR_UNKNOWN_FORMAT.rawValue: .unknownFormat
        case CIMAGEIO_ERR_UNSUPPORTED.rawValue: .unsupported
        case CIMAGEIO_ERR_TRUNCATED.rawValue: .truncated
        case CIMAGEIO_ERR_TOO_LARGE.rawValue: .tooLarge
        case CIMAGEIO_ERR_ENCODE.rawValue: .encode
        default: .corrupt
        }
    }

    /// The C result's fixed, NUL-terminated message buffer as a String.
    private static func message<T>(of tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }

    /// Opens `path` for reading only if it is a regular file (or a link to one), without ever
    /// blocking: `O_NONBLOCK` so a FIFO swapped in after a check cannot hang the open, then `fstat`
    /// on the descriptor itself so what is checked is what is read.
    static func openRegularFile(_ path: String) throws(ImageIOError) -> Int32 {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else {
            throw ImageIOError(.io, path: path, message: "cannot open: \(systemError())")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = systemError()
            close(descriptor)
            throw ImageIOError(.io, path: path, message: "cannot stat: \(reason)")
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            close(descriptor)
            throw ImageIOError(
                .io, path: path, message: "is \(InputDiscovery.typeName(type)), not a regular file; refusing to read it")
        }
        return descriptor
    }

    /// The whole of the regular file at `path`: at most its `fstat` size, which must be within
    /// `limits.maxFileBytes` (a sparse 60 GB file is refused before a byte is read).
    static func readFile(_ path: String, limits: DecodeLimits = DecodeLimits()) throws(ImageIOError) -> [UInt8] {
        let descriptor = try openRegularFile(path)
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw ImageIOError(.io, path: path, message: "cannot stat: \(systemError())")
        }
        let size = Int(info.st_size)
        guard size <= limits.maxFileBytes else {
            throw ImageIOError(
                .tooLarge, path: path,
                message: "file of \(size) bytes is larger than the limit of \(limits.maxFileBytes) bytes (--max-file-size)")
        }
        // One read into a buffer of the file's size (no growth copies), never beyond it: a file that
        // grows while being read is read as it was when opened.
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: max(0, size)) { buffer, initialized in
            initialized = 0
            while initialized < buffer.count {
                let count = read(descriptor, buffer.baseAddress! + initialized, buffer.count - initialized)
                if count < 0 && errno == EINTR { continue }
                if count < 0 { failure = errno }
                if count <= 0 { break }
                initialized += count
            }
        }
        if failure != 0 {
            throw ImageIOError(.io, path: path, message: "read failed: \(String(cString: strerror(failure)))")
        }
        return bytes
    }
}
