//! A real OpenSSH `sshd` on 127.0.0.1 for the SFTP tests and the sync benchmark
//! (recipe: ../shared/docs/testing-sftp.md).
//!
//! Each [`Sshd`] has its own throwaway host key, port, log, and system user with a password,
//! confined by `ForceCommand internal-sftp -d` to a mailbox folder holding `inbound/` and
//! `outbound/`. Password logins need a real user, so this needs root (CI runs as root);
//! without root or without sshd, [`Sshd::start`] fails with a message that says what to
//! install. Dropping it kills every sshd process it started and removes the user.

use std::fs;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::{bail, Context};

/// `useradd`/`userdel` lock /etc/passwd; one at a time within this process.
static USERS: Mutex<()> = Mutex::new(());
static NEXT: AtomicU32 = AtomicU32::new(0);
const USER_PREFIX: &str = "ctsftp_";

/// The sshd binary, or why there is none.
pub fn sshd_binary() -> anyhow::Result<PathBuf> {
    for p in ["/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"] {
        if Path::new(p).is_file() {
            return Ok(PathBuf::from(p));
        }
    }
    bail!("OpenSSH's sshd is not installed: install it (Debian: `apt-get install -y openssh-server`; .ci/run does this) and rerun")
}

fn run(cmd: &mut Command) -> anyhow::Result<String> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn is_root() -> bool {
    fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0).unwrap_or(false)
}

/// Remove test users left by test processes that no longer run (killed mid-test).
fn remove_stale_users() {
    let Ok(passwd) = fs::read_to_string("/etc/passwd") else { return };
    for line in passwd.lines() {
        let Some(user) = line.split(':').next().filter(|u| u.starts_with(USER_PREFIX)) else { continue };
        let pid = user[USER_PREFIX.len()..].split('_').next().unwrap_or("");
        if !pid.is_empty() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("userdel").arg(user).output();
        }
    }
}

/// A running sshd with its mailbox and user.
pub struct Sshd {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    /// The SFTP user.
    pub user: String,
    /// The user's password.
    pub password: String,
    /// The folder holding `inbound/` and `outbound/` (where SFTP sessions start).
    pub mailbox: PathBuf,
    dir: tempfile::TempDir,
    host_key: PathBuf,
    key_type: &'static str,
    extra_config: String,
    child: Option<Child>,
}

impl Sshd {
    /// Start sshd with a new ed25519 host key, user and mailbox.
    pub fn start() -> anyhow::Result<Sshd> {
        Sshd::start_with("ed25519", "")
    }

