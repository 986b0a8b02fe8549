//! x12-ack (999, 997, TA1): sniff and parse any bytes; an Ok output must pass the host's checks.
#![no_main]

use claimtrack_fuzz::check_parser;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_parser::<x12_ack::AckParser>(&["ack.999"], data, x12_ack::parse_bytes);
});
