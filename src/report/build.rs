//! Building the report model from a run: results in reading order, person
//! ids shown as names, coverage by tier, and what each rule needs.

use super::*;

/// The tier coverage of a run: each rule's tier from the datasets it reads.
fn tier_coverage(pack: &crate::rules::RulePack, reports: &[RuleResult]) -> Vec<TierCoverage> {
    let schema = crate::bundle::schema::Schema::get();
    [
        ("exports", "from your exports"),
        ("documents", "from the documents you gave us"),
    ]
    .into_iter()
    .map(|(tier, label)| {
        let rules: Vec<&crate::rules::Rule> = pack
            .rules
            .iter()
            .filter(|r| schema.tier_of(r.requires.keys().chain(r.optional.keys())) == tier)
            .collect();
        let assessed = rules
            .iter()
            .filter(|r| reports.iter().any(|x| x.id == r.id && x.status.assessed()))
            .count();
        TierCoverage {
            tier: tier.to_string(),
            label: label.to_string(),
            rules: rules.len(),
            assessed,
        }
    })
    .collect()
}

/// Orders results for reading: failures first, then warnings, errors,
/// not assessed and passes; heavier rules first; then by id.
fn reading_order(s: Status) -> u8 {
    match s {
        Status::Fail => 0,
        Status::Warn => 1,
        Status::Error => 2,
        Status::NotAssessed => 3,
        Status::Pass => 4,
        Status::NotApplicable => 5,
        Status::Waived => 6,
    }
}

pub struct ReportInput<'a> {
    pub pack: &'a RulePack,
    pub bundle: &'a Bundle,
    pub results: &'a [RuleResult],
    pub scorecard: &'a Scorecard,
    pub as_of: chrono::NaiveDate,
    pub period: crate::rules::condition::Period,
    pub notes: &'a [String],
    pub configs: &'a [crate::config::ConfigUse],
    pub waivers: &'a crate::waivers::WaiverOutcome,
    pub grade_bands: &'a score::GradeBands,
    /// How the rules read each field they interpret through a vocabulary.
    pub readings: &'a [crate::rules::unrecognised::FieldReading],
    /// Notes of the checks of the data, after the bundle's own.
    pub data_notes: &'a [crate::bundle::Note],
}

/// Person ids of the bundle's `people` (those that read as codes: with a
/// digit, `-` or `_`) -> the person's name, else role, so that a client
/// reads "Sam Okafor" where the export says `p-cro`.
fn person_names(bundle: &Bundle) -> BTreeMap<String, String> {
    let Some(people) = bundle.dataset("people") else {
        return BTreeMap::new();
    };
    (0..people.rows)
        .filter_map(|row| {
            let id = people.value(&people.id_field, row).to_text();
            let coded = id.chars().any(|c| c.is_ascii_digit() || c == '-' || c == '_');
            let label = [people.value("name", row), people.value("role", row)]
                .into_iter()
                .map(|v| v.to_text())
                .find(|t| !t.trim().is_empty() && *t != id)?;
            (coded && !id.is_empty()).then(|| (id, label.trim().to_string()))
        })
        .collect()
}

/// `text` with every whole-word person id replaced by the person's name.
fn with_names(text: &str, names: &BTreeMap<String, String>) -> String {
    if names.is_empty() {
        return text.to_string();
    }
    wording::map_words(text, |word, out| {
        out.push_str(names.get(word).map_or(word, String::as_str));
    })
}

