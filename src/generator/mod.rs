//! `mktaudit gen`: a deterministic generator of realistic bundles at any
//! scale, for benchmarks and tests. N leads and N opportunities, campaigns in
//! proportion, and a year of the small datasets (KPIs, meetings, requests,
//! budget, targets...) so that every rule of the default pack has data.
//!
//! Two orgs: a well-run one (every rule passes, the default) and a troubled
//! one (most rules fail, with evidence drawn from every big dataset), so a
//! benchmark can time both the passing and the failing paths of the rules.
//!
//! The random numbers come from SplitMix64 written out here rather than a
//! crate, because a bundle made with a seed must stay byte-identical across
//! dependency upgrades: benchmarks compare like with like.

use std::io::{BufWriter, Write};
use std::path::Path;

mod deals;
mod small;

use deals::{forecasts, write_opportunities};

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and fixed forever.
pub(crate) struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Day `n` (0-based) of 2025 as `YYYY-MM-DD`.
pub(crate) fn day(n: u64) -> String {
    let date = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("a valid date") + chrono::Days::new(n.min(364));
    crate::value::iso_date(date)
}

const CHANNELS: &[(&str, &str)] = &[
    ("webinar", "webinar"),
    ("paid_search", "paid"),
    ("paid_social", "paid"),
    ("email", "email"),
    ("content", "content"),
    ("events", "event"),
    ("partner", "partner"),
];
const LEAD_SOURCES: &[&str] = &[
    "webinar",
    "paid search",
    "paid social",
    "email",
    "content",
    "event",
    "Sales",
    "Partner",
];

/// Which org the generated data describes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// A well-run org: every rule of the default pack passes.
    #[default]
    Healthy,
    /// The anti-patterns of the default pack, at scale: vanity KPIs, a CMO
    /// left out of planning, leads sales rejects, overclaimed attribution,
    /// sporadic campaigns.
    Troubled,
}

/// What `gen` wrote, for the caller to report.
pub struct Generated {
    pub files: usize,
    pub bytes: u64,
}

/// Writes a well-run org's bundle of `rows` leads and `rows` opportunities
/// into `out`, which must not exist yet or be empty: nothing the user has is
/// overwritten.
pub fn generate(out: &Path, rows: u64, seed: u64) -> std::io::Result<Generated> {
    generate_profile(out, rows, seed, Profile::Healthy)
}

/// As [`generate`], for the org `profile` describes.
pub fn generate_profile(out: &Path, rows: u64, seed: u64, profile: Profile) -> std::io::Result<Generated> {
    if out.exists() && std::fs::read_dir(out)?.next().is_some() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} is not empty; gen writes only into a new or empty folder",
                out.display()
            ),
        ));
    }
    std::fs::create_dir_all(out)?;
    let mut rng = Rng(seed);
    let campaigns = (rows / 1000).clamp(24, 2000);
    let small = match profile {
        Profile::Healthy => small::healthy(&mut rng, rows),
        Profile::Troubled => small::troubled(&mut rng, rows),
    };
    let mut files = Vec::new();
    for (name, text) in &small {
        std::fs::write(out.join(name), text)?;
        files.push(out.join(name));
    }
    write_csv(&out.join("campaigns.csv"), |w| {
        write_campaigns(w, &mut rng, campaigns, rows, profile)
    })?;
    write_csv(&out.join("leads.csv"), |w| {
        write_leads(w, &mut rng, rows, campaigns, profile)
    })?;
    // Campaign influence draws on a random stream of its own, so adding it
    // left every other file of a seed as it was.
    let mut influence = BufWriter::new(std::fs::File::create(out.join("campaign_influence.csv"))?);
    let mut irng = Rng(seed ^ 0x1F1E_33C0_FFEE_D00D);
    let mut sourced = [0u64; 4];
    write_csv(&out.join("opportunities.csv"), |w| {
        write_opportunities(
            w,
            &mut rng,
            rows,
            campaigns,
            profile,
            &mut influence,
            &mut irng,
            &mut sourced,
        )
    })?;
    influence.flush()?;
    drop(influence);
    std::fs::write(out.join("forecasts.csv"), forecasts(profile, &sourced))?;
    files.extend(
        [
            "campaigns.csv",
            "leads.csv",
            "opportunities.csv",
            "campaign_influence.csv",
            "forecasts.csv",
        ]
        .map(|f| out.join(f)),
    );
    let mut bytes = 0;
    for f in &files {
        bytes += std::fs::metadata(f)?.len();
    }
    Ok(Generated {
        files: files.len(),
        bytes,
    })
}

