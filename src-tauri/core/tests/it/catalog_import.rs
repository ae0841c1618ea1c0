//! Catalog import: every format, and every kind of bad input refused with
//! its place named and nothing stored.

use std::collections::HashSet;

use workbench_core::api;
use workbench_core::import::{read_catalog, Format, ImportOptions};
use workbench_core::model::catalog::IdScheme;
use workbench_core::Error;

use crate::support::{oscal_fixture, Fixture, FULL_REV5, LOW_BASELINE};

fn named(name: &str, version: &str) -> ImportOptions {
    ImportOptions { format: None, name: Some(name.into()), version: Some(version.into()) }
}

/// The problems of a refused import, as "location: message" lines.
fn problems(err: Error) -> Vec<String> {
    match err {
        Error::Import { problems, .. } => problems.iter().map(ToString::to_string).collect(),
        other => panic!("expected an import error, got {other:?}"),
    }
}

const HEADER: &str = "group,id,parent,level,suffix,title_ja,title_en,text_ja,text_en,source_refs,importance,audit_cycle,liu_scope,mandatory\n";

fn good_csv() -> String {
    format!(
        "{HEADER}controls,9,,,,アクセス制御,Access control,,,,,,,\n\
         controls,9.2,,,,利用者アクセスの管理,User access management,,,,,,,\n\
         controls,9.2.3,,,,特権的アクセス権の管理,Privileged access,,,,,,,\n\
         controls,9.2.3.11.PB,,,,特権IDの利用記録,\"Privileged use, logged\",\"ログを記録する。\n複数行。\",,ref-1;ref-2,high,every_year,yes,true\n\
         controls,9.2.3.12,,detailed,,特権IDの棚卸,Privileged ID review,,,,,,no,false\n"
    )
}

#[test]
fn the_full_nist_rev5_oscal_catalog_imports_all_1189_controls_with_its_hierarchy() {
    let fx = Fixture::new();
    let summary =
        api::import_catalog(&fx.data_dir(), &oscal_fixture(FULL_REV5), &ImportOptions::default(), fx.ctx()).unwrap();
    assert_eq!(summary.controls, 1189);
    assert_eq!(summary.items, 1189 + 20, "20 groups as headings");
    assert_eq!(summary.version, "5.0.1");
    assert_eq!(summary.name, "NIST_SP-800-53_rev5.0.1_catalog");
    assert_eq!(summary.id_scheme, IdScheme::Oscal);

    let catalog = api::load_catalog(&fx.data_dir(), "NIST_SP-800-53_rev5.0.1_catalog@5.0.1").unwrap();
    let item = |id: &str| catalog.items.iter().find(|i| i.id == id).unwrap_or_else(|| panic!("{id} missing"));
    assert_eq!(item("ac").level.as_deref(), Some("group"));
    assert_eq!(item("ac").title_en, "Access Control");
    assert_eq!(item("ac-2").parent.as_deref(), Some("ac"));
    assert_eq!(item("ac-2").level.as_deref(), Some("control"));
    assert_eq!(item("ac-2").title_en, "Account Management");
    assert_eq!(item("ac-2.3").parent.as_deref(), Some("ac-2"));
    assert_eq!(item("ac-2.3").level.as_deref(), Some("enhancement"));
    assert_eq!(item("ac-2.3").source_refs, vec!["AC-2(3)".to_string()]);
    assert!(item("ac-2").text_en.contains("a. Define and document the types of accounts"), "{}", item("ac-2").text_en);
    let groups: HashSet<&str> = catalog.items.iter().map(|i| i.group.as_str()).collect();
    assert_eq!(groups.len(), 20);
}

#[test]
fn the_low_baseline_oscal_catalog_imports_149_controls() {
    let fx = Fixture::new();
    let s =
        api::import_catalog(&fx.data_dir(), &oscal_fixture(LOW_BASELINE), &ImportOptions::default(), fx.ctx()).unwrap();
    assert_eq!(s.controls, 149);
    assert_eq!(s.version, "5.1.1+u4");
}

