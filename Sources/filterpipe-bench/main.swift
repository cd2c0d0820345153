// Compute benchmark: three workloads on a 4 MP (2560×1600) RGB float tensor, median of N runs,
// GFLOP/s = 2 · multiply-adds / time (multiply-adds counted as the formula states them, Σ over c, i, j).
//   W1: 4 broadcast 3×3 filters (sobel_x, sobel_y, laplacian, diagonal), pad 1, relu, 2×2 maxpool
//   W2: depthwise 5×5 Gaussian σ=1, pad 2 replicate
//   W3: 32 random 5×5×3 filters ~ normal(0, 0.1) (seeded), pad 2, relu, 2×2 maxpool
// Usage: filterpipe-bench [runs] [workload names...]; `filterpipe-bench ops [runs]`: Operators.swift
// With GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824
// freed tensors stay in the heap, which shows how much of a run is page faults on fresh output memory.
import Dispatch
import FilterPipe

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Box–Muller normal sample.
func normal(_ mean: Double, _ deviation: Double, using rng: inout SplitMix64) -> Float {
    let u = Double.random(in: Double.ulpOfOne...1, using: &rng), v = Double.random(in: 0..<1, using: &rng)
    return Float(mean + deviation * (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v))
}

/// Seconds of CPU time used by this process (all threads).
func processCPUTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func matrix3(_ values: [Float]) -> Matrix { Matrix(rows: 3, columns: 3, values: values) }

let width = 2560, height = 1600
var rng = SplitMix64(state: 42)
let input = Tensor(
    shape: Shape(channels: 3, height: height, width: width),
    values: (0..<3 * width * height).map { _ in Float.random(in: 0...1, using: &rng) })
let pixels = Double(width * height)

let w1 = ConvSpec(
    filters: [
        FilterSpec(name: "sobel_x", channels: [matrix3([-1, 0, 1, -2, 0, 2, -1, 0, 1])]),
        FilterSpec(name: "sobel_y", channels: [matrix3([-1, -2, -1, 0, 0, 0, 1, 2, 1])]),
        FilterSpec(name: "laplacian", channels: [matrix3([0, 1, 0, 1, -4, 1, 0, 1, 0])]),
        FilterSpec(name: "diagonal", channels: [matrix3([0, 1, 2, -1, 0, 1, -2, -1, 0])]),
    ], padding: .explicit(1))
let gaussian1D = (-2...2).map { exp(-Double($0 * $0) / 2) }
let gaussianSum = gaussian1D.reduce(0, +) * gaussian1D.reduce(0, +)
let gaussian = Matrix(rows: 5, columns: 5, values: gaussian1D.flatMap { a in gaussian1D.map { Float(a * $0 / gaussianSum) } })
let w2 = ConvSpec(
    filters: [FilterSpec(name: "gaussian", channels: [gaussian])], padding: .explicit(2),
    padMode: .replicate, depthwise: true)
let w3 = ConvSpec(
    filters: (0..<32).map { f in
        FilterSpec(
            name: "f\(f)",
            channels: (0..<3).map { _ in
                Matrix(rows: 5, columns: 5, values: (0..<25).map { _ in normal(0, 0.1, using: &rng) })
            })
    }, padding: .explicit(2))

let workloads: [(name: String, stages: [StageSpec], multiplyAdds: Double)] = [
    ("W1", [.conv(w1), .activation(.relu), .pool(PoolSpec(kind: .max, size: 2))], 4 * 3 * 9 * pixels),
    ("W2", [.conv(w2)], 3 * 25 * pixels),
    ("W3", [.conv(w3), .activation(.relu), .pool(PoolSpec(kind: .max, size: 2))], 32 * 3 * 25 * pixels),
]

let arguments = CommandLine.arguments.dropFirst()
if arguments.first == "ops" {
    try benchmarkOperators(
        runs: arguments.dropFirst().first.flatMap { Int($0) } ?? 15, only: arguments.dropFirst(2).first)
    exit(0)
}
let runs = arguments.first.flatMap { Int($0) } ?? 10
let selected = Set(arguments.filter { Int($0) == nil })

for workload in workloads where selected.isEmpty || selected.contains(workload.name) {
    let pipeline = try Pipeline(spec: PipelineSpec(input: .rgb, stages: workload.stages))
    for workers in [1, 2] {
        let executor = Executor(workers: workers)
        _ = try pipeline.run(input, executor: executor)
        var times: [Double] = [], cpuTimes: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = processCPUTime()
            _ = try pipeline.run(input, executor: executor)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            cpuTimes.append((processCPUTime() - cpuStart) * 1e3)
        }
        let median = times.sorted()[times.count / 2], cpuMedian = cpuTimes.sorted()[cpuTimes.count / 2]
        let gflops = 2 * workload.multiplyAdds / (median / 1e3) / 1e9
        // CPU time shows how much of the wall time other processes on the machine took.
        print(
            "\(workload.name) workers=\(workers): median \(formatted(median, decimals: 2)) ms, "
                + "\(formatted(gflops, decimals: 1)) GFLOP/s (CPU \(formatted(cpuMedian, decimals: 2)) ms)")
    }
}
