//! The hashes reports carry: a rule's (its file, its script, the named
//! conditions it uses) and the pack's (every rule's and the vocabularies').

use super::super::{Check, Rule};
use crate::error::SourceFile;
use sha2::{Digest, Sha256};

pub(super) fn pack_hash(rules: &[Rule], vocabularies: &[String]) -> String {
    let mut h = Sha256::new();
    for v in vocabularies {
        h.update(v.as_bytes());
        h.update([0]);
    }
    for r in rules {
        h.update(r.id.as_bytes());
        h.update([0]);
        h.update(r.hash.as_bytes());
        h.update([0]);
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hash of a rule's own definition: its file and, for a script file, the script.
pub(in crate::rules) fn rule_hash(source: &SourceFile, check: &Check) -> String {
    let mut h = Sha256::new();
    h.update(source.text.as_bytes());
    if let Check::Script(s) = check
        && s.source.name != source.name
    {
        h.update([0]);
        h.update(s.source.text.as_bytes());
    }
    if let Check::Plan(p) = check {
        for d in &p.definitions {
            h.update([0]);
            h.update(d.name.as_bytes());
            h.update([0]);
            h.update(d.condition.as_bytes());
        }
    }
    hex(&h.finalize())
}
