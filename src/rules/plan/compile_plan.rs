//! Compiling a plan: the compiler's state, the entry that compiles each
//! named value and then the outcome (`Plan::compile`), and the check of a
//! run's params against what the plan compiled with.

use super::*;

/// How many plans this process has compiled: a test that an audit with
/// other params than the defaults runs the plan compiled at load.
static COMPILED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

#[doc(hidden)]
pub fn compilations() -> usize {
    COMPILED.load(std::sync::atomic::Ordering::Relaxed)
}

pub(super) struct Compiler<'a> {
    pub(super) params: &'a ParamValues,
    pub(super) vocabs: Option<&'a BTreeSet<String>>,
    pub(super) kinds: Vec<(String, Kind)>,
    pub(super) value_names: Vec<String>,
    /// The values computed per group (`let:` of every `groups`, and
    /// `count`): a key's template may show them.
    pub(super) group_values: Vec<String>,
    /// Each key set of groups, and the values computed per group.
    pub(super) key_values: Vec<(String, Vec<String>)>,
    pub(super) row_sets: Vec<(String, String)>,
    /// Each `groups` step and the rows it groups: `rows: { from: <groups> }`
    /// reads the rows of the groups it keeps, with their fields.
    pub(super) group_sources: Vec<(String, String)>,
    /// Each `groups` step and the dataset of the rows it groups (for
    /// `in_rows`, which checks fields against the dataset).
    pub(super) group_rows: Vec<(String, String)>,
    /// The `groups` steps whose kept rows a later step reads (noted by
    /// conditions too, which see the compiler through [`Names`]).
    pub(super) members_read: std::cell::RefCell<Vec<String>>,
    /// Row sets with computed fields, and their schema with those fields.
    pub(super) schemas: Vec<(String, Arc<DatasetSchema>)>,
    /// The types of the plan's single values, for computed fields that use them.
    pub(super) scalar_types: Vec<(String, FieldType)>,
    /// Where in the plan the compiler is (`plan`, `outcome`, `1`): an error
    /// found there is pointed at that node of the file, its words looked for
    /// inside it only.
    pub(super) at: Vec<String>,
    pub(super) errors: Vec<CheckError>,
}

