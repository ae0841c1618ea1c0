//! Hostile Excel workbooks: each is built here at test time, part by part,
//! and must be refused with an `import` error that names the file, the part
//! or cell, and the limit crossed; in a child process, the refusal must stay
//! under 300 MB of memory. Realistic workbooks must still import.
//!
//! The archives are written by hand (local headers, central directory, end
//! record) so that a part's deflate stream can be a few kilobytes repeated to
//! gigabytes: each repeated piece is compressed on its own, so its copies
//! decode alike, and the sizes and CRC-32 written are the true ones. Limits
//! are written out here as numbers, not taken from the code under test.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Datelike;
use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};
use workbench_core::api;
use workbench_core::error::Error;
use workbench_core::import::population::read_table;
use workbench_core::import::{read_catalog, ImportOptions};
use workbench_core::model::sampling::PopulationColumns;

use crate::support::Fixture;

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const MIB: usize = 1024 * 1024;

/// One part of an archive: its name, how it is stored, and its true sizes.
struct Part {
    name: String,
    deflated: bool,
    crc: u32,
    data: Vec<u8>,
    size: u64,
}

/// A part compressed as one deflate stream.
fn part(name: &str, content: &[u8]) -> Part {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(content).unwrap();
    let mut crc = Crc::new();
    crc.update(content);
    Part {
        name: name.into(),
        deflated: true,
        crc: crc.sum(),
        data: encoder.finish().unwrap(),
        size: content.len() as u64,
    }
}

/// A part stored without compression.
fn stored(name: &str, content: &[u8]) -> Part {
    let mut crc = Crc::new();
    crc.update(content);
    Part { name: name.into(), deflated: false, crc: crc.sum(), data: content.to_vec(), size: content.len() as u64 }
}

/// A part whose content is `head`, then `chunk` `times` times, then `tail`,
/// compressed as a deflate stream of independent pieces: the chunk is
/// compressed once and its bytes repeated, so gigabytes cost kilobytes.
fn repeated(name: &str, head: &[u8], chunk: &[u8], times: usize, tail: &[u8]) -> Part {
    // A piece compressed by a fresh encoder and flushed refers only to its
    // own bytes and ends on a byte boundary, so pieces can be concatenated.
    let piece = |content: &[u8]| {
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(content).unwrap();
        encoder.flush().unwrap();
        encoder.get_ref().clone()
    };
    let (head_z, chunk_z) = (piece(head), piece(chunk));
    let mut tail_encoder = DeflateEncoder::new(Vec::new(), Compression::best());
    tail_encoder.write_all(tail).unwrap();
    let tail_z = tail_encoder.finish().unwrap();
    let mut data = head_z;
    for _ in 0..times {
        data.extend_from_slice(&chunk_z);
    }
    data.extend_from_slice(&tail_z);
    let mut crc = Crc::new();
    crc.update(head);
    for _ in 0..times {
        crc.update(chunk);
    }
    crc.update(tail);
    let size = (head.len() + chunk.len() * times + tail.len()) as u64;
    assert!(size < u64::from(u32::MAX), "the hand-written archive has no zip64 records");
    Part { name: name.into(), deflated: true, crc: crc.sum(), data, size }
}

