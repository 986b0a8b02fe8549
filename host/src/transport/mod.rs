//! Moving files to and from the Office Ally mailbox: SFTP, or a local folder with the same
//! layout (`inbound/` for uploads, `outbound/` for reports).
//!
//! [`Mailbox`] is what `sync` and `doctor` need from a transport; [`connect`] opens the one
//! the configuration names. Errors say which kind of failure it was, because the policy
//! differs: a network error is retried later, an authentication failure never is
//! (office-ally.md §5.2), a changed host key stops everything before the password is sent.

pub mod hostkey;
pub mod local;
pub mod sftp;

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use crate::config::{Config, ConfigPaths, Secret, TransportKind};

/// The two mailbox folders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Folder {
    /// Where 837 batches go; Office Ally removes them when it picks them up.
    Inbound,
    /// Where Office Ally leaves reports and ERAs.
    Outbound,
}

/// A file in a mailbox folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteFile {
    /// The file name (no folder).
    pub name: String,
    /// Size in bytes, when the server reports it.
    pub size: Option<u64>,
    /// Modification time, seconds since 1970, as the server reports it.
    pub mtime: Option<i64>,
    /// Unix permission bits, when the server reports them.
    #[serde(skip)]
    pub perm: Option<u32>,
}

/// Why a transfer or connection failed. The variant decides what happens next.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The server could not be reached or the connection broke: try again later.
    #[error("{during}: {message}")]
    Network {
        /// What was being done ("connecting to ftp10.officeally.com:22", "downloading X").
        during: String,
        /// What failed.
        message: String,
    },
    /// The server presented a different host key than the pinned one. Nothing was sent.
    #[error(
        "the host key of {host} changed: expected {expected}, the server presented {presented}. \
         The password was not sent. If Office Ally announced a new key, update host_key in the config \
         or remove the line for {host} from {known_hosts}; otherwise someone may be intercepting the connection"
    )]
    HostKeyChanged {
        /// host:port.
        host: String,
        /// The pinned fingerprint.
        expected: String,
        /// The fingerprint the server presented.
        presented: String,
        /// Where the pin is kept (config or known_hosts).
        known_hosts: String,
    },
    /// The server's key is not pinned yet and trusting it was declined.
    #[error(
        "the host key of {host} is not trusted yet; the server presents {presented}. Nothing was sent. Get the \
         fingerprint from Office Ally (or your administrator) and compare: only if they are the same, pin it with \
         `claimtrack sync --trust-host-key <fingerprint>` or `claimtrack init --host-key <fingerprint>`"
    )]
    HostKeyUnknown {
        /// host:port.
        host: String,
        /// The fingerprint the server presented.
        presented: String,
    },
    /// The server's key is not pinned yet and is not the one the user said to trust.
    #[error(
        "the host key of {host} is {presented}, not the {expected} you gave with --trust-host-key; nothing was sent. \
         Check the fingerprint with Office Ally: the server may not be the one you expect"
    )]
    HostKeyNotExpected {
        /// host:port.
        host: String,
        /// The fingerprint given with --trust-host-key.
        expected: String,
        /// The fingerprint the server presented.
        presented: String,
    },
    /// The SSH key exchange failed: the server offers none of the algorithms claimtrack
    /// accepts (only outdated ones such as SHA-1 `ssh-rsa` host keys or CBC ciphers), or it
    /// hung up during the exchange (libssh2 does not tell the two apart). Nothing was sent.
    #[error(
        "the SSH key exchange with {host} failed ({message}): most likely the server offers only algorithms claimtrack \
         does not accept, such as SHA-1 ssh-rsa host keys or CBC ciphers; nothing was sent. \
         claimtrack accepts ed25519, ECDSA and RSA with SHA-2 host keys, AES-GCM, AES-CTR and ChaCha20 ciphers and \
         SHA-2 MACs; Office Ally's server offers them. Check that host and port are Office Ally's; if they are, \
         ask Office Ally (or your administrator) about the server's SSH configuration"
    )]
    WeakAlgorithms {
        /// host:port.
        host: String,
        /// What the SSH library said.
        message: String,
    },
    /// The server rejected the username or password. Never retried automatically.
    #[error("Office Ally's server rejected the SFTP login for user {user:?} at {host}: {message}")]
    AuthRejected {
        /// The SFTP username.
        user: String,
        /// host:port.
        host: String,
        /// What the server said.
        message: String,
    },
    /// The server refused an operation on a file or folder (missing folder, no permission).
    #[error("{path}: {message}")]
    Remote {
        /// The remote path.
        path: String,
        /// What the server said.
        message: String,
    },
    /// A local file could not be read or written.
    #[error("{path}: {source}")]
    Local {
        /// The local path.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// Stopped on request (Ctrl-C) between two files.
    #[error("stopped on request")]
    Interrupted,
}