#[test]
fn the_sample_catalog_has_the_real_ismap_structure() {
    let fx = Fixture::new();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/catalogs/sample-catalog.json");
    let summary = api::import_catalog(&fx.data_dir(), &path, &ImportOptions::default(), fx.ctx()).unwrap();
    assert!(summary.sample);
    assert!(summary.title.contains("NOT the official"), "{}", summary.title);
    let catalog = api::load_catalog(&fx.data_dir(), "ismap-sample").unwrap();
    let groups: HashSet<&str> = catalog.items.iter().map(|i| i.group.as_str()).collect();
    assert_eq!(groups, HashSet::from(["governance", "management", "controls"]));
    let domains: HashSet<&str> = catalog
        .items
        .iter()
        .filter(|i| i.group == "controls" && i.level.as_deref() == Some("detailed"))
        .map(|i| i.id.split('.').next().unwrap())
        .collect();
    assert!(domains.len() >= 10, "detailed controls in {} domains", domains.len());
    let suffixes: HashSet<&str> = catalog.items.iter().filter_map(|i| i.suffix.as_deref()).collect();
    assert_eq!(suffixes, HashSet::from(["B", "P", "PB"]));
    assert!(catalog.items.iter().any(|i| i.level.as_deref() == Some("objective")));
    for item in &catalog.items {
        assert!(!item.title_ja.is_empty() && !item.title_en.is_empty(), "{} lacks a title", item.id);
    }
    // Parents are derived from the IDs when the file leaves them out.
    let pb = catalog.items.iter().find(|i| i.id == "9.2.3.11.PB").unwrap();
    assert_eq!(pb.parent.as_deref(), Some("9.2.3"));
}

#[test]
fn workbench_csv_imports_with_japanese_quoted_newlines_and_a_byte_order_mark() {
    let fx = Fixture::new();
    let path = fx.write("catalog.csv", format!("\u{feff}{}", good_csv()));
    let catalog = read_catalog(&path, &named("test", "1")).unwrap();
    assert_eq!(catalog.items.len(), 5);
    let pb = &catalog.items[3];
    assert_eq!(pb.id, "9.2.3.11.PB");
    assert_eq!(pb.suffix.as_deref(), Some("PB"));
    assert_eq!(pb.level.as_deref(), Some("detailed"));
    assert_eq!(pb.parent.as_deref(), Some("9.2.3"));
    assert_eq!(pb.title_en, "Privileged use, logged");
    assert_eq!(pb.text_ja, "ログを記録する。\n複数行。");
    assert_eq!(pb.source_refs, ["ref-1", "ref-2"]);
    assert_eq!(pb.liu_scope, Some(true));
    assert!(pb.mandatory);
    assert_eq!(catalog.items[4].liu_scope, Some(false));
    assert_eq!(catalog.assessable_count(), 2);
}

#[test]
fn workbench_json_and_csv_of_the_same_catalog_agree() {
    let fx = Fixture::new();
    let csv = read_catalog(&fx.write("c.csv", good_csv()), &named("same", "1")).unwrap();
    let json = serde_json::json!({
        "format": "ismap-workbench-catalog", "format_version": 1, "name": "same", "version": "1",
        "items": csv.items,
    });
    let from_json = read_catalog(&fx.write("c.json", json.to_string()), &ImportOptions::default()).unwrap();
    assert_eq!(from_json.items, csv.items);
}

fn write_xlsx(fx: &Fixture, name: &str, rows: &[&[&str]]) -> std::path::PathBuf {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet().set_name("catalog").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if !value.is_empty() {
                sheet.write_string(r as u32, c as u16, *value).unwrap();
            }
        }
    }
    let path = fx.path(name);
    book.save(&path).unwrap();
    path
}

