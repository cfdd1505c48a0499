//! Output folders: tracesim writes only into folders it owns, and replaces only its own files.
//!
//! The rule, for every command that writes a folder (`run`, `sweep`, `compare`, `recommend`,
//! `validate`, `calibrate`, `plot`, `merge`):
//! - The folder must not exist yet, or be one tracesim wrote before: it carries a marker file,
//!   [`MARKER`], that names the command that wrote it and lists every file tracesim put there
//!   (with its size and modification time).
//! - There tracesim replaces only the files the marker lists, and removes the listed files the
//!   new output no longer has (a sweep written over another does not leave the first sweep's
//!   `peak_rss.png` beside the new `points.csv`). A listed file that was changed since (its size
//!   or modification time differ) is the user's now: it is never replaced nor removed.
//! - Anything else is refused before any work starts (exit 2), with the path and the reason: a
//!   non-empty folder without the marker, a regular file, a device or other non-folder, the
//!   current directory or a folder above it, and the folder of any input file or a folder
//!   above it. `--force` allows a non-empty folder without the marker; it still never replaces
//!   nor removes a file tracesim did not write.
//! - Two processes writing the same folder: the first to take the folder's lock (`flock` on the
//!   folder itself, released by the kernel when a process dies) writes it whole; the other is
//!   refused at once with the path.
//!
//! Files are first written into a hidden staging folder inside the output folder, then renamed
//! into place one by one (a rename within one file system replaces a file atomically), so a
//! failure while computing or writing leaves the previous output as it was. A folder created
//! by a run that then fails is removed again.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// The marker file of a folder tracesim wrote.
pub const MARKER: &str = ".tracesim";

/// Why an output path cannot be used. Always the user's to fix (exit code 2).
#[derive(Debug)]
pub struct Refused {
    pub path: PathBuf,
    pub why: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write to {}: {}", self.path.display(), self.why)
    }
}

impl std::error::Error for Refused {}

fn refused(path: &Path, why: impl Into<String>) -> Refused {
    Refused {
        path: path.to_path_buf(),
        why: why.into(),
    }
}

/// One file tracesim wrote, as the marker records it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Owned {
    /// Which part of tracesim wrote it: a command (`run`, `sweep`...), `plot`, or a sweep
    /// shard (`shard-0001-of-0004`). A later write replaces whole groups (see [`Scope`]).
    group: String,
    bytes: u64,
    mtime_ns: i128,
}

#[derive(Serialize, Deserialize, Debug)]
struct Marker {
    tool: String,
    about: String,
    /// The command that last wrote into the folder.
    command: String,
    version: String,
    files: BTreeMap<String, Owned>,
}

impl Marker {
    fn new(command: &str) -> Marker {
        Marker {
            tool: "tracesim".into(),
            about: "tracesim wrote this folder; it replaces or removes only the files listed here"
                .into(),
            command: command.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            files: BTreeMap::new(),
        }
    }
}

/// What a commit replaces of what the folder already holds.
#[derive(Clone, Debug)]
pub enum Scope {
    /// Every file tracesim wrote there before: the new output is the whole folder's.
    All,
    /// Only the files of these groups (e.g. `plot` redraws its images, a sweep shard rewrites
    /// its own rows); the other groups' files stay.
    Groups(Vec<String>),
}

/// What a file is, for the ownership check.
fn stamp(p: &Path) -> Option<(u64, i128)> {
    let m = fs::symlink_metadata(p).ok()?;
    if !m.file_type().is_file() {
        return None;
    }
    let t = m.modified().ok()?;
    let ns = match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    Some((m.len(), ns))
}

