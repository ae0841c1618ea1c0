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

// ---- Sampling in the engagement file --------------------------------------------

mod in_the_engagement {
    use std::path::PathBuf;

    use workbench_core::api;
    use workbench_core::model::procedure::ResultKind;
    use workbench_core::model::review::{SignOffLevel, SignableKind};
    use workbench_core::model::sampling::{
        CellInput, CellResult, Frequency, ItemOrigin, PopulationColumns, SampleRequest, SelectionMethod,
    };

    use crate::support::Fixture;

    /// The demo's sampled procedure and the one beside it with a counted population.
    const CHANGES: &str = "4.4.1.1/P3";
    const PRIVILEGED: &str = "9.2.3.1/P4";
    /// Planned by the library, not sampled in the demo.
    const PLAIN: &str = "4.4.1.1/P1";

    fn demo(fx: &Fixture) -> PathBuf {
        let path = fx.path("demo.ismap");
        api::create_demo(&path, "u".into(), fx.ctx()).unwrap();
        path
    }

    fn columns() -> PopulationColumns {
        PopulationColumns { item_id: 0, date: Some(1), description: Some(2) }
    }

    fn request(frequency: Frequency, seed: u64) -> SampleRequest {
        SampleRequest { frequency, size_override: None, override_reason: None, seed: Some(seed), by_quarter: false }
    }

    fn cell(result: Option<CellResult>, comment: &str) -> CellInput {
        CellInput { result, tickmark: None, comment: comment.into() }
    }

    fn codes(err: &workbench_core::Error) -> Vec<String> {
        match err {
            workbench_core::Error::Invalid { problems } => problems.iter().map(|p| p.code.to_string()).collect(),
            other => vec![other.kind().to_string()],
        }
    }

    #[test]
    fn the_demo_sample_is_the_one_an_independent_computation_draws() {
        // Drawn with a separate Python implementation of docs/sampling.md
        // (stratified by quarter, seed 20261126, 25 of the 118 tickets in
        // the period of assets/demo/change-tickets.csv); quarter sizes 32,
        // 24, 25, 37 get 7, 5, 5, 8 items.
        let expected = "CHG-0011 CHG-0025 CHG-0014 CHG-0012 CHG-0013 CHG-0026 CHG-0017 CHG-0050 CHG-0038 CHG-0037 \
                        CHG-0046 CHG-0048 CHG-0080 CHG-0076 CHG-0078 CHG-0061 CHG-0060 CHG-0113 CHG-0088 CHG-0096 \
                        CHG-0097 CHG-0099 CHG-0120 CHG-0118 CHG-0107";
        let fx = Fixture::new();
        let path = demo(&fx);
        let state = api::sampling(&path, CHANGES).unwrap();
        let sample = state.sample.unwrap();
        let drawn: Vec<&str> = sample.items.iter().map(|i| i.item_id.as_str()).collect();
        assert_eq!(drawn.join(" "), expected.split_whitespace().collect::<Vec<_>>().join(" "));
        assert_eq!(
            (sample.seed, sample.size, sample.rule_size, sample.by_quarter),
            (Some(20_261_126), 25, Some(25), true)
        );
        assert_eq!(sample.rule_table.unwrap().name, "common-practice");
        // Every quarter of the period is represented.
        let population = state.population.unwrap();
        let quarters = workbench_core::model::sampling::quarters(sample.period_start, sample.period_end);
        for (from, to) in quarters {
            assert!(
                sample.items.iter().any(|i| {
                    let d = population.items[i.row as usize - 1].date.unwrap();
                    d >= from && d <= to
                }),
                "no item in {from}..{to}"
            );
        }
        let reproduction = api::reproduce_sample(&path, CHANGES).unwrap();
        assert!(reproduction.matches(), "{:?}", reproduction.problems);
        assert_eq!(reproduction.redrawn, reproduction.recorded);
    }

