//! The scale benchmark: `cargo bench --bench scale`.
//!
//! For 10k, 100k and 1M leads + opportunities (`mktaudit gen`, fixed seed),
//! of a well-run org (every rule passes) and of a troubled one (most rules
//! fail and build their evidence), it measures, in the same run:
//! - the raw-parse baseline: one pass of the csv crate over every CSV file of
//!   the bundle (records read, nothing kept), on one thread;
//! - the whole `mktaudit audit` process with the full default pack, JSON
//!   report to a file: wall time and CPU time (user + system, all threads;
//!   best of N) and peak resident memory (the highest of N). CPU time is what
//!   a multi-threaded run cannot hide: against a one-thread baseline, wall
//!   time alone flatters the audit on a machine with more cores.
//!
//! It prints a Markdown table for `docs/performance.md`.
//!
//! `MKTAUDIT_BENCH_SIZES=10000,100000` picks sizes, `MKTAUDIT_BENCH_PROFILES=troubled`
//! the orgs; `MKTAUDIT_BENCH_RUNS` the repetitions (default 5). Bundles are cached under `target/tmp/`.

use mktaudit::testing::generator::Profile;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The seed of `mktaudit gen --seed 7`, the bundle the targets are stated for.
const SEED: u64 = 7;

fn bundle(rows: u64, profile: Profile) -> PathBuf {
    let name = format!("bundle-{rows}-{profile:?}-seed{SEED}").to_lowercase();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    if !dir.join("opportunities.csv").exists() {
        let _ = std::fs::remove_dir_all(&dir);
        mktaudit::testing::generator::generate_profile(&dir, rows, SEED, profile).expect("the bundle is generated");
    }
    dir
}

fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    files
}

fn bytes_on_disk(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

/// One pass of the csv crate over every CSV file: the floor any CSV tool pays.
fn raw_parse(dir: &Path) -> (Duration, u64) {
    let start = Instant::now();
    let mut records = 0;
    for file in csv_files(dir) {
        let mut reader = csv::ReaderBuilder::new().from_path(&file).unwrap();
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).unwrap() {
            records += 1;
        }
    }
    (start.elapsed(), records)
}

/// Wall time, CPU time (user + system) and peak RSS (KiB) of one whole `mktaudit audit` process.
fn audit(dir: &Path, out: &Path) -> (Duration, Duration, i64) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mktaudit"))
        .args([
            "audit",
            dir.to_str().unwrap(),
            "--as-of",
            "2025-12-31",
            "--format",
            "json",
            "--output",
        ])
        .arg(out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .spawn()
        .expect("mktaudit runs");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // wait4 reports this child's own peak memory, unlike a whole-process counter.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    assert_eq!(waited, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) <= 1,
        "mktaudit failed on {}",
        dir.display()
    );
    let _ = child.try_wait();
    let cpu = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    (elapsed, cpu(usage.ru_utime) + cpu(usage.ru_stime), usage.ru_maxrss)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing:
    // only the former runs the (minutes-long) measurement.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let sizes: Vec<u64> = std::env::var("MKTAUDIT_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("sizes are numbers"))
        .collect();
    let runs: usize = std::env::var("MKTAUDIT_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let profiles: Vec<Profile> = std::env::var("MKTAUDIT_BENCH_PROFILES")
        .unwrap_or_else(|_| "healthy,troubled".into())
        .split(',')
        .map(|s| clap::ValueEnum::from_str(s.trim(), true).expect("profiles are healthy or troubled"))
        .collect();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-report.json");
    println!(
        "| org | rows (leads + opps) | bundle MB | raw parse s | audit wall s | wall / raw | audit CPU s | CPU / raw | peak MB | peak / bundle | audit us per row |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (profile, rows) in profiles.iter().flat_map(|p| sizes.iter().map(move |r| (*p, *r))) {
        let dir = bundle(rows, profile);
        let size_mb = bytes_on_disk(&dir) as f64 / 1e6;
        // Baseline and audit take turns, so a busy spell on the machine
        // slows both rather than only one side of the ratio.
        let (mut raw, mut wall, mut cpu, mut peak_kib) = (Duration::MAX, Duration::MAX, Duration::MAX, 0);
        for _ in 0..runs {
            let (took, records) = raw_parse(&dir);
            assert!(records >= 2 * rows, "the baseline read every row");
            raw = raw.min(took);
            let (took, used, peak) = audit(&dir, &out);
            wall = wall.min(took);
            cpu = cpu.min(used);
            peak_kib = peak_kib.max(peak);
        }
        let peak_mb = peak_kib as f64 * 1024.0 / 1e6;
        println!(
            "| {} | {rows} + {rows} | {size_mb:.1} | {:.3} | {:.3} | {:.2}x | {:.3} | {:.2}x | {peak_mb:.0} | {:.2}x | {:.2} |",
            format!("{profile:?}").to_lowercase(),
            raw.as_secs_f64(),
            wall.as_secs_f64(),
            wall.as_secs_f64() / raw.as_secs_f64(),
            cpu.as_secs_f64(),
            cpu.as_secs_f64() / raw.as_secs_f64(),
            peak_mb / size_mb,
            wall.as_secs_f64() * 1e6 / (2 * rows) as f64,
        );
    }
}
