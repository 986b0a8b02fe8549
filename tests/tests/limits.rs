//! The SDK trims plugin output to the host's limits, so both must hold the same numbers.

use claimtrack::model::validate::limits as host;
use claimtrack_plugin_sdk::limits as sdk;

#[test]
fn sdk_and_host_agree_on_output_limits() {
    assert_eq!(sdk::MAX_CODE, host::MAX_CODE);
    assert_eq!(sdk::MAX_ID, host::MAX_ID);
    assert_eq!(sdk::MAX_RAW_CODE, host::MAX_RAW_CODE);
    assert_eq!(sdk::MAX_TEXT, host::MAX_TEXT);
    assert_eq!(sdk::MAX_REASONS, host::MAX_REASONS);
    assert_eq!(sdk::MAX_MODIFIERS, host::MAX_MODIFIERS);
    assert_eq!(sdk::MAX_ABS_CENTS, host::MAX_ABS_CENTS);
    assert_eq!(sdk::MAX_LIST, host::MAX_LIST);
}
