//! Reading a plan's named value (`RawStep`): a string is an expression, a
//! number a number, a mapping a step. Serde's untagged enum would try each
//! form in turn and, when none fits, report only that none did; here the
//! form is chosen by the YAML node's kind, so a mistake inside a step (a
//! misspelt key, a wrong type) is reported as the step's own error, at its
//! line, with the keys it expects.

use super::{RawStep, RawStepMap};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use std::fmt;

impl<'de> Deserialize<'de> for RawStep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StepVisitor)
    }
}

struct StepVisitor;

impl<'de> Visitor<'de> for StepVisitor {
    type Value = RawStep;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an expression, a number, or one step such as `rows:`, `count:` or `groups:`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawStep, E> {
        Ok(RawStep::Expr(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<RawStep, E> {
        Ok(RawStep::Expr(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawStep, E> {
        Ok(RawStep::Number(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawStep, E> {
        Ok(RawStep::Number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawStep, E> {
        Ok(RawStep::Number(v as f64))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawStep, A::Error> {
        RawStepMap::deserialize(de::value::MapAccessDeserializer::new(map)).map(|m| RawStep::Step(Box::new(m)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::RawPlan;

    /// The forms read as before, and a mistake inside a step names itself
    /// at its line.
    #[test]
    fn a_step_is_read_by_its_kind_and_its_mistakes_name_themselves() {
        let plan: RawPlan = crate::yaml::from_str(
            "let:\n  a: 5\n  b: 2.5\n  c: a / b\n  d: '7'\n  e: { count: { from: leads } }\noutcome:\n  - pass: ok\n",
        )
        .unwrap();
        let forms: Vec<String> = plan.lets.values().map(|s| format!("{s:?}")).collect();
        assert!(
            forms[0].starts_with("Number(5.0)") && forms[1].starts_with("Number(2.5)"),
            "{forms:?}"
        );
        assert_eq!(forms[2], "Expr(\"a / b\")");
        assert_eq!(forms[3], "Expr(\"7\")");
        assert!(forms[4].starts_with("Step("), "{forms:?}");
        let err = crate::yaml::from_str::<RawPlan>(
            "let:\n  a: { count: { from: leads } }\n  b: { rows: { from: leads, wher: x } }\noutcome:\n  - pass: ok\n",
        )
        .unwrap_err();
        assert!(err.message.contains("unknown field `wher`"), "{err}");
        assert!(err.message.contains("expected one of from, where"), "{err}");
        assert_eq!(err.line, 3, "{err}");
        let err = crate::yaml::from_str::<RawPlan>("let:\n  a: [1, 2]\noutcome:\n  - pass: ok\n").unwrap_err();
        assert!(err.message.contains("an expression, a number, or one step"), "{err}");
    }
}
