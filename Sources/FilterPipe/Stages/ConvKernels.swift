// Inner loops of Conv2D over a padded scratch band (see ConvGroup.swift for the formula and the
// fixed summation order: terms, then kernel rows, then kernel columns, from 0, bias last). The
// loops are C (Sources/CConvKernels), compiled once per instruction set; this is the one place
// that calls them. Stride-1 loops compute whole vectors even past the output width (the scratch
// band is a multiple of `stripWidth` wide) and store only the lanes inside.

import CConvKernels

/// The convolution inner loops: vectorised along rows, blocked over maps.
enum ConvKernels {
    /// Every kernel's strip width divides it; scratch rows are rounded up to a multiple of it.
    static let stripWidth = Int(FP_STRIP)

    /// What one group's loop reads and writes.
    struct Job {
        let scratch: UnsafePointer<Float>
        let layout: PaddedInput.Layout
        /// Scratch slot of each term.
        let slots: [Int]
        let kernelHeight: Int
        let kernelWidth: Int
        let stride: Int
        let dilation: Int
        let outputWidth: Int
        let outputRowStride: Int
        let rowCount: Int
    }

    /// Runs `group` for `job` with `kernels`, writing map k of the group to `outputs[k]` (nil: skip).
    static func run(
        _ job: Job, group: ConvGroup, outputs: [UnsafeMutablePointer<Float>?], kernels: KernelSet
    ) {
        precondition(group.weights.count >= job.slots.count * job.kernelHeight * job.kernelWidth * ConvGroup.blockSize)
        precondition(outputs.count == ConvGroup.blockSize && group.biases.count == ConvGroup.blockSize)
        let isa = kernels.code
        job.slots.withUnsafeBufferPointer { slots in
            var c = fp_conv_job(
                scratch: job.scratch, row_stride: job.layout.rowStride, slot_stride: job.layout.slotStride,
                slots: slots.baseAddress, slot_count: slots.count, kernel_height: job.kernelHeight,
                kernel_width: job.kernelWidth, stride: job.stride, dilation: job.dilation,
                output_width: job.outputWidth, output_row_stride: job.outputRowStride, row_count: job.rowCount)
            if let separable = group.separable, let out = outputs[0] {
                let workspace = UnsafeMutablePointer<Float>.allocate(capacity: fp_separable_workspace(&c))
                defer { workspace.deallocate() }
                separable.vertical.withUnsafeBufferPointer { vertical in
                    separable.horizontal.withUnsafeBufferPointer { horizontal in
                        fp_conv_separable(
                            isa, &c, vertical.baseAddress, horizontal.baseAddress, group.biases[0], out, workspace)
                    }
                }
                return
            }
            group.weights.withUnsafeBufferPointer { weights in
                group.biases.withUnsafeBufferPointer { biases in
                    if job.stride == 1, group.mapCount == 1, let out = outputs[0] {
                        fp_conv_single(isa, &c, weights.baseAddress, biases[0], out)
                        return
                    }
                    outputs.withUnsafeBufferPointer { list in
                        if job.stride == 1 {
                            fp_conv_blocked(isa, &c, weights.baseAddress, biases.baseAddress, list.baseAddress)
                        } else {
                            fp_conv_scalar(isa, &c, weights.baseAddress, biases.baseAddress, list.baseAddress)
                        }
                    }
                }
            }
        }
    }

    /// `into[n] = ((slot0[n] + slot1[n]) + slot2[n]) + ...`, always in channel order (plain adds:
    /// the same bytes on every instruction set).
    static func sumSlots(
        _ scratch: UnsafeMutablePointer<Float>, slotCount: Int, layout: PaddedInput.Layout, count: Int,
        into target: UnsafeMutablePointer<Float>
    ) {
        target.update(from: scratch, count: count)
        for slot in 1..<max(1, slotCount) {
            let source = scratch + slot * layout.slotStride
            for n in 0..<count { target[n] += source[n] }
        }
    }
}
