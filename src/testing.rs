//! Not API: what the integration tests, the benchmark and the fuzz harness
//! reach inside the crate for, re-exported under the paths they use. Hidden
//! from the docs and free to change with the tests; the binary uses none of it.
//!
//! Why a facade rather than moving those tests into the crate: they drive
//! the pipeline as a whole on real files (packs, bundles, docs), the fuzz
//! harness is shared with cargo-fuzz targets outside the crate, and a short
//! list of re-exports keeps every other item crate-private, where the
//! compiler reports what nothing uses.

pub mod audit {
    pub use crate::audit::{AuditOptions, default_rules_dir, run_audit};
}

pub mod bundle {
    pub use crate::bundle::{Bundle, Demand, LoadOptions, Manifest, Origin, load_bundle, load_bundle_with};

    pub mod schema {
        pub use crate::bundle::schema::reference_markdown;
    }

    pub mod source {
        pub use crate::bundle::source::{SourceDef, reference_markdown};
    }
}

pub mod error {
    pub use crate::error::ErrorCode;
}

pub mod eval {
    pub use crate::eval::{DEFAULT_MAX_FINDINGS, Status};
}

pub mod explain {
    pub use crate::explain::rule_page;
}

pub mod generator {
    pub use crate::generator::{Profile, generate, generate_profile};
}

pub mod report {
    pub use crate::report::{Format, RenderOptions, Report, render};
}

pub mod rules {
    pub use crate::rules::{Category, LoadedRules, RulePack, default_pack_dir, load_rule_dirs};

    pub mod format {
        pub use crate::rules::format::Reference;
    }

    pub mod plan {
        pub use crate::rules::plan::compilations;
    }

    pub mod script {
        pub use crate::rules::script::{HOST_FUNCTIONS, MAX_MESSAGE_CHARS};
    }
}

pub mod ruletest {
    pub use crate::ruletest::{Verdict, incomplete_rules, run_pack_tests, run_rule_tests};
}

pub mod schema {
    pub use crate::schema::{KINDS, schema};
}

pub mod score {
    pub use crate::score::{COVERAGE_FLOOR, GRADE_BANDS, Grade, Scorecard, Scored, score_items};
}

pub mod value {
    pub use crate::value::Value;
}

pub mod yaml {
    pub use crate::yaml::{Value, from_str, scalar_text, sections, value_from_str};
}