/// A zip archive of the parts, in order, as the format describes it.
fn archive(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for p in parts {
        let offset = out.len() as u32;
        let name = p.name.as_bytes();
        let method: u16 = if p.deflated { 8 } else { 0 };
        let sizes = |b: &mut Vec<u8>| {
            b.extend((p.data.len() as u32).to_le_bytes());
            b.extend((p.size as u32).to_le_bytes());
        };
        // Local header: version 2.0, UTF-8 names, 1980-01-01 00:00.
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend([20u16, 0x0800, method, 0, 0x21].iter().flat_map(|v| v.to_le_bytes()));
        out.extend(p.crc.to_le_bytes());
        sizes(&mut out);
        out.extend((name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(name);
        out.extend(&p.data);
        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend([20u16, 20, 0x0800, method, 0, 0x21].iter().flat_map(|v| v.to_le_bytes()));
        central.extend(p.crc.to_le_bytes());
        sizes(&mut central);
        central.extend([name.len() as u16, 0, 0, 0, 0].iter().flat_map(|v| v.to_le_bytes()));
        central.extend(0u32.to_le_bytes());
        central.extend(offset.to_le_bytes());
        central.extend(name);
    }
    let central_offset = out.len() as u32;
    let count = parts.len() as u16;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u16, 0, count, count].iter().flat_map(|v| v.to_le_bytes()));
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// The parts of a minimal valid workbook with one sheet, "Sheet1", given
/// its sheet data and shared strings; `replace` swaps parts by name.
fn workbook(sheet_data: &str, strings: &[&str], replace: Vec<Part>) -> Vec<u8> {
    let rels = "http://schemas.openxmlformats.org/package/2006/relationships";
    let office = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let strings_xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{MAIN}" count="{n}" uniqueCount="{n}">{}</sst>"#,
        strings.iter().map(|s| format!("<si><t>{s}</t></si>")).collect::<String>(),
        n = strings.len()
    );
    let mut parts = vec![
        part(
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#
            .as_bytes(),
        ),
        part(
            "_rels/.rels",
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{rels}"><Relationship Id="rId1" Type="{office}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#).as_bytes(),
        ),
        part(
            "xl/workbook.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" xmlns:r="{office}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#).as_bytes(),
        ),
        part(
            "xl/_rels/workbook.xml.rels",
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{rels}"><Relationship Id="rId1" Type="{office}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{office}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#).as_bytes(),
        ),
        part(
            "xl/worksheets/sheet1.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}"><sheetData>{sheet_data}</sheetData></worksheet>"#).as_bytes(),
        ),
        part("xl/sharedStrings.xml", strings_xml.as_bytes()),
    ];
    for new in replace {
        match parts.iter().position(|p| p.name == new.name) {
            Some(i) => parts[i] = new,
            None => parts.push(new),
        }
    }
    archive(&parts)
}

/// Two rows of a population: a header (番号, 件名) and one item, as shared strings 0 to 3.
const TWO_ROWS: &str = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>"#;
const TWO_ROWS_STRINGS: [&str; 4] = ["番号", "件名", "A-1", "権限の棚卸し"];

fn head(name: &str) -> String {
    match name {
        "xl/sharedStrings.xml" => format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">"#),
        _ => format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>"#),
    }
}

/// `n` bytes of letters that deflate poorly on their own: a simple linear
/// congruential generator, so no two runs differ.
fn letters(n: usize, seed: u64) -> String {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            char::from(b'a' + ((x >> 33) % 26) as u8)
        })
        .collect()
}

/// Text that deflates about 80 to 1: a kilobyte of letters, repeated.
fn moderately_compressible(n: usize) -> String {
    letters(1024, 7).repeat(n / 1024 + 1)[..n].to_string()
}

/// The problems of an import error, as (place, message), after checking its
/// kind and that it names the file.
fn refusal(err: Error, file: &Path) -> Vec<(String, String)> {
    assert_eq!(err.kind(), "import", "{err}");
    match err {
        Error::Import { file: named, problems } => {
            assert_eq!(named, file);
            problems.into_iter().map(|p| (p.location, p.message)).collect()
        }
        other => panic!("not an import error: {other}"),
    }
}

/// The one problem of a refused population file.
fn population_refusal(path: &Path) -> (String, String) {
    let problems = refusal(read_table(path).unwrap_err(), path);
    assert_eq!(problems.len(), 1, "{problems:?}");
    problems.into_iter().next().unwrap()
}

fn write(fx: &Fixture, name: &str, bytes: Vec<u8>) -> PathBuf {
    fx.write(name, bytes)
}

