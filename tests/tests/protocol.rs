//! The AXI protocol checkers can fail: scripted masters and slaves break each rule once, and each
//! break is reported with its cycle, the channel and the rule (the accelerator itself never breaks
//! them: every other RTL test asserts zero violations).

use sushi_sim::checker_selftest;

#[test]
fn every_scripted_protocol_violation_is_reported_with_its_cycle_channel_and_rule() {
    let cases = checker_selftest();
    assert!(cases.len() >= 13, "{} scenarios", cases.len());
    for c in &cases {
        let Some((cycle, channel, rule)) = &c.first else {
            panic!("{}: the checkers saw nothing", c.scenario);
        };
        assert_eq!(channel, &c.expected_channel, "{}: {rule}", c.scenario);
        assert!(
            rule.contains(&c.expected_rule),
            "{}: reported `{rule}`, expected a rule about `{}`",
            c.scenario,
            c.expected_rule
        );
        assert!(*cycle > 0, "{}: the cycle is where it happened", c.scenario);
        eprintln!("{:<44} cycle {cycle}: {channel}: {rule}", c.scenario);
    }
}
