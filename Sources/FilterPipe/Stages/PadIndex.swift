// Where a coordinate outside 0..<n reads from, per pad mode:
//   zero: nothing (the value is 0); replicate: clamp(i, 0, n−1);
//   reflect (numpy 'reflect', OpenCV REFLECT_101, the edge pixel not repeated): the triangle wave of
//     period 2(n−1), so pads wider than the image keep reflecting back and forth (numpy's result);
//     n = 1 reads pixel 0;
//   circular (numpy 'wrap'): i mod n, so wide pads repeat the image.

extension PadMode {
    /// The in-image index that coordinate `i` reads for an axis of length `n`, or nil for a zero pad.
    func sourceIndex(_ i: Int, length n: Int) -> Int? {
        if i >= 0 && i < n { return i }
        switch self {
        case .zero:
            return nil
        case .replicate:
            return i < 0 ? 0 : n - 1
        case .reflect:
            if n == 1 { return 0 }
            let period = 2 * (n - 1)
            var m = i % period
            if m < 0 { m += period }
            return m < n ? m : period - m
        case .circular:
            let m = i % n
            return m < 0 ? m + n : m
        }
    }
}
