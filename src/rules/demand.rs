//! What a pack's rules need of a bundle: the fields the loader keeps, and
//! those it reads from the file only for the findings shown.

use super::{Check, Rule, RulePack};
use std::collections::{BTreeMap, BTreeSet};

impl RulePack {
    /// Fields that rules read only to show them in findings, and that no
    /// rule reads otherwise: the loader reads them from the file for the
    /// rows shown instead of keeping them for every row.
    pub fn shown_only(&self) -> crate::bundle::Demand {
        fn shown_of(rule: &Rule) -> Option<&BTreeMap<String, BTreeSet<String>>> {
            match &rule.check {
                Check::Plan(p) => Some(&p.shown),
                _ => None,
            }
        }
        let mut out = crate::bundle::Demand::new();
        for shown in self.rules.iter().filter_map(shown_of) {
            for (ds, fields) in shown {
                out.entry(ds.clone()).or_default().extend(fields.iter().cloned());
            }
        }
        for rule in &self.rules {
            let shown = shown_of(rule);
            for (ds, fields) in rule.requires.iter().chain(&rule.optional) {
                let Some(only) = out.get_mut(ds) else { continue };
                let shown_here = shown.and_then(|s| s.get(ds));
                only.retain(|f| !fields.contains(f) || shown_here.is_some_and(|s| s.contains(f)));
            }
        }
        out.retain(|_, fields| !fields.is_empty());
        out
    }

    /// Union of every rule's data needs: what the bundle loader must keep.
    pub fn demand(&self) -> crate::bundle::Demand {
        let mut demand = crate::bundle::Demand::new();
        for rule in &self.rules {
            for (ds, fields) in rule.requires.iter().chain(&rule.optional) {
                demand.entry(ds.clone()).or_default().extend(fields.iter().cloned());
            }
            // Profile-dependent params read the org profile even when the check does not.
            for param in rule.params.values() {
                demand
                    .entry("org".into())
                    .or_default()
                    .extend(param.by_profile.keys().cloned());
            }
        }
        demand
    }
}
