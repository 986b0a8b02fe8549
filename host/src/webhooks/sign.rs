//! The signature a receiver checks: HMAC-SHA256 with the webhook's secret over the timestamp
//! (Unix seconds, as sent in `Claimtrack-Timestamp`), a dot, and the body, as hex in
//! `Claimtrack-Signature: v1=<hex>` (the scheme payment and clearinghouse APIs use). Signing
//! the timestamp lets a receiver refuse an old delivery replayed by someone who captured it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header with the delivery's id (its change's cursor).
pub const DELIVERY_HEADER: &str = "Claimtrack-Delivery";
/// The header with the Unix time the signature covers.
pub const TIMESTAMP_HEADER: &str = "Claimtrack-Timestamp";
/// The header with the signature.
pub const SIGNATURE_HEADER: &str = "Claimtrack-Signature";

/// `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("v1={}", hex::encode(mac(secret, timestamp, body).finalize().into_bytes()))
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Whether `header` (a `Claimtrack-Signature` value) signs `timestamp` and `body` with
/// `secret`, compared in constant time. For receivers written in Rust, and the tests.
pub fn verify(secret: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(sig) = header.trim().strip_prefix("v1=").and_then(|h| hex::decode(h).ok()) else { return false };
    mac(secret, timestamp, body).verify_slice(&sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_covers_the_secret_the_time_and_the_body() {
        let s = signature("whsec_k", 1_700_000_000, b"{\"id\":1}");
        // HMAC-SHA256("whsec_k", "1700000000.{\"id\":1}"), computed independently:
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_k",b"1700000000.{\"id\":1}",hashlib.sha256).hexdigest())'
        assert_eq!(s, "v1=fc2003711a124531fc7f396f9dc50c1a175c4b139c5e165208509158137e83b9");
        assert!(verify("whsec_k", 1_700_000_000, b"{\"id\":1}", &s));
        assert!(!verify("whsec_other", 1_700_000_000, b"{\"id\":1}", &s));
        assert!(!verify("whsec_k", 1_700_000_001, b"{\"id\":1}", &s));
        assert!(!verify("whsec_k", 1_700_000_000, b"{\"id\":2}", &s));
        assert!(!verify("whsec_k", 1_700_000_000, b"{\"id\":1}", "v1=zz"));
    }
}
