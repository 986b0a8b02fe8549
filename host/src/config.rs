//! The configuration file (`config.toml`) and the secrets beside it.
//!
//! The config lives in the user's config directory (`~/.config/claimtrack/config.toml` on
//! Linux), or wherever `--config` / `CLAIMTRACK_CONFIG` point. It holds no secret: the SFTP
//! password comes from `CLAIMTRACK_SFTP_PASSWORD`, or from `secrets.toml` beside the config,
//! which claimtrack creates readable by the owner only and refuses to read when others can.
//! Pinned host keys are kept in `known_hosts` beside the config.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use zeroize::Zeroizing;

use crate::ownership::{self, Guard};

/// Environment variable that overrides where the config file is.
pub const CONFIG_ENV: &str = "CLAIMTRACK_CONFIG";
/// Environment variable holding the SFTP password (takes precedence over `secrets.toml`).
pub const PASSWORD_ENV: &str = "CLAIMTRACK_SFTP_PASSWORD";
/// The host most Office Ally accounts use; the one in Office Ally's setup email wins.
pub const DEFAULT_HOST: &str = "ftp10.officeally.com";

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How claimtrack reaches the Office Ally mailbox.
    #[serde(default)]
    pub connection: Connection,
    /// What `sync` and `watch` do.
    #[serde(default)]
    pub sync: SyncSettings,
}

/// Which transport carries files to and from Office Ally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// Office Ally's SFTP server.
    #[default]
    Sftp,
    /// A local folder with `inbound/` and `outbound/`, for reports downloaded from the web
    /// portal by hand, and for the demo.
    Local,
}

/// The `[connection]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Connection {
    /// `sftp` (default) or `local`.
    pub transport: TransportKind,
    /// SFTP host. Use the one named in Office Ally's SFTP setup email.
    pub host: String,
    /// SFTP port.
    pub port: u16,
    /// The SFTP username (from Office Ally's first setup email; not the web-portal login).
    pub username: String,
    /// Where 837 batches are uploaded, relative to the login folder unless absolute.
    pub inbound: String,
    /// Where Office Ally leaves reports and ERAs.
    pub outbound: String,
    /// The server's host key fingerprint (`SHA256:...`, as `ssh-keygen -lf` prints it).
    /// When empty, the key is trusted on first use and pinned in `known_hosts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_key: Option<String>,
    /// The mailbox folder for the `local` transport (holding `inbound/` and `outbound/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_folder: Option<PathBuf>,
    /// Seconds before a connection attempt or a stalled transfer gives up.
    pub timeout_seconds: u32,
}

impl Default for Connection {
    fn default() -> Self {
        Connection {
            transport: TransportKind::Sftp,
            host: DEFAULT_HOST.to_string(),
            port: 22,
            username: String::new(),
            inbound: "inbound".to_string(),
            outbound: "outbound".to_string(),
            host_key: None,
            local_folder: None,
            timeout_seconds: 30,
        }
    }
}

/// What happens to a report on the server once it is safely in the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AfterDownload {
    /// Leave it in `outbound` (Office Ally's portal still shows it); claimtrack remembers it
    /// by name, size and time and never downloads it twice.
    #[default]
    Leave,
    /// Move it to the folder `move_to` on the server, as some integrations do.
    Move,
}

/// The `[sync]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncSettings {
    /// Stage submissions as Office Ally test files (OATEST in the name) unless told otherwise.
    pub test_mode: bool,
    /// Minutes between two syncs of `claimtrack watch`.
    pub poll_minutes: u32,
    /// `leave` (default) or `move`.
    pub after_download: AfterDownload,
    /// The server folder reports are moved to when `after_download = "move"`.
    pub move_to: String,
    /// Archive batches once their tracking window has closed, after each sync.
    pub auto_archive: bool,
    /// Days after payer acceptance without an 835 before a claim's follow-up alert.
    pub era_days: u32,
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            test_mode: false,
            poll_minutes: 15,
            after_download: AfterDownload::Leave,
            move_to: "processed".to_string(),
            auto_archive: false,
            era_days: crate::tracking::alerts::DEFAULT_ERA_DAYS,
        }
    }
}