#[test]
fn the_hand_built_workbook_is_a_valid_one() {
    // The control for every hostile case below: the same parts, unspoilt,
    // import; so each refusal is the spoilt part's doing.
    let fx = Fixture::new();
    let path = write(&fx, "ok.xlsx", workbook(TWO_ROWS, &TWO_ROWS_STRINGS, vec![]));
    let table = read_table(&path).unwrap();
    assert_eq!(table.sheet.as_deref(), Some("Sheet1"));
    assert_eq!(table.headers, ["番号", "件名"]);
    assert_eq!(
        table.rows,
        vec![("sheet \"Sheet1\", row 2".to_string(), vec!["A-1".to_string(), "権限の棚卸し".into()])]
    );
}

/// A workbook with a value at A1 (and A2) and one at XFD1048576, Excel's
/// last cell: a dense reader would allocate 1,048,576 × 16,384 cells.
fn dense_grid_bomb(sheet: &str, header: &[&str]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet().set_name(sheet).unwrap();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
        ws.write_string(1, c as u16, "x").unwrap();
    }
    ws.write_string(1_048_575, 16_383, "far").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_dense_grid_bomb_is_refused_at_its_far_cell_for_populations_and_catalogs() {
    let fx = Fixture::new();
    let path = write(&fx, "grid.xlsx", dense_grid_bomb("Sheet1", &["番号"]));
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "sheet \"Sheet1\", cell XFD1048576");
    assert!(message.contains("AMJ") && message.contains("1,024"), "{message}");

    let path = write(&fx, "grid-catalog.xlsx", dense_grid_bomb("catalog", &["group", "id", "title_ja"]));
    let options = ImportOptions { name: Some("c".into()), version: Some("1".into()), ..ImportOptions::default() };
    let problems = refusal(read_catalog(&path, &options).unwrap_err(), &path);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "sheet \"catalog\", cell XFD1048576");
    assert!(problems[0].1.contains("AMJ"), "{}", problems[0].1);
}

#[test]
fn a_table_too_large_in_area_is_refused_though_each_cell_is_in_bounds() {
    // 40,000 rows with a value in column A and one in column AMJ (the
    // 1,024th): 40,000 × 1,024 = 40,960,000 cells, over 32,000,000; the
    // first row over is 31,251 (31,251 × 1,024 = 32,001,024), refused at
    // its first cell.
    let mut rows = String::new();
    for r in 1..=40_000 {
        rows.push_str(&format!(r#"<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="AMJ{r}"><v>1</v></c></row>"#));
    }
    let fx = Fixture::new();
    let path = write(&fx, "wide.xlsx", workbook(&rows, &[], vec![]));
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "sheet \"Sheet1\", cell A31251");
    assert!(message.contains("31,251 rows × 1,024 columns") && message.contains("32,000,000"), "{message}");
}

/// A shared-string table of about 2 GiB in a few kilobytes: 64 KiB strings
/// of one letter, repeated.
fn shared_strings_bomb() -> Vec<u8> {
    let name = "xl/sharedStrings.xml";
    // Pieces of a mebibyte, so that what each costs besides its matches is
    // small beside them.
    let chunk = format!("<si><t>{}</t></si>", "A".repeat(64 * 1024 - 17)).repeat(16);
    let bomb = repeated(name, head(name).as_bytes(), chunk.as_bytes(), 2 * 1024 + 1, b"</sst>");
    assert!(bomb.size > 2 * 1024 * MIB as u64 && bomb.data.len() < 4 * MIB, "{} {}", bomb.size, bomb.data.len());
    workbook(TWO_ROWS, &TWO_ROWS_STRINGS, vec![bomb])
}

#[test]
fn a_shared_strings_bomb_is_refused_once_it_inflates_250_times_its_size() {
    let fx = Fixture::new();
    let path = write(&fx, "strings-bomb.xlsx", shared_strings_bomb());
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "part \"xl/sharedStrings.xml\"");
    assert!(message.contains("250 times its compressed size"), "{message}");
}