    #[test]
    fn items_outside_the_period_are_flagged_and_never_drawn() {
        let fx = Fixture::new();
        let path = demo(&fx);
        let population = api::sampling(&path, CHANGES).unwrap().population.unwrap();
        assert_eq!(population.count, 120);
        let flagged: Vec<&str> =
            population.items.iter().filter(|i| i.out_of_period).map(|i| i.item_id.as_str()).collect();
        assert_eq!(flagged, ["CHG-0001", "CHG-0002"], "filed 2025-09-24 and 2025-09-29, before the period");
        assert_eq!(population.columns, ["申請者", "承認者", "承認日", "実施日"]);
        // Drawing every item of the frame never takes a flagged one.
        api::set_population_count(&path, PLAIN, 3, fx.ctx()).unwrap();
        let csv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo/change-tickets.csv");
        api::import_population(&path, PLAIN, &csv, &columns(), fx.ctx()).unwrap();
        let request = SampleRequest {
            size_override: Some(118),
            override_reason: Some("全件".into()),
            ..request(Frequency::Daily, 5)
        };
        let all = api::select_sample(&path, &fx.data_dir(), PLAIN, &request, fx.ctx()).unwrap().sample.unwrap();
        assert_eq!(all.items.len(), 118);
        assert!(all.items.iter().all(|i| i.item_id != "CHG-0001" && i.item_id != "CHG-0002"));
        let err = api::select_sample(&path, &fx.data_dir(), PLAIN, &request, fx.ctx()).unwrap_err();
        assert_eq!(codes(&err), ["sample_exists"]);
    }

    #[test]
    fn a_bad_population_file_is_refused_naming_the_places_and_nothing_is_written() {
        let fx = Fixture::new();
        let path = demo(&fx);
        let before = std::fs::read(&path).unwrap();
        let bad =
            fx.write("bad.csv", "番号,日付,件名\nA-1,2026-01-05,a\nA-1,2026-01-06,b\n,2026-01-07,c\nA-3,13月,d\n");
        let err = api::import_population(&path, PLAIN, &bad, &columns(), fx.ctx()).unwrap_err();
        let text = err.to_string();
        assert_eq!(err.kind(), "import");
        assert!(text.contains("line 3") && text.contains("\"A-1\" is already used at line 2"), "{text}");
        assert!(text.contains("line 4") && text.contains("ID column \"番号\" is empty"), "{text}");
        assert!(text.contains("line 5") && text.contains("\"13月\" in \"日付\" is not a date"), "{text}");
        let header_only = fx.write("empty.csv", "番号,日付\n");
        assert_eq!(
            api::import_population(&path, PLAIN, &header_only, &columns(), fx.ctx()).unwrap_err().kind(),
            "import"
        );
        let wrong_column = PopulationColumns { item_id: 0, date: Some(9), description: None };
        let good = fx.write("good.csv", "番号,日付\nA-1,2026-01-05\n");
        let err = api::import_population(&path, PLAIN, &good, &wrong_column, fx.ctx()).unwrap_err();
        assert!(err.to_string().contains("date column 10 is not in the file"), "{err}");
        let twice = PopulationColumns { item_id: 1, date: Some(0), description: Some(1) };
        let err = api::import_population(&path, PLAIN, &good, &twice, fx.ctx()).unwrap_err();
        assert_eq!(codes(&err), ["column_reused"]);
        assert_eq!(std::fs::read(&path).unwrap(), before, "nothing was written");
    }

