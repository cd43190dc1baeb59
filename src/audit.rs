//! The whole pipeline, one way: load rules -> load bundle (only the data the
//! rules need) -> evaluate -> score -> build the report.

use crate::bundle::{self, Bundle, Demand};
use crate::config;
use crate::error::Problems;
use crate::eval::{self, EvalOptions};
use crate::report::{self, Report, ReportInput};
use crate::rules::condition::Period;
use crate::rules::{self, LoadedRules, RulePack};
use crate::score;
use crate::waivers;
use chrono::NaiveDate;
use std::path::PathBuf;
use std::sync::Arc;

/// The default rule pack shipped with mktaudit: built into the binary from
/// the source tree's `rules/`, and named `DEFAULT_PACK` (rules::load) in lists of packs.
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
    /// `--no-config`: read no config file at all (neither the user's nor the bundle's).
    pub no_config: bool,
    /// `--select` / `--ignore`: rules kept or dropped after the config's `disable:`.
    pub selection: Selection,
}

/// The configs that apply to an audit of `bundle`, or none with `--no-config`.
pub fn load_config(
    explicit: Option<&std::path::Path>,
    bundle: &std::path::Path,
    trust_bundle: bool,
    no_config: bool,
) -> Result<config::LoadedConfig, Problems> {
    if no_config {
        return Ok(config::LoadedConfig::none());
    }
    config::load_config(explicit, bundle, trust_bundle)
}

/// Rule selection from the command line (`--select`, `--ignore`): each entry
/// is a rule id, an id prefix (`STRAT`, `CRED-00`) or a category
/// (`credible`), case-insensitive. Applied like the config's `disable:`: a
/// rule left out is not run, and the methodology notes say why.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    fn matches(entry: &str, rule: &rules::Rule) -> bool {
        let entry = entry.trim();
        rule.category.as_str().eq_ignore_ascii_case(entry)
            || rule
                .id
                .get(..entry.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(entry))
    }

    /// Keeps the selected rules, less the ignored ones. An entry that matches
    /// no rule is an error: a typo must not quietly widen or narrow the audit.
    pub fn apply(&self, pack: &mut rules::RulePack) -> Result<Vec<String>, Problems> {
        let ids: Vec<&str> = pack.rules.iter().map(|r| r.id.as_str()).collect();
        let mut problems = Problems::default();
        for (flag, entries) in [("--select", &self.select), ("--ignore", &self.ignore)] {
            for e in entries
                .iter()
                .filter(|e| !pack.rules.iter().any(|r| Self::matches(e, r)))
            {
                problems.push(
                    crate::error::Problem::new(
                        crate::error::ErrorCode::Usage,
                        format!("{flag} `{e}` matches no rule id, id prefix or category of the loaded packs"),
                    )
                    .help(crate::error::suggest(e, &ids)),
                );
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut notes = Vec::new();
        pack.rules.retain(|r| {
            let selected = self.select.is_empty() || self.select.iter().any(|e| Self::matches(e, r));
            let ignored = self.ignore.iter().any(|e| Self::matches(e, r));
            if !selected {
                notes.push(format!("rule {} not run: not in --select", r.id));
            } else if ignored {
                notes.push(format!("rule {} not run: --ignore", r.id));
            }
            selected && !ignored
        });
        Ok(notes)
    }
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
    let config = load_config(
        opts.config.as_deref(),
        &opts.bundle,
        opts.trust_bundle_config,
        opts.no_config,
    )?;
    let timings = Timings::from_env();
    // A mistyped folder is told at once, not after the rules have loaded.
    bundle::check_root(&opts.bundle)?;
    let (mut pack, mut notes) = configured_pack(&opts.rule_dirs, &config)?;
    notes.extend(opts.selection.apply(&mut pack)?);
    timings.lap("load rules");
    let demand = pack.demand();
    let load = bundle::LoadOptions {
        shown_only: pack.shown_only(),
        ..Default::default()
    };
    let mut bundle = bundle::load_bundle_with(&opts.bundle, Some(&demand), &load)?;
    timings.lap("load bundle");
    timings.memory(&bundle);
    bundle.profile_overrides = config.profile_overrides();
    let unknown_profile = config::profile::check(&pack, &bundle);
    if !unknown_profile.is_empty() {
        return Err(unknown_profile);
    }
    let as_of = opts.as_of.unwrap_or_else(|| default_as_of(&bundle));
    let period = eval::audit_period(&bundle, as_of);
    let bundle = Arc::new(bundle);
    let mut eval_opts = opts.eval.clone().unwrap_or_else(|| EvalOptions::new(as_of));
    eval_opts.as_of = as_of;
    for (rule, params) in config.param_overrides() {
        eval_opts.param_overrides.entry(rule).or_default().extend(params);
    }
    // The checks of the data only add notes to the report: they run beside
    // the rules, on a thread the rules leave idle at times (a tenth of the
    // evaluation's time on a million-row bundle), not before them.
    let (timed, (readings, data_notes)) = rayon::join(
        || eval::evaluate_timed(&pack, &bundle, &eval_opts),
        || check_data(&pack, &bundle, &demand, (period, as_of)),
    );
    timings.lap("evaluate");
    timings.slowest_rules(&timed);
    timings.resident("after evaluate");
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
        period,
        notes: &notes,
        configs: &config.uses,
        waivers: &waived,
        grade_bands: &bands,
        readings: &readings,
        data_notes: &data_notes,
    }))
}

