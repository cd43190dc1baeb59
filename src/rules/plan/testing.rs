//! What the plan runner's unit tests share: a plan compiled from YAML with
//! the params' defaults, a bundle from inline YAML rows, and one run over
//! the year 2025 audited on its last day.

use super::Plan;
use super::format::RawPlan;
use super::run::PlanOutcome;
use crate::bundle::{Bundle, Manifest, bundle_from_inline};
use crate::error::SourceFile;
use crate::rules::condition::Period;
use crate::rules::params::ParamValues;
use crate::rules::vocab::Vocabularies;
use chrono::NaiveDate;

/// The plan written in `yaml`, compiled with no params (panics on an error,
/// which the test then shows).
pub(crate) fn plan(yaml: &str) -> Plan {
    let raw: RawPlan = crate::yaml::from_str(yaml).unwrap();
    Plan::compile(&raw, &ParamValues::new(), None).unwrap_or_else(|e| panic!("{e:?}"))
}

/// A bundle of the datasets written in `yaml` (`leads: [{ id: L1 }, ...]`).
pub(crate) fn bundle(yaml: &str) -> Bundle {
    let data: indexmap::IndexMap<String, crate::yaml::Value> = crate::yaml::from_str(yaml).unwrap();
    bundle_from_inline("test", &data, Manifest::default(), &SourceFile::new("t.yaml", "")).unwrap()
}

/// The calendar year 2025, the period every test audits.
pub(crate) fn year() -> Period {
    let day = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
    Period {
        start: day(1, 1),
        end: day(12, 31),
    }
}

/// `plan` run on `bundle` over [`year`], as of its last day, with no
/// vocabularies and up to 100 findings.
pub(crate) fn run(plan: &Plan, bundle: &Bundle) -> PlanOutcome {
    let period = year();
    super::run::run(
        plan,
        bundle,
        period,
        period.end,
        &ParamValues::new(),
        &Vocabularies::new(),
        100,
    )
}

/// The outcome of the plan in `plan_yaml` on the rows in `data_yaml`.
pub(crate) fn outcome(plan_yaml: &str, data_yaml: &str) -> PlanOutcome {
    run(&plan(plan_yaml), &bundle(data_yaml))
}
