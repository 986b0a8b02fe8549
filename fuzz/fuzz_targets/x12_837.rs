//! x12-837 (the submitted batch): sniff and parse any bytes under a well-named and a badly named file; an Ok output must pass the host's checks.
#![no_main]

use claimtrack_fuzz::check_parser;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_parser::<x12_837::X12Claim837>(&["OATEST_837P_batch.txt", "claims.x12"], data, x12_837::parse_bytes);
});