/// A worksheet of 3 GiB in 10 MB: one row of a string and empty cells
/// repeated, which deflates about 340 to 1.
fn worksheet_bomb() -> Vec<u8> {
    let name = "xl/worksheets/sheet1.xml";
    let chunk = r#"<row><c t="s"><v>0</v></c><c/><c/><c/><c/><c/><c/><c/></row>"#.repeat(16 * 1024);
    let times = 3 * 1024 * MIB / chunk.len();
    let bomb = repeated(name, head(name).as_bytes(), chunk.as_bytes(), times, b"</sheetData></worksheet>");
    workbook("", &TWO_ROWS_STRINGS, vec![bomb])
}

#[test]
fn a_worksheet_bomb_is_refused_once_it_inflates_250_times_its_size() {
    let fx = Fixture::new();
    let path = write(&fx, "sheet-bomb.xlsx", worksheet_bomb());
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "part \"xl/worksheets/sheet1.xml\"");
    assert!(message.contains("250 times its compressed size"), "{message}");
}

#[test]
fn a_worksheet_of_more_rows_than_excel_allows_is_refused() {
    // 1,048,577 rows, each numbered, so that it deflates like a real sheet
    // (about 20 to 1) rather than like a bomb.
    let mut xml = head("xl/worksheets/sheet1.xml");
    for r in 1..=1_048_577 {
        xml.push_str(&format!(r#"<row r="{r}"/>"#));
    }
    xml.push_str("</sheetData></worksheet>");
    let fx = Fixture::new();
    let sheet = part("xl/worksheets/sheet1.xml", xml.as_bytes());
    let path = write(&fx, "rows.xlsx", workbook("", &[], vec![sheet]));
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "part \"xl/worksheets/sheet1.xml\"");
    assert!(message.contains("more than 1,048,576 rows"), "{message}");
}

#[test]
fn a_shared_string_table_over_512_mib_is_refused_though_it_compresses_like_text() {
    // 600 strings of 900 KiB that deflate about 80 to 1: under the bomb
    // ratio, each under the 1 MiB cell limit, 540 MB in all.
    let name = "xl/sharedStrings.xml";
    let chunk = format!("<si><t>{}</t></si>", moderately_compressible(900 * 1024));
    let big = repeated(name, head(name).as_bytes(), chunk.as_bytes(), 600, b"</sst>");
    let fx = Fixture::new();
    let path = write(&fx, "strings-large.xlsx", workbook(TWO_ROWS, &TWO_ROWS_STRINGS, vec![big]));
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "part \"xl/sharedStrings.xml\"");
    assert!(message.contains("more than 512 MiB"), "{message}");
}

#[test]
fn any_other_part_over_32_mib_is_refused_even_if_not_xml() {
    let name = "xl/media/image1.png";
    let image = repeated(name, b"\x89PNG", moderately_compressible(MIB).as_bytes(), 40, b"");
    let fx = Fixture::new();
    let path = write(&fx, "image.xlsx", workbook(TWO_ROWS, &TWO_ROWS_STRINGS, vec![image]));
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "part \"xl/media/image1.png\"");
    assert!(message.contains("more than 32 MiB"), "{message}");
}

#[test]
fn a_part_that_inflates_past_the_size_its_header_declares_is_refused() {
    // The header says 100 bytes; the stream holds 20 MiB. Sizes in headers
    // can lie, so what is counted is what comes out of the inflater.
    let name = "xl/worksheets/sheet1.xml";
    let mut liar =
        repeated(name, head(name).as_bytes(), "<row/>".repeat(100_000).as_bytes(), 35, b"</sheetData></worksheet>");
    liar.size = 100;
    let fx = Fixture::new();
    let path = write(&fx, "liar.xlsx", workbook("", &[], vec![liar]));
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "part \"xl/worksheets/sheet1.xml\"");
    assert!(message.contains("cannot be read") && message.contains("declared"), "{message}");
}

