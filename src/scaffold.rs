//! `mktaudit rules new`: writes a rule file with every field explained and
//! its pass / fail / missing-data tests, ready to edit. The scaffold passes
//! `rules check` and `rules test` as written, so an author starts green.

use crate::rules::Category;
use std::path::{Path, PathBuf};

const DECLARATIVE: &str = r#"# Editor completion: run `mktaudit schema rule > rule.schema.json` once, then point this
# comment at it: yaml-language-server: $schema=../rule.schema.json
# Rule {ID}. Format reference: `mktaudit docs rules`. Check it with `mktaudit rules check`,
# test it with `mktaudit rules test --rule {ID}`, read it with `mktaudit explain {ID}`.

id: {ID}
# One line that names the problem the rule flags (not the fix).
title: A KPI reported to leadership has no owner
# category: {CATEGORY}    # optional: taken from the folder name
# info | low | medium | high | critical (drives --fail-on and the default weight)
severity: medium
# weight: 2               # optional: default from severity (0, 1, 2, 3, 5)
# Why the pattern hurts the organisation, in plain words.
rationale: >
  A number nobody owns is a number nobody acts on. Every KPI reported to the
  board or the executive team needs a named owner who answers for it.
# What to do about it.
remediation: >
  Name an owner for each leadership KPI in the KPI list, and review the list
  with them every quarter.
# Where the rule and its thresholds come from: `seed:`, `title:` + `url:`, or `convention:`.
references:
  - convention: "Every leadership KPI has an owner: common practice, no published threshold."
# Every threshold or pattern is a named param, used in the check as $name.
params:
  leadership_audiences:
    default: [board, executive, leadership]
    description: Audiences for which a metric counts as a KPI reported to leadership.
# Extra data the rule needs beyond what the check names (a missing one makes it not assessed).
# requires:
#   kpis: [name]
check:
  # rows: flag records; aggregate: compare a computed value with thresholds;
  # script / script_file: a Rhai script (`mktaudit docs rhai-api`).
  rows:
    dataset: kpis
    where: { field: audience, in: $leadership_audiences }
    flag: { field: owner, present: false }
    message: "KPI `{name}` is reported to the {audience} with no owner"
    # fail_above: 0       # fail when more than this many records are flagged
    # warn_above: ...
# Small bundles and the outcome the rule must give: pass, warn, fail or not_assessed.
tests:
  - name: every leadership KPI has an owner
    expect: pass
    data:
      kpis:
        - { id: K1, name: Marketing-sourced pipeline, audience: board, owner: cmo }
        - { id: K2, name: Email click rate, audience: channel }
  - name: a board KPI without owner
    expect: fail
    data:
      kpis:
        - { id: K1, name: Marketing-sourced pipeline, audience: board, owner: "" }
        - { id: K2, name: Win rate, audience: board, owner: cro }
  - name: no KPI list in the bundle
    expect: not_assessed
    data: {}
"#;

const SCRIPTED: &str = r#"# Editor completion: run `mktaudit schema rule > rule.schema.json` once, then point this
# comment at it: yaml-language-server: $schema=../rule.schema.json
# Rule {ID}, checked by the Rhai script {ID}.rhai next to this file.
# Format reference: `mktaudit docs rules`; script API: `mktaudit docs rhai-api`.

id: {ID}
title: Marketing is missing from revenue forecast meetings
severity: medium
rationale: >
  Sales forecasts miss demand that marketing has not yet handed over. When
  marketing is not in the forecast meeting, its pipeline projection never
  reaches the revenue forecast.
remediation: >
  Make the head of marketing a standing attendee of forecast meetings, with a
  projection of the pipeline marketing will create this quarter.
references:
  - convention: "At least half of forecast meetings: a convention."
params:
  min_share:
    default: 0.5
    description: Fail when marketing attended fewer than this share of forecast meetings.
  marketing_roles:
    default: [cmo, vp_marketing, head_of_marketing]
    description: Roles that represent marketing.
# A script must declare every dataset and field it reads.
requires:
  people: [role]
  meetings: [type, attendees]
optional:
  people: [id]
  meetings: [id, title]
check:
  script_file: {ID}.rhai