    /// [`Sshd::start`] with a host key of `key_type` (`ssh-keygen -t`) and `extra_config`
    /// lines in sshd_config (say `Ciphers aes128-cbc`, to play an outdated server).
    pub fn start_with(key_type: &'static str, extra_config: &str) -> anyhow::Result<Sshd> {
        let binary = sshd_binary()?;
        if !is_root() {
            bail!("the SFTP tests need root to create a throwaway user with a password for sshd (CI runs as root)");
        }
        let dir = tempfile::Builder::new().prefix("claimtrack-sshd-").tempdir()?;
        // The SFTP user must be able to walk down to its mailbox.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755))?;
        let mailbox = dir.path().join("mailbox");
        fs::create_dir_all(mailbox.join("inbound"))?;
        fs::create_dir_all(mailbox.join("outbound"))?;
        let user = format!("{USER_PREFIX}{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        // Random: this is a real system user while the test runs.
        let mut raw = [0u8; 12];
        std::io::Read::read_exact(&mut fs::File::open("/dev/urandom")?, &mut raw)?;
        let password: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        {
            let _lock = USERS.lock().unwrap_or_else(|e| e.into_inner());
            remove_stale_users();
            run(Command::new("useradd").args(["-M", "-d"]).arg(&mailbox).args(["-s", "/usr/sbin/nologin", &user]))?;
            let mut chpasswd = Command::new("chpasswd").stdin(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
            chpasswd.stdin.take().unwrap().write_all(format!("{user}:{password}\n").as_bytes())?;
            let out = chpasswd.wait_with_output()?;
            if !out.status.success() {
                let _ = Command::new("userdel").arg(&user).output();
                bail!("chpasswd failed: {}", String::from_utf8_lossy(&out.stderr));
            }
        }
        run(Command::new("chown").arg("-R").arg(format!("{user}:")).arg(&mailbox))?;
        fs::create_dir_all("/run/sshd")?;
        let host_key = dir.path().join("host_key");
        new_key(&host_key, key_type)?;
        let port = free_port()?;
        let extra_config = extra_config.to_string();
        let mut sshd = Sshd { port, user, password, mailbox, dir, host_key, key_type, extra_config, child: None };
        sshd.spawn(&binary)?;
        Ok(sshd)
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("sshd_config")
    }

    /// sshd's log (VERBOSE): connections, failed and accepted passwords.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("sshd.log")
    }

    fn spawn(&mut self, binary: &Path) -> anyhow::Result<()> {
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {key}\nPidFile {dir}/sshd.pid\n\
             PasswordAuthentication yes\nKbdInteractiveAuthentication no\nPubkeyAuthentication no\n\
             AuthorizedKeysFile none\nUsePAM no\nPermitRootLogin no\nAllowUsers {user}\nStrictModes no\n\
             LogLevel VERBOSE\nSubsystem sftp internal-sftp\n{extra}\n\
             Match User {user}\n    ForceCommand internal-sftp -d {mailbox}\n",
            port = self.port,
            key = self.host_key.display(),
            dir = self.dir.path().display(),
            user = self.user,
            mailbox = self.mailbox.display(),
            extra = self.extra_config,
        );
        fs::write(self.config_path(), config)?;
        let log = fs::OpenOptions::new().create(true).append(true).open(self.log_path())?;
        let child = Command::new(binary)
            .arg("-D")
            .arg("-f")
            .arg(self.config_path())
            .arg("-E")
            .arg(self.log_path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting sshd")?;
        self.child = Some(child);
        // Bounded wait until it accepts connections (or died).
        for _ in 0..400 {
            if let Some(status) = self.child.as_mut().unwrap().try_wait()? {
                bail!("sshd exited at start ({status}); its log:\n{}", self.log());
            }
            if TcpStream::connect_timeout(&([127, 0, 0, 1], self.port).into(), Duration::from_millis(100)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        bail!("sshd did not start listening on port {} within 10 s; its log:\n{}", self.port, self.log())
    }

    /// Start it again after [`Sshd::kill`]: same port, same host key.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        self.spawn(&sshd_binary()?)
    }

    /// Give the server a new host key (as if someone else answered) and restart it.
    pub fn change_host_key(&mut self) -> anyhow::Result<()> {
        self.kill();
        let _ = fs::remove_file(&self.host_key);
        let _ = fs::remove_file(self.host_key.with_extension("pub"));
        new_key(&self.host_key, self.key_type)?;
        self.spawn(&sshd_binary()?)
    }

    /// Kill sshd and every session it forked with SIGKILL, as a server crash would.
    pub fn kill(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let mut pids = descendants(child.id());
        pids.push(child.id());
        let _ = Command::new("kill").arg("-KILL").args(pids.iter().map(|p| p.to_string())).stderr(Stdio::null()).status();
        let _ = child.wait();
    }

    /// The host key's fingerprint as `ssh-keygen -lf` prints it (`SHA256:...`).
    pub fn fingerprint(&self) -> String {
        let out = run(Command::new("ssh-keygen").arg("-lf").arg(self.host_key.with_extension("pub"))).expect("ssh-keygen -lf");
        out.split_whitespace().nth(1).expect("ssh-keygen prints the fingerprint second").to_string()
    }

    /// The log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Lines of the log containing `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.log().lines().filter(|l| l.contains(needle)).count()
    }

    /// Password attempts the server rejected.
    pub fn failed_passwords(&self) -> usize {
        self.count("Failed password for")
    }

    /// Password logins the server accepted.
    pub fn accepted_passwords(&self) -> usize {
        self.count("Accepted password for")
    }

    /// TCP connections the server saw.
    pub fn connections(&self) -> usize {
        self.count("Connection from")
    }

    /// A claimtrack configuration for this server: its address, the SFTP user, and its host
    /// key pinned (the password is [`Sshd::password`]).
    pub fn config(&self) -> claimtrack::config::Config {
        let mut config = claimtrack::config::Config::default();
        config.connection.host = "127.0.0.1".into();
        config.connection.port = self.port;
        config.connection.username = self.user.clone();
        config.connection.host_key = Some(self.fingerprint());
        config
    }

    /// Write a file into the mailbox's outbound folder, owned by the SFTP user (as if
    /// Office Ally put it there). Written under a temporary name and renamed.
    pub fn put_outbound(&self, name: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
        let dir = self.mailbox.join("outbound");
        let tmp = dir.join(format!(".{name}.tmp"));
        fs::write(&tmp, bytes)?;
        run(Command::new("chown").arg(format!("{}:", self.user)).arg(&tmp))?;
        let path = dir.join(name);
        fs::rename(&tmp, &path)?;
        Ok(path)
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.kill();
        let _lock = USERS.lock().unwrap_or_else(|e| e.into_inner());
        let _ = Command::new("userdel").arg(&self.user).output();
    }
}

fn new_key(path: &Path, key_type: &str) -> anyhow::Result<()> {
    run(Command::new("ssh-keygen").args(["-q", "-t", key_type, "-N", "", "-C", "claimtrack-test", "-f"]).arg(path)).map(|_| ())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Every process below `pid`, from /proc (sshd forks a process per connection, and those
/// must die too for a crash to look like one).
fn descendants(pid: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Ok(p) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
            let Ok(stat) = fs::read_to_string(format!("/proc/{p}/stat")) else { continue };
            // The command name is in parentheses and may contain spaces: parse after it.
            let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { continue };
            if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|s| s.parse::<u32>().ok()) {
                parent_of.push((p, ppid));
            }
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![pid];
    // Bounded by the number of processes: each is added once.
    while let Some(p) = frontier.pop() {
        for &(child, parent) in &parent_of {
            if parent == p && !out.contains(&child) {
                out.push(child);
                frontier.push(child);
            }
        }
    }
    out
}