/// What went wrong reading or writing the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// There is no config file yet.
    #[error("no configuration at {0}; run `claimtrack init` to create one")]
    Missing(PathBuf),
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The file is not valid TOML or has unknown or mistyped keys.
    #[error("{path}: {message}; fix the file or run `claimtrack init` again")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What the TOML parser said (line and column included).
        message: String,
    },
    /// A value is out of range.
    #[error("{path}: {message}")]
    Value {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to put instead.
        message: String,
    },
    /// Another account owns or can change the file or its folder (or read the secrets):
    /// it is not used until fixed, since whoever can change the config chooses where the
    /// password goes.
    #[error("{path}: {why} (claimtrack does not use a config, known_hosts or secrets file others can change, nor secrets others can read)")]
    Exposed {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong and how to fix it.
        why: crate::ownership::Exposed,
    },
    /// No password was found.
    #[error("no SFTP password: set {PASSWORD_ENV} or run `claimtrack init` to store it in {0}")]
    NoPassword(PathBuf),
}

impl ConfigError {
    /// A stable identifier of what went wrong (the JSON contract's `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            ConfigError::Missing(_) | ConfigError::NoPassword(_) => "not_set_up",
            ConfigError::Io { .. } => "unreadable",
            ConfigError::Invalid { .. } | ConfigError::Value { .. } => "config",
            ConfigError::Exposed { .. } => "exposed",
        }
    }
}

/// A secret string that never prints itself and is wiped from memory when dropped (each
/// clone too). What it is made from should be a `String` moved in, or a [`Zeroizing`]
/// buffer borrowed from, so no unwiped copy is left behind.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wrap a secret (a `String` is moved in, not copied).
    pub fn new(s: impl Into<String>) -> Self {
        Secret(Zeroizing::new(s.into()))
    }
    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

// The one field is `Zeroizing`: dropping a Secret wipes it.
impl zeroize::ZeroizeOnDrop for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretsFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sftp_password: Option<Zeroizing<String>>,
}

/// Where the config and the files beside it are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigPaths {
    /// `config.toml`.
    pub config: PathBuf,
}

impl ConfigPaths {
    /// `--config` if given, else `CLAIMTRACK_CONFIG` (clap fills both into `explicit`),
    /// else the platform config directory.
    pub fn resolve(explicit: Option<&Path>) -> Option<ConfigPaths> {
        if let Some(p) = explicit {
            return Some(ConfigPaths { config: p.to_path_buf() });
        }
        let dirs = directories::ProjectDirs::from("", "", "claimtrack")?;
        Some(ConfigPaths { config: dirs.config_dir().join("config.toml") })
    }
    fn dir(&self) -> &Path {
        self.config.parent().unwrap_or(Path::new("."))
    }
    /// `secrets.toml` beside the config.
    pub fn secrets(&self) -> PathBuf {
        self.dir().join("secrets.toml")
    }
    /// `known_hosts` beside the config: pinned host keys.
    pub fn known_hosts(&self) -> PathBuf {
        self.dir().join("known_hosts")
    }
}

impl Config {
    /// Whether work that reaches Office Ally (a sync, a submission named for upload) must be
    /// refused under `clock`: a pretended clock (`--now`, `CLAIMTRACK_NOW`) would date the
    /// uploads wrongly. A local mailbox folder (the demo) is not Office Ally.
    pub fn refuses_clock(&self, clock: &crate::clock::Clock) -> bool {
        self.connection.transport == TransportKind::Sftp && matches!(clock, crate::clock::Clock::Fixed(_))
    }