/// The notes of the checks of the data the rules read, in the report's
/// order: values no vocabulary reads, ids on more than one row, exports
/// that do not cover the period; and the readings behind the first.
fn check_data(
    pack: &RulePack,
    bundle: &Bundle,
    demand: &Demand,
    (period, as_of): (Period, NaiveDate),
) -> (Vec<rules::unrecognised::FieldReading>, Vec<bundle::Note>) {
    let readings = rules::unrecognised::readings(pack, bundle);
    let mut notes = rules::unrecognised::notes(&readings);
    notes.extend(bundle::integrity::notes(bundle, demand.keys().map(String::as_str)));
    notes.extend(bundle::coverage::period_notes(
        bundle,
        demand.keys().map(String::as_str),
        &pack.whole_period_datasets(),
        (period.start, period.end),
        as_of,
    ));
    (readings, notes)
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

    /// How much of the process's memory the loaded data is: resident and
    /// peak after the load, and the largest columns.
    fn memory(&self, bundle: &bundle::Bundle) {
        if self.0.is_none() {
            return;
        }
        self.resident("after load");
        let columns = bundle::memory_by_column(bundle);
        let mb = |b: usize| b as f64 / 1e6;
        let total: usize = columns.iter().map(|c| c.1).sum();
        eprintln!("{:>12}  loaded columns: {:.1} MB", "", mb(total));
        for (name, bytes) in columns.iter().take(20) {
            eprintln!("{:>12}  {name}: {:.1} MB", "", mb(*bytes));
        }
    }

    fn resident(&self, when: &str) {
        if let (Some(_), Some((now, peak))) = (&self.0, bundle::resident_bytes()) {
            eprintln!(
                "{:>12}  {when}: resident {:.0} MB, peak {:.0} MB",
                "",
                now as f64 / 1e6,
                peak as f64 / 1e6
            );
        }
    }

    /// The rules that took longest (they run in parallel, so their times
    /// add up to more than the stage's).
    fn slowest_rules(&self, timed: &[(eval::RuleResult, std::time::Duration)]) {
        if self.0.is_none() {
            return;
        }
        let mut by_time: Vec<_> = timed.iter().map(|(r, d)| (d, &r.id)).collect();
        by_time.sort_by(|a, b| b.0.cmp(a.0).then(a.1.cmp(b.1)));
        for (took, rule) in by_time.into_iter().take(50) {
            eprintln!("{:>12}  {rule}: {:.3} s", "", took.as_secs_f64());
        }
    }
}
