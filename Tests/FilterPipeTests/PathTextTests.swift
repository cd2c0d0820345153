import Foundation
import Testing

@testable import FilterPipe

/// Paths on which corelibs NSString does not crash (it traps in deletingLastPathComponent on a
/// one-character name without a slash), so it can serve as the reference.
private let referencePaths = [
    "a/b/c.png", "c.png", "/c", "/", "", "a/b/", "a//b.png", ".hidden", ".x.png", "a/.png", "b.tar.gz", "a.b/c",
    "dir/file.", "x.JPG", "a/b/c", "//a", "..png", "a..png", "a/b.png/", "chelsea/00-sobel_x.png", "ab.png",
    "photos 2024/IMG 1.jpeg", "ü/é.png",
]

@Test(arguments: referencePaths)
func pathComponentsMatchNSString(path: String) {
    let ns = path as NSString
    #expect(PathText.lastComponent(path) == ns.lastPathComponent)
    #expect(PathText.deletingLastComponent(path) == ns.deletingLastPathComponent)
    #expect(InputDiscovery.stem(of: path) == (ns.pathExtension.isEmpty ? path : ns.deletingPathExtension))
}

@Test(arguments: [("c", "c", ""), ("a/", "a", ""), ("ab", "ab", "")])
func oneComponentPathsHaveAnEmptyParent(path: String, last: String, parent: String) {
    #expect(PathText.lastComponent(path) == last)
    #expect(PathText.deletingLastComponent(path) == parent)
}