#[test]
fn excel_imports_with_the_same_columns() {
    let fx = Fixture::new();
    let path = write_xlsx(
        &fx,
        "catalog.xlsx",
        &[
            &["group", "id", "title_ja", "title_en", "mandatory"],
            &["controls", "12.1.2", "変更管理", "Change management", ""],
            &["controls", "12.1.2.1.B", "本番変更の承認", "Production changes approved", "はい"],
            &["", "", "", "", ""],
            &["controls", "12.1.2.2", "緊急変更", "Emergency changes", "no"],
        ],
    );
    let catalog = read_catalog(&path, &named("xl", "2026")).unwrap();
    assert_eq!(catalog.items.len(), 3);
    assert_eq!(catalog.items[1].suffix.as_deref(), Some("B"));
    assert!(catalog.items[1].mandatory);
    assert_eq!(catalog.items[1].parent.as_deref(), Some("12.1.2"));
}

#[test]
fn a_bad_id_in_excel_names_the_cell_and_the_value() {
    let fx = Fixture::new();
    let path = write_xlsx(
        &fx,
        "bad.xlsx",
        &[&["group", "id", "title_ja"], &["controls", "12.1.2", "変更管理"], &["controls", "12.1.2.x", "壊れた"]],
    );
    let lines = problems(read_catalog(&path, &named("xl", "1")).unwrap_err());
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("sheet \"catalog\", cell B3:"), "{}", lines[0]);
    assert!(lines[0].contains("\"12.1.2.x\""), "{}", lines[0]);
}

#[test]
fn a_file_that_is_not_a_workbook_is_refused() {
    let fx = Fixture::new();
    let path = fx.write("fake.xlsx", b"PK\x03\x04 this is not a zip file at all");
    let lines = problems(read_catalog(&path, &named("x", "1")).unwrap_err());
    assert!(lines[0].contains("not a readable Excel"), "{lines:?}");
}

#[test]
fn a_bad_id_in_csv_names_the_file_the_line_and_the_value() {
    let fx = Fixture::new();
    let path =
        fx.write("bad-id.csv", format!("{HEADER}controls,9.2.3,,,,a,a,,,,,,,\ncontrols,9.2.3.4.Q,,,,b,b,,,,,,,\n"));
    let err = read_catalog(&path, &named("t", "1")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("bad-id.csv"), "{text}");
    assert_eq!(problems(err), vec![
        "line 3, column \"id\": \"9.2.3.4.Q\" is not an ISMAP ID: parts must be numbers, optionally ending in .B, .P or .PB"
    ]);
}

#[test]
fn malformed_csv_is_refused_with_its_line() {
    let fx = Fixture::new();
    let path = fx.write("short-row.csv", format!("{HEADER}controls,9.2.3,,,,a,a,,,,,,,\ncontrols,9.2.3.1,,\n"));
    let lines = problems(read_catalog(&path, &named("t", "1")).unwrap_err());
    assert_eq!(lines, vec!["line 3: 4 fields where the header has 14"]);
}

#[test]
fn unknown_and_missing_columns_are_named() {
    let fx = Fixture::new();
    let path = fx.write("cols.csv", "grp,id,title_ja,colour\ncontrols,9.2.3,a,red\n");
    let lines = problems(read_catalog(&path, &named("t", "1")).unwrap_err());
    assert!(lines.iter().any(|l| l.starts_with("line 1, column 1: unknown column \"grp\"")), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("line 1, column 4: unknown column \"colour\"")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("required column \"group\" is missing")), "{lines:?}");
}

#[test]
fn duplicate_ids_name_both_places() {
    let fx = Fixture::new();
    let path = fx.write("dup.csv", format!("{HEADER}controls,9.2.3,,,,a,a,,,,,,,\ncontrols,9.2.3,,,,b,b,,,,,,,\n"));
    let lines = problems(read_catalog(&path, &named("t", "1")).unwrap_err());
    assert_eq!(lines, vec!["line 3, column \"id\": duplicate ID \"9.2.3\" (first at line 2, column \"id\")"]);
}