/// Two million distinct shared strings for a sheet with four string cells,
/// stored before the sheet in the archive.
fn millions_of_strings() -> Vec<u8> {
    let mut xml = head("xl/sharedStrings.xml");
    for i in 0..2_000_000 {
        xml.push_str(&format!("<si><t>{i}</t></si>"));
    }
    xml.push_str("</sst>");
    let strings = part("xl/sharedStrings.xml", xml.as_bytes());
    let sheet = part(
        "xl/worksheets/sheet1.xml",
        head("xl/worksheets/sheet1.xml")
            .replace("<sheetData>", &format!("<sheetData>{TWO_ROWS}</sheetData></worksheet>"))
            .as_bytes(),
    );
    // The strings come first, so the reader must count the sheet's cells
    // before it can judge the table.
    let mut all = vec![strings];
    all.extend(minimal_parts_except(&["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"]));
    all.push(sheet);
    archive(&all)
}

/// The parts of the minimal workbook but the named ones, by reading them back
/// from an archive of it.
fn minimal_parts_except(names: &[&str]) -> Vec<Part> {
    let bytes = workbook(TWO_ROWS, &TWO_ROWS_STRINGS, vec![]);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut parts = Vec::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        if names.contains(&name.as_str()) {
            continue;
        }
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut content).unwrap();
        parts.push(part(&name, &content));
    }
    parts
}

#[test]
fn millions_of_shared_strings_for_a_few_cells_are_refused() {
    let fx = Fixture::new();
    let path = write(&fx, "strings-many.xlsx", millions_of_strings());
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "part \"xl/sharedStrings.xml\"");
    // Refused at the first string over 4 cells + 100,000 spare.
    assert!(message.contains("holds at least 100,005") && message.contains("4 string cells"), "{message}");
}

#[test]
fn a_declared_count_of_strings_beyond_the_sheets_is_refused_before_room_is_made_for_it() {
    // calamine reserves room for uniqueCount strings before reading any.
    let strings = part(
        "xl/sharedStrings.xml",
        format!(r#"<sst xmlns="{MAIN}" count="4" uniqueCount="4000000000"><si><t>番号</t></si><si><t>件名</t></si><si><t>A-1</t></si><si><t>x</t></si></sst>"#).as_bytes(),
    );
    let fx = Fixture::new();
    let path = write(&fx, "strings-declared.xlsx", workbook(TWO_ROWS, &[], vec![strings]));
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "part \"xl/sharedStrings.xml\"");
    assert!(message.contains("declares 4,000,000,000"), "{message}");
}

/// A style table with one font of a 500,000-letter name and 200,000 cell
/// formats using it: calamine copies the font into each format, 100 GB.
fn style_bomb() -> Vec<u8> {
    let styles = format!(
        r#"<styleSheet xmlns="{MAIN}"><fonts count="1"><font><name val="{}"/></font></fonts><cellXfs count="200000">{}</cellXfs></styleSheet>"#,
        "F".repeat(500_000),
        r#"<xf fontId="0"/>"#.repeat(200_000)
    );
    workbook(TWO_ROWS, &TWO_ROWS_STRINGS, vec![part("xl/styles.xml", styles.as_bytes())])
}

#[test]
fn a_style_table_that_would_copy_a_long_font_into_every_format_is_refused() {
    let fx = Fixture::new();
    let path = write(&fx, "styles.xlsx", style_bomb());
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "part \"xl/styles.xml\"");
    assert!(message.contains("200,000 cell formats") && message.contains("64 MiB"), "{message}");
}

#[test]
fn a_single_token_over_a_megabyte_is_refused() {
    // 2 MiB of text in one cell: calamine would hold it whole, several times.
    let text = letters(2 * MIB, 3);
    let sheet = format!(r#"<row r="1"><c r="A1" t="inlineStr"><is><t>{text}</t></is></c></row>"#);
    let fx = Fixture::new();
    let path = write(&fx, "token.xlsx", workbook(&sheet, &[], vec![]));
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "part \"xl/worksheets/sheet1.xml\"");
    assert!(message.contains("single XML tag or run of text longer than 1 MiB"), "{message}");
}