/// `p` made absolute and free of symbolic links as far as it exists; the rest appended
/// lexically (`..` of a missing part is refused by the caller's checks on the existing part).
fn resolve(p: &Path) -> std::io::Result<PathBuf> {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()?.join(p)
    };
    let mut existing = abs.clone();
    let mut rest: Vec<std::ffi::OsString> = vec![];
    loop {
        match existing.canonicalize() {
            Ok(c) => {
                let mut out = c;
                for r in rest.iter().rev() {
                    out.push(r);
                }
                return Ok(out);
            }
            Err(_) => {
                let Some(name) = existing.file_name().map(|n| n.to_os_string()) else {
                    return Ok(abs);
                };
                rest.push(name);
                if !existing.pop() {
                    return Ok(abs);
                }
            }
        }
    }
}

/// How a command claims its folder.
pub struct Claim<'a> {
    /// The command, as the marker names it.
    pub command: &'a str,
    /// The files the command reads: their folders and every folder above them are refused.
    pub inputs: &'a [&'a Path],
    /// File names the command will write, checked at once so a clash is found before any work.
    pub expected: &'a [&'a str],
    /// Write beside files tracesim did not write (never replacing nor removing them).
    pub force: bool,
    /// Share the folder with other writers of other groups (sweep shards on a shared file
    /// system); the others take it alone.
    pub shared: bool,
}

