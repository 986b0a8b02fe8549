//! Typed plugin failures. Every message is one sentence naming the plugin and what to do.

use std::fmt;
use std::time::Duration;

/// Which plugin an error is about: its name and, once `describe` has answered, its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRef {
    /// The plugin's own name (from `describe`), or the name it was loaded under when the
    /// plugin never got that far (a file name, a crate name).
    pub name: String,
    /// The plugin's version from `describe`; `None` when loading failed before that.
    pub version: Option<String>,
}

impl PluginRef {
    pub(crate) fn hint(name: &str) -> Self {
        PluginRef { name: name.to_owned(), version: None }
    }
}

impl fmt::Display for PluginRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Some(v) => write!(f, "{} {}", self.name, v),
            None => write!(f, "{}", self.name),
        }
    }
}

/// Where in a file a plugin says something is (mirrors WIT `position`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilePosition {
    /// 1-based ordinal of the segment in the whole file (every interchange, ISA included).
    pub segment_index: Option<u32>,
    /// The segment id, e.g. "IK3", "CLP", "STC".
    pub segment_id: Option<String>,
    /// 1-based line on which the segment (or text line) starts.
    pub line: Option<u32>,
    /// 0-based byte offset where the segment (or text line) starts.
    pub byte_offset: Option<u64>,
    /// The element meant, when one is, e.g. "CLM05-3", "STC01".
    pub element: Option<String>,
}

impl fmt::Display for FilePosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(l) = self.line {
            parts.push(format!("line {l}"));
        }
        if let Some(i) = self.segment_index {
            parts.push(format!("segment {i}"));
        }
        if let Some(s) = &self.segment_id {
            parts.push(s.clone());
        }
        if let Some(e) = &self.element {
            parts.push(e.clone());
        }
        if let Some(o) = self.byte_offset {
            parts.push(format!("byte {o}"));
        }
        if parts.is_empty() { write!(f, "an unknown position") } else { write!(f, "{}", parts.join(", ")) }
    }
}

/// Why a plugin declined a file (mirrors WIT `parse-error`). Texts come from the plugin:
/// they are cut to 1 KiB and stripped of control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The file is not in a format this plugin reads.
    NotMyFormat(String),
    /// The file is in this plugin's format but too broken to read anything from.
    Malformed {
        /// What is wrong, from the plugin.
        message: String,
        /// Where, when the plugin says.
        position: Option<FilePosition>,
    },
    /// The format is recognised but this version of it is not supported.
    UnsupportedVersion(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotMyFormat(m) => write!(f, "it is not in a format this plugin reads ({m})"),
            Refusal::Malformed { message, position: Some(p) } => write!(f, "it is malformed at {p}: {message}"),
            Refusal::Malformed { message, position: None } => write!(f, "it is malformed: {message}"),
            Refusal::UnsupportedVersion(m) => write!(f, "its format version is not supported ({m})"),
        }
    }
}

fn mib(bytes: &u64) -> String {
    let m = *bytes as f64 / (1024.0 * 1024.0);
    if m >= 1.0 { format!("{m:.0} MiB") } else { format!("{} KiB", bytes / 1024) }
}

/// A plugin call or load that did not produce a usable result. The host keeps running and
/// the plugin stays usable: each call gets a fresh instance.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The plugin answered with its typed `parse-error`.
    #[error("plugin {plugin} could not read the file: {refusal}")]
    Refused {
        /// The plugin that declined.
        plugin: PluginRef,
        /// Why it declined.
        refusal: Refusal,
    },

    /// The call ran past its wall-clock budget and was stopped.
    #[error(
        "plugin {plugin} ran longer than its {limit:?} time limit and was stopped; the file may be unusually large or the plugin may be stuck — report it to the plugin's author with the file"
    )]
    TimedOut {
        /// The plugin that was stopped.
        plugin: PluginRef,
        /// The wall-clock budget it ran past (`Limits::parse_timeout` or `quick_timeout`).
        limit: Duration,
    },

    /// The plugin wanted more linear memory than the per-call limit.
    #[error(
        "plugin {plugin} needed more than its {} memory limit and was stopped; the file may be unusually large or the plugin may have a memory bug", mib(.limit)
    )]
    OutOfMemory {
        /// The plugin that was stopped.
        plugin: PluginRef,
        /// The memory limit, in bytes (`Limits::memory_bytes`).
        limit: u64,
    },

    /// The plugin recursed past its stack limit.
    #[error(
        "plugin {plugin} overflowed its {} stack (runaway recursion) and was stopped; report it to the plugin's author with the file", mib(.limit)
    )]
    StackOverflow {
        /// The plugin that was stopped.
        plugin: PluginRef,
        /// The stack limit, in bytes (`Limits::max_wasm_stack`).
        limit: u64,
    },

    /// The plugin trapped: a panic, an `unreachable`, an out-of-bounds access, `exit`.
    /// `message` is the panic message when the plugin printed one, else the trap;
    /// `stderr` is what the plugin wrote to stderr (bounded, control characters escaped).
    #[error("plugin {plugin} crashed: {message}; report it to the plugin's author with the file")]
    Crashed {
        /// The plugin that crashed.
        plugin: PluginRef,
        /// The panic message, or the trap when there is none.
        message: String,
        /// What the plugin wrote to stderr (bounded by `Limits::stderr_bytes`, escaped).
        stderr: String,
    },

    /// The plugin returned more output than the limits allow (`what` names the limit).
    #[error(
        "plugin {plugin} returned too much output ({}); the output was discarded — report it to the plugin's author",
        over(what, *actual, *limit)
    )]
    OutputTooLarge {
        /// The plugin whose output was discarded.
        plugin: PluginRef,
        /// Which cap: "host bytes" (the host's copy of the result, see
        /// [`Limits::max_output_host_bytes`](super::Limits::max_output_host_bytes)), "events",
        /// "diagnostics", "string bytes" (a file's totals), "events in one chunk", "string
        /// bytes in one chunk" (the contract's bounds on one chunk) or "describe string bytes".
        what: &'static str,
        /// How much the plugin returned, in `what`'s unit. For "host bytes" the copy stops at
        /// the limit, so this is the limit plus one: "more than the limit".
        actual: u64,
        /// The cap, in `what`'s unit.
        limit: u64,
    },

    /// The file is bigger than any plugin is allowed to read.
    #[error("the file is {actual} bytes, more than the {limit}-byte limit for plugin {plugin}; it was not parsed")]
    InputTooLarge {
        /// The plugin that would have read it.
        plugin: PluginRef,
        /// The file's size, in bytes.
        actual: u64,
        /// The limit, in bytes (`Limits::max_input_bytes`).
        limit: u64,
    },

    /// The wasm is not a plugin this host can run: not a component, built against another
    /// WIT version, missing exports, or importing something the host does not provide.
    #[error("plugin {plugin} cannot be used by this version of claimtrack: {reason}")]
    Incompatible {
        /// The plugin, by file or crate name when `describe` never answered.
        plugin: PluginRef,
        /// What is wrong with it, for the user.
        reason: String,
    },

    /// The plugin returned output that failed the host's validation (used by the model
    /// layer, not by the runtime).
    #[error("plugin {plugin} returned invalid output: {message}; report it to the plugin's author with the file")]
    Invalid {
        /// The plugin whose output was rejected.
        plugin: PluginRef,
        /// The event and field that failed, and why.
        message: String,
    },

    /// Something failed on the host side (e.g. the instance could not be created).
    #[error("claimtrack could not run plugin {plugin}: {message}")]
    Host {
        /// The plugin that could not be run.
        plugin: PluginRef,
        /// What failed on the host side.
        message: String,
    },
}

