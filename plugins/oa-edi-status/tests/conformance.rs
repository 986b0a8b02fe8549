//! The shared sample corpus: nothing in it is ours (no public EDI Status or ERA summary sample
//! exists), so every file must be refused or scored 0 without a panic, including Office Ally's
//! real File Summary.

use claimtrack_plugin_sdk::prelude::*;
use claimtrack_plugin_sdk::testing;
use oa_edi_status::OaEdiStatus;

#[test]
fn shared_samples() {
    let Some(root) = testing::samples_dir(env!("CARGO_MANIFEST_DIR")) else {
        println!("skipping: ../shared/samples not found");
        return;
    };
    let all = testing::files_under(&root);
    assert!(!all.is_empty(), "{} is empty", root.display());
    println!("{:<86} {:>5} {:<16} {:>6} {:>8} {:>6}", "file", "sniff", "result", "events", "warnings", "errors");
    let mut saw_file_summary = false;
    for path in &all {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let shown = path.strip_prefix(&root).unwrap_or(path).display().to_string();
        let confidence = OaEdiStatus::sniff(&name, &bytes[..bytes.len().min(4096)]);
        let result = oa_edi_status::parse_bytes(&name, &bytes);
        let (label, events, warnings, errors) = match &result {
            Ok(o) => {
                let n = |s: Severity| o.diagnostics.iter().filter(|d| d.severity == s).count();
                (o.metadata.format_id.clone(), o.events.len(), n(Severity::Warning), n(Severity::Error))
            }
            Err(ParseError::NotMyFormat(_)) => ("not-my-format".to_string(), 0, 0, 0),
            Err(e) => panic!("{shown}: {e:?}"),
        };
        println!("{shown:<86} {confidence:>5} {label:<16} {events:>6} {warnings:>8} {errors:>6}");
        // No sample is an EDI Status report or an ERA summary.
        assert_eq!(confidence, 0, "{shown} sniffed as ours");
        assert!(matches!(result, Err(ParseError::NotMyFormat(_))), "{shown} parsed as ours");
        if name == "FS_HCFA_1026347812_IN_C.txt" {
            saw_file_summary = true;
        }
    }
    assert!(saw_file_summary, "the Office Ally File Summary sample was not under {}", root.display());
}
