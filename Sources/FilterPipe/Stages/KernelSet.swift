// Which compilation of the convolution loops runs (Sources/CConvKernels): the best one this CPU
// supports, or a lower one forced with FILTERPIPE_ISA for tests and benchmarks. The FMA sets
// (avx512, avx2, neon) give identical bytes; baseline (no FMA) rounds each product separately and
// stays within the float64 oracle's tolerance, but is not byte-identical.

import CConvKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An instruction-set build of the convolution kernels.
public enum KernelSet: String, CaseIterable, Sendable, CustomStringConvertible {
    /// x86-64 with AVX-512F: 16-lane vectors, fused multiply-adds.
    case avx512
    /// x86-64 with AVX2 and FMA: 8-lane vectors, fused multiply-adds (the same bytes as avx512).
    case avx2
    /// Any CPU of the architecture (SSE2 on x86-64): multiply then add, no FMA.
    case baseline
    /// arm64: NEON with fused multiply-adds (the same bytes as avx512 and avx2).
    case neon

    /// The environment variable that forces a kernel set.
    public static let environmentVariable = "FILTERPIPE_ISA"

    /// The sets this CPU (and its OS) can run, best first.
    public static let supported: [KernelSet] = {
        let mask = fp_isa_supported()
        return [.avx512, .neon, .avx2, .baseline].filter { mask & (1 << $0.code) != 0 }
    }()

    /// The set in use: `FILTERPIPE_ISA` when it names a supported set, else the best supported.
    /// (The CLI refuses an unknown or unsupported value before running; see `requested`.)
    public static let active: KernelSet = (try? requested()) ?? nil ?? supported[0]

    /// The set `FILTERPIPE_ISA` (or `value`) asks for, nil when unset or empty; throws when it
    /// names no set or one this CPU cannot run.
    public static func requested(_ value: String? = environmentValue()) throws(KernelSetError) -> KernelSet? {
        guard let value, !value.isEmpty else { return nil }
        guard let set = KernelSet(rawValue: value) else {
            throw KernelSetError(
                "\(environmentVariable)=\(value): no such kernel set (one of: \(allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        guard supported.contains(set) else {
            throw KernelSetError(
                "\(environmentVariable)=\(value): this CPU cannot run it (supported here: \(supported.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        return set
    }

    /// `FILTERPIPE_ISA` as set in this process's environment.
    public static func environmentValue() -> String? {
        getenv(environmentVariable).map { String(cString: $0) }
    }

    /// The name and what it means, e.g. `avx512 (AVX-512F + FMA, 16 lanes)`.
    public var description: String {
        switch self {
        case .avx512: "avx512 (AVX-512F + FMA, 16 lanes)"
        case .avx2: "avx2 (AVX2 + FMA, 8 lanes)"
        case .baseline: "baseline (no FMA, 4 lanes)"
        case .neon: "neon (NEON + FMA, 4 lanes)"
        }
    }

    /// The C side's number for the set.
    var code: Int32 {
        switch self {
        case .baseline: Int32(FP_ISA_BASELINE)
        case .avx2: Int32(FP_ISA_AVX2)
        case .avx512: Int32(FP_ISA_AVX512)
        case .neon: Int32(FP_ISA_NEON)
        }
    }
}

/// A `FILTERPIPE_ISA` value that names no kernel set, or one this CPU cannot run.
public struct KernelSetError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
