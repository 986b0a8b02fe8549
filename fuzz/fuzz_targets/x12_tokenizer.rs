//! The SDK's X12 tokenizer (`x12::parse`, `x12::sniff_head`): any bytes give a document or
//! an error without panicking, and a document is consistent with the bytes it came from.
#![no_main]

use claimtrack_fuzz::{host_accepts, SNIFF_HEAD};
use claimtrack_plugin_sdk::x12::{self, Segment};
use claimtrack_plugin_sdk::{fit_host_limits, FormatInfo, ParseOutput, PluginInfo};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = x12::sniff_head(&data[..data.len().min(SNIFF_HEAD)]);
    let Ok(doc) = x12::parse(data) else { return };

    // Every real segment (synthesized envelopes have index 0) lies inside the file, is
    // numbered 1..=segment_count with its number in file order, and is on the line its
    // offset says. (An empty or invalid id is allowed: it is kept as unknown, with a warning.)
    let mut all: Vec<&Segment> = Vec::new();
    for ic in &doc.interchanges {
        all.push(&ic.isa);
        all.extend(&ic.interchange_segments);
        for g in &ic.groups {
            all.push(&g.gs);
            for t in &g.transactions {
                all.push(&t.st);
                all.extend(&t.body);
                all.extend(&t.se);
            }
            all.extend(&g.ge);
        }
        all.extend(&ic.iea);
    }
    all.retain(|s| s.index != 0);
    all.sort_by_key(|s| s.index);
    for pair in all.windows(2) {
        assert!(pair[0].index < pair[1].index, "segment #{} appears twice", pair[0].index);
        assert!(pair[0].offset < pair[1].offset, "segment #{} is not after #{}", pair[1].index, pair[0].index);
    }
    let newlines: Vec<usize> = data.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i).collect();
    for s in &all {
        assert!(s.index <= doc.segment_count, "segment #{} of {}", s.index, doc.segment_count);
        let offset = s.offset as usize;
        assert!(offset < data.len(), "segment #{} at byte {offset} of {}", s.index, data.len());
        let line = 1 + newlines.partition_point(|&nl| nl < offset);
        assert_eq!(s.line as usize, line, "segment #{} line", s.index);
    }

    // The metadata and diagnostics a plugin passes on as they are must be acceptable to the
    // host once trimmed.
    let info = PluginInfo {
        name: "fuzz".into(),
        version: "0".into(),
        description: String::new(),
        formats: vec![FormatInfo { id: "x12".into(), description: String::new(), file_name_hints: vec![] }],
    };
    let mut out = ParseOutput { metadata: doc.metadata("x12"), events: Vec::new(), diagnostics: doc.diagnostics.clone() };
    fit_host_limits(&mut out);
    if let Err(e) = host_accepts(&info, &out) {
        panic!("the host would refuse the tokenizer's metadata/diagnostics: {e}");
    }
});