#[test]
fn an_orphan_parent_is_refused() {
    let fx = Fixture::new();
    let path = fx.write("orphan.csv", format!("{HEADER}controls,9.2.3.1,9.2.7,,,a,a,,,,,,,\n"));
    let lines = problems(read_catalog(&path, &named("t", "1")).unwrap_err());
    assert_eq!(lines, vec!["line 2, column \"parent\": parent \"9.2.7\" of item \"9.2.3.1\" is not in the catalog"]);
}

#[test]
fn a_parent_loop_is_refused() {
    let fx = Fixture::new();
    let path = fx.write("loop.csv", format!("{HEADER}controls,9.1,9.2,,,a,a,,,,,,,\ncontrols,9.2,9.1,,,b,b,,,,,,,\n"));
    let lines = problems(read_catalog(&path, &named("t", "1")).unwrap_err());
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().all(|l| l.contains("is its own ancestor")), "{lines:?}");
}

#[test]
fn level_and_suffix_that_contradict_the_id_are_refused() {
    let fx = Fixture::new();
    let path = fx.write(
        "contradict.csv",
        format!("{HEADER}controls,9.2.3,,detailed,,a,a,,,,,,,\ncontrols,9.2.3.1,,,B,b,b,,,,,,,\nsomething,9.2.4,,,,c,c,,,,,,,\n"),
    );
    let lines = problems(read_catalog(&path, &named("t", "1")).unwrap_err());
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with("line 2, column \"level\""), "{lines:?}");
    assert!(lines[1].starts_with("line 3, column \"suffix\""), "{lines:?}");
    assert!(lines[2].starts_with("line 4, column \"group\""), "{lines:?}");
}

#[test]
fn shift_jis_csv_is_refused_with_a_hint() {
    let fx = Fixture::new();
    // "アクセス" in Shift_JIS.
    let mut bytes = HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(b"controls,9,,,,\x83\x41\x83\x4e\x83\x5a\x83\x58,a,,,,,,,\n");
    let path = fx.write("sjis.csv", bytes);
    let lines = problems(read_catalog(&path, &named("t", "1")).unwrap_err());
    assert!(lines[0].starts_with("line 2:") && lines[0].contains("CSV UTF-8"), "{lines:?}");
}

#[test]
fn csv_without_a_name_or_version_is_refused() {
    let fx = Fixture::new();
    let path = fx.write("c.csv", good_csv());
    let lines = problems(read_catalog(&path, &ImportOptions::default()).unwrap_err());
    assert!(
        lines.iter().any(|l| l.contains("--name")) && lines.iter().any(|l| l.contains("--catalog-version")),
        "{lines:?}"
    );
}

#[test]
fn malformed_json_and_oscal_name_the_line_and_column() {
    let fx = Fixture::new();
    let path = fx.write("broken.json", "{\"format\": \"ismap-workbench-catalog\",\n \"items\": [ {,] }");
    let lines = problems(read_catalog(&path, &ImportOptions::default()).unwrap_err());
    assert!(lines[0].starts_with("line 2, column"), "{lines:?}");

    // A truncated OSCAL file: its first part, cut inside a control.
    let full = std::fs::read(oscal_fixture(LOW_BASELINE)).unwrap();
    let path = fx.write("truncated-oscal.json", &full[..full.len() / 2]);
    let options = ImportOptions { format: Some(Format::Oscal), ..ImportOptions::default() };
    let lines = problems(read_catalog(&path, &options).unwrap_err());
    assert!(lines[0].starts_with("line ") && lines[0].contains("not an OSCAL catalog"), "{lines:?}");
}

#[test]
fn unknown_keys_in_workbench_json_are_refused() {
    let fx = Fixture::new();
    let doc = serde_json::json!({
        "format": "ismap-workbench-catalog", "format_version": 1, "name": "n", "version": "1",
        "items": [{"group": "controls", "id": "5.1.1", "title_ja": "方針", "colour": "red"}],
    });
    let lines = problems(read_catalog(&fx.write("k.json", doc.to_string()), &ImportOptions::default()).unwrap_err());
    assert!(lines[0].starts_with("items[0]:") && lines[0].contains("colour"), "{lines:?}");
}

