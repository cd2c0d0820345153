// SKELETON: the filter-language work replaces this.

/// Parses `.filter` files into a `PipelineSpec`.
public enum FilterFileParser {
    /// Parses `text`; errors name `fileName` with line and column.
    public static func parse(_ text: String, fileName: String) throws(FilterFileError) -> PipelineSpec {
        fatalError("not yet implemented")
    }
}
