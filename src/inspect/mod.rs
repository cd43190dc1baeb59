//! `mktaudit inspect BUNDLE`: data readiness before an audit. What was read
//! from which file and how (source mapping, which column became which field
//! and why), what was ignored, which rules can be assessed and what data
//! would unlock the others, and whether the datasets join up.

use crate::bundle::schema::Schema;
use crate::bundle::{self, Bundle, ColumnData, ColumnRead, Note};
use crate::error::Problems;
use crate::rules;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

mod joins;
mod text;
use joins::joins;
pub use text::render_text;

#[derive(Debug, Clone, Default)]
pub struct InspectOptions {
    pub bundle: PathBuf,
    pub rule_dirs: Vec<PathBuf>,
    pub config: Option<PathBuf>,
    pub trust_bundle_config: bool,
    /// `--no-config`: read no config file.
    pub no_config: bool,
}

#[derive(Debug, Serialize)]
pub struct Inspection {
    pub bundle: String,
    pub org: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    pub datasets: Vec<DatasetInfo>,
    pub rules: Vec<RuleReadiness>,
    /// Datasets no file provides, with the rules they would unlock.
    pub to_gather: Vec<Gather>,
    /// Fields rules need that a dataset read lacks (or has empty).
    pub missing_fields: Vec<MissingField>,
    pub joins: Vec<JoinIssue>,
    /// Each value of a field the rules read through a vocabulary, and what it was read as.
    pub vocabulary_values: Vec<rules::unrecognised::FieldReading>,
    /// For every reference between two datasets the bundle has (opportunity
    /// -> lead, lead -> opportunity, member -> campaign...): how many of the
    /// values find their record.
    pub match_rates: Vec<MatchRate>,
    pub notes: Vec<Note>,
    /// The configs that applied, and what of a bundle's config was ignored.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<crate::config::ConfigUse>,
}

#[derive(Debug, Serialize)]
pub struct DatasetInfo {
    pub name: String,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_by: Option<String>,
    pub rows: usize,
    pub header_line: usize,
    pub date_ranges: Vec<DateRange>,
    pub columns: Vec<ColumnRead>,
    pub ignored: Vec<String>,
    pub dropped: Vec<String>,
    pub skipped_above: Vec<String>,
    pub totals_dropped: usize,
    pub footer_dropped: usize,
}

#[derive(Debug, Serialize)]
pub struct DateRange {
    pub field: String,
    pub from: String,
    pub to: String,
    pub values: usize,
}

