//! x12-277 (277CA, 277): sniff and parse any bytes; an Ok output must pass the host's checks.
#![no_main]

use claimtrack_fuzz::check_parser;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_parser::<x12_277::X12Status277>(&["claims.277"], data, x12_277::parse_bytes);
});