#[test]
fn an_oversized_file_is_refused_before_it_is_read() {
    let fx = Fixture::new();
    let path = fx.path("huge.csv");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(workbench_core::import::MAX_CATALOG_BYTES + 1).unwrap();
    let lines = problems(read_catalog(&path, &named("t", "1")).unwrap_err());
    assert!(lines[0].contains("larger than"), "{lines:?}");
}

#[test]
fn a_failed_import_stores_nothing_and_versions_live_side_by_side() {
    let fx = Fixture::new();
    let good = fx.write("good.csv", good_csv());
    api::import_catalog(&fx.data_dir(), &good, &named("criteria", "2025"), fx.ctx()).unwrap();
    api::import_catalog(&fx.data_dir(), &good, &named("criteria", "2026"), fx.ctx()).unwrap();

    // The bad row is the last one: everything before it parsed, none may stay.
    let bad = fx.write("bad.csv", format!("{}controls,9.2.3.99.Z,,,,x,x,,,,,,,\n", good_csv()));
    let err = api::import_catalog(&fx.data_dir(), &bad, &named("criteria", "2027"), fx.ctx()).unwrap_err();
    assert_eq!(err.kind(), "import");

    let again = api::import_catalog(&fx.data_dir(), &good, &named("criteria", "2026"), fx.ctx()).unwrap_err();
    assert_eq!(again.kind(), "already_exists");

    let listed: Vec<String> =
        api::list_catalogs(&fx.data_dir()).unwrap().iter().map(|c| format!("{}@{}", c.name, c.version)).collect();
    assert_eq!(listed, ["criteria@2025", "criteria@2026"]);

    let ambiguous = api::load_catalog(&fx.data_dir(), "criteria").unwrap_err();
    assert!(ambiguous.to_string().contains("2025, 2026"), "{ambiguous}");
    assert_eq!(api::load_catalog(&fx.data_dir(), "criteria@2027").unwrap_err().kind(), "not_found");
}

#[test]
fn an_unknown_extension_asks_for_the_format() {
    let fx = Fixture::new();
    let path = fx.write("catalog.txt", good_csv());
    let lines = problems(read_catalog(&path, &named("t", "1")).unwrap_err());
    assert!(lines[0].contains("--format"), "{lines:?}");
    let options = ImportOptions { format: Some(Format::Csv), ..named("t", "1") };
    assert_eq!(read_catalog(&path, &options).unwrap().items.len(), 5);
}

#[test]
fn the_example_in_the_format_documentation_imports() {
    let doc =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/catalog-format.md"))
            .unwrap();
    let example = doc.split("```csv\n").nth(1).unwrap().split("```").next().unwrap();
    let fx = Fixture::new();
    let catalog = read_catalog(&fx.write("example.csv", example), &named("example", "1")).unwrap();
    assert_eq!(catalog.items.len(), 5);
    assert_eq!(catalog.assessable_count(), 2);
    let first = &catalog.items[3];
    assert_eq!((first.liu_scope, first.mandatory, first.importance.as_deref()), (Some(true), true, Some("high")));
}