impl Plan {
    /// Whether `values` suit the plan's conditions: a config or a test may
    /// set a param the plan compiled with its default. Checked before a run,
    /// so a pattern that is not a regex is the rule's error, not a silent miss.
    pub fn check_params(&self, values: &ParamValues) -> Result<(), String> {
        let mut problems = Vec::new();
        for (name, use_) in &self.param_uses {
            let Some(v) = values.get(name) else { continue };
            match use_ {
                ParamUse::Regex => {
                    if let Err(e) = crate::rules::bound::checked_regex(&v.to_text()) {
                        let why = e.to_string();
                        let why = why.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("").trim();
                        problems.push(format!("param `${name}` is not a valid regex: {why}"));
                    }
                }
                ParamUse::Number if v.as_f64().is_none() => {
                    problems.push(format!("param `${name}` must be a number here"));
                }
                ParamUse::Number | ParamUse::List => {}
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// Compiles a plan with the params' defaults (their values only check
    /// it: each run binds its own); `vocabs` lists the known
    /// vocabularies (None: not checked). Returns every problem found.
    pub fn compile(
        raw: &RawPlan,
        params: &ParamValues,
        vocabs: Option<&BTreeSet<String>>,
    ) -> Result<Plan, Vec<CheckError>> {
        let mut c = Compiler {
            params,
            vocabs,
            kinds: Vec::new(),
            value_names: Vec::new(),
            group_values: vec!["count".into()],
            key_values: Vec::new(),
            row_sets: Vec::new(),
            group_sources: Vec::new(),
            group_rows: Vec::new(),
            members_read: Default::default(),
            schemas: Vec::new(),
            scalar_types: Vec::new(),
            at: Vec::new(),
            errors: Vec::new(),
        };
        let mut lets = Vec::new();
        for (name, raw_step) in &raw.lets {
            c.at = vec!["plan".into(), "let".into(), name.clone()];
            if is_builtin(name) || name == "value" || name == "threshold" || name == "key" {
                c.error(CheckError::new(
                    format!("`{name}` is a built-in name: choose another"),
                    format!("{name}:"),
                ));
                continue;
            }
            if param_ref(name).is_some() || c.value_names.contains(name) {
                c.error(CheckError::new(format!("`{name}` is named twice"), format!("{name}:")));
                continue;
            }
            let before = c.errors.len();
            let compiled = c.step(name, raw_step);
            for e in &mut c.errors[before..] {
                if e.scope.is_empty() {
                    e.scope = vec!["plan".into(), "let".into(), name.clone()];
                }
            }
            if let Some((step, kind)) = compiled {
                let ty = match &step {
                    Step::Expr(e) => Some(table::infer(e, &|n| {
                        c.scalar_types.iter().find(|(x, _)| x == n).map(|(_, t)| *t)
                    })),
                    Step::Text(_) | Step::List { .. } => Some(FieldType::Text),
                    Step::Agg { .. } | Step::KeyAgg { .. } => Some(FieldType::Number),
                    _ => None,
                };
                if let Some(ty) = ty {
                    c.scalar_types.push((name.clone(), ty));
                }
                if let Kind::Rows(ds) = &kind {
                    c.row_sets.push((name.clone(), ds.clone()));
                }
                c.kinds.push((name.clone(), kind));
                lets.push((name.clone(), step));
            }
            // Named even when broken, so later uses do not repeat the error.
            c.value_names.push(name.clone());
        }
        for (name, step) in &mut lets {
            if let Step::Groups { members, .. } = step {
                *members = c.members_read.borrow().contains(name);
            }
        }
        let root = c.judge(raw, &["plan".to_string()]);
        COMPILED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut param_uses = Vec::new();
        for (_, step) in &lets {
            for cond in step.conditions() {
                crate::rules::condition::param_uses(cond, &mut param_uses);
            }
        }
        param_uses.sort_by(|a, b| a.0.cmp(&b.0));
        param_uses.dedup();
        match root {
            Some(root) if c.errors.is_empty() => Ok(Plan { lets, root, param_uses }),
            _ => {
                if c.errors.is_empty() {
                    c.errors.push(CheckError::new("the plan is incomplete", "plan:"));
                }
                Err(c.errors)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_another_run_binds_are_checked_as_the_compiler_checked_the_defaults() {
        let raw: RawPlan = crate::yaml::from_str(
            "let:\n  v: { rows: { from: kpis, where: { all: [{ field: name, matches: $vanity }, { field: actual, gt: $floor }] } } }\n\
             outcome:\n  - pass: '{v}'\n",
        )
        .unwrap();
        let mut params = ParamValues::new();
        params.insert("vanity".into(), crate::value::Value::Text("(?i)click".into()));
        params.insert("floor".into(), crate::value::Value::Number(1.0));
        let plan = Plan::compile(&raw, &params, None).unwrap();
        assert_eq!(plan.check_params(&params), Ok(()));
        params.insert("vanity".into(), crate::value::Value::Text("(unclosed".into()));
        params.insert("floor".into(), crate::value::Value::Text("high".into()));
        let err = plan.check_params(&params).unwrap_err();
        assert!(
            err.contains("param `$vanity` is not a valid regex")
                && err.contains("param `$floor` must be a number here"),
            "{err}"
        );
    }

    #[test]
    fn the_rows_of_groups_read_the_fields_of_the_rows_grouped() {
        let raw: RawPlan = crate::yaml::from_str(
            "let:\n  over: { groups: { from: campaign_influence, by: [opportunity_id, model], having: count > 1 } }\n\
             \x20 credits: { rows: { from: over, where: { field: share, gt: 0 } } }\n\
             outcome:\n  - pass: ok\nfindings:\n  - from: credits\n    message: '{campaign_name}'\n",
        )
        .unwrap();
        let (all, shown) = reads_and_shown(&raw);
        for f in ["opportunity_id", "model", "share", "campaign_name"] {
            assert!(
                all.contains(&("campaign_influence".into(), Some(f.into()))),
                "{f} in {all:?}"
            );
        }
        assert_eq!(shown, [("campaign_influence".to_string(), "campaign_name".to_string())]);
        let conditions = super::super::reads::conditions(&raw);
        assert_eq!(conditions.len(), 1);
        assert_eq!(conditions[0].0, "campaign_influence");
    }

    #[test]
    fn reads_include_the_profile_and_the_fields_expressions_name() {
        let raw: RawPlan = crate::yaml::from_str(
            "let:\n  small: org.prospects <= 250\n  tagged: has(budget.purpose)\n\
             outcome:\n  - if: small\n    warn: '{org.sales_motion} org'\n  - pass: ok, 1.5 of x.y.z\n",
        )
        .unwrap();
        let reads = reads_and_shown(&raw).0;
        for (ds, f) in [("org", "prospects"), ("org", "sales_motion"), ("budget", "purpose")] {
            assert!(reads.contains(&(ds.into(), Some(f.into()))), "{ds}.{f} in {reads:?}");
        }
        assert_eq!(reads.len(), 3, "{reads:?}");
    }
}