fn write_csv(path: &Path, body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    body(&mut w)?;
    w.flush()
}

fn write_campaigns(w: &mut dyn Write, rng: &mut Rng, count: u64, rows: u64, profile: Profile) -> std::io::Result<()> {
    writeln!(
        w,
        "id,name,channel,type,objective,always_on,start_date,end_date,cost,leads,opportunities,pipeline,revenue,attendees"
    )?;
    let troubled = profile == Profile::Troubled;
    let per_campaign = rows / count;
    for i in 0..count {
        let (channel, kind) = CHANNELS[(i % CHANNELS.len() as u64) as usize];
        let always_on = !troubled && i % 12 == 0;
        let start = if always_on {
            0
        } else if troubled {
            // Two bursts a year (spring and autumn) and nothing in between.
            let burst = if rng.chance(0.5) { 59 } else { 243 };
            burst + rng.below(50)
        } else {
            rng.below(330)
        };
        let end = if always_on { 364 } else { start + 14 + rng.below(40) };
        let leads = per_campaign / 2 + rng.below(per_campaign.max(1));
        let opps = leads / 8;
        let pipeline = opps * (20_000 + rng.below(30_000));
        let attendees = if kind == "event" || kind == "webinar" {
            (leads * 2).to_string()
        } else {
            String::new()
        };
        let cost = 5_000 + rng.below(60_000);
        // The troubled org tracks events by attendance alone and claims
        // about ten times the pipeline its paid and email programs made.
        let untracked = troubled && (kind == "event" || kind == "webinar" || kind == "content");
        let (cost, leads, opps, pipeline, revenue) = if untracked {
            (cost * 4, String::new(), String::new(), String::new(), String::new())
        } else if troubled {
            (
                cost,
                leads.to_string(),
                opps.to_string(),
                (pipeline * 25).to_string(),
                (pipeline * 2).to_string(),
            )
        } else {
            (
                cost,
                leads.to_string(),
                opps.to_string(),
                pipeline.to_string(),
                (pipeline / 4).to_string(),
            )
        };
        writeln!(
            w,
            "C-{i:05},{channel} program {i},{channel},{kind},demand_creation,{always_on},{},{},{cost},{leads},{opps},{pipeline},{revenue},{attendees}",
            day(start),
            day(end),
        )?;
    }
    Ok(())
}

fn write_leads(w: &mut dyn Write, rng: &mut Rng, rows: u64, campaigns: u64, profile: Profile) -> std::io::Result<()> {
    writeln!(
        w,
        "id,created_date,source,campaign_id,stage,mql_date,sal_date,sql_date,opportunity_id"
    )?;
    for i in 0..rows {
        let created = rng.below(330);
        // The troubled org leaves a third of its lead sources blank.
        let source = if profile == Profile::Troubled && rng.chance(0.35) {
            ""
        } else {
            rng.pick(LEAD_SOURCES)
        };
        let campaign = rng.below(campaigns);
        // A healthy funnel: 40% reach MQL, 60% of those are accepted, half
        // of those qualify. A troubled one: sales accepts one MQL in nine.
        let (stage, mql, sal, sql) = match (profile, rng.below(100)) {
            (Profile::Healthy, 0..=59) | (Profile::Troubled, 0..=90) => ("inquiry", false, false, false),
            (Profile::Healthy, 60..=75) | (Profile::Troubled, 91..=98) => ("mql", true, false, false),
            (Profile::Healthy, 76..=87) => ("sal", true, true, false),
            _ => ("sql", true, true, true),
        };
        let date_or_empty = |on: bool, offset: u64| if on { day(created + offset) } else { String::new() };
        let opportunity = if sql && rng.chance(0.8) {
            format!("O-{:07}", rng.below(rows))
        } else {
            String::new()
        };
        writeln!(
            w,
            "L-{i:07},{},{source},C-{campaign:05},{stage},{},{},{},{opportunity}",
            day(created),
            date_or_empty(mql, 3),
            date_or_empty(sal, 6),
            date_or_empty(sql, 20),
        )?;
    }
    Ok(())
}
