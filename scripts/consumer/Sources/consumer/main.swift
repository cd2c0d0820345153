// Runs the README's library example and checks its result against a Sobel/Laplacian computed
// here, from the decoded photo and the documented BT.601 luma, without filterpipe's convolution.
import FilterPipe

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

guard CommandLine.arguments.count == 2 else {
    print("usage: consumer FILTERPIPE_CHECKOUT (the folder holding samples/)")
    exit(2)
}
let root = CommandLine.arguments[1]
let photo = root + "/samples/images/chelsea.png"

do {
    let pipeline = try Pipeline(contentsOf: root + "/samples/filters/edge.filter")
    let maps = try pipeline.run(imageAt: photo)
    let names = pipeline.spec.finalMapNames(inputChannels: pipeline.spec.input.channels)
    print("maps \(maps.shape) \(names)")

    let image = try ImageCodec.decode(fileAt: photo)
    guard case .uint8(let samples) = image.samples, image.channels == 3 else {
        print("FAIL: expected an 8-bit RGB photo")
        exit(1)
    }
    func gray(_ y: Int, _ x: Int) -> Double {
        let i = (y * image.width + x) * 3
        return (0.299 * Double(samples[i]) + 0.587 * Double(samples[i + 1]) + 0.114 * Double(samples[i + 2])) / 255
    }
    let kernels: [[[Double]]] = [
        [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],  // sobel_x
        [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],  // sobel_y
        [[1, 1, 1], [1, -8, 1], [1, 1, 1]],  // laplacian neighbours=8
    ]
    var failures = 0
    if maps.shape != Shape(channels: 3, height: image.height, width: image.width) || names.count != 3 {
        print("FAIL: shape \(maps.shape), expected 3×\(image.height)×\(image.width)")
        failures += 1
    }
    // Interior points (pad=same only matters at the border), spread over the photo.
    var worst = 0.0
    for (y, x) in [(1, 1), (57, 203), (150, 225), (299 - 1, 451 - 2), (123, 7)] {
        for (map, kernel) in kernels.enumerated() {
            var sum = 0.0
            for dy in 0..<3 { for dx in 0..<3 { sum += kernel[dy][dx] * gray(y + dy - 1, x + dx - 1) } }
            let expected = abs(sum), got = Double(maps[map, y, x])
            worst = max(worst, abs(got - expected))
            if abs(got - expected) > 1e-5 {
                print("FAIL: map \(map) at (\(y), \(x)) = \(got), expected \(expected)")
                failures += 1
            }
        }
    }
    if failures > 0 { exit(1) }
    print("ok: maps match an independent Sobel/Laplacian (largest difference \(worst))")
} catch {
    print("FAIL: \(error)")
    exit(1)
}