impl<'a> Claim<'a> {
    pub fn new(command: &'a str) -> Claim<'a> {
        Claim {
            command,
            inputs: &[],
            expected: &[],
            force: false,
            shared: false,
        }
    }
}

/// A folder claimed for writing: locked, checked, with a staging area.
pub struct OutDir {
    /// As the user wrote it (for messages).
    shown: PathBuf,
    /// Where the files go.
    dir: PathBuf,
    /// Held for the claim's life: the folder's `flock`.
    _lock: fs::File,
    marker: Marker,
    /// What this claim changed in the marker: applied to the marker on disk at each write,
    /// so writers sharing the folder (shards) keep each other's entries.
    added: BTreeMap<String, Owned>,
    removed: std::collections::BTreeSet<String>,
    shared: bool,
    /// Whether the folder held tracesim's files when claimed (the new output replaces them).
    had_files: bool,
    staging: Option<PathBuf>,
    staged: BTreeMap<String, String>,
    /// Folders this claim created (the output folder and missing parents), innermost first:
    /// removed again if the claim is dropped without a commit and nothing else is in them.
    created: Vec<PathBuf>,
    committed: bool,
}

impl OutDir {
    /// Claims `path` for `command`. `inputs` are the files the command reads (their folders
    /// and every folder above them are refused); `expected` are file names the command will
    /// write, checked now so that a clash is found before any work.
    pub fn claim(path: &Path, c: &Claim) -> Result<OutDir, Refused> {
        let (command, inputs, expected, force) = (c.command, c.inputs, c.expected, c.force);
        let io = |e: std::io::Error| refused(path, e.to_string());
        if path.as_os_str().is_empty() {
            return Err(refused(path, "the output folder needs a name"));
        }
        if path.components().any(|c| c == Component::ParentDir) && !path.exists() {
            return Err(refused(
                path,
                "a path through `..` to a folder that does not exist yet; give it without `..`",
            ));
        }
        if let Ok(m) = fs::symlink_metadata(path)
            && m.file_type().is_symlink()
            && fs::metadata(path).is_err()
        {
            return Err(refused(path, "it is a symbolic link to nothing"));
        }
        let real = resolve(path).map_err(io)?;
        if let Ok(m) = fs::metadata(&real) {
            let ft = m.file_type();
            if ft.is_file() {
                return Err(refused(
                    path,
                    "it is a file, and the output is a folder; give a folder's name",
                ));
            }
            if !ft.is_dir() {
                return Err(refused(
                    path,
                    "it is not a folder (a device, socket or pipe); give a folder's name",
                ));
            }
        }
        let cwd = std::env::current_dir().and_then(|c| c.canonicalize());
        if let Ok(cwd) = &cwd
            && cwd.starts_with(&real)
        {
            let what = if *cwd == real {
                "it is the current directory"
            } else {
                "it holds the current directory"
            };
            return Err(refused(
                path,
                format!("{what}; give a folder of its own, e.g. output/NAME"),
            ));
        }
        for input in inputs {
            let Ok(f) = resolve(input) else { continue };
            let folder = f.parent().map(Path::to_path_buf).unwrap_or(f.clone());
            if folder.starts_with(&real) || f == real {
                return Err(refused(
                    path,
                    format!(
                        "it {} the input {}; give a folder of its own",
                        if folder == real { "holds" } else { "is above" },
                        input.display()
                    ),
                ));
            }
        }

        // Create what is missing, innermost last, remembering what this claim created.
        let mut created = vec![];
        let mut missing = vec![];
        let mut p = real.clone();
        while fs::symlink_metadata(&p).is_err() {
            missing.push(p.clone());
            if !p.pop() {
                break;
            }
        }
        for m in missing.iter().rev() {
            match fs::create_dir(m) {
                Ok(()) => created.insert(0, m.clone()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    remove_created(&created);
                    return Err(refused(path, format!("cannot create {}: {e}", m.display())));
                }
            }
        }
        let lock = match fs::File::open(&real) {
            Ok(f) => f,
            Err(e) => {
                remove_created(&created);
                return Err(io(e));
            }
        };
        let locked = if c.shared {
            lock.try_lock_shared()
        } else {
            lock.try_lock()
        };
        match locked {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                // Never remove a folder the winner may be writing into.
                return Err(refused(
                    path,
                    "another tracesim process is writing there now; wait for it or choose another folder",
                ));
            }
            Err(fs::TryLockError::Error(e)) => {
                remove_created(&created);
                return Err(refused(path, format!("cannot lock it: {e}")));
            }
        }
        // Under the lock: what is in the folder now.
        let marker_path = real.join(MARKER);
        let marker = match fs::read(&marker_path) {
            Ok(bytes) => match serde_json::from_slice::<Marker>(&bytes) {
                Ok(m) if m.tool == "tracesim" => Some(m),
                _ => {
                    return Err(refused(
                        path,
                        format!(
                            "its {MARKER} file is not tracesim's marker; choose another folder"
                        ),
                    ));
                }
            },
            Err(_) => None,
        };
        let mut marker = match marker {
            Some(m) => m,
            None => {
                let mut entries: Vec<String> = fs::read_dir(&real)
                    .map_err(io)?
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .collect();
                entries.sort();
                if !entries.is_empty() && !force {
                    let list = entries[..entries.len().min(3)].join(", ");
                    return Err(refused(
                        path,
                        format!(
                            "the folder holds files tracesim did not write ({list}{}); choose a \
                             new folder, or pass --force to write beside them (tracesim never \
                             replaces nor removes a file it did not write)",
                            if entries.len() > 3 { ", ..." } else { "" }
                        ),
                    ));
                }
                Marker::new(command)
            }
        };
        marker.command = command.to_string();
        marker.version = env!("CARGO_PKG_VERSION").into();
        let had_files = !marker.files.is_empty();
        let od = OutDir {
            shown: path.to_path_buf(),
            dir: real,
            _lock: lock,
            marker,
            added: BTreeMap::new(),
            removed: Default::default(),
            shared: c.shared,
            had_files,
            staging: None,
            staged: BTreeMap::new(),
            created,
            committed: false,
        };
        for name in expected {
            od.check_replaceable(name)?;
        }
        od.write_marker()
            .map_err(|e| refused(path, format!("{e:#}")))?;
        Ok(od)
    }

    /// The folder, as the user named it.
    pub fn path(&self) -> &Path {
        &self.shown
    }

    /// Whether the folder held output of tracesim's when it was claimed.
    pub fn replaces_earlier_output(&self) -> bool {
        self.had_files
    }

