//! The whole pipeline, one way: load rules -> load bundle (only the data the
//! rules need) -> evaluate -> score -> build the report.

use crate::bundle::{self, Bundle};
use crate::error::Problems;
use crate::eval::{self, EvalOptions};
use crate::report::{self, Report, ReportInput};
use crate::rules::{self, LoadedRules};
use crate::score;
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The default rule pack shipped with mktaudit: `rules/` in the working
/// folder when there is one, else the pack of the source tree it was built from.
pub fn default_rules_dir() -> PathBuf {
    let local = PathBuf::from("rules");
    if local.join("credible").is_dir() {
        local
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
    }
}

#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub bundle: PathBuf,
    /// Rule pack folders, in order (later ones override earlier ones by id).
    pub rule_dirs: Vec<PathBuf>,
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

pub fn run_audit(opts: &AuditOptions) -> Result<Report, Problems> {
    let LoadedRules { pack, notes } = rules::load_rule_dirs(&opts.rule_dirs)?;
    let demand = pack.demand();
    let bundle = Arc::new(bundle::load_bundle(&opts.bundle, Some(&demand))?);
    let as_of = opts.as_of.unwrap_or_else(|| default_as_of(&bundle));
    let mut eval_opts = opts.eval.clone().unwrap_or_else(|| EvalOptions::new(as_of));
    eval_opts.as_of = as_of;
    let results = eval::evaluate(&pack, &bundle, &eval_opts);
    let scorecard = score::score(&pack, &results);
    Ok(report::build(&ReportInput {
        pack: &pack,
        bundle: &bundle,
        results: &results,
        scorecard: &scorecard,
        as_of,
        period: eval::audit_period(&bundle, as_of),
        notes: &notes,
    }))
}
