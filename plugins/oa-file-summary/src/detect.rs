//! Is this a File Summary, and which variant.

use claimtrack_plugin_sdk::file_name_matches;
use claimtrack_plugin_sdk::text::{BOM, find_ci};

use crate::layout;

/// How many distinct content markers the text holds.
pub fn markers(text: &str) -> usize {
    layout::MARKERS.iter().filter(|m| find_ci(text, m).is_some()).count()
}

fn name_hint(file_name: &str) -> bool {
    layout::HINTS_FILE_SUMMARY.iter().chain(layout::HINTS_ERROR_REPORT).any(|h| file_name_matches(h, file_name))
}

/// Content first: two markers are near certainty, one is likely; a name alone is weak.
pub fn sniff(file_name: &str, head: &[u8]) -> u8 {
    let head = head.strip_prefix(BOM).unwrap_or(head);
    // A head cut in the middle of a UTF-8 character is still searchable.
    let text = String::from_utf8_lossy(head);
    if text.trim_start().starts_with("ISA") {
        return 0;
    }
    match markers(&text) {
        0 if name_hint(file_name) => layout::SNIFF_NAME_ONLY,
        0 => 0,
        1 => layout::SNIFF_ONE_MARKER,
        _ => layout::SNIFF_STRONG,
    }
}

/// The error report, by its name or its heading.
pub fn is_error_report(file_name: &str, has_heading: bool) -> bool {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let squeezed: String = base.chars().filter(|c| *c != '_' && *c != '-').collect();
    has_heading || find_ci(&squeezed, layout::ERROR_REPORT_NAME_MARK).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        let two = b"The file 1_x.txt was split into 1 file(s)\nClaims Upload File Summary\n";
        assert_eq!(sniff("anything.txt", two), 95);
        assert_eq!(sniff("x", b"\xEF\xBB\xBF-------ERROR CLAIM DETAIL\n"), 60);
        assert_eq!(sniff("FS_HCFA_1026347812_IN_C.txt", b"hello"), 30);
        assert_eq!(sniff("FS_UB_123456789_IN_C.txt", b""), 30);
        assert_eq!(sniff("fs_hcfa_123456789_ErrorReport.txt", b""), 30);
        assert_eq!(sniff("report.txt", b"hello"), 0);
        assert_eq!(sniff("FS_HCFA_1_IN_C.txt", b"ISA*00*          *00*"), 0);
        assert_eq!(sniff("x", b"claims upload file summary ... MASTER FILE WITH FILEID:1"), 95);
    }

    #[test]
    fn error_report_names() {
        assert!(is_error_report("out/FS_HCFA_443130028_ErrorReport.txt", false));
        assert!(is_error_report("fs-hcfa-error-report.txt", false));
        assert!(!is_error_report("FS_HCFA_443130028_IN_C.txt", false));
        assert!(is_error_report("x.txt", true));
    }
}