impl TransportError {
    /// A short stable name: `network`, `host_key`, `weak_algorithms`, `auth`, `remote`,
    /// `local`, `interrupted`.
    pub fn kind(&self) -> &'static str {
        match self {
            TransportError::Network { .. } => "network",
            TransportError::HostKeyChanged { .. } | TransportError::HostKeyUnknown { .. } | TransportError::HostKeyNotExpected { .. } => {
                "host_key"
            }
            TransportError::WeakAlgorithms { .. } => "weak_algorithms",
            TransportError::AuthRejected { .. } => "auth",
            TransportError::Remote { .. } => "remote",
            TransportError::Local { .. } => "local",
            TransportError::Interrupted => "interrupted",
        }
    }
    /// Whether the connection is gone (the rest of the sync cannot go on).
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, TransportError::Network { .. } | TransportError::Interrupted)
    }
}

/// What `sync` and `doctor` need from a connected mailbox.
pub trait Mailbox {
    /// For messages and file origins, e.g. `sftp://user@host:22` (never the password).
    fn describe(&self) -> String;
    /// The files in a folder (not sub-folders), sorted by name.
    fn list(&mut self, folder: Folder) -> Result<Vec<RemoteFile>, TransportError>;
    /// Copy a file of `outbound` (as listed) to `to`, calling `progress` with bytes done so far.
    fn download(&mut self, file: &RemoteFile, to: &mut dyn Write, progress: &mut dyn FnMut(u64)) -> Result<u64, TransportError>;
    /// Put `bytes` in `inbound` under `name`. Where the server allows it, the bytes go to a
    /// temporary name first and `before_publish` runs just before the rename, so a crash
    /// between the two can be told apart from one before the upload.
    fn upload(
        &mut self,
        name: &str,
        bytes: &[u8],
        before_publish: &mut dyn FnMut() -> Result<(), TransportError>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), TransportError>;
    /// The temporary name an upload of `name` uses before its rename. It carries neither a
    /// claim-type keyword (837P/837I/837D) nor OATEST, so should Office Ally ever look at it,
    /// it would not process it as a claim file; it is derived from `name` so the next sync
    /// finds it again.
    fn temp_name(&self, name: &str) -> String {
        use sha2::Digest;
        format!(".claimtrack-upload-{}.tmp", &hex::encode(sha2::Sha256::digest(name.as_bytes()))[..16])
    }
    /// Rename a leftover temporary upload to its final name (finishing an interrupted upload).
    fn publish(&mut self, temp: &str, name: &str) -> Result<(), TransportError>;
    /// Remove a file from `inbound` (a stale temporary upload).
    fn remove_inbound(&mut self, name: &str) -> Result<(), TransportError>;
    /// Move a file from `outbound` into the folder `to` (created when missing).
    fn move_outbound(&mut self, name: &str, to: &str) -> Result<(), TransportError>;
    /// A folder's Unix permission bits, when the server reports them.
    fn folder_mode(&mut self, folder: Folder) -> Result<Option<u32>, TransportError>;
    /// Requests sent to the server so far on this connection (for the benchmark).
    fn round_trips(&self) -> u64;
}

/// How to treat a host key that is not pinned yet.
pub enum TrustNew<'a> {
    /// Refuse the connection (the default when not on a terminal).
    Refuse,
    /// Trust it only if it has this fingerprint (`--trust-host-key SHA256:...`).
    Expect(hostkey::Fingerprint),
    /// Ask (on a terminal): shown the fingerprint, answer whether to trust it.
    Ask(&'a mut dyn FnMut(&str, &hostkey::Fingerprint) -> bool),
}

/// What a login records around sending the password, so that a process killed while the
/// server answers never gets a second try on its own (Office Ally pauses accounts after
/// repeated failures).
pub trait LoginLog {
    /// Runs once the host key is trusted, just before the password is sent. What it writes
    /// must be on disk when it returns; an error stops the login with nothing sent.
    fn attempting(&mut self) -> Result<(), TransportError>;
    /// Runs once the server accepted the password.
    fn accepted(&mut self) -> Result<(), TransportError>;
}

/// Open the mailbox the configuration names. `password` is needed for SFTP only.
pub fn connect(
    config: &Config,
    paths: &ConfigPaths,
    password: Option<&Secret>,
    trust: TrustNew<'_>,
    log: &mut dyn LoginLog,
) -> Result<Box<dyn Mailbox>, TransportError> {
    let c = &config.connection;
    match c.transport {
        TransportKind::Local => {
            let root = c.local_folder.clone().unwrap_or_default();
            Ok(Box::new(local::LocalMailbox::open(&root, &c.inbound, &c.outbound)?))
        }
        TransportKind::Sftp => {
            let password = password.ok_or_else(|| TransportError::AuthRejected {
                user: c.username.clone(),
                host: format!("{}:{}", c.host, c.port),
                message: "no password given".into(),
            })?;
            let pins = hostkey::Pins::new(c.host_key.as_deref(), paths.known_hosts());
            Ok(Box::new(sftp::SftpMailbox::connect(c, password, &pins, trust, log)?))
        }
    }
}
