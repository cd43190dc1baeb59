//! A bundle, rule pack and config carrying script and markup payloads, shared
//! by the escaping tests (`report_formats`) and the browser test.
#![allow(dead_code)]

use crate::common::*;
use std::path::PathBuf;

fn read(path: impl AsRef<std::path::Path>) -> String {
    std::fs::read_to_string(path.as_ref()).unwrap()
}

/// Markup and script payloads through the org name, record names (into
/// messages), rule titles, rationale, references, params and branding.
pub struct Hostile {
    dir: tempfile::TempDir,
}

pub const PAYLOAD: &str =
    "<script>alert(1)</script><img src=x onerror=alert(2)> [click](javascript:alert(3)) **bold** `tick` _em_ | cell";

impl Hostile {
    pub fn new() -> Hostile {
        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("bundle");
        std::fs::create_dir_all(&bundle).unwrap();
        for entry in std::fs::read_dir(MINI).unwrap() {
            let p = entry.unwrap().path();
            std::fs::copy(&p, bundle.join(p.file_name().unwrap())).unwrap();
        }
        let manifest = read(bundle.join("bundle.yaml"))
            .replace("org: Mini Corp", "org: \"Evil <script>alert('org')</script> & Co | x\"");
        std::fs::write(bundle.join("bundle.yaml"), manifest).unwrap();
        let kpis =
            read(bundle.join("kpis.csv")).replace("Email click rate", &format!("\"Email click rate {PAYLOAD}\""));
        std::fs::write(bundle.join("kpis.csv"), kpis).unwrap();
        let pack = dir.path().join("pack/credible");
        std::fs::create_dir_all(&pack).unwrap();
        std::fs::write(
            pack.join("hostile.yaml"),
            "title: \"<script>alert('title')</script> Title | pipe\"\nseverity: high\n\
             rationale: \"</style><script>alert('rationale')</script>\"\n\
             remediation: \"Fix <b>it</b> [now](javascript:alert(5)) | now\"\n\
             references:\n  - { title: \"<i>ref</i>\", url: \"javascript:alert(6)\" }\n  - \"<u>plain</u>\"\n\
             params:\n  vanity: { default: '(?i)click' }\n\
             check:\n  rows:\n    dataset: kpis\n    where: { field: audience, in: [board] }\n\
             \x20   flag: { field: name, matches: $vanity }\n    message: \"Hostile {name}\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("logo.svg"),
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"20\" onload=\"alert(7)\">\
             <script>alert(8)</script><rect width=\"40\" height=\"20\" fill=\"#a30\"/></svg>",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("mktaudit.yaml"),
            "params:\n  hostile: { vanity: \"(?i)click|<b>x</b>\" }\n\
             branding:\n  firm: \"<script>alert('firm')</script> & Partners\"\n  accent: \"#AA3300\"\n\
             \x20 logo: logo.svg\n  prepared_for: \"The <b>Board</b>\"\n  footer: \"Confidential | <i>draft</i>\"\n",
        )
        .unwrap();
        Hostile { dir }
    }

    /// Audits the hostile bundle into `out/report.<ext>`; returns `out`.
    pub fn audit(&self, formats: &str) -> PathBuf {
        let d = self.dir.path();
        let out = d.join("out");
        let o = mktaudit(&[
            "audit",
            d.join("bundle").to_str().unwrap(),
            "--no-default-rules",
            "--rules",
            CORE_PACK,
            "--rules",
            d.join("pack").to_str().unwrap(),
            "--config",
            d.join("mktaudit.yaml").to_str().unwrap(),
            "--as-of",
            "2025-12-31",
            "--format",
            formats,
            "--output-dir",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        out
    }
}
