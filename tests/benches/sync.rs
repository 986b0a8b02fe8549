//! `sync` over loopback against a real OpenSSH sshd, side by side with OpenSSH's own
//! `sftp -b` fetching the same files in the same run:
//! - 1,000 reports of about 5 KB in outbound (generated 999s, each different);
//! - one 100 MB file;
//! - a second sync with nothing new (time and SFTP requests).
//!
//!   cargo bench -p claimtrack-tests --bench sync
//!
//! `claimtrack sync` also archives and ingests every file (SHA-256, plugin parse, SQLite),
//! so its time is the whole job, where `sftp -b` only copies. Needs root and sshd (as the
//! SFTP tests), and `sshpass` for the password of `sftp -b`. Without `--bench` (as under
//! `cargo test --all-targets`) it runs once on 20 small files and a 2 MB file as a smoke test.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use claimtrack::clock::Clock;
use claimtrack::config::{ConfigPaths, Secret};
use claimtrack::paths::DataDir;
use claimtrack::sync::{self, NoProgress, SyncOptions, SyncReport};
use claimtrack::tracker::Tracker;
use claimtrack::transport::TrustNew;
use claimtrack_tests::sshd::Sshd;

struct Sizes {
    small_files: usize,
    big_bytes: usize,
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn mb_s(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

/// A 999 of about 5 KB (as many transaction sets as that takes), different per seed.
fn report(seed: u64, sets: usize) -> Vec<u8> {
    claimtrack_sim::generate::workload_999(seed, sets)
}

fn sets_for_5kb() -> usize {
    (1..500).find(|&n| report(1, n).len() >= 5000).expect("a 999 reaches 5 KB")
}

fn sync_once(sshd: &Sshd, data: &Path, config_dir: &Path) -> (Duration, SyncReport) {
    let config = sshd.config();
    let paths = ConfigPaths { config: config_dir.join("config.toml") };
    let (mut t, _) = Tracker::open(&DataDir::new(data), Clock::System).unwrap();
    let password = Secret::new(sshd.password.clone());
    let start = Instant::now();
    let opts = SyncOptions { retry_auth: false, trust: TrustNew::Refuse, stop: None, progress: &mut NoProgress };
    let r = sync::sync(&mut t, &config, &paths, Some(&password), opts).unwrap();
    (start.elapsed(), r)
}

/// OpenSSH's client fetching every file of `outbound` (or one file) into `to`.
fn sftp_get(sshd: &Sshd, what: &str, to: &Path) -> Duration {
    std::fs::create_dir_all(to).unwrap();
    let batch = to.join("batch.txt");
    std::fs::write(&batch, format!("get {what} {}/\n", to.display())).unwrap();
    let start = Instant::now();
    let out = Command::new("sshpass")
        .args(["-p", &sshd.password, "sftp", "-oBatchMode=no", "-oStrictHostKeyChecking=no", "-oUserKnownHostsFile=/dev/null", "-q", "-P"])
        .arg(sshd.port.to_string())
        .arg("-b")
        .arg(&batch)
        .arg(format!("{}@127.0.0.1", sshd.user))
        .output()
        .expect("sshpass and sftp are installed (apt-get install sshpass openssh-client)");
    let took = start.elapsed();
    assert!(out.status.success(), "sftp -b failed: {}", String::from_utf8_lossy(&out.stderr));
    took
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let sizes = if bench { Sizes { small_files: 1000, big_bytes: 100 << 20 } } else { Sizes { small_files: 20, big_bytes: 2 << 20 } };
    let sshd = Sshd::start().unwrap_or_else(|e| panic!("cannot run the sync benchmark: {e:#}"));
    let work = tempfile::tempdir().unwrap();

    // 1. Many small reports.
    let mut small_bytes = 0u64;
    let sets = sets_for_5kb();
    for i in 0..sizes.small_files {
        let bytes = report(i as u64 + 1, sets);
        small_bytes += bytes.len() as u64;
        sshd.put_outbound(&format!("{:010}_BENCH_{i:04}_999.999", 1_200_000_000 + i), &bytes).unwrap();
    }
    let (small_sync, r) = sync_once(&sshd, &work.path().join("data-small"), work.path());
    assert_eq!(r.downloaded.len(), sizes.small_files, "{:?}", r.problems);
    let small_sftp = sftp_get(&sshd, "outbound/*", &work.path().join("sftp-small"));
    let (again, r2) = sync_once(&sshd, &work.path().join("data-small"), work.path());
    assert_eq!((r2.downloaded.len(), r2.already_downloaded), (0, sizes.small_files));

    // 2. One big file (in a fresh outbound, so neither side sees the small ones).
    for f in std::fs::read_dir(sshd.mailbox.join("outbound")).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    let mut big = Vec::with_capacity(sizes.big_bytes);
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    while big.len() < sizes.big_bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        big.extend_from_slice(&x.to_le_bytes());
    }
    sshd.put_outbound("1200009999_BENCH_LARGE.bin", &big).unwrap();
    let (big_sync, r) = sync_once(&sshd, &work.path().join("data-big"), work.path());
    assert_eq!(r.downloaded.len(), 1);
    let big_sftp = sftp_get(&sshd, "outbound/1200009999_BENCH_LARGE.bin", &work.path().join("sftp-big"));

    println!("sync over loopback sshd (OpenSSH), same run; claimtrack also archives and ingests each file");
    println!("| workload | claimtrack sync | sftp -b (get only) | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| {} reports, {:.2} MB | {:.2} s ({:.1} MB/s, {:.0} files/s) | {:.2} s ({:.1} MB/s) | {:.2}× |",
        sizes.small_files,
        small_bytes as f64 / 1e6,
        secs(small_sync),
        mb_s(small_bytes, small_sync),
        sizes.small_files as f64 / secs(small_sync),
        secs(small_sftp),
        mb_s(small_bytes, small_sftp),
        secs(small_sync) / secs(small_sftp)
    );
    println!(
        "| one file, {:.0} MB | {:.2} s ({:.1} MB/s) | {:.2} s ({:.1} MB/s) | {:.2}× |",
        sizes.big_bytes as f64 / 1e6,
        secs(big_sync),
        mb_s(sizes.big_bytes as u64, big_sync),
        secs(big_sftp),
        mb_s(sizes.big_bytes as u64, big_sftp),
        secs(big_sync) / secs(big_sftp)
    );
    println!(
        "| second sync, nothing new ({} files listed) | {:.3} s, ≈{} SFTP requests (estimated: opendir, readdir batches, close) | | |",
        sizes.small_files,
        secs(again),
        r2.round_trips
    );
}
