//! Files in and out: big data files are mapped rather than copied into
//! memory, and writes never leave a half-written file behind.

use std::io::Write;
use std::path::Path;

/// Whether `path`, with every link resolved, lies inside `root` (also
/// resolved). A path that does not exist is not inside anything.
pub fn is_inside(path: &Path, root: &Path) -> bool {
    match (path.canonicalize(), root.canonicalize()) {
        (Ok(p), Ok(r)) => p.starts_with(r),
        _ => false,
    }
}

/// Writes `bytes` to a temporary file next to `path`, then renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_all_atomic(&[(path, bytes)])
}

/// The mark in the name of every temporary file mktaudit writes, so that
/// one left by a killed run is recognised and removed by the next.
const TEMP_MARK: &str = ".mktaudit-tmp-";

/// Temporary files older than this whose process is gone are stale.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

fn temp_name(path: &Path, kind: &str) -> std::path::PathBuf {
    path.with_file_name(format!("{}{}.{kind}", temp_prefix(path), std::process::id()))
}

/// `.NAME.mktaudit-tmp-`: the start of every temporary file for `path`.
fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    format!(".{name}{TEMP_MARK}")
}

/// The folder `path` is in (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Writes every file or none: all are written to temporary files beside
/// their targets first (tempfile's, removed if anything fails), then
/// persisted over them; should one fail, the files already replaced get
/// their previous contents back. A replaced file keeps its permissions; a
/// new one gets the usual ones (0666 less the umask), not tempfile's 0600.
/// A read-only target is refused before anything is written. Temporary
/// files of killed runs beside the targets are removed.
pub fn write_all_atomic(files: &[(&Path, &[u8])]) -> std::io::Result<()> {
    for (path, _) in files {
        remove_stale_temps(path);
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().readonly()
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "the file is read-only; mktaudit does not replace a read-only file (make it writable or write elsewhere)",
            ));
        }
    }
    let mut temps: Vec<tempfile::NamedTempFile> = Vec::new();
    for (path, bytes) in files {
        let mut builder = tempfile::Builder::new();
        // The process id in the name lets a later run tell a killed run's file.
        let prefix = format!("{}{}.", temp_prefix(path), std::process::id());
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        // On error, the temporaries made so far are dropped, which deletes them.
        let mut tmp = builder.tempfile_in(folder_of(path))?;
        tmp.write_all(bytes)?;
        if let Ok(meta) = std::fs::metadata(path) {
            tmp.as_file().set_permissions(meta.permissions())?;
        }
        tmp.as_file().sync_all()?;
        temps.push(tmp);
    }
    // Keep each file about to be replaced, to put it back if a later persist fails.
    let mut backups: Vec<Option<std::path::PathBuf>> = Vec::new();
    let remove = |paths: &[std::path::PathBuf]| {
        for p in paths {
            let _ = std::fs::remove_file(p);
        }
    };
    for (path, _) in files {
        let backup = path.exists().then(|| temp_name(path, "old"));
        if let Some(b) = &backup {
            let _ = std::fs::remove_file(b);
            if let Err(e) = std::fs::hard_link(path, b).or_else(|_| std::fs::copy(path, b).map(|_| ())) {
                remove(&backups.iter().flatten().cloned().collect::<Vec<_>>());
                return Err(e);
            }
        }
        backups.push(backup);
    }
    for (i, ((path, _), tmp)) in files.iter().zip(temps).enumerate() {
        if let Err(e) = tmp.persist(path) {
            for ((done, _), backup) in files[..i].iter().zip(&backups) {
                match backup {
                    Some(b) => {
                        let _ = std::fs::rename(b, done);
                    }
                    None => {
                        let _ = std::fs::remove_file(done);
                    }
                }
            }
            // The temporaries not yet persisted are dropped (deleted) with `e`
            // and the rest of the iterator.
            remove(&backups.iter().flatten().cloned().collect::<Vec<_>>());
            return Err(e.error);
        }
    }
    remove(&backups.into_iter().flatten().collect::<Vec<_>>());
    Ok(())
}

/// Removes temporary files for `path` left by runs that were killed: those
/// whose process no longer runs (where that can be seen) or that are old.
fn remove_stale_temps(path: &Path) {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let prefix = format!(".{name}{TEMP_MARK}");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.split('.').next().and_then(|p| p.parse::<u32>().ok());
        let gone = pid.is_some_and(|p| p != std::process::id() && !process_runs(p));
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE_AFTER));
        if gone || old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` runs, where the system shows it (Linux); elsewhere
/// assumed running, so only age makes its files stale.
fn process_runs(pid: u32) -> bool {
    let proc_root = Path::new("/proc");
    !proc_root.join("self").exists() || proc_root.join(pid.to_string()).exists()
}

mod text;
pub use text::{FileBytes, FileText};

#[cfg(test)]
mod tests;