    /// Read and check the config file. The file and its folder are checked first (see
    /// [`crate::ownership`]); a link in place of the file is refused.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let Some(text) = read_guarded(path, Guard::Change)? else { return Err(ConfigError::Missing(path.to_path_buf())) };
        let config: Config =
            toml::from_str(&text).map_err(|e| ConfigError::Invalid { path: path.to_path_buf(), message: e.to_string().trim().replace('\n', " ") })?;
        config.check().map_err(|message| ConfigError::Value { path: path.to_path_buf(), message })?;
        Ok(config)
    }

    /// Values that parse but cannot work.
    pub fn check(&self) -> Result<(), String> {
        let c = &self.connection;
        match c.transport {
            TransportKind::Sftp => {
                if c.host.trim().is_empty() {
                    return Err("connection.host is empty; use the host from Office Ally's SFTP setup email".into());
                }
                if c.username.trim().is_empty() {
                    return Err("connection.username is empty; use the SFTP username from Office Ally's setup email".into());
                }
                if c.port == 0 {
                    return Err("connection.port must be 1 to 65535 (Office Ally uses 22)".into());
                }
                if let Some(k) = &c.host_key
                    && crate::transport::hostkey::Fingerprint::parse(k).is_none()
                {
                    return Err(format!("connection.host_key {k:?} is not a SHA256 fingerprint like SHA256:AbC…(43 characters)"));
                }
            }
            TransportKind::Local => {
                if c.local_folder.is_none() {
                    return Err("connection.local_folder is required when transport = \"local\"".into());
                }
            }
        }
        if c.timeout_seconds == 0 {
            return Err("connection.timeout_seconds must be at least 1".into());
        }
        if self.sync.poll_minutes == 0 {
            return Err("sync.poll_minutes must be at least 1".into());
        }
        if self.sync.after_download == AfterDownload::Move && self.sync.move_to.trim().is_empty() {
            return Err("sync.move_to is empty but after_download = \"move\"".into());
        }
        Ok(())
    }

    /// The file `init` writes: every setting, each with a comment saying what it is for.
    pub fn to_commented_toml(&self) -> String {
        let c = &self.connection;
        let s = &self.sync;
        let q = |v: &str| toml::Value::String(v.to_string()).to_string();
        let mut out = String::from(
            "# claimtrack configuration, written by `claimtrack init`.\n\
             # The SFTP password is never stored here: it comes from CLAIMTRACK_SFTP_PASSWORD or\n\
             # from secrets.toml beside this file (readable by you only).\n\n[connection]\n",
        );
        out += &format!("# \"sftp\" (Office Ally's server) or \"local\" (a folder with inbound/ and outbound/)\ntransport = {}\n", q(match c.transport {
            TransportKind::Sftp => "sftp",
            TransportKind::Local => "local",
        }));
        out += &format!("# Use the host named in Office Ally's SFTP setup email.\nhost = {}\nport = {}\n", q(&c.host), c.port);
        out += &format!("# The SFTP username from Office Ally's setup email (not your web-portal login).\nusername = {}\n", q(&c.username));
        out += &format!("# Folders on the server: uploads go to inbound, reports come from outbound.\ninbound = {}\noutbound = {}\n", q(&c.inbound), q(&c.outbound));
        match &c.host_key {
            Some(k) => out += &format!("# The server's pinned host key; a different key is refused.\nhost_key = {}\n", q(k)),
            None => out += "# host_key = \"SHA256:...\"   # pin the server's key; otherwise it is trusted on first use\n",
        }
        match &c.local_folder {
            Some(p) => out += &format!("local_folder = {}\n", q(&p.to_string_lossy())),
            None => out += "# local_folder = \"/path/to/mailbox\"   # for transport = \"local\"\n",
        }
        out += &format!("# Seconds before a connection attempt or a stalled transfer gives up.\ntimeout_seconds = {}\n\n[sync]\n", c.timeout_seconds);
        out += &format!("# Stage submissions as Office Ally test files (OATEST in the name).\ntest_mode = {}\n", s.test_mode);
        out += &format!("# Minutes between syncs of `claimtrack watch`.\npoll_minutes = {}\n", s.poll_minutes);
        out += &format!(
            "# What happens to a report on the server once archived: \"leave\" it, or \"move\" it to move_to.\nafter_download = {}\nmove_to = {}\n",
            q(match s.after_download {
                AfterDownload::Leave => "leave",
                AfterDownload::Move => "move",
            }),
            q(&s.move_to)
        );
        out += &format!("# Archive batches once their 7-day tracking window has closed, after each sync.\nauto_archive = {}\n", s.auto_archive);
        out += &format!("# Days after payer acceptance without an 835 before a follow-up alert.\nera_days = {}\n", s.era_days);
        out
    }

    /// Write the config (commented), creating its folder private to the owner.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        write_private(path, self.to_commented_toml().as_bytes())
    }
}