#[test]
fn a_cell_gathered_from_many_small_runs_over_a_megabyte_is_refused() {
    // Each run is small, but calamine joins the runs of a cell into one string.
    let runs = format!("<r><t>{}</t></r>", letters(1000, 5)).repeat(2_000);
    let sheet = format!(r#"<row r="1"><c r="A1" t="inlineStr"><is>{runs}</is></c></row>"#);
    let fx = Fixture::new();
    let path = write(&fx, "runs.xlsx", workbook(&sheet, &[], vec![]));
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "part \"xl/worksheets/sheet1.xml\"");
    assert!(message.contains("(<c>) longer than 1 MiB"), "{message}");
}

#[test]
fn a_string_left_open_keeps_counting_until_it_is_refused() {
    // calamine reads a <t> until its own end tag, through any </si>; one
    // that never ends would gather the rest of the table.
    let name = "xl/sharedStrings.xml";
    let unclosed =
        format!("{}<si><t>", head(name)) + &format!("</si><si>{}", letters(1000, 9)).repeat(2_000) + "</sst>";
    let fx = Fixture::new();
    let path = write(&fx, "open.xlsx", workbook(TWO_ROWS, &[], vec![part(name, unclosed.as_bytes())]));
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "part \"xl/sharedStrings.xml\"");
    assert!(message.contains("longer than 1 MiB"), "{message}");
}

#[test]
fn an_archive_of_more_than_10000_parts_is_refused() {
    let mut parts: Vec<Part> = (0..10_001).map(|i| stored(&format!("xl/media/p{i}.bin"), b"")).collect();
    parts.extend(minimal_parts_except(&[]));
    let fx = Fixture::new();
    let path = write(&fx, "parts.xlsx", archive(&parts));
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "file");
    assert!(message.contains("more than 10,000 parts"), "{message}");
}

#[test]
fn an_encrypted_workbook_or_an_xls_file_is_told_apart_from_a_broken_one() {
    // The compound-file signature that password-protected .xlsx and .xls files start with.
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(4096, 0);
    let fx = Fixture::new();
    for name in ["locked.xlsx", "old.xls"] {
        let path = write(&fx, name, bytes.clone());
        let (place, message) = population_refusal(&path);
        assert_eq!(place, "file");
        assert!(message.contains("password-protected") && message.contains(".xls"), "{message}");
    }
}

#[test]
fn a_file_over_64_mib_is_refused_before_it_is_read() {
    let fx = Fixture::new();
    let path = fx.path("huge.xlsx");
    let file = std::fs::File::create(&path).unwrap();
    // A sparse file: 64 MiB + 1 byte that takes no disk and, if read, would
    // be zeros and no workbook at all.
    file.set_len(64 * MIB as u64 + 1).unwrap();
    let (place, message) = population_refusal(&path);
    assert_eq!(place, "file");
    assert_eq!(message, "67108865 bytes is larger than the 67108864 bytes a population list may have");
}

