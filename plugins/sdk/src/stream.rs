//! Output in chunks: what `register_parser!` exports as the `parsing` interface's session.
//!
//! A plugin that builds its whole output at once ([`crate::Parser::parse`]) is read through
//! [`Whole`], which hands it out [`CHUNK_EVENTS`] events at a time. A plugin that reads a
//! file piece by piece implements [`crate::Parser::stream`] with an [`EventStream`]; then
//! only one chunk of events exists at a time, in the plugin and in the host.

use crate::limits::Fitter;
use crate::{wire, Diagnostic, FileMetadata, ParseError, ParseOutput, Parser, StatusEvent};
use std::collections::VecDeque;

/// Events per chunk the SDK sends. The host accepts up to 4096 (`wit/types.wit`); 1024
/// keeps a chunk of remittance events around a megabyte on both sides.
pub const CHUNK_EVENTS: usize = 1024;
/// Diagnostics per chunk the SDK sends.
pub const CHUNK_DIAGNOSTICS: usize = 1024;

/// Where an [`EventStream`] puts what it reads.
#[derive(Debug, Default)]
pub struct Output {
    /// Status events, in file order.
    pub events: Vec<StatusEvent>,
    /// Diagnostics, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Output {
    /// Whether a chunk's worth is here: [`EventStream::fill`] should return soon after.
    pub fn is_full(&self) -> bool {
        self.events.len() >= CHUNK_EVENTS || self.diagnostics.len() >= CHUNK_DIAGNOSTICS
    }
}

/// A file read a piece at a time (see [`crate::Parser::stream`]).
pub trait EventStream {
    /// Reads on, adding events and diagnostics to `out`, and returns `Ok(true)` while there
    /// is more to read, `Ok(false)` once the file is read. Return once `out.is_full()`, or
    /// sooner: the SDK calls again until a chunk is full. An error ends the file, and the
    /// host keeps nothing of it.
    fn fill(&mut self, out: &mut Output) -> Result<bool, ParseError>;

    /// What the file says about itself; called once, after `fill` returned `Ok(false)`.
    fn metadata(&mut self) -> FileMetadata;
}

/// A whole [`ParseOutput`] handed out a chunk at a time.
pub struct Whole {
    metadata: Option<FileMetadata>,
    events: std::vec::IntoIter<StatusEvent>,
    diagnostics: std::vec::IntoIter<Diagnostic>,
}

impl Whole {
    /// Hands out `output`.
    pub fn new(output: ParseOutput) -> Self {
        Whole {
            metadata: Some(output.metadata),
            events: output.events.into_iter(),
            diagnostics: output.diagnostics.into_iter(),
        }
    }
}

impl EventStream for Whole {
    fn fill(&mut self, out: &mut Output) -> Result<bool, ParseError> {
        let room = CHUNK_EVENTS.saturating_sub(out.events.len());
        out.events.extend(self.events.by_ref().take(room));
        let room = CHUNK_DIAGNOSTICS.saturating_sub(out.diagnostics.len());
        out.diagnostics.extend(self.diagnostics.by_ref().take(room));
        Ok(self.events.len() > 0 || self.diagnostics.len() > 0)
    }

    fn metadata(&mut self) -> FileMetadata {
        self.metadata.take().unwrap_or_else(|| FileMetadata::new(""))
    }
}

/// Reads every chunk of a stream, as the host would receive them, into one output: what a
/// streaming plugin's [`crate::Parser::parse`] can return (one line), and what native tests
/// compare.
pub fn collect(mut stream: Box<dyn EventStream>) -> Result<ParseOutput, ParseError> {
    let mut out = Output::default();
    while stream.fill(&mut out)? {}
    Ok(ParseOutput { metadata: stream.metadata(), events: out.events, diagnostics: out.diagnostics })
}

/// One chunk's events and diagnostics, in the SDK's types.
pub(crate) type Part = (Vec<StatusEvent>, Vec<Diagnostic>);

