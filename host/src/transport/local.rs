//! The local-folder transport: a folder with `inbound/` and `outbound/`, laid out like
//! Office Ally's SFTP mailbox. For staff who download reports from the web portal by hand
//! (drop them in `outbound/`), and for the demo, where the simulator plays Office Ally.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::{Folder, Mailbox, RemoteFile, TransportError};

/// A mailbox folder on this machine.
#[derive(Debug)]
pub struct LocalMailbox {
    root: PathBuf,
    inbound: PathBuf,
    outbound: PathBuf,
    ops: u64,
}

fn local(path: &Path) -> impl FnOnce(io::Error) -> TransportError + '_ {
    move |source| TransportError::Local { path: path.to_path_buf(), source }
}

impl LocalMailbox {
    /// Open the mailbox at `root`; `inbound` and `outbound` are its two folders (relative to
    /// `root` unless absolute). Both must exist.
    pub fn open(root: &Path, inbound: &str, outbound: &str) -> Result<LocalMailbox, TransportError> {
        let inbound = root.join(inbound);
        let outbound = root.join(outbound);
        for dir in [&inbound, &outbound] {
            if !dir.is_dir() {
                return Err(TransportError::Remote {
                    path: dir.display().to_string(),
                    message: "not a folder; the local mailbox needs inbound/ and outbound/ (check connection.local_folder)".into(),
                });
            }
        }
        Ok(LocalMailbox { root: root.to_path_buf(), inbound, outbound, ops: 0 })
    }

    fn dir(&self, folder: Folder) -> &Path {
        match folder {
            Folder::Inbound => &self.inbound,
            Folder::Outbound => &self.outbound,
        }
    }
}

impl Mailbox for LocalMailbox {
    fn describe(&self) -> String {
        format!("local:{}", self.root.display())
    }

    fn list(&mut self, folder: Folder) -> Result<Vec<RemoteFile>, TransportError> {
        self.ops += 1;
        let dir = self.dir(folder).to_path_buf();
        let mut files = Vec::new();
        for entry in fs::read_dir(&dir).map_err(local(&dir))? {
            let entry = entry.map_err(local(&dir))?;
            let meta = entry.metadata().map_err(local(&entry.path()))?;
            if !meta.is_file() {
                continue;
            }
            let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_secs() as i64);
            #[cfg(unix)]
            let perm = {
                use std::os::unix::fs::PermissionsExt;
                Some(meta.permissions().mode())
            };
            #[cfg(not(unix))]
            let perm = None;
            files.push(RemoteFile { name: entry.file_name().to_string_lossy().into_owned(), size: Some(meta.len()), mtime, perm });
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(files)
    }

    fn download(&mut self, file: &RemoteFile, to: &mut dyn Write, progress: &mut dyn FnMut(u64)) -> Result<u64, TransportError> {
        self.ops += 1;
        let path = self.outbound.join(&file.name);
        let mut f = fs::File::open(&path).map_err(local(&path))?;
        let mut buf = vec![0u8; 256 * 1024];
        let mut done = 0u64;
        loop {
            let n = f.read(&mut buf).map_err(local(&path))?;
            if n == 0 {
                return Ok(done);
            }
            to.write_all(&buf[..n]).map_err(local(&path))?;
            done += n as u64;
            progress(done);
        }
    }

    fn upload(
        &mut self,
        name: &str,
        bytes: &[u8],
        before_publish: &mut dyn FnMut() -> Result<(), TransportError>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), TransportError> {
        self.ops += 1;
        let temp = self.inbound.join(self.temp_name(name));
        // The 837 holds patient data: readable by the owner only, like everything of ours.
        let mut f = crate::paths::create_private_file(&temp).map_err(local(&temp))?;
        f.write_all(bytes).and_then(|()| f.sync_all()).map_err(local(&temp))?;
        progress(bytes.len() as u64);
        before_publish()?;
        let target = self.inbound.join(name);
        fs::rename(&temp, &target).map_err(local(&target))
    }

    fn publish(&mut self, temp: &str, name: &str) -> Result<(), TransportError> {
        self.ops += 1;
        let target = self.inbound.join(name);
        fs::rename(self.inbound.join(temp), &target).map_err(local(&target))
    }

    fn remove_inbound(&mut self, name: &str) -> Result<(), TransportError> {
        self.ops += 1;
        let path = self.inbound.join(name);
        fs::remove_file(&path).map_err(local(&path))
    }

    fn move_outbound(&mut self, name: &str, to: &str) -> Result<(), TransportError> {
        self.ops += 1;
        let dir = self.root.join(to);
        crate::paths::create_private_dir(&dir).map_err(local(&dir))?;
        let target = dir.join(name);
        fs::rename(self.outbound.join(name), &target).map_err(local(&target))
    }

    fn folder_mode(&mut self, folder: Folder) -> Result<Option<u32>, TransportError> {
        let dir = self.dir(folder).to_path_buf();
        let meta = fs::metadata(&dir).map_err(local(&dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            Ok(Some(meta.permissions().mode()))
        }
        #[cfg(not(unix))]
        {
            Ok(meta.permissions().readonly().then_some(0o555).or(Some(0o755)))
        }
    }

    fn round_trips(&self) -> u64 {
        self.ops
    }
}