    /// The folder where the files go (symbolic links resolved).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether `name` may be written: absent, or tracesim's and unchanged since.
    fn check_replaceable(&self, name: &str) -> Result<(), Refused> {
        if name.starts_with(MARKER) || name.contains('/') {
            return Err(refused(
                &self.shown,
                format!("`{name}` is not a file name tracesim writes"),
            ));
        }
        let p = self.dir.join(name);
        if fs::symlink_metadata(&p).is_err() {
            return Ok(());
        }
        match (self.marker.files.get(name), stamp(&p)) {
            (Some(o), Some(_)) if o.mtime_ns == LIVE => Ok(()),
            (Some(o), Some((b, t))) if o.bytes == b && o.mtime_ns == t => Ok(()),
            (Some(_), _) => Err(refused(
                &self.shown,
                format!(
                    "{name} was changed since tracesim wrote it, so it is yours now; move it away or choose another folder"
                ),
            )),
            (None, _) => Err(refused(
                &self.shown,
                format!(
                    "{name} is there and tracesim did not write it; move it away or choose another folder"
                ),
            )),
        }
    }

    fn staging_dir(&mut self) -> Result<PathBuf> {
        if let Some(s) = &self.staging {
            return Ok(s.clone());
        }
        // Unique per claim: shards of one process (tests) or of one host share the folder.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let s = self
            .dir
            .join(format!(".tracesim-staging-{}-{n}", std::process::id()));
        if s.exists() {
            fs::remove_dir_all(&s).ok();
        }
        fs::create_dir(&s).with_context(|| format!("cannot create {}", s.display()))?;
        self.staging = Some(s.clone());
        Ok(s)
    }

    /// The staging folder, for code that writes files itself (plots): every file it puts
    /// there must then be [`adopt`](Self::adopt)ed.
    pub fn staging(&mut self) -> Result<PathBuf> {
        self.staging_dir()
    }

    /// Writes `name` into the staging area, for `group`.
    pub fn put(&mut self, group: &str, name: &str, bytes: &[u8]) -> Result<()> {
        self.check_replaceable(name)?;
        let p = self.staging_dir()?.join(name);
        let mut f =
            fs::File::create(&p).with_context(|| format!("cannot write {}", p.display()))?;
        f.write_all(bytes)
            .with_context(|| format!("cannot write {}", p.display()))?;
        f.sync_all().ok();
        self.staged.insert(name.to_string(), group.to_string());
        Ok(())
    }

    /// Takes a file another writer put into [`staging`](Self::staging) as `group`'s.
    pub fn adopt(&mut self, group: &str, name: &str) -> Result<()> {
        self.check_replaceable(name)?;
        let p = self.staging_dir()?.join(name);
        anyhow::ensure!(p.is_file(), "{} was not written", p.display());
        self.staged.insert(name.to_string(), group.to_string());
        Ok(())
    }

    /// A file written in place as the work goes (a sweep's journal), recorded as `group`'s at
    /// once so that it survives an interruption as tracesim's. Returns its path.
    pub fn live_file(&mut self, group: &str, name: &str) -> Result<PathBuf> {
        self.check_replaceable(name)?;
        let p = self.dir.join(name);
        if fs::symlink_metadata(&p).is_err() {
            fs::write(&p, b"").with_context(|| format!("cannot write {}", p.display()))?;
        }
        // Recorded with a stamp that will change as it grows: a live file is checked by name.
        self.set(name, group, 0, LIVE);
        self.write_marker()?;
        Ok(p)
    }

    fn record(&mut self, name: &str, group: &str) {
        let (bytes, mtime_ns) = stamp(&self.dir.join(name)).unwrap_or((0, 0));
        self.set(name, group, bytes, mtime_ns);
    }

    fn set(&mut self, name: &str, group: &str, bytes: u64, mtime_ns: i128) {
        let o = Owned {
            group: group.to_string(),
            bytes,
            mtime_ns,
        };
        self.marker.files.insert(name.to_string(), o.clone());
        self.added.insert(name.to_string(), o);
        self.removed.remove(name);
    }

    fn forget(&mut self, name: &str) -> Option<Owned> {
        self.added.remove(name);
        self.removed.insert(name.to_string());
        self.marker.files.remove(name)
    }

