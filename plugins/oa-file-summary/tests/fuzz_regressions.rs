//! Inputs the `oa_file_summary` fuzz target (fuzz/, scripts/fuzz) crashed on, minimized,
//! kept so they stay fixed.

use oa_file_summary::parse_bytes;

/// 93 child files of $999,999,999,999,999.99 each: adding their totals overflowed i64
/// (a panic in debug builds, a wrapped sum in the plugin). Written by hand to reach the
/// overflow spotted in review, then confirmed as a crash of the fuzz target.
#[test]
fn child_file_totals_beyond_i64_are_compared_without_overflow() {
    let rows: String =
        (0..93).map(|i| format!("{}\t\tP (1)    1    $999999999999999.99\n", 1_100_000_100u64 + i)).collect();
    let report = format!("The file a.txt was split into 93 file(s)\n{rows}Total: $1.00\n");
    let out = parse_bytes("FS_HCFA_1100000100_IN_C.txt", report.as_bytes()).expect("parsed");
    assert_eq!(out.metadata.child_files.len(), 93);
    assert!(
        out.diagnostics.iter().any(|d| d.code.as_deref() == Some("oa-fs-total-mismatch")),
        "{:#?}",
        out.diagnostics
    );
}