tests:
  - name: marketing in every forecast
    expect: pass
    data:
      people: [{ id: p-cmo, role: cmo }]
      meetings:
        - { id: M1, type: forecast, title: Q1 forecast, attendees: [p-cro, p-cmo] }
  - name: marketing absent
    expect: fail
    data:
      people: [{ id: p-cmo, role: cmo }]
      meetings:
        - { id: M1, type: forecast, title: Q1 forecast, attendees: [p-cro] }
        - { id: M2, type: forecast, title: Q2 forecast, attendees: [p-cro] }
  - name: no meetings exported
    expect: not_assessed
    data:
      people: [{ id: p-cmo, role: cmo }]
"#;

const SCRIPT: &str = r#"// {ID}: share of forecast meetings with marketing present.
// In scope: org, params, profile, period, as_of. End with an outcome:
// pass(), warn(msg), fail(msg) or not_assessed(reason).

let marketing = [];
for p in org.rows("people", #{ role: params.marketing_roles }) {
    marketing.push(p.id);
}
if marketing.is_empty() {
    return not_assessed("no marketing leader in `people`");
}

let total = 0;
let missed = [];
for m in org.rows("meetings", #{ type: "forecast" }) {
    total += 1;
    let present = false;
    for a in m.attendees ?? [] {
        if marketing.contains(a) { present = true; }
    }
    if !present { missed.push(m); }
}
if total == 0 {
    return not_assessed("no forecast meetings in `meetings`");
}

let share = (total - missed.len()) / (total * 1.0);
let message = `Marketing attended ${total - missed.len()} of ${total} forecast meetings`;
let result = if share < params.min_share { fail(message) } else { pass(message) };
result.value = share;
result.threshold = params.min_share;
for m in missed {
    result.findings.push(finding(m, `Marketing absent from ${m.title ?? m.id}`));
}
result
"#;

/// Writes the scaffold; returns the files written. Never overwrites.
pub fn new_rule(dir: &Path, id: &str, category: Category, script: bool) -> Result<Vec<PathBuf>, String> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!("rule id `{id}` may use only letters, digits, `-`, `_` and `.`"));
    }
    let folder = dir.join(category.as_str());
    let yaml_path = folder.join(format!("{id}.yaml"));
    let rhai_path = folder.join(format!("{id}.rhai"));
    for p in std::iter::once(&yaml_path).chain(script.then_some(&rhai_path)) {
        if p.exists() {
            return Err(format!(
                "`{}` already exists; mktaudit never overwrites a rule",
                p.display()
            ));
        }
    }
    std::fs::create_dir_all(&folder).map_err(|e| format!("cannot create `{}`: {e}", folder.display()))?;
    let fill = |t: &str| t.replace("{ID}", id).replace("{CATEGORY}", category.as_str());
    let mut written = vec![];
    let yaml = if script { fill(SCRIPTED) } else { fill(DECLARATIVE) };
    crate::fsutil::write_atomic(&yaml_path, yaml.as_bytes()).map_err(|e| format!("cannot write: {e}"))?;
    written.push(yaml_path);
    if script {
        crate::fsutil::write_atomic(&rhai_path, fill(SCRIPT).as_bytes()).map_err(|e| format!("cannot write: {e}"))?;
        written.push(rhai_path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruletest::{Verdict, run_pack_tests};

    #[test]
    fn scaffolds_load_and_their_tests_pass() {
        let dir = tempfile::tempdir().unwrap();
        new_rule(dir.path(), "MY-001", Category::Credible, false).unwrap();
        new_rule(dir.path(), "MY-002", Category::Integrated, true).unwrap();
        let loaded = crate::rules::load_rule_dirs(&[dir.path().to_path_buf()])
            .map_err(|p| p.to_string())
            .unwrap();
        assert_eq!(loaded.pack.rules.len(), 2);
        let results = run_pack_tests(&loaded.pack, None);
        assert_eq!(results.len(), 6);
        for r in &results {
            assert_eq!(r.verdict, Verdict::Validated, "{} {}: {}", r.rule, r.case, r.detail);
        }
        assert!(
            new_rule(dir.path(), "MY-001", Category::Credible, false)
                .unwrap_err()
                .contains("already exists")
        );
    }
}
