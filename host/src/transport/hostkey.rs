//! Host key fingerprints and where they are pinned.
//!
//! A fingerprint is shown the way OpenSSH shows it (`ssh-keygen -lf key.pub`):
//! `SHA256:` and the unpadded base64 of the key's SHA-256, so staff can compare it with
//! what Office Ally or an administrator gives them. A key is pinned either in the config
//! (`host_key`) or, trusted on first use, in `known_hosts` beside the config, one
//! `host:port fingerprint` line per server.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use crate::config::ConfigError;
use crate::ownership::Guard;

/// A SHA-256 host key fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// From the raw 32-byte SHA-256 of the key.
    pub fn from_sha256(hash: &[u8]) -> Fingerprint {
        Fingerprint(format!("SHA256:{}", STANDARD_NO_PAD.encode(hash)))
    }
    /// Parse `SHA256:<43 base64 characters>` (a trailing `=` is tolerated).
    pub fn parse(s: &str) -> Option<Fingerprint> {
        let b64 = s.trim().strip_prefix("SHA256:")?.trim_end_matches('=');
        let bytes = STANDARD_NO_PAD.decode(b64).ok()?;
        (bytes.len() == 32).then(|| Fingerprint::from_sha256(&bytes))
    }
    /// `SHA256:...`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a server's pinned key is looked up and recorded.
#[derive(Debug, Clone)]
pub struct Pins {
    configured: Option<String>,
    known_hosts: PathBuf,
}

/// What the pins say about a presented key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// It is the pinned key.
    Match,
    /// Another key is pinned for this server.
    Mismatch {
        /// The pinned fingerprint.
        expected: String,
        /// Where it is pinned.
        pinned_in: String,
    },
    /// Nothing is pinned for this server yet.
    Unknown,
}

impl Pins {
    /// `configured`: the config's `host_key`, which wins over `known_hosts`.
    pub fn new(configured: Option<&str>, known_hosts: PathBuf) -> Pins {
        Pins { configured: configured.map(str::to_string), known_hosts }
    }

    /// Compare the key `presented` by `server` (`host:port`) with its pin.
    pub fn check(&self, server: &str, presented: &Fingerprint) -> io::Result<Verdict> {
        let pinned = match &self.configured {
            Some(k) => Some((k.clone(), "host_key in the config".to_string())),
            None => self.lookup(server)?.map(|k| (k, self.known_hosts.display().to_string())),
        };
        Ok(match pinned {
            None => Verdict::Unknown,
            Some((k, _)) if Fingerprint::parse(&k).as_ref() == Some(presented) => Verdict::Match,
            Some((expected, pinned_in)) => Verdict::Mismatch { expected, pinned_in },
        })
    }

    /// The pins file's text, if there is one, checked like the config: a pin others can
    /// change would let them pick the server that gets the password.
    fn read(&self) -> io::Result<Option<String>> {
        crate::config::read_guarded(&self.known_hosts, Guard::Change).map_err(|e| match e {
            ConfigError::Io { source, .. } => source,
            ConfigError::Exposed { path, why } if path == self.known_hosts => io::Error::other(format!("{why}; nothing was sent")),
            ConfigError::Exposed { path, why } => io::Error::other(format!("its folder {}: {why}; nothing was sent", path.display())),
            other => io::Error::other(other.to_string()),
        })
    }

    fn lookup(&self, server: &str) -> io::Result<Option<String>> {
        let Some(text) = self.read()? else { return Ok(None) };
        Ok(text.lines().filter_map(|l| l.split_once(' ')).find(|(s, _)| *s == server).map(|(_, k)| k.trim().to_string()))
    }

    /// Pin `key` for `server` in `known_hosts` (trust on first use).
    pub fn remember(&self, server: &str, key: &Fingerprint) -> io::Result<()> {
        let mut text = self.read()?.unwrap_or_default();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!("{server} {key}\n"));
        crate::paths::write_private(&self.known_hosts, text.as_bytes())
    }

    /// The `known_hosts` file.
    pub fn known_hosts(&self) -> &Path {
        &self.known_hosts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_look_like_openssh() {
        let f = Fingerprint::from_sha256(&[0u8; 32]);
        assert_eq!(f.as_str(), "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(Fingerprint::parse(f.as_str()), Some(f.clone()));
        assert_eq!(Fingerprint::parse(&format!("{f}=")), Some(f));
        assert_eq!(Fingerprint::parse("SHA256:abc"), None);
        assert_eq!(Fingerprint::parse("MD5:aa:bb"), None);
    }

    #[test]
    fn first_use_pins_then_a_change_is_a_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        let pins = Pins::new(None, dir.path().join("known_hosts"));
        let a = Fingerprint::from_sha256(&[1u8; 32]);
        let b = Fingerprint::from_sha256(&[2u8; 32]);
        assert_eq!(pins.check("h:22", &a).unwrap(), Verdict::Unknown);
        pins.remember("h:22", &a).unwrap();
        pins.remember("other:22", &b).unwrap();
        assert_eq!(pins.check("h:22", &a).unwrap(), Verdict::Match);
        assert!(matches!(pins.check("h:22", &b).unwrap(), Verdict::Mismatch { .. }));
        // A pin file others can change is not read (they would choose the server).
        {
            use std::os::unix::fs::PermissionsExt;
            let file = dir.path().join("known_hosts");
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
            let e = pins.check("h:22", &a).unwrap_err().to_string();
            assert!(e.contains("chmod go-w") && e.contains("nothing was sent"), "{e}");
            assert!(pins.remember("new:22", &a).is_err(), "nor added to");
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        // The config's pin wins over known_hosts.
        let configured = Pins::new(Some(b.as_str()), dir.path().join("known_hosts"));
        assert_eq!(configured.check("h:22", &b).unwrap(), Verdict::Match);
        assert!(matches!(configured.check("h:22", &a).unwrap(), Verdict::Mismatch { .. }));
    }
}
