//! The reproducible selection of docs/sampling.md: its worked examples, and
//! properties over random populations.

use chrono::NaiveDate;
use proptest::prelude::*;
use workbench_core::model::sampling::{allocate, quarters, select_by_quarter, select_simple};

const DOC: &str = include_str!("../../../../docs/sampling.md");

/// The rows of the markdown table whose header starts with `header`, as cells.
fn table(header: &str) -> Vec<Vec<String>> {
    let mut lines = DOC.lines().skip_while(|l| !l.starts_with(header)).skip(2);
    let mut rows = Vec::new();
    for line in lines.by_ref() {
        if !line.starts_with('|') {
            break;
        }
        rows.push(line.trim_matches('|').split('|').map(|c| c.trim().to_string()).collect());
    }
    rows
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn the_worked_examples_of_docs_sampling_md_hold() {
    // Simple: 20 rows, 5 items, seed 20261126; the last column is the row chosen (1-based).
    let simple = table("| k | xₖ |");
    assert_eq!(simple.len(), 5);
    let expected: Vec<usize> = simple.iter().map(|r| r[4].parse().unwrap()).collect();
    let chosen: Vec<usize> = select_simple(20, 5, 20_261_126).unwrap().into_iter().map(|i| i + 1).collect();
    assert_eq!(chosen, expected);

    // Stratified: the quarter of each row from the doc's frame table.
    let frame = table("| row |");
    let quarter_row = frame.iter().find(|r| r[0] == "quarter").unwrap();
    let period = (day(2025, 4, 1), day(2026, 3, 31));
    let q = quarters(period.0, period.1);
    let dates: Vec<Option<NaiveDate>> = quarter_row[1..]
        .iter()
        .map(|name| {
            let i: usize = name.trim_start_matches('Q').parse().unwrap();
            Some(q[i - 1].0)
        })
        .collect();
    assert_eq!(dates.len(), 14);
    let stratified = table("| quarter | xₖ |");
    let expected: Vec<usize> = stratified.iter().map(|r| r[4].parse().unwrap()).collect();
    let chosen: Vec<usize> =
        select_by_quarter(&dates, period, 6, 20_261_126).unwrap().into_iter().map(|i| i + 1).collect();
    assert_eq!(chosen, expected);
}

proptest! {
    #[test]
    fn a_sample_never_repeats_never_exceeds_and_is_the_same_every_time(
        population in 0usize..400,
        size in 0usize..60,
        seed in 1u64..2_147_483_647,
    ) {
        let a = select_simple(population, size, seed).unwrap();
        let b = select_simple(population, size, seed).unwrap();
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(a.len(), size.min(population));
        let mut unique = a.clone();
        unique.sort_unstable();
        unique.dedup();
        prop_assert_eq!(unique.len(), a.len());
        prop_assert!(a.iter().all(|i| *i < population));
    }

    #[test]
    fn stratification_covers_every_quarter_that_has_items(
        offsets in proptest::collection::vec(proptest::option::of(0i64..400), 1..200),
        extra in 0usize..30,
        seed in 1u64..2_147_483_647,
    ) {
        let period = (day(2025, 4, 1), day(2026, 3, 31));
        // Offsets past the period's 365 days fall outside it and are not in the frame.
        let dates: Vec<Option<NaiveDate>> =
            offsets.iter().map(|o| o.map(|o| period.0 + chrono::Duration::days(o))).collect();
        let in_period = |d: &Option<NaiveDate>| d.is_some_and(|d| d <= period.1);
        let strata: Vec<usize> = quarters(period.0, period.1)
            .iter()
            .map(|(from, to)| dates.iter().filter(|d| d.is_some_and(|d| d >= *from && d <= *to)).count())
            .filter(|n| *n > 0)
            .collect();
        let n = strata.len() + extra;
        let chosen = select_by_quarter(&dates, period, n, seed).unwrap();
        prop_assert_eq!(chosen.len(), n.min(dates.iter().filter(|d| in_period(d)).count()));
        prop_assert!(chosen.iter().all(|i| in_period(&dates[*i])));
        for (from, to) in quarters(period.0, period.1) {
            let has_items = dates.iter().any(|d| d.is_some_and(|d| d >= from && d <= to));
            let sampled = chosen.iter().any(|i| dates[*i].is_some_and(|d| d >= from && d <= to));
            prop_assert_eq!(has_items, sampled, "quarter from {}", from);
        }
        let alloc = allocate(&strata, n).unwrap();
        prop_assert!(alloc.iter().zip(&strata).all(|(a, s)| *a >= 1 && a <= s));
    }
}
