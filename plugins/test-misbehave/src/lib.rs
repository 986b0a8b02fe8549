//! A plugin that misbehaves on purpose, for the host's sandbox tests (`host/tests/sandbox.rs`).
//!
//! `parse` picks its behaviour from the file name (an optional `misbehave-` prefix is
//! ignored): `ok*` one valid event · `loop*` spins forever · `alloc*` allocates without
//! bound · `panic*` panics · `stack*` recurses without bound · `big-output[-N[-L]]*` returns N
//! events (default 2 000 000), with a raw code of L bytes when given · `big-string*` one event with a 16 MiB `raw_code` ·
//! `invalid*` well-typed but invalid output · `sleep*` sleeps an hour · `read-file*`,
//! `env*`, `socket*`, `clock*` report what the sandbox let them see in the one event's
//! `raw_code`; any other name is refused as `not-my-format`.
//!
//! Never ship this: it exists so that every limit of the host is tested against real wasm.
//! Its output is deliberately NOT passed through the SDK's `fit_host_limits` (see the
//! export at the bottom).

use claimtrack_plugin_sdk::prelude::*;
use std::hint::black_box;

/// The panic message the host must surface in `PluginError::Crashed`.
pub const PANIC_MESSAGE: &str = "boom: test-misbehave panicked on purpose";

pub struct Misbehave;

fn output(events: Vec<StatusEvent>) -> ParseOutput {
    ParseOutput { metadata: FileMetadata::new("test-misbehave"), events, diagnostics: Vec::new() }
}

fn report(raw_code: String) -> ParseOutput {
    output(vec![StatusEvent::new(Level::Interchange, Source::Clearinghouse, StatusClass::Informational, raw_code)])
}

/// Unbounded, non-tail recursion that keeps nothing on the shadow stack in linear memory,
/// so it is the wasm (native) stack limit that stops it.
fn recurse(depth: u64) -> u64 {
    if black_box(depth) == u64::MAX {
        return 0;
    }
    recurse(depth + 1).wrapping_add(black_box(depth))
}

impl Parser for Misbehave {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "test-misbehave".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Misbehaves on purpose to test the host's sandbox".into(),
            formats: vec![FormatInfo {
                id: "test-misbehave".into(),
                description: "Test files named after the misbehaviour they trigger".into(),
                file_name_hints: vec!["misbehave-*".into()],
            }],
        }
    }

    fn sniff(file_name: &str, _head: &[u8]) -> u8 {
        if file_name.starts_with("misbehave-") { 100 } else { 0 }
    }

    fn parse(file_name: &str, _contents: &[u8]) -> Result<ParseOutput, ParseError> {
        let name = file_name.strip_prefix("misbehave-").unwrap_or(file_name);
        if name.starts_with("ok") {
            let mut event = StatusEvent::new(Level::Claim, Source::Clearinghouse, StatusClass::Accepted, "TEST A");
            event.effective_date = Some("2024-01-02".into());
            Ok(output(vec![event]))
        } else if name.starts_with("loop") {
            let mut n = 0u64;
            loop {
                n = black_box(n.wrapping_add(1));
            }
        } else if name.starts_with("alloc") {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(black_box(vec![1u8; 1 << 20]));
                black_box(&mut hoard);
            }
        } else if name.starts_with("panic") {
            panic!("{PANIC_MESSAGE}");
        } else if name.starts_with("stack") {
            Ok(report(format!("stack: {}", recurse(0))))
        } else if let Some(rest) = name.strip_prefix("big-output") {
            // big-output[-COUNT[-RAW_CODE_BYTES]]
            let mut numbers = rest.split(|c: char| !c.is_ascii_digit()).filter(|n| !n.is_empty()).map(|n| n.parse::<usize>().ok());
            let count = numbers.next().flatten().unwrap_or(2_000_000);
            let raw_code = numbers.next().flatten().map_or_else(|| "CLP02 1".to_owned(), |n| "X".repeat(n));
            let event = StatusEvent::new(Level::Claim, Source::Payer, StatusClass::Paid, raw_code);
            Ok(output(black_box(vec![event; count])))
        } else if name.starts_with("big-string") {
            Ok(report(black_box("X".repeat(16 << 20))))
        } else if name.starts_with("invalid") {
            let mut event = StatusEvent::new(Level::Claim, Source::Payer, StatusClass::Paid, "X".repeat(100 * 1024));
            event.effective_date = Some("2024-13-45".into());
            event.position = Some(Position { segment_index: Some(0), segment_id: Some(String::new()), line: Some(0), byte_offset: None, element: None });
            event.amounts.charged = Some(i64::MIN);
            let mut out = output(vec![event]);
            out.metadata.format_id = String::new();
            out.diagnostics.push(Diagnostic::warning("", Some(Position::line(0))));
            Ok(out)
        } else if name.starts_with("read-file") {
            let file = std::fs::read("/etc/passwd").map(|b| b.len());
            let dir = std::fs::read_dir("/").map(|d| d.count());
            Ok(report(format!("read-file: {file:?}; read-dir: {dir:?}")))
        } else if name.starts_with("env") {
            let vars = std::env::vars().count();
            let args = std::env::args().count();
            Ok(report(format!("env: {vars} vars, {args} args")))
        } else if name.starts_with("socket") {
            let tcp = std::net::TcpStream::connect("127.0.0.1:22").map(|_| "connected");
            Ok(report(format!("socket: {tcp:?}")))
        } else if name.starts_with("sleep") {
            std::thread::sleep(std::time::Duration::from_secs(3600));
            Ok(report("sleep: returned".into()))
        } else if name.starts_with("clock") {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs());
            Ok(report(format!("clock: {now:?}")))
        } else {
            Err(ParseError::NotMyFormat(format!("test-misbehave has no behaviour named {name:?}")))
        }
    }
}

