//! A webhook receiver, the clinic's side of `claimtrack webhook`: HTTP/1.1 on 127.0.0.1 that
//! keeps each delivery's headers and body, and can be told to fail (500) or to hold a request
//! unanswered. For the end-to-end tests and the benchmarks; it trusts its input.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// One POST as the receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    /// `Claimtrack-Delivery`.
    pub id: i64,
    /// `Claimtrack-Timestamp`.
    pub timestamp: i64,
    /// `Claimtrack-Signature`.
    pub signature: String,
    /// The body as received.
    pub body: Vec<u8>,
}

/// How the receiver answers the next requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// 200, and keep it.
    Take,
    /// 500 to this many more, then take.
    Fail(u32),
    /// Keep the request and never answer (until the connection dies).
    Hold,
}

/// What the receiver got.
#[derive(Default)]
pub struct Inbox {
    /// Every delivery taken, in order, repeats included.
    pub got: Vec<Received>,
    /// Requests answered 500 or held.
    pub refused: u32,
    /// A request is being held (`Mode::Hold`).
    pub held: bool,
}

/// A webhook receiver on 127.0.0.1: HTTP/1.1 with keep-alive, one thread per connection.
pub struct Receiver {
    state: Arc<(Mutex<(Inbox, Mode)>, Condvar)>,
}

impl Receiver {
    /// Receives on `listener` (bound by the caller, so a test can hold a port closed first).
    pub fn start(listener: TcpListener, mode: Mode) -> Receiver {
        let state = Arc::new((Mutex::new((Inbox::default(), mode)), Condvar::new()));
        let s = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let s = s.clone();
                std::thread::spawn(move || {
                    let _ = handle(conn, &s);
                });
            }
        });
        Receiver { state }
    }

    /// How to answer from now on.
    pub fn set(&self, mode: Mode) {
        self.state.0.lock().unwrap().1 = mode;
    }

    /// Waits (up to `limit`) until `done` holds for the inbox.
    pub fn wait_for(&self, limit: Duration, what: &str, done: impl Fn(&Inbox) -> bool) {
        let deadline = Instant::now() + limit;
        let (lock, cv) = &*self.state;
        let mut g = lock.lock().unwrap();
        while !done(&g.0) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for {what}: got {} deliveries", g.0.got.len());
            g = cv.wait_timeout(g, left.min(Duration::from_millis(200))).unwrap().0;
        }
    }

    /// Every delivery taken so far.
    pub fn got(&self) -> Vec<Received> {
        self.state.0.lock().unwrap().0.got.clone()
    }

    /// How many deliveries were taken so far.
    pub fn count(&self) -> usize {
        self.state.0.lock().unwrap().0.got.len()
    }

    /// Requests answered 500 or held so far.
    pub fn refused(&self) -> u32 {
        self.state.0.lock().unwrap().0.refused
    }
}

fn handle(conn: TcpStream, state: &(Mutex<(Inbox, Mode)>, Condvar)) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    // Each answer goes out whole, at once: written in pieces, Nagle's algorithm would hold
    // the rest for the client's delayed ACK (40 ms a delivery).
    conn.set_nodelay(true)?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut conn = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if !line.starts_with("POST ") {
            return Ok(());
        }
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            let h = h.trim_end().to_string();
            if h.is_empty() {
                break;
            }
            let (k, v) = h.split_once(':').unwrap();
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
        let header = |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let mut body = vec![0; header("content-length").parse().unwrap()];
        reader.read_exact(&mut body)?;
        let (lock, cv) = state;
        let mut g = lock.lock().unwrap();
        let answer = match g.1 {
            Mode::Take => {
                g.0.got.push(Received {
                    id: header("claimtrack-delivery").parse().unwrap(),
                    timestamp: header("claimtrack-timestamp").parse().unwrap(),
                    signature: header("claimtrack-signature"),
                    body,
                });
                "200 OK"
            }
            Mode::Fail(n) => {
                g.0.refused += 1;
                g.1 = if n <= 1 { Mode::Take } else { Mode::Fail(n - 1) };
                "500 Internal Server Error"
            }
            Mode::Hold => {
                g.0.refused += 1;
                g.0.held = true;
                cv.notify_all();
                drop(g);
                // Never answered: the connection ends when `serve` dies.
                let mut rest = Vec::new();
                let _ = reader.read_to_end(&mut rest);
                return Ok(());
            }
        };
        cv.notify_all();
        drop(g);
        conn.write_all(format!("HTTP/1.1 {answer}\r\nContent-Length: 0\r\n\r\n").as_bytes())?;
    }
}
