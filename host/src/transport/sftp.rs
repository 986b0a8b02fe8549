//! The SFTP transport (libssh2 through the `ssh2` crate).
//!
//! A connection goes step by step, and each step is a function so `doctor` can report them
//! one by one: resolve the name, open TCP, SSH handshake, check the host key against its
//! pin (before anything secret is sent), authenticate with the password exactly once, open
//! the SFTP channel. Every blocking call is bounded by the configured timeout.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use std::ffi::c_int;

use ssh2::{ErrorCode, HashType, MethodType, Session, Sftp};

use super::hostkey::{Fingerprint, Pins, Verdict};
use super::{Folder, LoginLog, Mailbox, RemoteFile, TransportError, TrustNew};
use crate::config::{Connection, Secret};

// libssh2's SFTP status codes (LIBSSH2_FX_*) that mean "the server refused this
// operation" rather than "the connection is gone".
const FX_NO_SUCH_FILE: i32 = 2;
const FX_PERMISSION_DENIED: i32 = 3;
const FX_FAILURE: i32 = 4;
const FX_OP_UNSUPPORTED: i32 = 8;
const FX_FILE_ALREADY_EXISTS: i32 = 11;
// libssh2's session errors for a refused password (LIBSSH2_ERROR_AUTHENTICATION_FAILED,
// LIBSSH2_ERROR_PASSWORD_EXPIRED).
const ERROR_AUTHENTICATION_FAILED: i32 = -18;
const ERROR_PASSWORD_EXPIRED: i32 = -15;

/// Transfers move through a buffer this big; libssh2 pipelines SFTP reads and writes up to
/// it, which is what makes a large download fast.
const CHUNK: usize = 1024 * 1024;

/// `host:port`, as servers are named in messages and `known_hosts`.
pub fn server_name(c: &Connection) -> String {
    format!("{}:{}", c.host, c.port)
}

fn network(during: impl Into<String>, e: impl std::fmt::Display) -> TransportError {
    TransportError::Network { during: during.into(), message: e.to_string() }
}

/// An error of an operation on `path`: the server refusing it, or the connection failing.
fn file_error(during: &str, path: &str, e: ssh2::Error) -> TransportError {
    match e.code() {
        ErrorCode::SFTP(FX_NO_SUCH_FILE | FX_PERMISSION_DENIED | FX_FAILURE | FX_OP_UNSUPPORTED | FX_FILE_ALREADY_EXISTS) => {
            TransportError::Remote { path: path.to_string(), message: format!("{during}: {}", e.message()) }
        }
        _ => network(format!("{during} {path}"), e),
    }
}

fn io_error(during: &str, path: &str, e: std::io::Error) -> TransportError {
    // ssh2's Read/Write wrap its errors in io::Error; a broken connection shows up here.
    network(format!("{during} {path}"), e)
}

/// Step 1: resolve the host name.
pub fn resolve(c: &Connection) -> Result<Vec<SocketAddr>, TransportError> {
    let addrs: Vec<SocketAddr> = (c.host.as_str(), c.port)
        .to_socket_addrs()
        .map_err(|e| network(format!("looking up {}", c.host), e))?
        .collect();
    if addrs.is_empty() {
        return Err(network(format!("looking up {}", c.host), "the name has no address"));
    }
    Ok(addrs)
}

/// Step 2: open a TCP connection to the first address that answers.
pub fn open_tcp(c: &Connection, addrs: &[SocketAddr]) -> Result<TcpStream, TransportError> {
    let timeout = Duration::from_secs(c.timeout_seconds.into());
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(addr, timeout) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    Err(network(format!("connecting to {}", server_name(c)), last.map(|e| e.to_string()).unwrap_or_default()))
}

/// The algorithms offered, best first; libssh2's own defaults are left out on purpose (they
/// keep SHA-1 `ssh-rsa` host keys, CBC ciphers and SHA-1 MACs where the build allows them).
/// Names this libssh2 does not implement are dropped by it, so the lists can lead with
/// newer ones. The key exchange list gets libssh2's `ext-info-c` and strict-KEX markers
/// (the Terrapin fix) added by libssh2 itself.
const ALGORITHMS: [(MethodType, &str); 7] = [
    (
        MethodType::Kex,
        "mlkem768x25519-sha256,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,\
         ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,\
         diffie-hellman-group14-sha256",
    ),
    (MethodType::HostKey, "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,rsa-sha2-512,rsa-sha2-256"),
    (MethodType::CryptCs, CIPHERS),
    (MethodType::CryptSc, CIPHERS),
    (MethodType::MacCs, MACS),
    (MethodType::MacSc, MACS),
    (MethodType::CompCs, "none"),
];
const CIPHERS: &str = "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr";
const MACS: &str = "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512";

/// libssh2's code for "no algorithm in common" (and other key exchange failures).
const ERROR_KEX_FAILURE: c_int = -5;

