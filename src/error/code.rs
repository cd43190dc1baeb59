//! Every diagnostic's code, declared once with what it means and the exit
//! code it leads to, so that docs/cli.md's table can be checked against (and
//! regenerated from) this list: a new code cannot ship undocumented.

/// Declares the codes: variant, code as printed, one line on what is wrong.
macro_rules! error_codes {
    ($($variant:ident => $code:literal, $meaning:literal;)*) => {
        /// The code a diagnostic starts with (`bundle::csv`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            /// Every code, in the order the docs list them.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// What is wrong, in one line (the docs' table).
            pub fn meaning(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $meaning,)*
                }
            }
        }
    };
}

error_codes! {
    Usage => "usage", "an option or argument: unknown format, severity, score, rule selector, or a path that cannot be written";
    BundleNotFound => "bundle::not_found", "the bundle folder does not exist";
    BundleNotAFolder => "bundle::not_a_folder", "a file was given where the bundle folder was expected";
    BundleEmpty => "bundle::empty", "nothing to audit: the folder holds no data file mktaudit recognises";
    BundleWalk => "bundle::walk", "the bundle folder cannot be listed";
    BundleRead => "bundle::read", "a data file cannot be read";
    BundleDuplicateDataset => "bundle::duplicate_dataset", "two files provide the same dataset";
    BundleCsv => "bundle::csv", "a CSV or TSV file cannot be parsed";
    BundleCsvShape => "bundle::csv_shape", "a row has more or fewer fields than the header";
    BundleCsvLineTooLong => "bundle::csv_line_too_long", "a line is longer than mktaudit reads";
    BundleCell => "bundle::cell", "a value is not of its column's type (a date, a number, a yes/no)";
    BundleJson => "bundle::json", "a JSON file cannot be parsed";
    BundleYaml => "bundle::yaml", "a YAML data file cannot be parsed";
    BundleShape => "bundle::shape", "a JSON or YAML file is not a list of records (or one record)";
    BundleInline => "bundle::inline", "data given inline (rule tests, embedded datasets) names an unknown dataset or cannot be read";
    BundleXlsx => "bundle::xlsx", "a workbook cannot be read";
    BundleXlsxSheet => "bundle::xlsx_sheet", "the sheet named for a dataset is not in the workbook";
    BundleManifest => "bundle::manifest", "bundle.yaml is not valid YAML, or not a manifest (an unknown key, a value of the wrong kind)";
    BundleManifestFile => "bundle::manifest_file", "a file that bundle.yaml maps a dataset to does not exist, or is a link";
    BundleManifestField => "bundle::manifest_field", "bundle.yaml has an unknown or malformed key";
    BundleManifestColumn => "bundle::manifest_column", "bundle.yaml maps a column header the file does not have (the help suggests the nearest header)";
    BundleManifestJoin => "bundle::manifest_join", "bundle.yaml's join_on names a field that is not a reference, a key field the target lacks, or a column the file does not have";
    BundleManifestDataset => "bundle::manifest_dataset", "bundle.yaml names a dataset mktaudit does not know";
    BundleManifestPeriod => "bundle::manifest_period", "the period in bundle.yaml is not a valid start and end";
    BundleManifestSource => "bundle::manifest_source", "bundle.yaml names an export source that is not known, or both a source and a mapping";
    BundleManifestLink => "bundle::manifest_link", "bundle.yaml or a mapping it names is a link (mktaudit follows no link)";
    BundleMapping => "bundle::mapping", "a column mapping is malformed";
    BundleProfileValue => "bundle::profile_value", "an org profile value that picks a rule's band (`sales_motion`, `stage`) is none the rules or their vocabularies know (with a did-you-mean)";
    ConfigNotFound => "config::not_found", "the `--config` file does not exist";
    ConfigRead => "config::read", "a config file cannot be read";
    ConfigParse => "config::parse", "a config file is not valid YAML or has an unknown key";
    ConfigOutside => "config::outside", "the bundle's config is a link (mktaudit reads only files inside the bundle)";
    ConfigRule => "config::rule", "the config names a rule, param, waiver or vocabulary that no loaded pack has, or a value out of range";
    ConfigBranding => "config::branding", "a branding setting (logo, colour, template) cannot be used";
    RulesNotFound => "rules::not_found", "a rule pack folder does not exist";
    RulesWalk => "rules::walk", "a rule pack folder cannot be listed";
    RulesRead => "rules::read", "a rule file cannot be read";
    RulesParse => "rules::parse", "a rule file is not valid YAML or has an unknown key";
    RulesId => "rules::id", "a rule id is missing or malformed";
    RulesDuplicateId => "rules::duplicate_id", "two rules of one pack share an id";
    RulesCategory => "rules::category", "a rule's category is not one of the five";
    RulesWeight => "rules::weight", "a rule's weight is out of range";
    RulesCheck => "rules::check", "a rule's check is malformed";
    RulesPlan => "rules::plan", "a rule's plan check is malformed";
    RulesDataset => "rules::dataset", "a rule reads a dataset that does not exist";
    RulesField => "rules::field", "a rule reads a field its dataset does not have";
    RulesParam => "rules::param", "a param is malformed, or depends on a profile field that does not exist";
    RulesTest => "rules::test", "an inline test case names an unknown dataset or param, or is malformed";
    RulesVocabularies => "rules::vocabularies", "vocabularies.yaml is malformed";
    RulesScriptFile => "rules::script_file", "a rule's script file is missing or unreadable";
    RulesScriptSyntax => "rules::script_syntax", "a Rhai script does not parse";
    RulesScriptHelper => "rules::script_helper", "a script defines a helper that belongs in the pack's shared.rhai";
    RulesSharedScript => "rules::shared_script", "the pack's shared.rhai holds more than `fn` definitions, or does not parse";
    ReportTemplate => "report::template", "a report template cannot be read or rendered";
    CompareRead => "compare::read", "a saved report cannot be read, or is of a schema version this mktaudit cannot compare";
    CompareParse => "compare::parse", "a saved report is not a mktaudit JSON report";
    CompareOtherOrg => "compare::other_org", "`diff`, `trend` or `--baseline` was given reports of different orgs without `--allow-other-org`";
    GenWrite => "gen::write", "`gen` cannot write into its folder";
}

impl ErrorCode {
    /// The process exit code a diagnostic with this code leads to. Every
    /// code is a problem with the input or the invocation, which is 2; 1 is
    /// kept for a gate that tripped on a sound audit.
    pub fn exit_code(self) -> u8 {
        2
    }

    /// The docs' table of codes (docs/cli.md, under "Error codes").
    pub fn docs_table() -> String {
        let mut out = String::from("| code | exit | what is wrong |\n|---|---|---|\n");
        for code in Self::ALL {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                code.as_str(),
                code.exit_code(),
                code.meaning().replace('|', "\\|")
            ));
        }
        out
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_read_as_area_then_problem() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} is declared twice");
            let well_formed = s == "usage"
                || s.split_once("::").is_some_and(|(area, what)| {
                    !area.is_empty()
                        && !what.is_empty()
                        && (area.chars().chain(what.chars())).all(|c| c.is_ascii_lowercase() || c == '_')
                });
            assert!(well_formed, "{s}");
            assert!(!code.meaning().is_empty() && !code.meaning().contains('\n'), "{s}");
        }
    }
}
