//! x12-835 (ERA): sniff and parse any bytes; an Ok output must pass the host's checks.
#![no_main]

use claimtrack_fuzz::check_parser;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_parser::<x12_835::X12Remittance>(&["remit.835"], data, x12_835::parse_bytes);
});