/// Step 3: the SSH handshake, with modern algorithms only.
pub fn handshake(c: &Connection, tcp: TcpStream) -> Result<Session, TransportError> {
    let mut session = Session::new().map_err(|e| network("starting SSH", e))?;
    for (method, prefs) in ALGORITHMS {
        session.method_pref(method, prefs).map_err(|e| network(format!("setting the SSH algorithms ({prefs})"), e))?;
    }
    session.set_timeout(c.timeout_seconds.saturating_mul(1000));
    session.set_tcp_stream(tcp);
    session.handshake().map_err(|e| match e.code() {
        ErrorCode::Session(ERROR_KEX_FAILURE) => TransportError::WeakAlgorithms { host: server_name(c), message: e.message().to_string() },
        _ => network(format!("SSH handshake with {}", server_name(c)), e),
    })?;
    Ok(session)
}

/// Step 4: compare the server's host key with its pin; trust a new one only as `trust` says.
pub fn verify_host_key(c: &Connection, session: &Session, pins: &Pins, trust: TrustNew<'_>) -> Result<Fingerprint, TransportError> {
    let server = server_name(c);
    let hash = session.host_key_hash(HashType::Sha256).ok_or_else(|| network(format!("SSH handshake with {server}"), "the server sent no host key"))?;
    let presented = Fingerprint::from_sha256(hash);
    let local = |source| TransportError::Local { path: pins.known_hosts().to_path_buf(), source };
    match pins.check(&server, &presented).map_err(local)? {
        Verdict::Match => Ok(presented),
        Verdict::Mismatch { expected, pinned_in } => {
            Err(TransportError::HostKeyChanged { host: server, expected, presented: presented.to_string(), known_hosts: pinned_in })
        }
        Verdict::Unknown => {
            let accepted = match trust {
                TrustNew::Refuse => false,
                TrustNew::Expect(f) if f == presented => true,
                TrustNew::Expect(f) => {
                    return Err(TransportError::HostKeyNotExpected { host: server, expected: f.to_string(), presented: presented.to_string() });
                }
                TrustNew::Ask(ask) => ask(&server, &presented),
            };
            if !accepted {
                return Err(TransportError::HostKeyUnknown { host: server, presented: presented.to_string() });
            }
            pins.remember(&server, &presented).map_err(local)?;
            Ok(presented)
        }
    }
}

/// Step 5: log in with the password, once. Once the password has been sent, any failure
/// counts as a rejected login: an expired password, and also a server that drops the
/// connection or never answers after a wrong password (as lockout tools do). Retrying those
/// automatically is what gets an Office Ally account paused.
pub fn authenticate(c: &Connection, session: &Session, password: &Secret) -> Result<(), TransportError> {
    let rejected = |message: String| TransportError::AuthRejected { user: c.username.clone(), host: server_name(c), message };
    match session.userauth_password(&c.username, password.expose()) {
        Ok(()) if session.authenticated() => Ok(()),
        Ok(()) => Err(rejected("not authenticated".into())),
        Err(e) => Err(rejected(match e.code() {
            ErrorCode::Session(ERROR_AUTHENTICATION_FAILED) => e.message().to_string(),
            ErrorCode::Session(ERROR_PASSWORD_EXPIRED) => "the password has expired".to_string(),
            _ => format!("the connection failed after the password was sent ({}); treated as a rejected login", e.message()),
        })),
    }
}

/// A connected SFTP mailbox.
pub struct SftpMailbox {
    // Kept so the connection lives as long as the SFTP channel.
    _session: Session,
    sftp: Sftp,
    describe: String,
    inbound: String,
    outbound: String,
    ops: u64,
}

impl SftpMailbox {
    /// Every step in order; `log` hears of the login just before the password is sent and
    /// once it is accepted.
    pub fn connect(
        c: &Connection,
        password: &Secret,
        pins: &Pins,
        trust: TrustNew<'_>,
        log: &mut dyn LoginLog,
    ) -> Result<SftpMailbox, TransportError> {
        let addrs = resolve(c)?;
        let tcp = open_tcp(c, &addrs)?;
        let session = handshake(c, tcp)?;
        verify_host_key(c, &session, pins, trust)?;
        log.attempting()?;
        authenticate(c, &session, password)?;
        log.accepted()?;
        SftpMailbox::open(c, session)
    }

    /// Step 6: open the SFTP channel on an authenticated session.
    pub fn open(c: &Connection, session: Session) -> Result<SftpMailbox, TransportError> {
        let sftp = session.sftp().map_err(|e| network(format!("opening SFTP on {}", server_name(c)), e))?;
        Ok(SftpMailbox {
            _session: session,
            sftp,
            describe: format!("sftp://{}@{}", c.username, server_name(c)),
            inbound: c.inbound.clone(),
            outbound: c.outbound.clone(),
            ops: 1,
        })
    }

    fn folder(&self, folder: Folder) -> &str {
        match folder {
            Folder::Inbound => &self.inbound,
            Folder::Outbound => &self.outbound,
        }
    }
}

fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() { name.to_string() } else { format!("{}/{name}", folder.trim_end_matches('/')) }
}

impl Mailbox for SftpMailbox {
    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn list(&mut self, folder: Folder) -> Result<Vec<RemoteFile>, TransportError> {
        let dir = self.folder(folder).to_string();
        let entries = self.sftp.readdir(Path::new(&dir)).map_err(|e| file_error("listing", &dir, e))?;
        // opendir, the readdir calls (about 100 names each) and close.
        self.ops += 2 + entries.len() as u64 / 100 + 1;
        let mut files: Vec<RemoteFile> = entries
            .into_iter()
            .filter(|(_, st)| st.is_file())
            .filter_map(|(path, st)| {
                let name = path.file_name()?.to_str()?.to_string();
                Some(RemoteFile { name, size: st.size, mtime: st.mtime.map(|t| t as i64), perm: st.perm })
            })
            .collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(files)
    }

    fn download(&mut self, file: &RemoteFile, to: &mut dyn Write, progress: &mut dyn FnMut(u64)) -> Result<u64, TransportError> {
        let name = file.name.as_str();
        let path = join(&self.outbound, name);
        let mut f = self.sftp.open(Path::new(&path)).map_err(|e| file_error("opening", &path, e))?;
        self.ops += 2;
        // libssh2 sends read requests ahead for the whole buffer: for a 5 KB report a 1 MiB
        // buffer means dozens of requests past the end of the file. Size it to the file.
        let want = file.size.map_or(CHUNK, |s| (s as usize).saturating_add(1).clamp(32 * 1024, CHUNK));
        let mut buf = vec![0u8; want];
        let mut done = 0u64;
        loop {
            let n = f.read(&mut buf).map_err(|e| io_error("downloading", &path, e))?;
            self.ops += 1;
            if n == 0 {
                return Ok(done);
            }
            to.write_all(&buf[..n]).map_err(|e| TransportError::Local { path: Path::new(name).to_path_buf(), source: e })?;
            done += n as u64;
            progress(done);
        }
    }

    fn upload(
        &mut self,
        name: &str,
        bytes: &[u8],
        before_publish: &mut dyn FnMut() -> Result<(), TransportError>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), TransportError> {
        let temp = join(&self.inbound, &self.temp_name(name));
        let target = join(&self.inbound, name);
        write_file(&self.sftp, &temp, bytes, progress)?;
        self.ops += 3;
        before_publish()?;
        // No fallback to writing the final name directly when the server refuses the rename:
        // a half-written file under a name Office Ally processes, and no way to tell after a
        // crash whether it was complete, are worse than a batch that stays QUEUED with a
        // clear problem.
        self.sftp.rename(Path::new(&temp), Path::new(&target), None).map_err(|e| file_error("renaming the upload to", &target, e))
    }

    fn publish(&mut self, temp: &str, name: &str) -> Result<(), TransportError> {
        self.ops += 1;
        let target = join(&self.inbound, name);
        self.sftp.rename(Path::new(&join(&self.inbound, temp)), Path::new(&target), None).map_err(|e| file_error("renaming the upload to", &target, e))
    }

    fn remove_inbound(&mut self, name: &str) -> Result<(), TransportError> {
        self.ops += 1;
        let path = join(&self.inbound, name);
        self.sftp.unlink(Path::new(&path)).map_err(|e| file_error("removing", &path, e))
    }

    fn move_outbound(&mut self, name: &str, to: &str) -> Result<(), TransportError> {
        self.ops += 2;
        // Already there is fine; any other problem shows in the rename.
        let _ = self.sftp.mkdir(Path::new(to), 0o700);
        let target = join(to, name);
        self.sftp.rename(Path::new(&join(&self.outbound, name)), Path::new(&target), None).map_err(|e| file_error("moving the report to", &target, e))
    }

    fn folder_mode(&mut self, folder: Folder) -> Result<Option<u32>, TransportError> {
        self.ops += 1;
        let dir = self.folder(folder).to_string();
        Ok(self.sftp.stat(Path::new(&dir)).map_err(|e| file_error("reading", &dir, e))?.perm)
    }

    fn round_trips(&self) -> u64 {
        self.ops
    }
}

fn write_file(sftp: &Sftp, path: &str, bytes: &[u8], progress: &mut dyn FnMut(u64)) -> Result<(), TransportError> {
    let mut f = sftp.create(Path::new(path)).map_err(|e| file_error("creating", path, e))?;
    let mut done = 0usize;
    for chunk in bytes.chunks(CHUNK) {
        f.write_all(chunk).map_err(|e| io_error("uploading", path, e))?;
        done += chunk.len();
        progress(done as u64);
    }
    f.flush().map_err(|e| io_error("uploading", path, e))?;
    // Closing the handle is when the server confirms the last write.
    f.close().map_err(|e| file_error("finishing the upload of", path, e))
}