// Exported by hand rather than with `register_parser!`: that macro passes every chunk
// through `fit_host_limits`, which would clean up exactly the output this plugin exists to
// send. The host must hold up against plugins that do not use the SDK at all, so this one
// sends its output raw, 1024 events a chunk, and misbehaves in the chunked protocol itself
// for these names: `endless-chunks*` empty chunks forever · `bad-index*` an event naming a
// claim row its chunk lacks · `big-chunk*` 5000 events in one chunk · `fail-midway*` a chunk,
// then an error.
#[cfg(target_arch = "wasm32")]
const _: () = {
    use claimtrack_plugin_sdk::__private::claimtrack::plugin::types as w;
    use claimtrack_plugin_sdk::__private::exports::claimtrack::plugin::parsing as p;
    use claimtrack_plugin_sdk::__private::{export, raw_chunk, Guest};
    use std::cell::RefCell;
    use std::collections::VecDeque;

    struct RawExport;

    impl Guest for RawExport {
        fn describe() -> PluginInfo {
            Misbehave::info()
        }
        fn sniff(file_name: String, head: Vec<u8>) -> u8 {
            Misbehave::sniff(&file_name, &head)
        }
    }

    enum Plan {
        /// These chunks, then the end (or this error).
        Chunks(VecDeque<w::Chunk>, Option<ParseError>),
        Endless,
    }

    struct RawSession(RefCell<(Plan, Option<FileMetadata>)>);

    fn empty() -> w::Chunk {
        raw_chunk(Vec::new(), Vec::new())
    }

    impl p::GuestSession for RawSession {
        fn next(&self) -> Result<Option<w::Chunk>, ParseError> {
            match &mut self.0.borrow_mut().0 {
                Plan::Endless => Ok(Some(empty())),
                Plan::Chunks(chunks, error) => match chunks.pop_front() {
                    Some(c) => Ok(Some(c)),
                    None => error.take().map_or(Ok(None), Err),
                },
            }
        }
        fn finish(&self) -> FileMetadata {
            self.0.borrow_mut().1.take().unwrap_or_else(|| FileMetadata::new("test-misbehave"))
        }
    }

    impl p::Guest for RawExport {
        type Session = RawSession;

        fn parse(file_name: String, contents: Vec<u8>) -> Result<p::Session, ParseError> {
            let name = file_name.strip_prefix("misbehave-").unwrap_or(&file_name).to_owned();
            let event = || StatusEvent::new(Level::Claim, Source::Payer, StatusClass::Paid, "CLP02 1");
            let (plan, metadata) = if name.starts_with("endless-chunks") {
                (Plan::Endless, None)
            } else if name.starts_with("bad-index") {
                let mut c = raw_chunk(vec![event()], Vec::new());
                c.events[0].claim = Some(7);
                (Plan::Chunks([c].into(), None), None)
            } else if name.starts_with("big-chunk") {
                (Plan::Chunks([raw_chunk(vec![event(); 5000], Vec::new())].into(), None), None)
            } else if name.starts_with("fail-midway") {
                let error = ParseError::Malformed(MalformedDetail { message: "gave up after the first chunk".into(), position: None });
                (Plan::Chunks([raw_chunk(vec![event()], Vec::new())].into(), Some(error)), None)
            } else {
                let out = Misbehave::parse(&name, &contents)?;
                let mut chunks = VecDeque::new();
                let mut events = out.events.into_iter().peekable();
                let mut diagnostics = Some(out.diagnostics);
                while events.peek().is_some() || diagnostics.is_some() {
                    let part: Vec<StatusEvent> = events.by_ref().take(1024).collect();
                    chunks.push_back(raw_chunk(part, diagnostics.take().unwrap_or_default()));
                }
                (Plan::Chunks(chunks, None), Some(out.metadata))
            };
            Ok(p::Session::new(RawSession(RefCell::new((plan, metadata)))))
        }
    }

    export!(RawExport with_types_in claimtrack_plugin_sdk::__private);
};
