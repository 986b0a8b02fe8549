//! Packages: files that hold other files (Office Ally's ERA zips,
//! `<ID>_ERA_STATUS_5010_<date>.zip`, with an 835 and a text summary inside).
//!
//! The host opens them and hands each member to the plugins like any file. A zip comes from
//! outside, so it is opened as hostile: the entry count, each member's and the total
//! uncompressed size, and the compression ratio are bounded *while* decompressing (a zip's
//! declared sizes can lie), and a member whose path would leave the archive is refused.
//! A package that breaks a limit is refused whole, with a message naming the limit and the
//! member: half an ERA package could post half a payment.

use std::io::Read;

/// Limits for opening a package. Every knob bounds what one hostile file can cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageLimits {
    /// Most entries (files and folders). An ERA package holds a handful.
    pub max_entries: usize,
    /// Most uncompressed bytes of one member; above the plugins' own input cap it would be
    /// refused later anyway.
    pub max_member_bytes: u64,
    /// Most uncompressed bytes of all members together.
    pub max_total_bytes: u64,
    /// Highest uncompressed/compressed ratio of a member larger than `ratio_floor_bytes`.
    /// Text compresses about 5–20×; a zip bomb compresses about 1000×.
    pub max_ratio: u64,
    /// Members smaller than this are not ratio-checked (tiny files compress oddly).
    pub ratio_floor_bytes: u64,
}

impl Default for PackageLimits {
    fn default() -> Self {
        PackageLimits {
            max_entries: 1_000,
            max_member_bytes: 64 << 20,
            max_total_bytes: 256 << 20,
            max_ratio: 200,
            ratio_floor_bytes: 1 << 20,
        }
    }
}

/// One file inside a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's path inside the package, as stored (with `/` separators).
    pub path: String,
    /// The member's uncompressed contents.
    pub bytes: Vec<u8>,
}

