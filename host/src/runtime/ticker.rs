//! The thread that makes epoch deadlines real.
//!
//! Epoch interruption only compares a counter with a deadline; nothing advances the counter
//! by itself (forgetting this leaves every timeout inert). Like Spin's `EngineBuilder`, one
//! thread per engine calls `Engine::increment_epoch` every [`EPOCH_TICK`]. It holds only an
//! `EngineWeak`, and stops when the [`Ticker`] is dropped (the last `PluginRuntime` or
//! `LoadedPlugin` sharing the engine is gone) or when the engine itself is gone.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;
use wasmtime::Engine;

/// How often the epoch advances: the granularity of every time limit.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

pub(crate) struct Ticker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    pub(crate) fn start(engine: &Engine) -> std::io::Result<Self> {
        let weak = engine.weak();
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new().name("claimtrack-epoch".into()).spawn(move || {
            // `recv_timeout` doubles as the sleep; a disconnect (Ticker dropped) ends it.
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EPOCH_TICK) {
                match weak.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        })?;
        Ok(Ticker { stop: Some(stop), thread: Some(thread) })
    }

    /// Epoch ticks for a wall-clock budget (rounded up; at least one).
    pub(crate) fn ticks(limit: Duration) -> u64 {
        let tick = EPOCH_TICK.as_nanos();
        (limit.as_nanos().div_ceil(tick)).clamp(1, u64::MAX as u128) as u64
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_round_up() {
        assert_eq!(Ticker::ticks(Duration::from_millis(500)), 50);
        assert_eq!(Ticker::ticks(Duration::from_millis(501)), 51);
        assert_eq!(Ticker::ticks(Duration::ZERO), 1);
        assert_eq!(Ticker::ticks(Duration::MAX), u64::MAX);
    }

    #[test]
    fn thread_ends_when_the_engine_is_gone() {
        let engine = Engine::default();
        let mut ticker = Ticker::start(&engine).unwrap();
        let thread = ticker.thread.take().unwrap();
        drop(engine);
        // Joins only because the thread saw the engine go: the stop channel is still open.
        thread.join().unwrap();
        assert!(ticker.stop.is_some());
    }

    #[test]
    fn drop_stops_and_joins_the_thread() {
        let engine = Engine::default();
        let ticker = Ticker::start(&engine).unwrap();
        drop(ticker); // joins; would hang if the thread did not stop
    }
}
