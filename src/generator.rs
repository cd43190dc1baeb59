//! `mktaudit gen`: a deterministic generator of realistic bundles at any
//! scale, for benchmarks and tests. N leads and N opportunities, campaigns in
//! proportion, and a year of the small datasets (KPIs, meetings, requests,
//! budget, targets...) so that every rule of the default pack has data.
//!
//! The random numbers come from SplitMix64 written out here rather than a
//! crate, because a bundle made with a seed must stay byte-identical across
//! dependency upgrades: benchmarks compare like with like.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::Path;

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and fixed forever.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Day `n` (0-based) of 2025 as `YYYY-MM-DD`.
fn day(n: u64) -> String {
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

/// What `gen` wrote, for the caller to report.
pub struct Generated {
    pub files: usize,
    pub bytes: u64,
}

/// Writes a bundle of `rows` leads and `rows` opportunities into `out`,
/// which must not exist yet or be empty: nothing the user has is overwritten.
pub fn generate(out: &Path, rows: u64, seed: u64) -> std::io::Result<Generated> {
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
    let small = small_datasets(&mut rng, rows);
    let mut files = Vec::new();
    for (name, text) in &small {
        std::fs::write(out.join(name), text)?;
        files.push(out.join(name));
    }
    write_csv(&out.join("campaigns.csv"), |w| {
        write_campaigns(w, &mut rng, campaigns, rows)
    })?;
    write_csv(&out.join("leads.csv"), |w| write_leads(w, &mut rng, rows, campaigns))?;
    write_csv(&out.join("opportunities.csv"), |w| {
        write_opportunities(w, &mut rng, rows, campaigns)
    })?;
    files.extend(["campaigns.csv", "leads.csv", "opportunities.csv"].map(|f| out.join(f)));
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

fn write_campaigns(w: &mut dyn Write, rng: &mut Rng, count: u64, rows: u64) -> std::io::Result<()> {
    writeln!(
        w,
        "id,name,channel,type,objective,always_on,start_date,end_date,cost,leads,opportunities,pipeline,revenue,attendees"
    )?;
    let per_campaign = rows / count;
    for i in 0..count {
        let (channel, kind) = CHANNELS[(i % CHANNELS.len() as u64) as usize];
        let always_on = i % 12 == 0;
        let start = if always_on { 0 } else { rng.below(330) };
        let end = if always_on { 364 } else { start + 14 + rng.below(40) };
        let leads = per_campaign / 2 + rng.below(per_campaign.max(1));
        let opps = leads / 8;
        let pipeline = opps * (20_000 + rng.below(30_000));
        let attendees = if kind == "event" || kind == "webinar" {
            (leads * 2).to_string()
        } else {
            String::new()
        };
        writeln!(
            w,
            "C-{i:05},{channel} program {i},{channel},{kind},demand_creation,{always_on},{},{},{},{leads},{opps},{pipeline},{},{attendees}",
            day(start),
            day(end),
            5_000 + rng.below(60_000),
            pipeline / 4
        )?;
    }
    Ok(())
}

fn write_leads(w: &mut dyn Write, rng: &mut Rng, rows: u64, campaigns: u64) -> std::io::Result<()> {
    writeln!(
        w,
        "id,created_date,source,campaign_id,stage,mql_date,sal_date,sql_date,opportunity_id"
    )?;
    for i in 0..rows {
        let created = rng.below(330);
        let source = rng.pick(LEAD_SOURCES);
        let campaign = rng.below(campaigns);
        // A healthy funnel: 40% reach MQL, 60% of those are accepted, half of those qualify.
        let (stage, mql, sal, sql) = match rng.below(100) {
            0..=59 => ("inquiry", false, false, false),
            60..=75 => ("mql", true, false, false),
            76..=87 => ("sal", true, true, false),
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

fn write_opportunities(w: &mut dyn Write, rng: &mut Rng, rows: u64, campaigns: u64) -> std::io::Result<()> {
    writeln!(
        w,
        "id,name,account,created_date,close_date,stage,amount,source,campaign_id,is_won,is_closed"
    )?;
    const STAGES: &[&str] = &["Qualification", "Discovery", "Proposal", "Negotiation"];
    for i in 0..rows {
        let created = rng.below(330);
        let account = rng.below(rows / 3 + 10);
        // Amounts skew low with a long tail, as real pipelines do.
        let amount =
            5_000 + rng.below(20_000) * (1 + rng.below(4)) + if rng.chance(0.05) { rng.below(400_000) } else { 0 };
        let marketing = rng.chance(0.3);
        let source = if marketing {
            rng.pick(&LEAD_SOURCES[..6])
        } else {
            rng.pick(&["Sales", "Partner", "Outbound"])
        };
        let campaign = if marketing {
            format!("C-{:05}", rng.below(campaigns))
        } else {
            String::new()
        };
        let (stage, close, won, closed) = match rng.below(10) {
            0..=2 => ("Closed Won", day(created + 60 + rng.below(90)), true, true),
            3..=5 => ("Closed Lost", day(created + 30 + rng.below(90)), false, true),
            _ => (rng.pick(STAGES), String::new(), false, false),
        };
        writeln!(
            w,
            "O-{i:07},Opportunity {i},Account {account},{},{close},{stage},{amount},{source},{campaign},{won},{closed}",
            day(created)
        )?;
    }
    Ok(())
}

/// The datasets that stay small at any scale: a year of a well-run org.
fn small_datasets(rng: &mut Rng, rows: u64) -> Vec<(&'static str, String)> {
    let mut meetings = String::from("id,date,type,title,attendees\n");
    for m in 0..48u64 {
        let kind = ["strategy", "planning", "forecast", "product_planning"][(m % 4) as usize];
        let attendees = if rng.chance(0.9) {
            "p-ceo;p-cro;p-cmo;p-cfo;p-vpp"
        } else {
            "p-ceo;p-cro;p-cfo"
        };
        let _ = writeln!(
            meetings,
            "M-{m:03},{},{kind},{kind} meeting {m},{attendees}",
            day(m * 7 + 3)
        );
    }
    let mut requests = String::from("id,requested_date,requester,type,status,fulfilled_date,hours\n");
    for r in 0..(rows / 1000).clamp(20, 5000) {
        let d = rng.below(360);
        let _ = writeln!(
            requests,
            "R-{r:05},{},sales,deck,fulfilled,{},{}",
            day(d),
            day(d + 3),
            1 + rng.below(6)
        );
    }
    vec![
        ("bundle.yaml", "org: Generated Org\nperiod: { start: 2025-01-01, end: 2025-12-31 }\ncurrency: USD\n".into()),
        (
            "org.yaml",
            format!(
                "name: Generated Org\nstage: growth\nsales_motion: mid_market\nindustry: Software\nrevenue: {}\naddressable_market: 20000\nprospects: 4000\nemployees: 400\nsales_cycle_days: 90\n",
                rows * 100
            ),
        ),
        (
            "people.csv",
            "id,name,title,role,function,start_date,domain_experience_years\n\
             p-ceo,Alex Chen,Chief Executive Officer,ceo,executive,2019-01-01,15\n\
             p-cro,Sam Ortiz,Chief Revenue Officer,cro,sales,2021-03-01,12\n\
             p-cmo,Dana Patel,Chief Marketing Officer,cmo,marketing,2022-06-01,10\n\
             p-cfo,Lee Novak,Chief Financial Officer,cfo,finance,2020-02-01,14\n\
             p-vpp,Kim Berg,VP Product,head_of_product,product,2021-09-01,9\n"
                .into(),
        ),
        (
            "kpis.csv",
            "id,name,definition,owner,target,actual,unit,audience,cadence\n\
             K-01,Marketing-sourced pipeline,Pipeline created by opportunities with a marketing source,p-cmo,12000000,11500000,currency,board,monthly\n\
             K-02,Win rate,Closed won / closed opportunities,p-cro,0.3,0.29,percent,board,quarterly\n\
             K-03,Customer acquisition cost,Sales and marketing cost / new customers,p-cfo,30000,31000,currency,executive,quarterly\n\
             K-04,Email click rate,Unique clicks / delivered,p-cmo,0.03,0.035,percent,channel,weekly\n"
                .into(),
        ),
        ("meetings.csv", meetings),
        ("requests.csv", requests),
        (
            "budget.csv",
            "id,line,category,purpose,amount,period\n\
             B-1,Demand programs,program,demand_creation,2400000,FY2025\n\
             B-2,Brand and PR,program,communications,600000,FY2025\n\
             B-3,Team,headcount,other,3000000,FY2025\n"
                .into(),
        ),
        (
            "targets.csv",
            "id,metric,value,baseline,owner,period_start,period_end\n\
             T-1,marketing_sourced_pipeline,12000000,,p-cmo,2025-01-01,2025-12-31\n\
             T-2,leads,12000,,p-cmo,2025-01-01,2025-12-31\n"
                .into(),
        ),
        (
            "positioning.csv",
            "id,effective_date,status,statement,approved_by\nPOS-1,2023-05-01,approved,The platform mid-size teams run themselves,p-ceo;p-cmo;p-vpp\n".into(),
        ),
        (
            "reports.csv",
            "id,name,content,audience,cadence\n\
             REP-1,Marketing-sourced pipeline,marketing_sourced_pipeline,executive,monthly\n\
             REP-2,Channel ROI,channel_roi,executive,quarterly\n"
                .into(),
        ),
        (
            "plans.csv",
            "id,name,type,status,origin,period_start,period_end,shared_with\n\
             PL-1,FY2025 marketing plan,marketing_plan,approved,plan,2025-01-01,2025-12-31,p-ceo;p-cro;p-cmo\n\
             PL-2,Company vision 2028,vision,approved,plan,2025-01-01,2028-12-31,p-cmo;p-cro\n"
                .into(),
        ),
        (
            "agreements.csv",
            "id,type,status,parties,effective_date,definition\n\
             AG-1,mql_definition,agreed,marketing;sales,2024-11-01,Fit score >= 60 and engagement >= 40\n\
             AG-2,sql_definition,agreed,marketing;sales,2024-11-01,Opportunity with amount and close date\n\
             AG-3,follow_up_sla,active,marketing;sales,2025-01-15,Sales follows up every MQL within 2 working days\n"
                .into(),
        ),
        (
            "answers.csv",
            "id,question,respondent,answer\nQ-1,first_responsibility,cmo,Pipeline and revenue\n".into(),
        ),
    ]
}