/// A file beside the config (the config itself, `secrets.toml`, `known_hosts`), after its
/// folder and then the file are checked (the file as opened, never through a link);
/// `Ok(None)`: the file (or its folder) does not exist.
pub fn read_guarded(path: &Path, guard: Guard) -> Result<Option<String>, ConfigError> {
    let exposed = |path: &Path, why| match why {
        ownership::Exposed::Io(source) => ConfigError::Io { path: path.to_path_buf(), source },
        why => ConfigError::Exposed { path: path.to_path_buf(), why },
    };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    match ownership::check_folder(dir) {
        Ok(()) => {}
        Err(ownership::Exposed::Io(e)) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(why) => return Err(exposed(dir, why)),
    }
    ownership::read_to_string(path, guard).map_err(|why| exposed(path, why))
}

/// [`crate::paths::write_private`], naming the file in the error.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ConfigError> {
    crate::paths::write_private(path, bytes).map_err(|source| ConfigError::Io { path: path.to_path_buf(), source })
}

/// Everything a sync needs besides the tracker: the configuration, and the SFTP password
/// when it connects over SFTP. Read afresh for each sync (`watch`, `serve`) so new
/// credentials take effect without a restart.
pub fn load_for_sync(paths: &ConfigPaths) -> Result<(Config, Option<Secret>), ConfigError> {
    let c = Config::load(&paths.config)?;
    let password = match c.connection.transport {
        TransportKind::Sftp => Some(load_password(paths)?),
        TransportKind::Local => None,
    };
    Ok((c, password))
}

/// The SFTP password: `CLAIMTRACK_SFTP_PASSWORD`, else `secrets.toml` (refused when others
/// can read it).
pub fn load_password(paths: &ConfigPaths) -> Result<Secret, ConfigError> {
    if let Ok(p) = std::env::var(PASSWORD_ENV)
        && !p.is_empty()
    {
        return Ok(Secret::new(p));
    }
    let path = paths.secrets();
    let Some(text) = read_guarded(&path, Guard::ChangeOrRead)? else { return Err(ConfigError::NoPassword(path)) };
    let text = Zeroizing::new(text);
    // Never echo the file's text in an error: it holds the password.
    let secrets: SecretsFile = toml::from_str(&text)
        .map_err(|_| ConfigError::Invalid { path: path.clone(), message: "not a valid secrets file (expected sftp_password = \"...\")".into() })?;
    match secrets.sftp_password {
        Some(p) if !p.is_empty() => Ok(Secret(p)),
        _ => Err(ConfigError::NoPassword(path)),
    }
}