#[test]
fn a_population_of_200000_rows_still_imports() {
    // 200,000 items of six columns, as an export from a ticket system; the
    // audit period of the demo engagement is 2025-10-01 to 2026-09-30, and
    // item i is dated 2025-10-01 + (i mod 365) days, so every item is in it.
    let fx = Fixture::new();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["チケット番号", "申請日", "件名", "申請者", "承認者", "区分"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy/mm/dd");
    let start = chrono::NaiveDate::from_ymd_opt(2025, 10, 1).unwrap();
    for i in 0..200_000u32 {
        let r = i + 1;
        let day = start + chrono::Days::new(u64::from(i % 365));
        sheet.write_string(r, 0, format!("CHG-{i:06}")).unwrap();
        let excel_day = rust_xlsxwriter::ExcelDateTime::from_ymd(day.year() as u16, day.month() as u8, day.day() as u8);
        sheet.write_datetime_with_format(r, 1, excel_day.unwrap(), &date).unwrap();
        sheet.write_string(r, 2, format!("本番環境への変更 {i}")).unwrap();
        sheet.write_string(r, 3, ["佐藤", "鈴木", "高橋"][i as usize % 3]).unwrap();
        sheet.write_string(r, 4, ["山田", "伊藤"][i as usize % 2]).unwrap();
        sheet.write_number(r, 5, f64::from(i % 4)).unwrap();
    }
    let path = fx.path("changes.xlsx");
    book.save(&path).unwrap();

    let engagement = fx.path("demo.ismap");
    api::create_demo(&engagement, "u".into(), fx.ctx()).unwrap();
    let preview = api::preview_population(&path).unwrap();
    assert_eq!(preview.total_rows, 200_000);
    assert_eq!(preview.guess, PopulationColumns { item_id: 0, date: Some(1), description: Some(2) });
    let state = api::import_population(&engagement, "4.4.1.1/P1", &path, &preview.guess, fx.ctx()).unwrap();
    let population = state.population.unwrap();
    assert_eq!(population.count, 200_000);
    let item = &population.items[123_456];
    assert_eq!(item.item_id, "CHG-123456");
    // 123,456 mod 365 = 86 days after 2025-10-01 is 2025-12-26.
    assert_eq!(item.date.unwrap().to_string(), "2025-12-26");
    assert_eq!(item.description, "本番環境への変更 123456");
    assert_eq!(item.extra, ["佐藤", "山田", "0"]);
    assert!(population.items.iter().all(|i| !i.out_of_period));
}

/// Peak memory of refusing each bomb, measured in a child process: this
/// test binary run again for this one test, with the file to import in the
/// environment. The child reads its own peak (VmHWM) after the refusal.
#[cfg(target_os = "linux")]
#[test]
fn bombs_are_refused_in_under_300_mb() {
    if let Ok(file) = std::env::var("HOSTILE_XLSX_FILE") {
        let report = std::env::var("HOSTILE_XLSX_REPORT").unwrap();
        let outcome = match read_table(Path::new(&file)) {
            Ok(_) => "imported".to_string(),
            Err(err) => {
                let kind = err.kind();
                let place = match &err {
                    Error::Import { problems, .. } => problems.first().map(|p| p.location.clone()).unwrap_or_default(),
                    _ => String::new(),
                };
                format!("{kind}\t{place}")
            }
        };
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let peak_kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        std::fs::write(report, format!("{outcome}\t{peak_kb}")).unwrap();
        return;
    }
    let fx = Fixture::new();
    let bombs: Vec<(&str, Vec<u8>, &str)> = vec![
        ("grid.xlsx", dense_grid_bomb("Sheet1", &["番号"]), "sheet \"Sheet1\", cell XFD1048576"),
        ("strings.xlsx", shared_strings_bomb(), "part \"xl/sharedStrings.xml\""),
        ("sheet.xlsx", worksheet_bomb(), "part \"xl/worksheets/sheet1.xml\""),
        ("many.xlsx", millions_of_strings(), "part \"xl/sharedStrings.xml\""),
        ("styles.xlsx", style_bomb(), "part \"xl/styles.xml\""),
    ];
    for (name, bytes, place) in bombs {
        let file = write(&fx, name, bytes);
        let report = fx.path(&format!("{name}.report"));
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "hostile_xlsx::bombs_are_refused_in_under_300_mb", "--test-threads=1", "--quiet"])
            .env("HOSTILE_XLSX_FILE", &file)
            .env("HOSTILE_XLSX_REPORT", &report)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "{name}: the child failed");
        let report = std::fs::read_to_string(&report).unwrap();
        let fields: Vec<&str> = report.split('\t').collect();
        assert_eq!(fields[..2], ["import", place], "{name}: {report}");
        let peak_mb = fields[2].parse::<u64>().unwrap() / 1024;
        assert!(peak_mb < 300, "{name}: the refusal took {peak_mb} MB at its peak");
    }
}