    /// Writes the marker: the one on disk, re-read under the marker's own lock, with this
    /// claim's changes applied (writers sharing the folder each change only their entries).
    fn write_marker(&self) -> Result<()> {
        let p = self.dir.join(MARKER);
        // Alone in the folder (its lock held exclusively), this claim's view is the marker.
        // Shards sharing it take turns on the marker's own lock and apply their changes to
        // the marker on disk, which holds the other shards' entries.
        let mut _guard = None;
        let bytes = if self.shared {
            let guard = fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(self.dir.join(LOCK))
                .with_context(|| format!("cannot write {}", self.dir.join(LOCK).display()))?;
            guard.lock().context("cannot lock the folder's marker")?;
            _guard = Some(guard);
            let mut m = fs::read(&p)
                .ok()
                .and_then(|b| serde_json::from_slice::<Marker>(&b).ok())
                .unwrap_or_else(|| Marker::new(&self.marker.command));
            m.command = self.marker.command.clone();
            m.version = self.marker.version.clone();
            for n in &self.removed {
                m.files.remove(n);
            }
            m.files
                .extend(self.added.iter().map(|(n, o)| (n.clone(), o.clone())));
            serde_json::to_vec_pretty(&m)?
        } else {
            serde_json::to_vec_pretty(&self.marker)?
        };
        let tmp = self
            .dir
            .join(format!("{MARKER}.tmp-{}", std::process::id()));
        fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
        fs::rename(&tmp, &p).with_context(|| format!("cannot write {}", p.display()))?;
        Ok(())
    }

    /// Puts the staged files in place, removes this scope's files the new output no longer
    /// has, and records what the folder now holds. Returns the stale files removed.
    pub fn commit(mut self, scope: Scope) -> Result<Vec<String>> {
        // Check every name again: the folder may have changed while the work ran.
        for name in self.staged.keys() {
            self.check_replaceable(name)?;
        }
        let staging = match &self.staging {
            Some(s) => s.clone(),
            None => self.staging_dir()?,
        };
        // Record the new names first: killed half way, the folder still lists all it holds.
        let staged: Vec<(String, String)> = self
            .staged
            .iter()
            .map(|(a, b)| (a.clone(), b.clone()))
            .collect();
        for (name, group) in &staged {
            self.set(name, group, 0, LIVE);
        }
        self.write_marker()?;
        for (name, _) in &staged {
            let to = self.dir.join(name);
            fs::rename(staging.join(name), &to)
                .with_context(|| format!("cannot write {}", to.display()))?;
        }
        let mut removed = vec![];
        let stale: Vec<String> = self
            .marker
            .files
            .iter()
            .filter(|(n, o)| {
                !self.staged.contains_key(*n)
                    && match &scope {
                        Scope::All => true,
                        Scope::Groups(g) => g.contains(&o.group),
                    }
            })
            .map(|(n, _)| n.clone())
            .collect();
        for name in stale {
            let p = self.dir.join(&name);
            let o = self.forget(&name).expect("listed");
            match stamp(&p) {
                Some((b, t)) if o.mtime_ns == LIVE || (o.bytes == b && o.mtime_ns == t) => {
                    fs::remove_file(&p)
                        .with_context(|| format!("cannot remove the stale {}", p.display()))?;
                    removed.push(name);
                }
                Some(_) => eprintln!(
                    "note: kept {}: it was changed since tracesim wrote it",
                    p.display()
                ),
                None => {}
            }
        }
        for (name, group) in &staged {
            self.record(name, group);
        }
        self.write_marker()?;
        fs::remove_dir(&staging).ok();
        self.staging = None;
        self.committed = true;
        Ok(removed)
    }
}

/// The marker's own lock file (held only while the marker is rewritten).
const LOCK: &str = ".tracesim.lock";

/// The stamp of a file that changes as the work goes (a journal): owned by name.
const LIVE: i128 = i128::MIN;