impl Member {
    /// The member's own file name (its last path component), for plugins' file-name hints.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// Why a package was refused. Nothing from a refused package is parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackageError {
    /// The zip has more entries than [`PackageLimits::max_entries`].
    #[error("the zip has {count} entries, more than the {limit} allowed; it was not opened (an ERA package holds a few files)")]
    TooManyEntries {
        /// Entries in the zip.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A member unpacks past [`PackageLimits::max_member_bytes`].
    #[error("member {member:?} unpacks to more than {limit} bytes; the zip was refused")]
    MemberTooLarge {
        /// The member's path.
        member: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// All members together unpack past [`PackageLimits::max_total_bytes`].
    #[error("the zip unpacks to more than {limit} bytes in all; it was refused")]
    TotalTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// A member expands past [`PackageLimits::max_ratio`] (a zip bomb).
    #[error("member {member:?} expands more than {limit}× (a zip bomb); the zip was refused")]
    RatioTooHigh {
        /// The member's path.
        member: String,
        /// The highest ratio allowed.
        limit: u64,
    },
    /// A member's path is absolute or climbs out with `..`.
    #[error("member {member:?} has a path that leaves the archive (absolute or with `..`); the zip was refused")]
    UnsafePath {
        /// The member's path as stored, made printable.
        member: String,
    },
    /// A member is encrypted (password-protected).
    #[error("member {member:?} is encrypted; claimtrack cannot read encrypted zips")]
    Encrypted {
        /// The member's path, or `#n` when it could not be read.
        member: String,
    },
    /// The zip structure cannot be read (truncated, not really a zip).
    #[error("the zip is damaged: {message}")]
    Corrupt {
        /// What the zip reader reported.
        message: String,
    },
    /// The zip holds no files (folders only, or nothing).
    #[error("the zip holds no files")]
    Empty,
}

impl PackageError {
    /// A stable, snake_case name for scripts (`--json`).
    pub fn kind(&self) -> &'static str {
        match self {
            PackageError::TooManyEntries { .. }
            | PackageError::MemberTooLarge { .. }
            | PackageError::TotalTooLarge { .. }
            | PackageError::RatioTooHigh { .. } => "package_too_large",
            PackageError::UnsafePath { .. } => "package_unsafe_path",
            PackageError::Encrypted { .. } => "package_encrypted",
            PackageError::Corrupt { .. } | PackageError::Empty => "package_corrupt",
        }
    }
}

/// A member name that is absolute: `/x`, `\\x`, or a drive such as `C:x`.
fn is_absolute_member(name: &str) -> bool {
    let b = name.as_bytes();
    name.starts_with(['/', '\\']) || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// Whether `bytes` is a zip (local file header or an empty archive's end record).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// The members of a zip, in archive order, folders skipped.
pub fn open_zip(bytes: &[u8], limits: &PackageLimits) -> Result<Vec<Member>, PackageError> {
    let corrupt = |e: zip::result::ZipError| PackageError::Corrupt { message: e.to_string() };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(corrupt)?;
    if archive.len() > limits.max_entries {
        return Err(PackageError::TooManyEntries { count: archive.len(), limit: limits.max_entries });
    }
    let mut members = Vec::new();
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| match e {
            zip::result::ZipError::UnsupportedArchive(msg) if msg.contains("ncrypt") || msg.contains("assword") => {
                PackageError::Encrypted { member: format!("#{}", i + 1) }
            }
            other => corrupt(other),
        })?;
        let raw_name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        // `enclosed_name` is None for absolute paths and for `..` that would climb out.
        let Some(path) = entry.enclosed_name() else {
            return Err(PackageError::UnsafePath { member: shown(&raw_name) });
        };
        // The zip crate reads "/etc/evil" as "etc/evil"; an absolute path (or a Windows drive
        // or UNC path) is refused as documented, whatever a reader would make of it.
        if raw_name.split(['/', '\\']).any(|c| c == "..") || is_absolute_member(&raw_name) {
            return Err(PackageError::UnsafePath { member: shown(&raw_name) });
        }
        if entry.is_dir() {
            continue;
        }
        if entry.encrypted() {
            return Err(PackageError::Encrypted { member: shown(&raw_name) });
        }
        let path = path.to_string_lossy().replace('\\', "/");
        // Read at most one byte past each limit, whatever the header declares.
        let member_room = limits.max_member_bytes.min(limits.max_total_bytes - total);
        let mut data = Vec::with_capacity(entry.size().min(member_room) as usize);
        (&mut entry)
            .take(member_room + 1)
            .read_to_end(&mut data)
            .map_err(|e| PackageError::Corrupt { message: format!("member {}: {e}", shown(&raw_name)) })?;
        let size = data.len() as u64;
        if size > limits.max_member_bytes {
            return Err(PackageError::MemberTooLarge { member: shown(&path), limit: limits.max_member_bytes });
        }
        if size > member_room {
            return Err(PackageError::TotalTooLarge { limit: limits.max_total_bytes });
        }
        let compressed = entry.compressed_size().max(1);
        if size >= limits.ratio_floor_bytes && size / compressed > limits.max_ratio {
            return Err(PackageError::RatioTooHigh { member: shown(&path), limit: limits.max_ratio });
        }
        total += size;
        members.push(Member { path, bytes: data });
    }
    if members.is_empty() {
        return Err(PackageError::Empty);
    }
    Ok(members)
}

/// A member name for messages: printable, bounded.
fn shown(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_control() { '?' } else { c }).take(200).collect();
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in files {
            w.start_file(*name, SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn members_come_back_in_order_with_their_names() {
        let z = zip_of(&[("a/1.835", b"ISA"), ("summary.txt", b"hello")]);
        assert!(is_zip(&z));
        let m = open_zip(&z, &PackageLimits::default()).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].path.as_str(), m[0].file_name(), m[0].bytes.as_slice()), ("a/1.835", "1.835", &b"ISA"[..]));
        assert_eq!(m[1].bytes, b"hello");
    }

    #[test]
    fn sizes_are_bounded_while_reading() {
        let z = zip_of(&[("a.txt", &[b'x'; 5000]), ("b.txt", &[b'y'; 5000])]);
        let small = PackageLimits { max_member_bytes: 4000, ..PackageLimits::default() };
        assert_eq!(open_zip(&z, &small), Err(PackageError::MemberTooLarge { member: "a.txt".into(), limit: 4000 }));
        let total = PackageLimits { max_total_bytes: 8000, ..PackageLimits::default() };
        assert_eq!(open_zip(&z, &total), Err(PackageError::TotalTooLarge { limit: 8000 }));
    }

    #[test]
    fn not_a_zip_and_a_damaged_zip() {
        assert!(!is_zip(b"ISA*00*"));
        let mut z = zip_of(&[("a.txt", b"hello hello hello")]);
        let n = z.len();
        z.truncate(n - 10);
        assert!(matches!(open_zip(&z, &PackageLimits::default()), Err(PackageError::Corrupt { .. })));
    }
}