#[derive(Debug, Serialize)]
pub struct RuleReadiness {
    pub id: String,
    pub title: String,
    /// Whether the audit would judge the rule: decided by evaluating it on
    /// the bundle, exactly as `audit` does, never by a second reading of its needs.
    pub assessable: bool,
    /// What is missing (`leads`, `opportunities.source`).
    pub missing: Vec<String>,
    /// Why the rule would not be assessed when no dataset or field is missing
    /// (e.g. no targets in the period).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `exports` when the rule runs on CRM and ad exports alone, else `documents`.
    pub tier: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Gather {
    pub dataset: String,
    pub who: String,
    pub what: String,
    pub unlocks: Vec<String>,
    /// Built-in source mappings that read an export of it.
    pub sources: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct MissingField {
    /// `dataset.field`, with ` (every value empty)` when the column is there but empty.
    pub field: String,
    pub file: String,
    pub unlocks: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct MatchRate {
    /// `opportunities.lead_id -> leads`, or with the key bundle.yaml's
    /// `join_on:` names: `opportunities.lead_id -> leads.email`.
    pub join: String,
    /// Rows with a value in the referencing field.
    pub linked: usize,
    /// Of those, rows whose value is a record of the target.
    pub matched: usize,
}

#[derive(Debug, Serialize)]
pub struct JoinIssue {
    /// unknown_reference, duplicate_id, outside_period or not_checked.
    pub kind: &'static str,
    pub dataset: String,
    pub field: String,
    pub count: usize,
    pub examples: Vec<String>,
    pub message: String,
}

/// Loads the rules as `audit` does (packs, config) and the whole bundle.
pub fn run_inspect(opts: &InspectOptions) -> Result<Inspection, Problems> {
    let config = crate::audit::load_config(
        opts.config.as_deref(),
        &opts.bundle,
        opts.trust_bundle_config,
        opts.no_config,
    )?;
    let (pack, _) = crate::audit::configured_pack(&opts.rule_dirs, &config)?;
    // Every column is kept, to show it; the rules' demand, as in `audit`,
    // decides which are read, so a bad cell is an error or a note alike.
    let keep_all = bundle::LoadOptions {
        keep_all: true,
        ..Default::default()
    };
    let mut bundle = bundle::load_bundle_with(&opts.bundle, Some(&pack.demand()), &keep_all)?;
    bundle.profile_overrides = config.profile_overrides();
    // The same error `audit` gives: a profile value no band knows is never a silent default.
    let unknown_profile = crate::config::profile::check(&pack, &bundle);
    if !unknown_profile.is_empty() {
        return Err(unknown_profile);
    }
    let bundle = std::sync::Arc::new(bundle);
    let mut eval_opts = crate::eval::EvalOptions::new(crate::audit::default_as_of(&bundle));
    for (rule, params) in config.param_overrides() {
        eval_opts.param_overrides.entry(rule).or_default().extend(params);
    }
    let results = crate::eval::evaluate(&pack, &bundle, &eval_opts);
    let mut i = inspect(&bundle, &pack, &results);
    i.configs = config.uses.clone();
    Ok(i)
}

/// What `inspect` shows; `results` are the pack's rules evaluated on the
/// bundle, so what it calls assessable is what the audit assesses.
pub fn inspect(bundle: &Bundle, pack: &rules::RulePack, results: &[crate::eval::RuleResult]) -> Inspection {
    let schema = Schema::get();
    let datasets = bundle
        .reads
        .values()
        .map(|r| DatasetInfo {
            name: r.dataset.clone(),
            file: r.file.clone(),
            sheet: r.sheet.clone(),
            source: r.source.clone(),
            source_by: r.source_by.clone(),
            rows: r.rows,
            header_line: r.header_line,
            date_ranges: date_ranges(bundle, &r.dataset),
            columns: r.columns.clone(),
            ignored: r.ignored.clone(),
            dropped: r.dropped.clone(),
            skipped_above: r.skipped_above.clone(),
            totals_dropped: r.totals_dropped,
            footer_dropped: r.footer_dropped,
        })
        .collect();
    let rules: Vec<RuleReadiness> = pack
        .rules
        .iter()
        .zip(results)
        .map(|(r, result)| {
            let assessable = result.status.assessed() || result.status == crate::eval::Status::NotApplicable;
            RuleReadiness {
                id: r.id.clone(),
                title: r.title.clone(),
                assessable,
                missing: result.missing.clone(),
                reason: (!assessable && result.missing.is_empty())
                    .then(|| result.reason.clone().unwrap_or_else(|| result.message.clone())),
                tier: Schema::get().tier_of(r.requires.keys().chain(r.optional.keys())),
            }
        })
        .collect();
    let mut unlocks: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut fields: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &rules {
        for m in &r.missing {
            let ds = m.split(['.', ' ']).next().unwrap_or_default();
            if bundle.dataset(ds).is_none() {
                unlocks.entry(ds.to_string()).or_default().insert(r.id.clone());
            } else {
                fields.entry(m.clone()).or_default().insert(r.id.clone());
            }
        }
    }
    let missing_fields = fields
        .into_iter()
        .map(|(field, rules)| {
            let ds = field.split('.').next().unwrap_or_default();
            MissingField {
                file: bundle.dataset(ds).map(|d| d.file.clone()).unwrap_or_default(),
                field,
                unlocks: rules.into_iter().collect(),
            }
        })
        .collect();
    let to_gather = unlocks
        .into_iter()
        .map(|(ds, rules)| {
            let g = schema.dataset(&ds).and_then(|d| d.gather.as_ref());
            Gather {
                sources: bundle::source::builtin()
                    .values()
                    .filter(|s| s.dataset == ds)
                    .map(|s| s.name.clone())
                    .collect(),
                who: g.map(|g| g.who.clone()).unwrap_or_default(),
                what: g.map(|g| g.what.clone()).unwrap_or_default(),
                dataset: ds,
                unlocks: rules.into_iter().collect(),
            }
        })
        .collect();
    let period = bundle.manifest.period.map(|p| format!("{} to {}", p.start, p.end));
    let mut match_rates = Vec::new();
    let readings = rules::unrecognised::readings(pack, bundle);
    Inspection {
        bundle: bundle.root.display().to_string(),
        org: bundle.org_name(),
        period,
        datasets,
        rules,
        to_gather,
        missing_fields,
        joins: joins(bundle, &mut match_rates),
        vocabulary_values: readings.clone(),
        match_rates,
        notes: {
            let mut notes = bundle.notes.clone();
            notes.extend(rules::unrecognised::notes(&readings));
            if let Some(p) = bundle.manifest.period {
                // The datasets only: the fields a full demand adds are not needed here.
                let whole = pack.whole_period_datasets();
                notes.extend(bundle::coverage::period_notes(
                    bundle,
                    pack.datasets(),
                    &whole,
                    (p.start, p.end),
                    p.end,
                ));
            }
            notes
        },
        configs: Vec::new(),
    }
}

fn date_ranges(bundle: &Bundle, name: &str) -> Vec<DateRange> {
    let Some(ds) = bundle.dataset(name) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (field, col) in &ds.columns {
        if !matches!(col.data, ColumnData::Date(_)) {
            continue;
        }
        let dates: Vec<_> = (0..ds.rows).filter_map(|r| col.date(r)).collect();
        if let (Some(from), Some(to)) = (dates.iter().min(), dates.iter().max()) {
            out.push(DateRange {
                field: field.clone(),
                from: from.to_string(),
                to: to.to_string(),
                values: dates.len(),
            });
        }
    }
    out
}
