//! oa-edi-status: sniff and parse any bytes named as an EDI Status report, an ERA summary and neither (the name picks the reading); an Ok output must pass the host's checks.
#![no_main]

use claimtrack_fuzz::check_parser;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check_parser::<oa_edi_status::OaEdiStatus>(&["1026454084_EDI_STATUS_20221214.txt", "1088623388_ERA_STATUS_5010_20230530.txt", "report.txt"], data, oa_edi_status::parse_bytes);
});
