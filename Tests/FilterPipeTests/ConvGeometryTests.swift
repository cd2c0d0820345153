import Testing

@testable import FilterPipe

// The reference walks the taps: output y's window reads y·S − P_before + i·D for i in 0..<K, and an
// output exists when all of its taps fall inside the padded input [−P_before, n + P_after).
private func referenceOutputLength(_ g: ConvGeometry, input n: Int) -> Int {
    var count = 0
    var y = 0
    while true {
        let taps = (0..<g.kernel).map { y * g.stride - g.padBefore + $0 * g.dilation }
        guard taps.allSatisfy({ $0 >= -g.padBefore && $0 < n + g.padAfter }) else { return count }
        count += 1
        y += 1
    }
}

private let geometries: [ConvGeometry] = [
    ConvGeometry(kernel: 3, stride: 1, dilation: 1, padBefore: 1, padAfter: 1),
    ConvGeometry(kernel: 5, stride: 2, dilation: 1, padBefore: 0, padAfter: 0),
    ConvGeometry(kernel: 3, stride: 3, dilation: 2, padBefore: 2, padAfter: 1),
    ConvGeometry(kernel: 4, stride: 1, dilation: 1, padBefore: 1, padAfter: 2),
    ConvGeometry(kernel: 1, stride: 4, dilation: 1, padBefore: 0, padAfter: 0),
    ConvGeometry(kernel: 7, stride: 1, dilation: 3, padBefore: 9, padAfter: 9),
]

@Test(arguments: geometries, [1, 2, 5, 8, 13, 40])
func outputLengthCountsTheWindowsThatFitThePaddedInput(geometry: ConvGeometry, input: Int) {
    #expect(geometry.outputLength(input: input) == referenceOutputLength(geometry, input: input))
    #expect((geometry.outputLength(input: input) > 0) == (input >= geometry.smallestInput))
}

@Test(arguments: geometries, [0..<1, 0..<4, 3..<9, 7..<8])
func inputWindowSpansEveryTapOfItsOutputs(geometry: ConvGeometry, outputs: Range<Int>) {
    let taps = outputs.flatMap { y in
        (0..<geometry.kernel).map { y * geometry.stride - geometry.padBefore + $0 * geometry.dilation }
    }
    let window = geometry.inputWindow(for: outputs)
    #expect(window == taps.min()!..<taps.max()! + 1)
    #expect(geometry.inputLength(outputs: outputs.count) == window.count)
    #expect(geometry.checkedInputLength(outputs: outputs.count) == window.count)
}

@Test func aSamePaddedMixedBankRunsAtItsLargestKernelWithSamePadding() {
    let conv = ConvSpec(
        filters: [
            FilterSpec(name: "a", channels: [Matrix(rows: 3, columns: 1, values: [1, 2, 3])]),
            FilterSpec(name: "b", channels: [Matrix(rows: 1, columns: 5, values: [1, 2, 3, 4, 5])]),
        ], padding: .same, dilation: 2)
    // Largest kernel 3×5 at dilation 2: D·(K−1) = 4 rows (2 + 2), 8 columns (4 + 4).
    #expect(conv.rowGeometry == ConvGeometry(kernel: 3, stride: 1, dilation: 2, padBefore: 2, padAfter: 2))
    #expect(conv.columnGeometry == ConvGeometry(kernel: 5, stride: 1, dilation: 2, padBefore: 4, padAfter: 4))
    #expect(conv.outputShape(for: Shape(channels: 1, height: 7, width: 3)) == Shape(channels: 2, height: 7, width: 3))
}

@Test func checkedInputLengthReportsOverflowInsteadOfTrapping() {
    let g = ConvGeometry(kernel: 3, stride: Int.max / 2, dilation: 1, padBefore: 0, padAfter: 0)
    #expect(g.checkedInputLength(outputs: 4) == nil)
}
