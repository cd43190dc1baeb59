//! The whole pipeline, one way: load rules -> load bundle (only the data the
//! rules need) -> evaluate -> score -> build the report.

use crate::bundle::{self, Bundle};
use crate::config;
use crate::error::Problems;
use crate::eval::{self, EvalOptions};
use crate::report::{self, Report, ReportInput};
use crate::rules::{self, LoadedRules};
use crate::score;
use crate::waivers;
use chrono::NaiveDate;
use std::path::PathBuf;
use std::sync::Arc;

/// The default rule pack shipped with mktaudit: built into the binary from
/// the source tree's `rules/`, and named [`rules::DEFAULT_PACK`] in lists of packs.
pub fn default_rules_dir() -> PathBuf {
    rules::default_pack_dir()
}

#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    pub bundle: PathBuf,
    /// Rule pack folders, in order (later ones override earlier ones by id).
    /// Packs named in the config are added after these.
    pub rule_dirs: Vec<PathBuf>,
    /// `--config FILE`; None looks for mktaudit.yaml in the working folder.
    /// A mktaudit.yaml inside the bundle adds its `profile:` only (see `config`).
    pub config: Option<PathBuf>,
    /// `--trust-bundle-config`: a mktaudit.yaml inside the bundle applies in
    /// full, as the user's own, when no `--config` is given.
    pub trust_bundle_config: bool,
    /// The audit date; None: the end of the bundle's period, or today if sooner.
    pub as_of: Option<NaiveDate>,
    pub eval: Option<EvalOptions>,
}

/// The audit date when none is given: today, or the end of the audited
/// period when that is earlier, so re-running a closed period gives the
/// same report.
pub fn default_as_of(bundle: &Bundle) -> NaiveDate {
    let today = chrono::Local::now().date_naive();
    bundle.manifest.period.map_or(today, |p| p.end.min(today))
}

/// The rule packs a run uses: the given folders (less the default pack when
/// the config says so) and the config's packs, with the config's overrides
/// applied. Returns the pack and notes on overrides for the methodology.
pub fn configured_pack(
    rule_dirs: &[PathBuf],
    config: &config::LoadedConfig,
) -> Result<(rules::RulePack, Vec<String>), Problems> {
    let default_dir = default_rules_dir();
    let mut dirs: Vec<PathBuf> = rule_dirs
        .iter()
        .filter(|d| config.config.default_rules != Some(false) || **d != default_dir)
        .cloned()
        .collect();
    dirs.extend(config.rule_dirs());
    let LoadedRules { mut pack, mut notes } = load_packs(&dirs)?;
    notes.extend(config.apply(&mut pack)?);
    Ok((pack, notes))
}

/// The packs of `dirs`, read once per process: a portfolio audits many
/// bundles with the same packs.
fn load_packs(dirs: &[PathBuf]) -> Result<LoadedRules, Problems> {
    static LOADED: std::sync::Mutex<Vec<(Vec<PathBuf>, LoadedRules)>> = std::sync::Mutex::new(Vec::new());
    if let Some((_, loaded)) = LOADED
        .lock()
        .ok()
        .and_then(|l| l.iter().find(|(d, _)| d == dirs).cloned())
    {
        return Ok(loaded);
    }
    let loaded = rules::load_rule_dirs_for_audit(dirs)?;
    if let Ok(mut l) = LOADED.lock() {
        l.push((dirs.to_vec(), loaded.clone()));
    }
    Ok(loaded)
}

pub fn run_audit(opts: &AuditOptions) -> Result<Report, Problems> {
    let config = config::load_config(opts.config.as_deref(), &opts.bundle, opts.trust_bundle_config)?;
    let timings = Timings::from_env();
    let (pack, notes) = configured_pack(&opts.rule_dirs, &config)?;
    timings.lap("load rules");
    let demand = pack.demand();
    let mut bundle = bundle::load_bundle(&opts.bundle, Some(&demand))?;
    timings.lap("load bundle");
    bundle.profile_overrides = config.profile_overrides();
    let unrecognised = rules::unrecognised::notes(&pack, &bundle);
    bundle.notes.extend(unrecognised);
    let as_of = opts.as_of.unwrap_or_else(|| default_as_of(&bundle));
    let period = eval::audit_period(&bundle, as_of);
    let whole = pack.whole_period_datasets();
    let placed = bundle::coverage::period_notes(
        &bundle,
        demand.keys().map(String::as_str),
        &whole,
        (period.start, period.end),
        as_of,
    );
    bundle.notes.extend(placed);
    let bundle = Arc::new(bundle);
    let mut eval_opts = opts.eval.clone().unwrap_or_else(|| EvalOptions::new(as_of));
    eval_opts.as_of = as_of;
    for (rule, params) in config.param_overrides() {
        eval_opts.param_overrides.entry(rule).or_default().extend(params);
    }
    let timed = eval::evaluate_timed(&pack, &bundle, &eval_opts);
    timings.lap("evaluate");
    timings.slowest_rules(&timed);
    let mut results: Vec<_> = timed.into_iter().map(|(r, _)| r).collect();
    let waived = waivers::apply(&mut results, &config.config.waivers, as_of);
    let bands = config.grade_bands();
    let scorecard = score::score_with(&pack, &results, &bands);
    Ok(report::build(&ReportInput {
        pack: &pack,
        bundle: &bundle,
        results: &results,
        scorecard: &scorecard,
        as_of,
        period: eval::audit_period(&bundle, as_of),
        notes: &notes,
        configs: &config.uses,
        waivers: &waived,
        grade_bands: &bands,
    }))
}

/// `MKTAUDIT_TIMINGS=1` prints how long each stage took to stderr, to see
/// where the time of a large audit goes without a profiler.
struct Timings(Option<std::cell::Cell<std::time::Instant>>);

impl Timings {
    fn from_env() -> Self {
        Self(std::env::var_os("MKTAUDIT_TIMINGS").map(|_| std::cell::Cell::new(std::time::Instant::now())))
    }

    fn lap(&self, stage: &str) {
        if let Some(start) = &self.0 {
            let now = std::time::Instant::now();
            eprintln!("{stage:>12}: {:.3} s", (now - start.get()).as_secs_f64());
            start.set(now);
        }
    }

    /// The rules that took longest (they run in parallel, so their times
    /// add up to more than the stage's).
    fn slowest_rules(&self, timed: &[(eval::RuleResult, std::time::Duration)]) {
        if self.0.is_none() {
            return;
        }
        let mut by_time: Vec<_> = timed.iter().map(|(r, d)| (d, &r.rule)).collect();
        by_time.sort_by(|a, b| b.0.cmp(a.0).then(a.1.cmp(b.1)));
        for (took, rule) in by_time.into_iter().take(50) {
            eprintln!("{:>12}  {rule}: {:.3} s", "", took.as_secs_f64());
        }
    }
}