impl PluginError {
    /// The plugin this error is about.
    pub fn plugin(&self) -> &PluginRef {
        match self {
            PluginError::Refused { plugin, .. }
            | PluginError::TimedOut { plugin, .. }
            | PluginError::OutOfMemory { plugin, .. }
            | PluginError::StackOverflow { plugin, .. }
            | PluginError::Crashed { plugin, .. }
            | PluginError::OutputTooLarge { plugin, .. }
            | PluginError::InputTooLarge { plugin, .. }
            | PluginError::Incompatible { plugin, .. }
            | PluginError::Invalid { plugin, .. }
            | PluginError::Host { plugin, .. } => plugin,
        }
    }

    /// Whether the plugin itself misbehaved (trap, limit, bad output), as opposed to
    /// declining the file or the file being too large.
    pub fn is_plugin_fault(&self) -> bool {
        matches!(
            self,
            PluginError::TimedOut { .. }
                | PluginError::OutOfMemory { .. }
                | PluginError::StackOverflow { .. }
                | PluginError::Crashed { .. }
                | PluginError::OutputTooLarge { .. }
                | PluginError::Invalid { .. }
        )
    }
}

/// Makes text that came from a plugin safe to print: control characters (ANSI escapes
/// included) become `\u{..}` escapes, newlines and tabs are kept when `keep_lines`, and
/// the result is cut at `max` bytes on a character boundary.
pub(crate) fn sanitize(text: &str, max: usize, keep_lines: bool) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    for c in text.chars() {
        if out.len() >= max {
            out.push('…');
            break;
        }
        if c.is_control() && !(keep_lines && (c == '\n' || c == '\t')) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// "events: 2048, limit 1024", or "host bytes: more than 1048576" when the copy stopped at
/// the limit and the full size is unknown.
fn over(what: &str, actual: u64, limit: u64) -> String {
    if what == "host bytes" { format!("{what}: more than the limit of {limit}") } else { format!("{what}: {actual}, limit {limit}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_and_truncates() {
        assert_eq!(sanitize("a\u{1b}[31mb", 100, false), "a\\u{1b}[31mb");
        assert_eq!(sanitize("x\ny", 100, true), "x\ny");
        assert_eq!(sanitize("x\ny", 100, false), "x\\u{a}y");
        assert_eq!(sanitize("abcdef", 3, false), "abc…");
    }

    #[test]
    fn messages_name_the_plugin() {
        let p = PluginRef { name: "x12-ack".into(), version: Some("0.1.0".into()) };
        let e = PluginError::OutOfMemory { plugin: p.clone(), limit: 256 << 20 };
        assert_eq!(
            e.to_string(),
            "plugin x12-ack 0.1.0 needed more than its 256 MiB memory limit and was stopped; the file may be unusually large or the plugin may have a memory bug"
        );
        let r = PluginError::Refused {
            plugin: p,
            refusal: Refusal::Malformed {
                message: "bad IK3".into(),
                position: Some(FilePosition { line: Some(3), segment_id: Some("IK3".into()), ..Default::default() }),
            },
        };
        assert_eq!(r.to_string(), "plugin x12-ack 0.1.0 could not read the file: it is malformed at line 3, IK3: bad IK3");
    }
}

