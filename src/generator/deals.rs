//! The opportunities, the campaign influence records behind the marketing
//! deals, and the forecasts made from what marketing sourced.

use super::{LEAD_SOURCES, Profile, Rng, day};
use std::io::Write;

/// The campaign influence of one marketing deal (all of the troubled org's,
/// one in five of the healthy org's, which keeps a million-row bundle's
/// influence export near a tenth of its opportunities): an Even Distribution split
/// among the one to three campaigns that touched it and, for a third of the
/// deals, the First Touch credit. The troubled org gives each campaign that
/// touched a deal the whole of it for four deals in ten, so those deals are
/// counted two or three times.
#[allow(clippy::too_many_arguments)]
fn write_influence(
    w: &mut dyn Write,
    rng: &mut Rng,
    deal: u64,
    amount: u64,
    primary: &str,
    campaigns: u64,
    profile: Profile,
    credits: &mut u64,
) -> std::io::Result<()> {
    let mut line = |w: &mut dyn Write, campaign: &str, model: &str, hundredths: u64| {
        *credits += 1;
        let share = hundredths as f64 / 100.0;
        let credited = (amount as f64 * share / 100.0).round();
        writeln!(
            w,
            "CI-{:07},O-{deal:07},{campaign},{model},{},{}",
            *credits,
            crate::value::format_number(share),
            crate::value::format_number(credited)
        )
    };
    let n = 1 + rng.below(3);
    let touched: Vec<String> = (0..n)
        .map(|k| {
            if k == 0 {
                primary.to_string()
            } else {
                format!("C-{:05}", rng.below(campaigns))
            }
        })
        .collect();
    let whole = profile == Profile::Troubled && n > 1 && rng.chance(0.4);
    for (k, c) in touched.iter().enumerate() {
        // Hundredths of a percent: 33.33, 33.33, 33.34 add up to 100.
        let even = 10_000 / n;
        let hundredths = if whole {
            10_000
        } else if k as u64 == n - 1 {
            10_000 - even * (n - 1)
        } else {
            even
        };
        line(w, c, "Even Distribution", hundredths)?;
    }
    if rng.chance(0.33) {
        line(w, primary, "First Touch", 10_000)?;
    }
    Ok(())
}

/// Marketing's pipeline forecast of each quarter, made the week before it
/// starts, against `sourced` (the marketing-sourced pipeline each quarter's
/// opportunities hold), beside sales' commit. The healthy org lands within a
/// few percent; the troubled one forecasts from its target and misses from
/// the second quarter on. Actuals are left for the audit to compute from the
/// opportunities, as most forecast spreadsheets leave them.
pub(super) fn forecasts(profile: Profile, sourced: &[u64; 4]) -> String {
    let factors = match profile {
        Profile::Healthy => [1.05, 0.94, 1.08, 0.97],
        Profile::Troubled => [1.12, 2.1, 2.6, 1.9],
    };
    let made = ["2024-12-20", "2025-03-24", "2025-06-23", "2025-09-22"];
    let mut out = String::from("id,period,metric,source,amount,owner,made_date\n");
    for (q, (actual, factor)) in sourced.iter().zip(factors).enumerate() {
        let n = q + 1;
        let forecast = (*actual as f64 * factor).round() as u64;
        out.push_str(&format!(
            "F-Q{n}-MKT,Q{n} 2025,Pipeline,Marketing,{forecast},p-cmo,{}\nF-Q{n}-COMMIT,Q{n} 2025,Commit,All,{},p-cro,{}\n",
            made[q],
            forecast * 3,
            made[q]
        ));
    }
    out
}

// The opportunities pass also writes their influence (its own random stream)
// and sums the sourced pipeline the forecasts are made against.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_opportunities(
    w: &mut dyn Write,
    rng: &mut Rng,
    rows: u64,
    campaigns: u64,
    profile: Profile,
    influence: &mut dyn Write,
    irng: &mut Rng,
    sourced: &mut [u64; 4],
) -> std::io::Result<()> {
    writeln!(
        w,
        "id,name,account,created_date,close_date,stage,amount,source,campaign_id,is_won,is_closed"
    )?;
    writeln!(influence, "id,opportunity_id,campaign_id,model,share,amount")?;
    let mut credits = 0u64;
    const STAGES: &[&str] = &["Qualification", "Discovery", "Proposal", "Negotiation"];
    for i in 0..rows {
        let created = rng.below(330);
        let account = rng.below(rows / 3 + 10);
        // Amounts skew low with a long tail, as real pipelines do.
        let amount =
            5_000 + rng.below(20_000) * (1 + rng.below(4)) + if rng.chance(0.05) { rng.below(400_000) } else { 0 };
        let marketing = rng.chance(if profile == Profile::Troubled { 0.05 } else { 0.3 });
        let source = if marketing {
            rng.pick(&LEAD_SOURCES[..6])
        } else if profile == Profile::Troubled && rng.chance(0.4) {
            "" // untagged deals: nobody can say who sourced them
        } else {
            rng.pick(&["Sales", "Partner", "Outbound"])
        };
        let campaign = if marketing {
            // Quarters of 2025 start on days 0, 90, 181 and 273.
            sourced[[90, 181, 273].iter().filter(|d| created >= **d).count()] += amount;
            format!("C-{:05}", rng.below(campaigns))
        } else {
            String::new()
        };
        let (stage, close, won, closed) = match rng.below(10) {
            0..=2 => ("Closed Won", day(created + 60 + rng.below(90)), true, true),
            3..=5 => ("Closed Lost", day(created + 30 + rng.below(90)), false, true),
            // The troubled org's open deals keep the close date they were
            // created with, long past; the healthy org's have none.
            _ if profile == Profile::Troubled => (rng.pick(STAGES), day(created + 20), false, false),
            _ => (rng.pick(STAGES), String::new(), false, false),
        };
        writeln!(
            w,
            "O-{i:07},Opportunity {i},Account {account},{},{close},{stage},{amount},{source},{campaign},{won},{closed}",
            day(created)
        )?;
        if marketing && irng.chance(if profile == Profile::Troubled { 1.0 } else { 0.2 }) {
            write_influence(influence, irng, i, amount, &campaign, campaigns, profile, &mut credits)?;
        }
    }
    Ok(())
}
