//! oa-file-summary: sniff and parse any bytes as a File Summary and as an error report (the name decides); an Ok output must pass the host's checks.
#![no_main]

use claimtrack_fuzz::check_parser;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_parser::<oa_file_summary::FileSummaryParser>(&["FS_HCFA_1026347812_IN_C.txt", "FS_HCFA_1026347812_ErrorReport.txt"], data, oa_file_summary::parse_bytes);
});
