import Testing

@testable import FilterPipe

@Test func tensorIndexesChannelsThenRowsThenColumns() {
    var t = Tensor(shape: Shape(channels: 2, height: 3, width: 4))
    t[1, 2, 3] = 7
    #expect(t.values[1 * 12 + 2 * 4 + 3] == 7)
    #expect(t.plane(1).last == 7)
}