/// Store the SFTP password in `secrets.toml`, readable by the owner only.
pub fn save_password(paths: &ConfigPaths, password: &Secret) -> Result<(), ConfigError> {
    let text = Zeroizing::new(toml::to_string(&SecretsFile { sftp_password: Some(password.0.clone()) }).expect("a string always serializes"));
    let file = Zeroizing::new(format!("# The SFTP password for claimtrack. Keep this file private (mode 600).\n{}", *text));
    write_private(&paths.secrets(), file.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn paths(dir: &Path) -> ConfigPaths {
        ConfigPaths { config: dir.join("cfg/config.toml") }
    }

    #[test]
    fn written_config_reads_back_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        let mut c = Config::default();
        c.connection.username = "oa-user".into();
        c.connection.host_key = Some("SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s".into());
        c.sync.after_download = AfterDownload::Move;
        c.save(&p.config).unwrap();
        assert_eq!(Config::load(&p.config).unwrap(), c);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&p.config).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(fs::metadata(p.config.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        }
    }

    #[test]
    fn bad_configs_say_what_to_fix() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        assert!(matches!(Config::load(&p.config), Err(ConfigError::Missing(_))));
        fs::create_dir_all(p.config.parent().unwrap()).unwrap();
        fs::write(&p.config, "[connection]\nhots = \"x\"\n").unwrap();
        let e = Config::load(&p.config).unwrap_err().to_string();
        assert!(e.contains("hots") && e.contains("line 2"), "{e}");
        fs::write(&p.config, "[connection]\nusername = \"\"\n").unwrap();
        let e = Config::load(&p.config).unwrap_err().to_string();
        assert!(e.contains("username is empty"), "{e}");
        fs::write(&p.config, "[connection]\nusername = \"u\"\nhost_key = \"abc\"\n").unwrap();
        assert!(Config::load(&p.config).unwrap_err().to_string().contains("not a SHA256 fingerprint"));
    }

    #[test]
    fn secrets_are_wiped_when_dropped() {
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<Secret>();
        // What the secrets file is parsed into is wiped too.
        let f: SecretsFile = toml::from_str("sftp_password = \"hunter2\"").unwrap();
        let p: Zeroizing<String> = f.sftp_password.unwrap();
        assert_eq!(p.as_str(), "hunter2");
    }

    #[test]
    fn password_file_must_be_private_and_never_shows() {
        let dir = tempfile::tempdir().unwrap();
        let p = paths(dir.path());
        // The environment variable is process-wide; this test only uses the file path and
        // skips when someone set the variable for the whole test run.
        if std::env::var_os(PASSWORD_ENV).is_some() {
            return;
        }
        assert!(matches!(load_password(&p), Err(ConfigError::NoPassword(_))));
        save_password(&p, &Secret::new("hunter2")).unwrap();
        assert_eq!(load_password(&p).unwrap().expose(), "hunter2");
        assert_eq!(format!("{:?}", load_password(&p).unwrap()), "Secret(***)");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(p.secrets(), fs::Permissions::from_mode(0o644)).unwrap();
            let e = load_password(&p).unwrap_err().to_string();
            assert!(e.contains("chmod 600") && !e.contains("hunter2"), "{e}");
            // A link in its place is not followed, even to a private file.
            let elsewhere = dir.path().join("elsewhere.toml");
            fs::rename(p.secrets(), &elsewhere).unwrap();
            fs::set_permissions(&elsewhere, fs::Permissions::from_mode(0o600)).unwrap();
            std::os::unix::fs::symlink(&elsewhere, p.secrets()).unwrap();
            let e = load_password(&p).unwrap_err();
            assert!(matches!(&e, ConfigError::Exposed { why: crate::ownership::Exposed::Link { .. }, .. }), "{e}");
            // Nor is a private file in a folder others can change.
            fs::remove_file(p.secrets()).unwrap();
            fs::rename(&elsewhere, p.secrets()).unwrap();
            assert_eq!(load_password(&p).unwrap().expose(), "hunter2");
            fs::set_permissions(p.secrets().parent().unwrap(), fs::Permissions::from_mode(0o770)).unwrap();
            let e = load_password(&p).unwrap_err().to_string();
            assert!(e.contains("can be changed by other accounts (mode 770)"), "{e}");
        }
    }
}