/// One file being read: the state behind the `parsing` interface's `session` resource.
#[doc(hidden)]
pub struct Session {
    stream: Box<dyn EventStream>,
    fitter: Fitter,
    /// Read but not yet sent (a stream that filled past a chunk).
    pending: Output,
    /// Events left over from a fill that went past a chunk.
    overflow: VecDeque<StatusEvent>,
    /// `fill` returned `Ok(false)`: it is not called again.
    exhausted: bool,
    state: State,
}

enum State {
    Reading,
    /// The stream is at its end; the metadata is fitted and waits for `finish`.
    Read(Box<FileMetadata>),
    Finished,
}

impl Session {
    /// Starts reading a file with `P`.
    pub fn start<P: Parser>(file_name: String, contents: Vec<u8>) -> Result<Session, ParseError> {
        let stream = P::stream(&file_name, contents)?;
        Ok(Session { stream, fitter: Fitter::default(), pending: Output::default(), overflow: VecDeque::new(), exhausted: false, state: State::Reading })
    }

    /// The next chunk in the wire form, `None` once every one was sent.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    pub(crate) fn next_chunk(&mut self) -> Result<Option<wire::Chunk>, ParseError> {
        let (events, diagnostics) = match self.next_parts()? {
            Some(parts) => parts,
            None => return Ok(None),
        };
        Ok(Some(wire::chunk(events, diagnostics)))
    }

    /// The next chunk's events and diagnostics, fitted to the host's limits.
    pub(crate) fn next_parts(&mut self) -> Result<Option<Part>, ParseError> {
        if !matches!(self.state, State::Reading) {
            return Ok(None);
        }
        let mut out = std::mem::take(&mut self.pending);
        out.events.extend(self.overflow.drain(..CHUNK_EVENTS.min(self.overflow.len())));
        while !self.exhausted && !out.is_full() {
            self.exhausted = !self.stream.fill(&mut out)?;
        }
        if out.events.len() > CHUNK_EVENTS {
            self.overflow.extend(out.events.drain(CHUNK_EVENTS..));
        }
        if out.diagnostics.len() > CHUNK_DIAGNOSTICS {
            self.pending.diagnostics = out.diagnostics.split_off(CHUNK_DIAGNOSTICS);
        }
        let done = self.exhausted && self.overflow.is_empty() && self.pending.diagnostics.is_empty();
        self.fitter.events(&mut out.events);
        self.fitter.diagnostics(&mut out.diagnostics);
        out.diagnostics.extend(self.fitter.take_notes());
        if done {
            let mut metadata = self.stream.metadata();
            self.fitter.metadata(&mut metadata);
            out.diagnostics.extend(self.fitter.summary());
            self.state = State::Read(Box::new(metadata));
            if out.events.is_empty() && out.diagnostics.is_empty() {
                return Ok(None);
            }
        }
        Ok(Some((out.events, out.diagnostics)))
    }

    /// The file's metadata, once `next_chunk` has returned `None`. Called early (a host that
    /// stops reading), it is whatever the stream knows so far; called again, empty.
    pub(crate) fn finish(&mut self) -> FileMetadata {
        match std::mem::replace(&mut self.state, State::Finished) {
            State::Read(metadata) => *metadata,
            State::Reading => {
                let mut metadata = self.stream.metadata();
                self.fitter.metadata(&mut metadata);
                metadata
            }
            State::Finished => FileMetadata::new(""),
        }
    }
}

/// Everything a session sends, read back as one output: what the host receives, natively.
pub(crate) fn drain(mut session: Session) -> Result<ParseOutput, ParseError> {
    let mut events = Vec::new();
    let mut diagnostics = Vec::new();
    while let Some((e, d)) = session.next_parts()? {
        events.extend(e);
        diagnostics.extend(d);
    }
    Ok(ParseOutput { metadata: session.finish(), events, diagnostics })
}

#[cfg(target_arch = "wasm32")]
mod export {
    use super::Session;
    use crate::__private::exports::claimtrack::plugin::parsing as p;
    use std::cell::RefCell;

