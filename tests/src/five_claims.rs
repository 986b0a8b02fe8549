//! The five-claim scenario of `tests/scenarios/five-claims` (see its README.md): one batch
//! followed through every response, shared by the tracking and SFTP tests.

use std::io::Write;

use zip::write::SimpleFileOptions;

use crate::workspace;

/// The 835 inside the ERA package.
pub const ERA_835: &str = "1130000400_ERA_835_5010_20260128.835";
/// Office Ally's ERA text summary beside it.
pub const ERA_SUMMARY: &str = "1130000400_ERA_STATUS_5010_20260128.txt";

/// A file of the scenario, by name.
pub fn file(name: &str) -> Vec<u8> {
    let p = workspace().join("tests/scenarios/five-claims").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The ERA package as Office Ally names it: the 835 and its text summary, deflated. Entry
/// times are the zip default, so the bytes (and their hash) are the same on every run.
pub fn era_zip() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for name in [ERA_835, ERA_SUMMARY] {
        w.start_file(name, opts).unwrap();
        w.write_all(&file(name)).unwrap();
    }
    w.finish().unwrap().into_inner()
}