    #[test]
    fn shift_jis_csv_and_excel_dates_are_read() {
        let fx = Fixture::new();
        let path = demo(&fx);
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("番号,日付,件名\nA-1,2026/1/5,アクセス権の棚卸し\n");
        let file = fx.write("sjis.csv", &sjis);
        let preview = api::preview_population(&file).unwrap();
        assert_eq!(preview.headers, ["番号", "日付", "件名"]);
        assert_eq!(preview.guess, columns());
        let population = api::import_population(&path, PLAIN, &file, &columns(), fx.ctx()).unwrap().population.unwrap();
        assert_eq!(population.items[0].description, "アクセス権の棚卸し");
        assert_eq!(population.items[0].date.unwrap().to_string(), "2026-01-05");

        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy/mm/dd");
        sheet.write(0, 0, "チケット").unwrap();
        sheet.write(0, 1, "実施日").unwrap();
        sheet.write(0, 2, "担当").unwrap();
        sheet.write(1, 0, "T-1").unwrap();
        let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 2, 3).unwrap();
        sheet.write_datetime_with_format(1, 1, &day, &date_format).unwrap();
        sheet.write(1, 2, "伊藤").unwrap();
        let xlsx = fx.path("population.xlsx");
        book.save(&xlsx).unwrap();
        let preview = api::preview_population(&xlsx).unwrap();
        assert_eq!(preview.rows[0][1], "2026-02-03", "a date cell reads as the date it shows");
        let other = "9.2.3.11.PB/P1";
        let guessed = preview.guess.clone();
        let population = api::import_population(&path, other, &xlsx, &guessed, fx.ctx()).unwrap().population.unwrap();
        assert_eq!(population.items[0].item_id, "T-1");
        assert_eq!(population.columns, ["担当"]);
    }

    #[test]
    fn editing_the_rule_table_changes_only_new_samples() {
        let fx = Fixture::new();
        let path = demo(&fx);
        api::set_population_count(&path, PLAIN, 200, fx.ctx()).unwrap();
        let first = api::select_sample(&path, &fx.data_dir(), PLAIN, &request(Frequency::Weekly, 42), fx.ctx())
            .unwrap()
            .sample
            .unwrap();
        assert_eq!(first.size, 5);
        let table = fx.write(
            "firm.json",
            r#"{"name":"firm","version":"2027.1","sizes":[{"frequency":"weekly","size":10},{"frequency":"daily","size":40}]}"#,
        );
        api::set_sample_rules(&fx.data_dir(), &table).unwrap();
        assert_eq!(api::sample_rules(&fx.data_dir()).unwrap().name, "firm");
        let other = "4.4.1.1/P2";
        api::set_population_count(&path, other, 200, fx.ctx()).unwrap();
        let second = api::select_sample(&path, &fx.data_dir(), other, &request(Frequency::Weekly, 42), fx.ctx())
            .unwrap()
            .sample
            .unwrap();
        assert_eq!((second.size, second.rule_table.as_ref().unwrap().name.as_str()), (10, "firm"));
        // The first sample keeps its table, its size and its reproduction.
        let again = api::sampling(&path, PLAIN).unwrap().sample.unwrap();
        assert_eq!(again, first);
        assert!(api::reproduce_sample(&path, PLAIN).unwrap().matches());
        // A table with a size out of range is refused, and the firm's stays.
        let broken = fx.write("broken.json", r#"{"name":"x","version":"1","sizes":[{"frequency":"weekly","size":0}]}"#);
        assert_eq!(api::set_sample_rules(&fx.data_dir(), &broken).unwrap_err().kind(), "import");
        assert_eq!(api::sample_rules(&fx.data_dir()).unwrap().name, "firm");
        assert_eq!(api::reset_sample_rules(&fx.data_dir()).unwrap().name, "common-practice");
    }

    #[test]
    fn a_rule_table_saved_from_the_app_is_checked_by_field_and_never_reuses_a_name_and_version() {
        use workbench_core::model::sampling::{SampleRule, SampleRuleTable};
        let fx = Fixture::new();
        let default = api::sample_rules(&fx.data_dir()).unwrap();
        let problems = |table: SampleRuleTable| match api::save_sample_rules(&fx.data_dir(), table).unwrap_err() {
            workbench_core::Error::Invalid { problems } => {
                problems.into_iter().map(|p| format!("{}:{}", p.field, p.code)).collect::<Vec<_>>()
            }
            other => panic!("expected invalid, got {other}"),
        };
        let rule = |frequency, size| SampleRule { frequency, size };
        let blank =
            SampleRuleTable { name: " ".into(), version: String::new(), sizes: vec![rule(Frequency::Daily, 1001)] };
        assert_eq!(problems(blank), ["name:required", "version:required", "size.daily:size_range"]);
        let twice = SampleRuleTable {
            name: "firm".into(),
            version: "1".into(),
            sizes: vec![rule(Frequency::Weekly, 5), rule(Frequency::Weekly, 6)],
        };
        assert_eq!(problems(twice), ["sizes:duplicate_frequency"]);
        // Other sizes under the shipped default's name and version.
        let mut changed = default.clone();
        changed.sizes[1].size = 30;
        assert_eq!(problems(changed.clone()), ["version:version_unchanged"]);
        // Spaces around the name and version do not make another table.
        let mut spaced = changed.clone();
        spaced.version = " 2026.1 ".into();
        assert_eq!(problems(spaced), ["version:version_unchanged"]);
        // The same sizes in another order are the same table; it is saved
        // in the order of the frequencies.
        let mut reordered = default.clone();
        reordered.sizes.reverse();
        assert_eq!(api::save_sample_rules(&fx.data_dir(), reordered).unwrap(), default);
        // A new version is saved, and is then itself protected.
        changed.version = "2026.2".into();
        assert_eq!(api::save_sample_rules(&fx.data_dir(), changed.clone()).unwrap(), changed);
        assert_eq!(api::sample_rules(&fx.data_dir()).unwrap(), changed);
        let mut again = changed.clone();
        again.sizes.pop();
        assert_eq!(problems(again), ["version:version_unchanged"]);
        // Nothing refused was written.
        assert_eq!(api::sample_rules(&fx.data_dir()).unwrap(), changed);
    }

    #[test]
    fn the_app_gets_the_population_in_figures_with_the_sampled_items_and_the_first_outside_the_period() {
        use workbench_core::model::sampling::{PopulationSummary, SHOWN_OUT_OF_PERIOD};
        let fx = Fixture::new();
        let path = demo(&fx);
        // 250 items before the demo's audit period (2025-10-01 to 2026-09-30), then 30 in it.
        let mut csv = String::from("ID,日付,件名\n");
        for n in 0..250 {
            csv.push_str(&format!("OLD-{n:03},2025-0{}-1{},古い項目\n", 1 + n % 9, n % 10));
        }
        for n in 0..30 {
            csv.push_str(&format!("NEW-{n:03},2026-01-{:02},対象項目\n", 1 + n));
        }
        let list = fx.write("mixed.csv", &csv);
        api::import_population(&path, PLAIN, &list, &columns(), fx.ctx()).unwrap();
        api::select_sample(&path, &fx.data_dir(), PLAIN, &request(Frequency::Weekly, 11), fx.ctx()).unwrap();
        let whole = api::sampling(&path, PLAIN).unwrap();
        assert_eq!(whole.population.as_ref().unwrap().items.len(), 280);
        assert_eq!(
            whole.population_summary,
            Some(PopulationSummary { listed: 280, frame: 30, out_of_period: 250, has_dates: true, trimmed: false })
        );
        let sampled: Vec<u32> = whole.sample.as_ref().unwrap().items.iter().map(|i| i.row).collect();
        assert_eq!(sampled.len(), 5);

        let trimmed = whole.clone().trimmed();
        let items = &trimmed.population.as_ref().unwrap().items;
        let outside: Vec<u32> = items.iter().filter(|i| i.out_of_period).map(|i| i.row).collect();
        assert_eq!(outside, (1..=SHOWN_OUT_OF_PERIOD as u32).collect::<Vec<_>>());
        let inside: Vec<u32> = items.iter().filter(|i| !i.out_of_period).map(|i| i.row).collect();
        let mut expected = sampled.clone();
        expected.sort_unstable();
        assert_eq!(inside, expected);
        assert!(items.iter().filter(|i| !i.out_of_period).all(|i| i.item_id.starts_with("NEW-")));
        let summary = trimmed.population_summary.as_ref().unwrap();
        assert_eq!((summary.listed, summary.frame, summary.out_of_period, summary.trimmed), (280, 30, 250, true));
        // Everything but the list is left as it was.
        assert_eq!((trimmed.sample, trimmed.cells, trimmed.attributes), (whole.sample, whole.cells, whole.attributes));
    }

    #[test]
    fn a_size_other_than_the_rule_needs_a_reason_and_reproduce_finds_a_tampered_sample() {
        let fx = Fixture::new();
        let path = demo(&fx);
        api::set_population_count(&path, PLAIN, 30, fx.ctx()).unwrap();
        let no_reason = SampleRequest { size_override: Some(8), ..request(Frequency::Weekly, 7) };
        let err = api::select_sample(&path, &fx.data_dir(), PLAIN, &no_reason, fx.ctx()).unwrap_err();
        assert_eq!(codes(&err), ["override_needs_reason"]);
        let too_big = SampleRequest { size_override: Some(31), override_reason: Some("r".into()), ..no_reason.clone() };
        assert_eq!(
            codes(&api::select_sample(&path, &fx.data_dir(), PLAIN, &too_big, fx.ctx()).unwrap_err()),
            ["size_out_of_range"]
        );
        let bad_seed = request(Frequency::Weekly, 0);
        assert_eq!(
            codes(&api::select_sample(&path, &fx.data_dir(), PLAIN, &bad_seed, fx.ctx()).unwrap_err()),
            ["seed_out_of_range"]
        );
        let by_quarter = SampleRequest { by_quarter: true, ..request(Frequency::Weekly, 7) };
        assert_eq!(
            codes(&api::select_sample(&path, &fx.data_dir(), PLAIN, &by_quarter, fx.ctx()).unwrap_err()),
            ["no_dates"]
        );
        let with_reason =
            SampleRequest { override_reason: Some("リスクが高いため増やした".into()), ..no_reason };
        let sample = api::select_sample(&path, &fx.data_dir(), PLAIN, &with_reason, fx.ctx()).unwrap().sample.unwrap();
        assert_eq!((sample.size, sample.rule_size), (8, Some(5)));
        assert_eq!(sample.override_reason.as_deref(), Some("リスクが高いため増やした"));
        assert!(sample.items.iter().all(|i| i.item_id.starts_with('#')));
        assert!(api::reproduce_sample(&path, PLAIN).unwrap().matches());

        // Swapping a drawn item behind the workbench's back is found.
        let conn = rusqlite::Connection::open(&path).unwrap();
        let row: u32 = conn
            .query_row("SELECT row FROM sample_item WHERE procedure_id = ?1 AND no = 1", [PLAIN], |r| r.get(0))
            .unwrap();
        let unused = (1..=30).find(|r| !sample.items.iter().any(|i| i.row == *r)).unwrap();
        assert_ne!(row, unused);
        conn.execute(
            "UPDATE sample_item SET row = ?2, item_id = ?3 WHERE procedure_id = ?1 AND no = 1",
            rusqlite::params![PLAIN, unused, format!("#{unused}")],
        )
        .unwrap();
        drop(conn);
        let reproduction = api::reproduce_sample(&path, PLAIN).unwrap();
        assert!(!reproduction.matches());
        assert_ne!(reproduction.recorded, reproduction.redrawn);
    }

    #[test]
    fn manual_and_added_items_are_recorded_as_such() {
        let fx = Fixture::new();
        let path = demo(&fx);
        api::set_population_count(&path, PLAIN, 10, fx.ctx()).unwrap();
        let err = api::select_sample_manually(&path, PLAIN, &["#2".into()], " ", fx.ctx()).unwrap_err();
        assert_eq!(err.kind(), "invalid");
        let err = api::select_sample_manually(&path, PLAIN, &["#11".into()], "r", fx.ctx()).unwrap_err();
        assert_eq!(err.kind(), "not_found");
        let state =
            api::select_sample_manually(&path, PLAIN, &["#2".into(), "#9".into()], "期末の2件", fx.ctx()).unwrap();
        let sample = state.sample.unwrap();
        assert_eq!(sample.method, SelectionMethod::Manual);
        assert!(sample.items.iter().all(|i| i.origin == ItemOrigin::Manual && i.reason == "期末の2件"));
        let state = api::add_sample_item(&path, PLAIN, "#5", "障害対応の変更", fx.ctx()).unwrap();
        let added = state.sample.unwrap().items.pop().unwrap();
        assert_eq!((added.no, added.id.as_str(), added.origin), (3, "4.4.1.1/P1/S3", ItemOrigin::Added));
        let err = api::add_sample_item(&path, PLAIN, "#9", "r", fx.ctx()).unwrap_err();
        assert_eq!(codes(&err), ["already_in_sample"]);
        assert!(api::reproduce_sample(&path, PLAIN).unwrap().matches());
        // Replacing the population is refused while the sample stands;
        // discarding the untested sample allows it.
        assert_eq!(codes(&api::set_population_count(&path, PLAIN, 12, fx.ctx()).unwrap_err()), ["sample_drawn"]);
        api::discard_sample(&path, PLAIN, "母集団の件数を訂正する", fx.ctx()).unwrap();
        api::set_population_count(&path, PLAIN, 12, fx.ctx()).unwrap();
    }

    #[test]
    fn a_failed_cell_becomes_an_exception_and_the_result_follows_the_grid() {
        let fx = Fixture::new();
        let path = demo(&fx);
        api::set_population_count(&path, PLAIN, 10, fx.ctx()).unwrap();
        api::select_sample(&path, &fx.data_dir(), PLAIN, &request(Frequency::Monthly, 3), fx.ctx()).unwrap();
        let state = api::add_attribute(&path, PLAIN, "承認されている", fx.ctx()).unwrap();
        assert_eq!(state.attributes[0].key, "A");
        assert!(state.legend.iter().any(|t| t.mark == "✓"), "the default legend comes with the first attribute");
        let procedure = |path: &PathBuf| {
            api::list_procedures(path).unwrap().into_iter().find(|p| p.procedure.id == PLAIN).unwrap().procedure
        };
        assert_eq!(procedure(&path).result, None);

        let err = api::set_cell(&path, PLAIN, 1, "A", &cell(Some(CellResult::Fail), "  "), fx.ctx()).unwrap_err();
        assert_eq!(codes(&err), ["fail_needs_comment"]);
        let err = api::set_cell(
            &path,
            PLAIN,
            1,
            "A",
            &CellInput { tickmark: Some("?".into()), ..cell(Some(CellResult::Pass), "") },
            fx.ctx(),
        )
        .unwrap_err();
        assert_eq!(codes(&err), ["unknown_tickmark"]);
        assert_eq!(
            api::set_cell(&path, PLAIN, 3, "A", &cell(Some(CellResult::Pass), ""), fx.ctx()).unwrap_err().kind(),
            "not_found"
        );
        assert_eq!(
            api::set_cell(&path, PLAIN, 1, "Z", &cell(Some(CellResult::Pass), ""), fx.ctx()).unwrap_err().kind(),
            "not_found"
        );

        api::set_cell(&path, PLAIN, 1, "A", &cell(Some(CellResult::Pass), ""), fx.ctx()).unwrap();
        assert_eq!(procedure(&path).result, None, "one cell is still open");
        let state =
            api::set_cell(&path, PLAIN, 2, "A", &cell(Some(CellResult::Fail), "承認記録がない"), fx.ctx()).unwrap();
        let exception_id = state.cells[1].exception_id.clone().unwrap();
        let p = procedure(&path);
        assert_eq!(p.result, Some(ResultKind::Exception));
        assert_eq!(p.exceptions.len(), 1);
        let e = &p.exceptions[0];
        assert_eq!((e.id.as_str(), e.text.as_str()), (exception_id.as_str(), "承認記録がない"));
        assert_eq!((e.sample_item.as_deref(), e.attribute.as_deref()), (Some("4.4.1.1/P1/S2"), Some("A")));

        // The exception is the cell's: edited through it, not directly.
        assert_eq!(codes(&api::remove_exception(&path, &exception_id, fx.ctx()).unwrap_err()), ["from_test_grid"]);
        assert_eq!(codes(&api::edit_exception(&path, &exception_id, "x", fx.ctx()).unwrap_err()), ["from_test_grid"]);
        api::set_cell(&path, PLAIN, 2, "A", &cell(Some(CellResult::Fail), "承認記録が保存されていない"), fx.ctx())
            .unwrap();
        assert_eq!(procedure(&path).exceptions[0].text, "承認記録が保存されていない");
        assert_eq!(procedure(&path).exceptions[0].id, exception_id, "the same exception, edited");

        // Passing it takes the exception away; a full grid without failures is no exception.
        api::set_cell(&path, PLAIN, 2, "A", &cell(Some(CellResult::Pass), "再確認した"), fx.ctx()).unwrap();
        let p = procedure(&path);
        assert!(p.exceptions.is_empty());
        assert_eq!(p.result, Some(ResultKind::NoException));
        // A second attribute opens the grid again.
        api::add_attribute(&path, PLAIN, "承認者が独立している", fx.ctx()).unwrap();
        assert_eq!(procedure(&path).result, None);
        assert_eq!(codes(&api::remove_attribute(&path, PLAIN, "A", fx.ctx()).unwrap_err()), ["attribute_tested"]);
        api::remove_attribute(&path, PLAIN, "B", fx.ctx()).unwrap();
        assert_eq!(procedure(&path).result, Some(ResultKind::NoException));
        let again = api::add_attribute(&path, PLAIN, "三つ目", fx.ctx()).unwrap();
        assert_eq!(again.attributes.last().unwrap().key, "C", "B is not reused");
        assert_eq!(codes(&api::discard_sample(&path, PLAIN, "r", fx.ctx()).unwrap_err()), ["sample_tested"]);
        assert!(api::verify_log(&path, None).unwrap().is_intact());
    }

    #[test]
    fn the_demo_grid_has_one_failure_which_is_the_procedures_exception() {
        let fx = Fixture::new();
        let path = demo(&fx);
        let state = api::sampling(&path, CHANGES).unwrap();
        let failed: Vec<_> = state.cells.iter().filter(|c| c.result == CellResult::Fail).collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(state.cells.len(), 25 * 2);
        let detail = api::control_detail(&path, "4.4.1.1").unwrap();
        let p = detail.procedures.iter().find(|p| p.procedure.id == CHANGES).unwrap();
        assert_eq!(p.procedure.result, Some(ResultKind::Exception));
        assert_eq!(p.procedure.exceptions[0].sample_item.as_deref(), Some("4.4.1.1/P3/S7"));
        assert!(p.procedure.exceptions[0].text.contains("CHG-0017"));
        // The demo leaves the control's other procedures open; once they
        // are done (the finalized demo), the grid's exception rolls up.
        assert_eq!(detail.result, None);
        let done = fx.path("final.ismap");
        api::create_demo_finalized(&done, "v".into(), fx.ctx()).unwrap();
        let detail = api::control_detail(&done, "4.4.1.1").unwrap();
        assert!(detail
            .procedures
            .iter()
            .all(|p| p.procedure.result == Some(ResultKind::NoException) || p.procedure.id == CHANGES));
        assert_eq!(detail.result, Some(ResultKind::Exception));
        assert_eq!(api::control_detail(&done, "9.2.3.1").unwrap().result, Some(ResultKind::NoException));
        let privileged = api::sampling(&path, PRIVILEGED).unwrap();
        assert_eq!(privileged.population.unwrap().count, 48);
        assert_eq!(privileged.sample.unwrap().size, 5);
        assert!(privileged.cells.iter().all(|c| c.result == CellResult::Pass));
    }

    #[test]
    fn a_grid_change_after_sign_off_marks_the_procedure_changed() {
        let fx = Fixture::new();
        let path = demo(&fx);
        api::sign_off(&path, SignableKind::Procedure, PRIVILEGED, SignOffLevel::Preparer, fx.ctx()).unwrap();
        assert!(!api::review_state(&path, SignableKind::Procedure, PRIVILEGED).unwrap().changed_after_signoff);
        api::set_cell(&path, PRIVILEGED, 1, "A", &cell(Some(CellResult::NotApplicable), "取消済みの申請"), fx.ctx())
            .unwrap();
        assert!(api::review_state(&path, SignableKind::Procedure, PRIVILEGED).unwrap().changed_after_signoff);
        // A procedure without sampling keeps the content it was signed with.
        assert!(api::verify_log(&path, None).unwrap().is_intact());
    }
}

