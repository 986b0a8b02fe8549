//! What the CLI prints, and where: standard output that ends quietly on a closed pipe,
//! colour only on a terminal (and never with NO_COLOR), tables sized to the terminal, and
//! the one JSON envelope every `--json` output uses.

use std::io::{IsTerminal, Write};

use serde::Serialize;

use super::table::{Layout, Table, Tone};
use claimtrack::model::{Severity, StatusClass};

fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Forces the terminal layout at this width whatever stdout is (tests, and a pager that
/// should keep the terminal's layout: `CLAIMTRACK_WIDTH=$COLUMNS claimtrack batch 2 | less`).
pub const WIDTH_ENV: &str = "CLAIMTRACK_WIDTH";

fn forced_width() -> Option<usize> {
    std::env::var(WIDTH_ENV).ok().and_then(|w| w.trim().parse().ok()).filter(|&w| w >= 20)
}

pub fn stdout_color() -> bool {
    color_allowed() && std::io::stdout().is_terminal() && forced_width().is_none()
}

pub fn stderr_color() -> bool {
    color_allowed() && std::io::stderr().is_terminal()
}

/// How tables go to standard output: the terminal's width, or one record per line.
pub fn layout() -> Layout {
    if let Some(width) = forced_width() {
        return Layout::Terminal { width, color: false };
    }
    if !std::io::stdout().is_terminal() {
        return Layout::Piped;
    }
    let width = terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()))
        .unwrap_or(80);
    Layout::Terminal { width, color: stdout_color() }
}

/// Write to standard output. A reader that went away (`claimtrack batches | head -1`) ends
/// the program quietly with status 0, as ripgrep does: nothing is left to do for it, and a
/// panic or an error message about it would only be noise.
pub fn out(text: &str) {
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_all(text.as_bytes()).and_then(|()| o.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        // Anything else (a full disk behind a redirect) is worth one line on stderr.
        eprintln!("error: cannot write the output: {e}");
        std::process::exit(i32::from(super::exit::SETUP));
    }
}

/// `println!` for standard output, with [`out`]'s handling of a closed pipe, wrapped at
/// words on a terminal ([`para`]).
macro_rules! outln {
    () => { $crate::output::out("\n") };
    ($($arg:tt)*) => { $crate::output::para(&format!($($arg)*)) };
}
pub(crate) use outln;

/// Print text: each line wrapped at words to the terminal's width (keeping its indent), as
/// it is when piped.
pub fn para(text: &str) {
    let Layout::Terminal { width, .. } = layout() else { return out(&format!("{text}\n")) };
    let mut wrapped = String::with_capacity(text.len() + 1);
    for line in text.split('\n') {
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        // Continuation lines of a list item ("- …") hang under its text.
        let hang = if body.starts_with("- ") { 2 } else { 0 };
        for (i, piece) in super::table::wrap(body, width.saturating_sub(indent + hang).max(20)).iter().enumerate() {
            wrapped.push_str(&" ".repeat(indent + if i > 0 { hang } else { 0 }));
            wrapped.push_str(piece);
            wrapped.push('\n');
        }
    }
    out(&wrapped)
}

/// Print a table in the terminal's layout.
pub fn print_table(t: &Table) {
    out(&t.render(layout()));
}

/// The version of every `--json` output's shape (docs/json.md).
pub const JSON_SCHEMA_VERSION: u32 = claimtrack::contract::SCHEMA_VERSION;

/// Print `data` as `command`'s JSON output.
pub fn json(command: &str, data: &impl Serialize) {
    let mut buf = claimtrack::contract::data(command, data);
    buf.push(b'\n');
    out(std::str::from_utf8(&buf).expect("JSON is UTF-8"));
}

/// Print a failure as `command`'s JSON output (on stdout, where a program reading `--json`
/// looks); the caller still says it on stderr for a person.
pub fn json_error(command: &str, kind: &str, message: &str, hint: Option<&str>) {
    let mut buf = claimtrack::contract::failure(command, kind, message, hint);
    buf.push(b'\n');
    out(std::str::from_utf8(&buf).expect("JSON is UTF-8"));
}

/// The command whose output is JSON (`--json`), set once by `main`: failures anywhere in it
/// are then reported in the envelope too.
static JSON_COMMAND: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// Say that `command`'s output is JSON.
pub fn set_json_command(command: &'static str) {
    let _ = JSON_COMMAND.set(command);
}

/// Say a failure: on stderr for a person, and in the JSON envelope too with `--json`.
pub fn fail(kind: &str, message: &str, hint: Option<&str>) {
    if let Some(command) = JSON_COMMAND.get() {
        json_error(command, kind, message, hint);
    }
    eprintln!("error: {message}");
    if let Some(h) = hint {
        eprintln!("{h}");
    }
}

/// The tone of an event status.
pub fn status_tone(s: StatusClass) -> Tone {
    match s {
        StatusClass::Rejected | StatusClass::Denied | StatusClass::Reversed => Tone::Bad,
        StatusClass::AcceptedWithErrors | StatusClass::Pending => Tone::Warn,
        StatusClass::Accepted | StatusClass::Paid => Tone::Good,
        StatusClass::Received | StatusClass::Informational => Tone::Plain,
    }
}

/// "warning" / "error" prefixes, coloured on a terminal.
pub fn severity_label(s: Severity) -> String {
    let tone = match s {
        Severity::Error => Tone::Bad,
        Severity::Warning => Tone::Warn,
        Severity::Info => Tone::Dim,
    };
    super::table::paint(s.as_str(), tone, stdout_color())
}

pub use claimtrack::tracking::words::dollars;

/// Text for the terminal: names and messages from files may carry control characters (an
/// escape sequence in a file name would drive the terminal); those are shown escaped.
pub fn clean(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(super::clean("a\x1b[31mb\nc"), "a\\u{1b}[31mb\\nc");
        assert_eq!(super::clean("plain name.txt"), "plain name.txt");
    }
}
