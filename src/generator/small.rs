//! The datasets that stay small at any scale (people, KPIs, meetings,
//! requests, budget, targets, plans...), for each profile of org.

use super::{Rng, day};
use std::fmt::Write as _;

/// A year of a well-run org.
pub(super) fn healthy(rng: &mut Rng, rows: u64) -> Vec<(&'static str, String)> {
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
                // The market grows with the org, so the new ARR target (in
                // proportion to the rows) takes a fair share of its buyers at
                // the average deal size, which is about the won deals' average.
                "name: Generated Org\nstage: growth\nsales_motion: mid_market\nindustry: Software\nrevenue: {}\naddressable_market: {}\nprospects: 4000\nemployees: 400\nsales_cycle_days: 90\naverage_deal_size: 40000\n",
                rows * 100,
                (rows / 2).max(20_000)
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
            // One category column, as finance writes it.
            "id,line,category,amount,period\n\
             B-1,Demand programs,Demand generation,2400000,FY2025\n\
             B-2,Brand and PR,PR,600000,FY2025\n\
             B-3,Team,Salaries,3000000,FY2025\n"
                .into(),
        ),
        (
            "targets.csv",
            // New ARR in proportion to the rows, so the target fits the funnel at every size.
            format!(
                "id,metric,value,baseline,owner,period_start,period_end\n\
                 T-1,marketing_sourced_pipeline,12000000,,p-cmo,2025-01-01,2025-12-31\n\
                 T-2,leads,12000,,p-cmo,2025-01-01,2025-12-31\n\
                 T-3,new_arr,{},,p-cro,2025-01-01,2025-12-31\n",
                rows * 1000
            ),
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

/// A year of an org with the anti-patterns of the default pack: vanity KPIs
/// reported to the board, the CMO missing from strategy, forecast and
/// product planning, success counted as sales requests fulfilled, a plan
/// that stays a draft, positioning rewritten every few months.
pub(super) fn troubled(rng: &mut Rng, rows: u64) -> Vec<(&'static str, String)> {
    let mut meetings = String::from("id,date,type,title,attendees\n");
    for m in 0..48u64 {
        let kind = ["strategy", "planning", "forecast", "product_planning"][(m % 4) as usize];
        let attendees = if rng.chance(0.15) {
            "p-ceo;p-cro;p-cmo;p-cfo;p-vpp"
        } else {
            "p-ceo;p-cro;p-cfo;p-vpp"
        };
        let _ = writeln!(
            meetings,
            "M-{m:03},{},{kind},{kind} meeting {m},{attendees}",
            day(m * 7 + 3)
        );
    }
    let mut requests = String::from("id,requested_date,requester,type,status,fulfilled_date,hours\n");
    for r in 0..(rows / 100).clamp(200, 50_000) {
        let d = rng.below(360);
        let kind = rng.pick(&["deck", "one_pager", "case_study", "event_booth", "swag"]);
        let _ = writeln!(
            requests,
            "R-{r:05},{},sales,{kind},fulfilled,{},{}",
            day(d),
            day(d + rng.below(2)),
            2 + rng.below(12)
        );
    }
    vec![
        ("bundle.yaml", "org: Generated Org\nperiod: { start: 2025-01-01, end: 2025-12-31 }\ncurrency: USD\n".into()),
        (
            "org.yaml",
            format!(
                // An average deal size from an old plan, three times what the
                // won deals say (STRAT-009 names the gap).
                "name: Generated Org\nstage: growth\nsales_motion: mid_market\nindustry: Software\nrevenue: {}\naddressable_market: 20000\nprospects: 900\nemployees: 400\nsales_cycle_days: 90\naverage_deal_size: 120000\n",
                rows * 100
            ),
        ),
        (
            "people.csv",
            "id,name,title,role,function,start_date,domain_experience_years\n\
             p-ceo,Alex Chen,Chief Executive Officer,ceo,executive,2019-01-01,15\n\
             p-cro,Sam Ortiz,Chief Revenue Officer,cro,sales,2021-03-01,12\n\
             p-cmo,Dana Patel,Chief Marketing Officer,cmo,marketing,2024-09-01,1\n\
             p-cfo,Lee Novak,Chief Financial Officer,cfo,finance,2020-02-01,14\n\
             p-vpp,Kim Berg,VP Product,head_of_product,product,2021-09-01,9\n"
                .into(),
        ),
        (
            "kpis.csv",
            "id,name,definition,owner,target,actual,unit,audience,cadence\n\
             K-01,Email click rate,Unique clicks / delivered,p-cmo,0.03,0.035,percent,board,monthly\n\
             K-02,Website design awards,Industry awards won for the website,p-cmo,2,3,count,board,quarterly\n\
             K-03,Sales request fulfilment (same day),Share of sales requests delivered the day they are asked,p-cmo,0.95,0.98,percent,executive,monthly\n\
             K-04,Trade show attendance,Visitors at our booths,p-cmo,9000,9400,count,board,quarterly\n\
             K-05,Leads delivered to sales,Contacts passed to sales,p-cmo,12000,11500,count,board,monthly\n\
             K-06,Website sessions,Sessions on the website,p-cmo,240000,262000,count,executive,monthly\n"
                .into(),
        ),
        ("meetings.csv", meetings),
        ("requests.csv", requests),
        (
            "budget.csv",
            "id,line,category,purpose,amount,period\n\
             B-1,Trade shows,program,events,900000,FY2025\n\
             B-2,Website and PR,program,communications,700000,FY2025\n\
             B-3,Award entries,program,communications,20000,FY2025\n\
             B-4,Sales collateral desk,program,enablement,300000,FY2025\n\
             B-5,Demand programs,program,demand_creation,100000,FY2025\n\
             B-6,Team,headcount,other,3000000,FY2025\n"
                .into(),
        ),
        (
            "targets.csv",
            "id,metric,value,baseline,owner,period_start,period_end\n\
             T-1,revenue,60000000,45000000,p-cro,2025-01-01,2025-12-31\n\
             T-2,leads,120000,,p-cmo,2025-01-01,2025-12-31\n\
             T-3,website_awards,2,0,p-cmo,2025-01-01,2025-12-31\n\
             T-4,new_customers,600,,p-cro,2025-01-01,2025-12-31\n"
                .into(),
        ),
        (
            "positioning.csv",
            "id,effective_date,status,statement,approved_by\n\
             POS-1,2025-02-03,retired,The platform for every team,p-ceo;p-cmo\n\
             POS-2,2025-05-12,retired,Automation without the integrator,p-ceo;p-cro\n\
             POS-3,2025-09-22,approved,Pays back in 18 months,p-ceo;p-cro\n\
             POS-4,2025-12-15,draft,AI-ready for every plant,p-cmo\n"
                .into(),
        ),
        (
            "reports.csv",
            "id,name,content,audience,cadence\n\
             REP-1,Marketing activity report,activity,executive,monthly\n\
             REP-2,Website analytics dashboard,brand,marketing,weekly\n\
             REP-3,Sales request desk summary,activity,sales,weekly\n"
                .into(),
        ),
        (
            "plans.csv",
            "id,name,type,status,origin,period_start,period_end,shared_with\n\
             PL-1,FY2025 marketing plan,marketing_plan,draft,plan,2025-01-01,2025-12-31,p-cmo\n\
             PL-2,Trade show plan,campaign_plan,approved,request,2025-02-01,2025-03-31,p-cro;p-cmo\n\
             PL-3,Launch plan,launch_plan,approved,request,2025-02-01,2025-05-31,p-vpp;p-cro\n\
             PL-4,Website relaunch,campaign_plan,approved,request,2025-04-01,2025-06-30,p-ceo;p-cmo\n"
                .into(),
        ),
        (
            "agreements.csv",
            "id,type,status,parties,effective_date,definition\n\
             AG-1,follow_up_sla,active,marketing;sales,2025-01-20,Sales calls back every marketing lead within 24 hours\n\
             AG-2,mql_definition,draft,marketing,,Any contact who fills in a form\n"
                .into(),
        ),
        (
            "answers.csv",
            "id,question,respondent,answer\n\
             Q-1,first_responsibility,cmo,Supporting the sales team with what they need the same day\n\
             Q-2,company_vision,cmo,I have not seen the vision document\n"
                .into(),
        ),
    ]
}