    /// The resource handed to the host. Resource methods take `&self`; the host calls one at
    /// a time (a component instance is single-threaded), so the cell is never contended.
    pub struct SessionResource(RefCell<Session>);

    impl SessionResource {
        pub fn new(session: Session) -> Self {
            SessionResource(RefCell::new(session))
        }
    }

    impl p::GuestSession for SessionResource {
        fn next(&self) -> Result<Option<p::Chunk>, p::ParseError> {
            self.0.borrow_mut().next_chunk()
        }

        fn finish(&self) -> p::FileMetadata {
            self.0.borrow_mut().finish()
        }
    }
}

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub use export::SessionResource;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Level, Source, StatusClass};

    fn events(n: usize) -> Vec<StatusEvent> {
        (0..n).map(|i| StatusEvent::new(Level::Claim, Source::Payer, StatusClass::Paid, format!("CLP02 {i}"))).collect()
    }

    /// A stream that adds `step` events per fill, past chunk boundaries.
    struct Steps {
        left: usize,
        step: usize,
        made: usize,
    }

    impl EventStream for Steps {
        fn fill(&mut self, out: &mut Output) -> Result<bool, ParseError> {
            let n = self.step.min(self.left);
            for _ in 0..n {
                out.events.push(StatusEvent::new(Level::Claim, Source::Payer, StatusClass::Paid, format!("CLP02 {}", self.made)));
                self.made += 1;
            }
            self.left -= n;
            Ok(self.left > 0)
        }
        fn metadata(&mut self) -> FileMetadata {
            FileMetadata::new("steps")
        }
    }

    fn session(stream: Box<dyn EventStream>) -> Session {
        Session { stream, fitter: Fitter::default(), pending: Output::default(), overflow: VecDeque::new(), exhausted: false, state: State::Reading }
    }

    #[test]
    fn a_whole_output_goes_out_in_bounded_chunks_in_order() {
        let out = ParseOutput { metadata: FileMetadata::new("x"), events: events(2500), diagnostics: vec![Diagnostic::info("hi", None)] };
        let mut s = session(Box::new(Whole::new(out.clone())));
        let mut sizes = Vec::new();
        let mut all = Vec::new();
        while let Some((e, _)) = s.next_parts().unwrap() {
            sizes.push(e.len());
            all.extend(e);
        }
        assert_eq!(sizes, [1024, 1024, 452]);
        assert_eq!(all, out.events);
        assert_eq!(s.finish().format_id, "x");
        assert_eq!(s.next_parts().unwrap(), None, "nothing after the end");
    }

    #[test]
    fn a_stream_that_overfills_is_split_and_an_empty_file_sends_nothing() {
        for step in [1, 7, 1000, 5000] {
            let out = drain(session(Box::new(Steps { left: 6000, step, made: 0 }))).unwrap();
            assert_eq!(out.events.len(), 6000, "step {step}");
            assert!(out.events.iter().enumerate().all(|(i, e)| e.raw_code == format!("CLP02 {i}")), "order, step {step}");
            assert_eq!(out.metadata.format_id, "steps");
        }
        let mut s = session(Box::new(Steps { left: 0, step: 1, made: 0 }));
        assert_eq!(s.next_parts().unwrap(), None);
        assert_eq!(s.finish().format_id, "steps");
    }

    #[test]
    fn cleaning_is_counted_once_for_the_whole_file() {
        let mut e = events(2000);
        e[0].raw_code = "bad\u{1}".into();
        e[1500].raw_code = "bad\u{2}".into();
        let out = ParseOutput { metadata: FileMetadata::new("x"), events: e, diagnostics: vec![] };
        let got = drain(session(Box::new(Whole::new(out)))).unwrap();
        let summaries: Vec<_> = got.diagnostics.iter().filter(|d| d.message.contains("were cleaned")).collect();
        assert_eq!(summaries.len(), 1);
        assert!(summaries[0].message.starts_with("2 values"), "{}", summaries[0].message);
        assert_eq!(got.events[1500].raw_code, "bad\u{FFFD}");
    }
}