#[test]
fn a_json_catalog_carries_its_suffix_legend_into_the_engagement_and_a_bad_legend_is_refused() {
    let fx = Fixture::new();
    let catalog = |legend: serde_json::Value| {
        serde_json::json!({
            "format": "ismap-workbench-catalog", "format_version": 1, "name": "firm", "version": "1",
            "suffix_legend": legend,
            "items": [
                {"group": "controls", "id": "9", "title_ja": "アクセス制御"},
                {"group": "controls", "id": "9.2", "title_ja": "利用者アクセスの管理"},
                {"group": "controls", "id": "9.2.3", "title_ja": "特権的アクセス権の管理"},
                {"group": "controls", "id": "9.2.3.1.B", "title_ja": "特権を承認する"}
            ]
        })
        .to_string()
    };
    let own = serde_json::json!([
        {"suffix": "B", "ja": "基本言明要件（当法人の説明）", "en": "Basic statement requirement (our words)"}
    ]);
    let file = fx.write("firm.json", catalog(own));
    api::import_catalog(&fx.data_dir(), &file, &Default::default(), fx.ctx()).unwrap();
    let path = fx.path("firm.ismap");
    api::create_engagement(
        &path,
        &fx.data_dir(),
        "firm@1",
        None,
        "u".into(),
        workbench_core::sample::demo_fields(),
        Default::default(),
        fx.ctx(),
    )
    .unwrap();
    // The catalog's own words for B; the shipped ones for the suffixes it leaves out.
    let legend = api::suffix_legend(&path).unwrap();
    let suffixes: Vec<&str> = legend.iter().map(|m| m.suffix.as_str()).collect();
    assert_eq!(suffixes, ["P", "B", "PB"]);
    assert_eq!(legend[1].ja, "基本言明要件（当法人の説明）");
    assert_eq!(legend[0].ja, "クラウドサービス固有の管理策");
    let model = api::report_model(&path, "2026-03-31".parse().unwrap(), fx.ctx()).unwrap();
    assert_eq!(model.catalog.suffix_legend, legend);
    let report = api::verify_log(&path, None).unwrap();
    assert!(report.is_intact(), "{report:?}");

    // The sample catalog carries the shipped legend; a catalog without one shows it too.
    let demo = fx.path("demo.ismap");
    api::create_demo(&demo, "d".into(), fx.ctx()).unwrap();
    let shipped: Vec<_> = api::suffix_legend(&demo).unwrap().into_iter().map(|m| m.suffix).collect();
    assert_eq!(shipped, ["P", "B", "PB"]);
    // An OSCAL catalog's IDs carry no ISMAP suffix: no legend is shown for it.
    api::import_catalog(&fx.data_dir(), &oscal_fixture(LOW_BASELINE), &named("low", "1"), fx.ctx()).unwrap();
    let nist = fx.path("nist.ismap");
    api::create_engagement(
        &nist,
        &fx.data_dir(),
        "low@1",
        None,
        "n".into(),
        workbench_core::sample::demo_fields(),
        Default::default(),
        fx.ctx(),
    )
    .unwrap();
    assert!(api::suffix_legend(&nist).unwrap().is_empty());

    // An unknown suffix, one explained twice, or one without words: refused with the place, nothing stored.
    let bad = serde_json::json!([
        {"suffix": "Q", "ja": "x", "en": "x"},
        {"suffix": "B", "ja": "x"},
        {"suffix": "B", "ja": "y", "en": ""},
        {"suffix": "P", "ja": " ", "en": ""},
        {"suffix": "PB", "ja": "赤\u{1b}[31m", "en": ""}
    ]);
    let err = api::import_catalog(&fx.data_dir(), &fx.write("bad.json", catalog(bad)), &named("bad", "1"), fx.ctx())
        .unwrap_err();
    let found = problems(err);
    for expected in ["suffix_legend[0]", "suffix_legend[2]", "suffix_legend[3]", "suffix_legend[4]"] {
        assert!(found.iter().any(|p| p.contains(expected)), "{expected} in {found:?}");
    }
    assert!(!found.iter().any(|p| p.contains("suffix_legend[1]")), "one language is enough: {found:?}");
    // A key of another format in an entry is refused, naming it.
    let unknown = serde_json::json!([{"suffix": "B", "ja": "x", "color": "red"}]);
    let err =
        api::import_catalog(&fx.data_dir(), &fx.write("odd.json", catalog(unknown)), &named("odd", "1"), fx.ctx())
            .unwrap_err();
    assert!(err.to_string().contains("color"), "{err}");
    assert_eq!(api::list_catalogs(&fx.data_dir()).unwrap().len(), 2, "the firm's and the OSCAL catalog only");
}