pub fn build(input: &ReportInput<'_>) -> Report {
    let ReportInput {
        pack,
        bundle,
        results,
        scorecard,
        ..
    } = input;
    let total_weight = scorecard.overall.total_weight;
    let names = person_names(bundle);
    // The pack is the report's list of rules, as it is the scorecard's: a
    // result from elsewhere is left out of both.
    let mut rule_reports: Vec<RuleResult> = results
        .iter()
        .filter(|r| pack.get(&r.id).is_some())
        .map(|r| RuleResult {
            message: with_names(&r.message, &names),
            points_recoverable: score::points_recoverable(r.weight, r.status, total_weight),
            at_stake: r
                .at_stake
                .clone()
                .filter(|_| matches!(r.status, Status::Fail | Status::Warn)),
            findings: r
                .findings
                .iter()
                .map(|f| Finding {
                    message: with_names(&f.message, &names),
                    ..f.clone()
                })
                .collect(),
            ..r.clone()
        })
        .collect();
    rule_reports.sort_by(|a, b| {
        (
            a.category,
            reading_order(a.status),
            std::cmp::Reverse(a.severity),
            &a.id,
        )
            .cmp(&(
                b.category,
                reading_order(b.status),
                std::cmp::Reverse(b.severity),
                &b.id,
            ))
    });
    let not_assessed = rule_reports
        .iter()
        .filter(|r| matches!(r.status, Status::NotAssessed | Status::Error))
        .map(|r| NotAssessed {
            rule: r.id.clone(),
            title: r.title.clone(),
            category: r.category,
            reason: r.reason.clone().unwrap_or_default(),
            missing: r.missing.clone(),
            needs: pack
                .get(&r.id)
                .map(|rule| needs(&rule.requires, &rule.optional))
                .unwrap_or_default(),
        })
        .collect();
    let changed_params = rule_reports
        .iter()
        .flat_map(|r| {
            r.params
                .iter()
                .filter(|(_, p)| p.value != p.default)
                .map(|(name, p)| ChangedParam {
                    rule: r.id.clone(),
                    param: name.clone(),
                    value: p.value.clone(),
                    default: p.default.clone(),
                    origin: p.origin,
                })
        })
        .collect();
    let datasets = bundle
        .datasets
        .values()
        .map(|d| DatasetInfo {
            name: d.name.clone(),
            file: d.file.clone(),
            rows: d.rows,
            fields: d.mapped_from.keys().cloned().collect(),
        })
        .collect();
    let tiers = tier_coverage(pack, &rule_reports);
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "mktaudit",
            version: env!("CARGO_PKG_VERSION"),
        },
        audit: AuditInfo {
            org: bundle.org_name(),
            as_of: input.as_of.format("%Y-%m-%d").to_string(),
            period_start: input.period.start.format("%Y-%m-%d").to_string(),
            period_end: input.period.end.format("%Y-%m-%d").to_string(),
            currency: bundle.manifest.currency().to_string(),
        },
        summary: scorecard.overall.clone(),
        categories: scorecard.categories.clone(),
        results: rule_reports,
        not_assessed,
        methodology: Methodology {
            scoring_method_version: score::METHOD_VERSION,
            coverage_floor: score::COVERAGE_FLOOR,
            grade_bands: input
                .grade_bands
                .iter()
                .map(|(g, s)| (g.as_str().to_string(), *s))
                .collect(),
            rule_pack_dirs: pack.dirs.clone(),
            rule_pack_hash: pack.hash.clone(),
            rules: pack.rules.len(),
            changed_params,
            notes: input.notes.to_vec(),
            configs: input.configs.to_vec(),
        },
        bundle: BundleInfo {
            datasets,
            notes: bundle.notes.iter().chain(input.data_notes).cloned().collect(),
            values: input.readings.to_vec(),
            tiers,
        },
        waivers: input.waivers.clone(),
        baseline: None,
    }
}

/// A rule's data needs as lines a reader can act on: `meetings: type, date,
/// attendees`; what it reads when present (a script's optional data) too.
fn needs(
    requires: &BTreeMap<String, std::collections::BTreeSet<String>>,
    optional: &BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Vec<String> {
    let mut all = requires.clone();
    for (dataset, fields) in optional {
        all.entry(dataset.clone()).or_default().extend(fields.iter().cloned());
    }
    all.iter()
        .map(|(dataset, fields)| {
            if fields.is_empty() {
                dataset.clone()
            } else {
                format!("{dataset}: {}", fields.iter().cloned().collect::<Vec<_>>().join(", "))
            }
        })
        .collect()
}