fn remove_created(created: &[PathBuf]) {
    for d in created {
        if fs::remove_dir(d).is_err() {
            break;
        }
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if let Some(s) = &self.staging {
            fs::remove_dir_all(s).ok();
        }
        if self.committed {
            return;
        }
        // A claim that made the folder and wrote nothing lasting: take the folder back (not
        // when other writers may share it).
        let live = self.marker.files.values().any(|o| o.mtime_ns == LIVE);
        if !self.created.is_empty() && !live && !self.shared {
            fs::remove_file(self.dir.join(MARKER)).ok();
            fs::remove_file(self.dir.join(LOCK)).ok();
            remove_created(&self.created);
        }
    }
}

/// Single-file outputs (`import --out s.toml`, `measure --out run.csv`, `bench --out b.csv`):
/// checks that `path` may be written: it does not exist, or it is a regular file that
/// `ours` recognises as tracesim's own, unchanged (an imported scenario carries a digest of
/// its text). Called before any work, and again by [`write_file`].
pub fn check_file(path: &Path, ours: &dyn Fn(&[u8]) -> bool) -> Result<(), Refused> {
    if path.as_os_str().is_empty() || path.file_name().is_none() {
        return Err(refused(path, "the output file needs a name"));
    }
    match fs::symlink_metadata(path) {
        Err(_) => Ok(()),
        Ok(m) if m.file_type().is_file() => match fs::read(path) {
            Ok(b) if ours(&b) => Ok(()),
            _ => Err(refused(
                path,
                "the file exists and tracesim did not write it (or it was changed since);                  tracesim never replaces such a file: move it away or choose another name",
            )),
        },
        Ok(m) if m.file_type().is_dir() => {
            Err(refused(path, "it is a folder, and the output is a file"))
        }
        Ok(m) if m.file_type().is_symlink() => Err(refused(
            path,
            "it is a symbolic link; give the file's own path or a new name",
        )),
        Ok(_) => Err(refused(
            path,
            "it is not a regular file (a device, socket or pipe); give a file's name",
        )),
    }
}

/// Writes a single-file output under the rule of [`check_file`]: through a temporary file
/// in the same folder, linked into place only if nothing took the name meanwhile (or renamed
/// over tracesim's own unchanged file), so a reader never sees half a file.
pub fn write_file(path: &Path, bytes: &[u8], ours: &dyn Fn(&[u8]) -> bool) -> anyhow::Result<()> {
    check_file(path, ours)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().expect("checked").to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let res = (|| -> anyhow::Result<()> {
        let mut f =
            fs::File::create(&tmp).with_context(|| format!("cannot write {}", path.display()))?;
        f.write_all(bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        f.sync_all().ok();
        if fs::symlink_metadata(path).is_ok() {
            // tracesim's own file (checked above): replaced at once.
            fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
        } else {
            // A new name: a hard link fails if another process created it meanwhile.
            match fs::hard_link(&tmp, path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(refused(path, "another process created it meanwhile").into());
                }
                Err(_) => {
                    // File systems without hard links: the check above must do.
                    fs::rename(&tmp, path)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                }
            }
        }
        Ok(())
    })();
    fs::remove_file(&tmp).ok();
    res
}

/// For outputs that carry no signature of their own: an existing file is never tracesim's.
pub fn never_ours(_: &[u8]) -> bool {
    false
}

/// The last line of an imported scenario: a digest of the text above it, so that tracesim
/// knows the file as its own, unchanged, and may replace it (an edited scenario is the user's).
pub fn sign(text: &str) -> String {
    format!("{text}{SIGNATURE}{:016x}\n", fnv1a(text.as_bytes()))
}

/// Whether `bytes` is a text [`sign`] made and nobody changed since.
pub fn is_signed(bytes: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(bytes) else {
        return false;
    };
    let Some(body) = s.strip_suffix('\n') else {
        return false;
    };
    let Some(at) = body.rfind(SIGNATURE) else {
        return false;
    };
    let (text, digest) = (&body[..at], &body[at + SIGNATURE.len()..]);
    (at == 0 || text.ends_with('\n')) && digest == format!("{:016x}", fnv1a(text.as_bytes()))
}