mod properties_in_the_engagement {
    use proptest::prelude::*;
    use workbench_core::api;
    use workbench_core::model::sampling::{quarters, Frequency, PopulationColumns, SampleRequest};

    use crate::support::{planned_demo, Fixture};

    const PROCEDURE: &str = "9.2.3.11.PB/P1";

    proptest! {
        // Each case creates an engagement file, so a few dozen cases are enough.
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn a_stored_sample_never_repeats_fits_the_frame_covers_the_quarters_and_reproduces(
            offsets in proptest::collection::vec(-20i64..390, 1..150),
            seed in 1u64..2_147_483_647,
            frequency in prop::sample::select(vec![Frequency::Daily, Frequency::Weekly, Frequency::Monthly, Frequency::Quarterly]),
            by_quarter in any::<bool>(),
        ) {
            let fx = Fixture::new();
            let path = planned_demo(&fx, "p");
            // The demo's period is 2025-10-01 to 2026-09-30; offsets below 0
            // or past 364 days fall outside it.
            let start = chrono::NaiveDate::from_ymd_opt(2025, 10, 1).unwrap();
            let mut csv = String::from("ID,日付\n");
            for (i, offset) in offsets.iter().enumerate() {
                csv.push_str(&format!("X-{i},{}\n", start + chrono::Duration::days(*offset)));
            }
            let list = fx.write("population.csv", csv);
            let columns = PopulationColumns { item_id: 0, date: Some(1), description: None };
            let population = api::import_population(&path, PROCEDURE, &list, &columns, fx.ctx()).unwrap().population.unwrap();
            let frame: Vec<_> = population.items.iter().filter(|i| !i.out_of_period).collect();
            prop_assume!(!frame.is_empty());
            let request = SampleRequest { frequency, size_override: None, override_reason: None, seed: Some(seed), by_quarter };
            let drawn = api::select_sample(&path, &fx.data_dir(), PROCEDURE, &request, fx.ctx());
            let sample = match drawn {
                Ok(state) => state.sample.unwrap(),
                // Fewer items than quarters with items cannot cover them all; that is refused.
                Err(e) => {
                    prop_assert!(by_quarter, "{e}");
                    continue_if_refused(&e)?;
                    return Ok(());
                }
            };
            let rows: std::collections::HashSet<u32> = sample.items.iter().map(|i| i.row).collect();
            prop_assert_eq!(rows.len(), sample.items.len(), "no item twice");
            prop_assert!(sample.items.len() <= frame.len());
            prop_assert!(sample.items.iter().all(|i| !population.items[i.row as usize - 1].out_of_period));
            if by_quarter {
                for (from, to) in quarters(sample.period_start, sample.period_end) {
                    let has = frame.iter().any(|i| i.date.is_some_and(|d| d >= from && d <= to));
                    let covered = sample.items.iter().any(|s| {
                        population.items[s.row as usize - 1].date.is_some_and(|d| d >= from && d <= to)
                    });
                    prop_assert_eq!(has, covered, "quarter {}..{}", from, to);
                }
            }
            let again = api::reproduce_sample(&path, PROCEDURE).unwrap();
            prop_assert!(again.matches(), "{:?}", again.problems);
        }
    }

    fn continue_if_refused(e: &workbench_core::Error) -> Result<(), TestCaseError> {
        match e {
            workbench_core::Error::Invalid { problems } if problems[0].code == "too_small_to_stratify" => Ok(()),
            other => Err(TestCaseError::fail(format!("unexpected refusal: {other}"))),
        }
    }
}