const SIGNATURE: &str =
    "# Written by tracesim, which replaces this file only while it is unchanged: digest ";

/// FNV-1a, 64 bits: stable across builds and platforms (std's hasher is not).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(p: &Path) -> Result<OutDir, Refused> {
        OutDir::claim(p, &Claim::new("run"))
    }

    fn forced<'a>(expected: &'a [&'a str], inputs: &'a [&'a Path]) -> Claim<'a> {
        Claim {
            expected,
            inputs,
            force: true,
            ..Claim::new("run")
        }
    }

    #[test]
    fn new_folder_is_created_and_marked() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("a/b/out");
        let mut od = claim(&d).unwrap();
        od.put("run", "x.csv", b"1").unwrap();
        od.commit(Scope::All).unwrap();
        assert_eq!(fs::read(d.join("x.csv")).unwrap(), b"1");
        let m: Marker = serde_json::from_slice(&fs::read(d.join(MARKER)).unwrap()).unwrap();
        assert_eq!(m.command, "run");
        assert!(m.files.contains_key("x.csv"));
    }

    #[test]
    fn a_failed_claim_leaves_nothing() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("a/out");
        {
            let mut od = claim(&d).unwrap();
            od.put("run", "x.csv", b"1").unwrap();
        }
        assert!(!t.path().join("a").exists());
    }

    #[test]
    fn foreign_files_are_refused_and_kept_with_force() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("notes.txt"), "mine").unwrap();
        let e = claim(t.path()).err().unwrap();
        assert!(e.why.contains("notes.txt"), "{e}");
        let mut od = OutDir::claim(t.path(), &forced(&[], &[])).unwrap();
        od.put("run", "x.csv", b"1").unwrap();
        od.commit(Scope::All).unwrap();
        let mut od = claim(t.path()).unwrap();
        od.put("run", "y.csv", b"2").unwrap();
        assert_eq!(od.commit(Scope::All).unwrap(), vec!["x.csv".to_string()]);
        assert_eq!(
            fs::read_to_string(t.path().join("notes.txt")).unwrap(),
            "mine"
        );
        assert!(!t.path().join("x.csv").exists());
        // A user's file under a name tracesim would write is never replaced, even with --force.
        fs::write(t.path().join("z.csv"), "mine").unwrap();
        let mut od = OutDir::claim(t.path(), &forced(&[], &[])).unwrap();
        assert!(od.put("run", "z.csv", b"3").is_err());
        drop(od);
        let e = OutDir::claim(t.path(), &forced(&["z.csv"], &[]))
            .err()
            .unwrap();
        assert!(
            e.why.contains("z.csv did not") || e.why.contains("z.csv is there"),
            "{e}"
        );
    }

    #[test]
    fn a_changed_file_is_the_users() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("out");
        let mut od = claim(&d).unwrap();
        od.put("run", "x.csv", b"1").unwrap();
        od.put("run", "y.csv", b"1").unwrap();
        od.commit(Scope::All).unwrap();
        fs::write(d.join("x.csv"), "edited by hand").unwrap();
        fs::write(d.join("y.csv"), "edited too").unwrap();
        assert!(
            OutDir::claim(
                &d,
                &Claim {
                    expected: &["x.csv"],
                    ..Claim::new("run")
                }
            )
            .is_err()
        );
        let mut od = claim(&d).unwrap();
        od.put("run", "z.csv", b"2").unwrap();
        // Stale but changed: kept, and no longer listed.
        assert!(od.commit(Scope::All).unwrap().is_empty());
        assert_eq!(fs::read_to_string(d.join("y.csv")).unwrap(), "edited too");
    }

    #[test]
    fn groups_replace_only_their_files() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("out");
        let mut od = claim(&d).unwrap();
        od.put("sweep", "points.csv", b"1").unwrap();
        od.put("plot", "peak_rss.png", b"1").unwrap();
        od.commit(Scope::All).unwrap();
        let mut od = OutDir::claim(&d, &Claim::new("plot")).unwrap();
        od.put("plot", "peak_rss.svg", b"2").unwrap();
        let removed = od.commit(Scope::Groups(vec!["plot".into()])).unwrap();
        assert_eq!(removed, vec!["peak_rss.png".to_string()]);
        assert!(d.join("points.csv").exists());
    }

    #[test]
    fn files_devices_and_the_current_folder_are_refused() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("out.txt");
        fs::write(&f, "x").unwrap();
        assert!(claim(&f).err().unwrap().why.contains("is a file"));
        assert!(
            claim(Path::new("/dev/null"))
                .err()
                .unwrap()
                .why
                .contains("not a folder")
        );
        let here = std::env::current_dir().unwrap();
        assert!(
            claim(&here)
                .err()
                .unwrap()
                .why
                .contains("current directory")
        );
        assert!(
            claim(Path::new("/"))
                .err()
                .unwrap()
                .why
                .contains("holds the current")
        );
        let input = t.path().join("in/s.toml");
        fs::create_dir(t.path().join("in")).unwrap();
        fs::write(&input, "").unwrap();
        for out in [t.path().join("in"), t.path().to_path_buf()] {
            let e = OutDir::claim(&out, &forced(&[], &[&input])).err().unwrap();
            assert!(e.why.contains("the input"), "{e}");
        }
    }

    #[test]
    fn a_second_writer_is_refused_while_the_first_holds_the_folder() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("out");
        let first = claim(&d).unwrap();
        let e = claim(&d).err().unwrap();
        assert!(e.why.contains("another tracesim process"), "{e}");
        drop(first);
    }

    #[test]
    fn single_files_are_written_new_or_over_tracesims_own() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("s.toml");
        write_file(&p, sign("a = 1\n").as_bytes(), &is_signed).unwrap();
        assert!(is_signed(&fs::read(&p).unwrap()));
        write_file(&p, sign("a = 2\n").as_bytes(), &is_signed).unwrap();
        assert!(fs::read_to_string(&p).unwrap().starts_with("a = 2\n"));
        // Edited by the user: theirs now.
        let edited = fs::read_to_string(&p).unwrap().replace("a = 2", "a = 3");
        fs::write(&p, &edited).unwrap();
        assert!(write_file(&p, sign("a = 4\n").as_bytes(), &is_signed).is_err());
        assert_eq!(fs::read_to_string(&p).unwrap(), edited);
        let csv = t.path().join("run.csv");
        fs::write(&csv, "t_s,rss_bytes\n").unwrap();
        assert!(write_file(&csv, b"x", &never_ours).is_err());
        assert!(check_file(t.path(), &never_ours).is_err());
        assert!(check_file(Path::new("/dev/null"), &never_ours).is_err());
        let leftovers: Vec<_> = fs::read_dir(t.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 2, "no temporary file left behind");
    }

    #[test]
    fn shards_share_a_folder_and_keep_each_others_entries() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("out");
        let shard = |g: &'static str| Claim {
            shared: true,
            ..Claim::new(g)
        };
        let mut a = OutDir::claim(&d, &shard("sweep")).unwrap();
        let mut b = OutDir::claim(&d, &shard("sweep")).unwrap();
        assert!(
            claim(&d).is_err(),
            "a whole-folder writer waits for the shards"
        );
        a.live_file("shard-0", ".runs.shard-0.journal").unwrap();
        b.put("shard-1", "runs.shard-1.csv", b"1").unwrap();
        a.put("shard-0", "runs.shard-0.csv", b"0").unwrap();
        b.commit(Scope::Groups(vec!["shard-1".into()])).unwrap();
        a.commit(Scope::Groups(vec!["shard-0".into()])).unwrap();
        let m: Marker = serde_json::from_slice(&fs::read(d.join(MARKER)).unwrap()).unwrap();
        let names: Vec<&String> = m.files.keys().collect();
        assert_eq!(names, ["runs.shard-0.csv", "runs.shard-1.csv"]);
        assert!(!d.join(".runs.shard-0.journal").exists());
    }
}
