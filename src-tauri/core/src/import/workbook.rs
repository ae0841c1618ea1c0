//! Excel workbooks (`.xlsx`) read within fixed limits, for catalogs and
//! population lists alike.
//!
//! A workbook is a zip archive of XML parts, and both layers can ask for far
//! more memory than the file's size: a part of a few kilobytes that inflates
//! to gigabytes, a shared-string table of millions of entries that the sheet
//! never uses, or two cells at A1 and XFD1048576 that make a dense reader
//! allocate seventeen billion cells. A workbook is therefore read in two
//! passes, and nothing from it is kept until both have agreed:
//!
//! 1. [`check_parts`] inflates every part of the archive as a stream and
//!    counts the bytes that really come out (the sizes the archive declares
//!    can lie), walks the XML parts token by token, and keeps only counters.
//!    It refuses a part that inflates beyond its limit or far beyond its
//!    compressed size, a single XML token or cell beyond a megabyte, more
//!    shared strings than the sheets have string cells, and style tables
//!    whose copies would not fit in the style budget. Its memory does not
//!    depend on the file.
//! 2. calamine then opens the archive (its `Xlsx::new` reads the shared
//!    strings and styles that pass 1 has bounded), and the chosen sheet is read
//!    cell by cell with its streaming reader ([`calamine::XlsxCellReader`]).
//!    Only cells with a value are kept, and the rightmost column, the last row
//!    and the area of the table they span are capped as they arrive.
//!
//! The limits are generous for real work (a population of a million rows of
//! twenty columns fits) and are listed, with their reasons, in
//! docs/catalog-format.md.

use std::cell::Cell;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::rc::Rc;

use calamine::{Data, DataRef, Reader, Xlsx};
use quick_xml::events::Event;

use super::{letters, problem, Problems};
use crate::error::InputProblem;

const MIB: u64 = 1024 * 1024;

/// The most parts (files) a workbook's archive may hold. A workbook with many
/// sheets, images and pivot tables has a few hundred.
pub const MAX_PARTS: usize = 10_000;
/// The most a worksheet part may inflate to. A sheet of 1,000,000 rows of 20
/// columns, as Excel writes it, is about 1 GiB of XML.
pub const MAX_WORKSHEET_BYTES: u64 = 2048 * MIB;
/// The most the shared-string table may inflate to.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 512 * MIB;
/// The most any other part (workbook, styles, relationships, images) may
/// inflate to.
pub const MAX_OTHER_PART_BYTES: u64 = 32 * MIB;
/// The most all parts together may inflate to.
pub const MAX_INFLATED_BYTES: u64 = 3072 * MIB;
/// A part that inflates to more than this many times the compressed bytes
/// read for it, once past [`BOMB_GRACE_BYTES`], is a zip bomb. Real sheets
/// stay below about 30, since every row differs at least in its ID and cell
/// references; a list that repeats a long text inline in every row reaches
/// about 150. Bombs of repeated rows or strings reach 300 to 400, runs of one
/// byte deflate's ceiling of about 1,000. This makes the common bomb fail at
/// once instead of after gigabytes; the byte limits above remain the bound.
pub const BOMB_RATIO: u64 = 250;
pub const BOMB_GRACE_BYTES: u64 = 16 * MIB;
/// The most one XML token (a tag, a run of text, a comment) may take. Excel's
/// longest cell holds 32,767 characters.
pub const MAX_XML_TOKEN_BYTES: u64 = MIB;
/// The most one cell or shared string (`c`, `si`, and the `is`, `t`, `v`,
/// `f`, `r` inside them) may take, from its start tag to its end tag.
/// calamine gathers such an element's text into one string.
pub const MAX_ITEM_XML_BYTES: u64 = MIB;
/// How many more shared strings than string cells a workbook may carry; some
/// writers keep strings of cells since overwritten.
pub const SPARE_SHARED_STRINGS: u64 = 100_000;
/// The most memory the style table may take once calamine has copied each
/// cell format's font name and number format into it.
pub const MAX_STYLE_BYTES: u64 = 64 * MIB;
/// The rightmost column a cell with a value may be in (AMJ). Lists have tens
/// of columns; Excel allows 16,384.
pub const MAX_COLUMNS: u32 = 1_024;
/// Excel's own last row; a row number beyond it is not a real workbook's.
pub const MAX_ROWS: u32 = 1_048_576;
/// The most cells the table of a sheet may span: rows that hold a value times
/// the columns from the leftmost to the rightmost value. 1,000,000 rows of 20
/// columns is 20,000,000.
pub const MAX_CELLS: u64 = 32_000_000;

/// One sheet of a workbook: the rows that hold at least one value, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sheet {
    pub name: String,
    /// The leftmost and rightmost columns (0-based) that hold a value.
    pub first_column: u32,
    pub last_column: u32,
    pub rows: Vec<SheetRow>,
}

#[derive(Debug, Clone)]
pub(crate) struct SheetRow {
    /// The row's 0-based index (row 1 is 0).
    pub index: u32,
    /// The cells with a value, by 0-based column, in column order.
    pub cells: Vec<(u32, Data)>,
}

impl SheetRow {
    pub fn get(&self, column: u32) -> Option<&Data> {
        self.cells.binary_search_by_key(&column, |(c, _)| *c).ok().map(|i| &self.cells[i].1)
    }
}

impl Sheet {
    /// The number of columns from the leftmost to the rightmost value.
    pub fn width(&self) -> usize {
        if self.rows.is_empty() {
            0
        } else {
            (self.last_column - self.first_column) as usize + 1
        }
    }
}

/// Reads one sheet of an `.xlsx` workbook within the limits of this module.
/// `choose` picks the sheet from the workbook's sheet names.
pub(crate) fn read_sheet(bytes: &[u8], choose: impl FnOnce(&[String]) -> Option<String>) -> Result<Sheet, Problems> {
    check_parts(bytes).map_err(|p| vec![p])?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|err| vec![problem("file", format!("not a readable Excel (.xlsx) workbook: {err}"))])?;
    let names = book.sheet_names();
    let Some(name) = choose(&names) else {
        return Err(vec![problem("file", "the workbook has no sheets")]);
    };
    let place = format!("sheet \"{name}\"");
    let cannot_read = |err: calamine::XlsxError| vec![problem(place.clone(), format!("cannot be read: {err}"))];
    let mut reader = book.worksheet_cells_reader(&name).map_err(cannot_read)?;
    let mut collected = Collected::default();
    while let Some(cell) = reader.next_cell().map_err(cannot_read)? {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (row, column) = cell.get_position();
        collected.add(row, column, Data::from(cell.get_value().clone())).map_err(|message| {
            vec![problem(format!("sheet \"{name}\", cell {}{}", letters(column as usize), u64::from(row) + 1), message)]
        })?;
    }
    Ok(collected.into_sheet(name))
}

/// The cells of a sheet as they stream in, with the caps checked at each.
#[derive(Debug, Default)]
struct Collected {
    rows: Vec<SheetRow>,
    first_column: u32,
    last_column: u32,
    /// Whether every cell came after the one before (row, then column), as
    /// every writer we know puts them. If not, they are sorted at the end.
    in_order: bool,
    any: bool,
}

impl Collected {
    fn add(&mut self, row: u32, column: u32, value: Data) -> Result<(), String> {
        if column >= MAX_COLUMNS {
            return Err(format!(
                "column {} is beyond the last column a workbook may use here ({}, the {}th)",
                letters(column as usize),
                letters(MAX_COLUMNS as usize - 1),
                thousands(u64::from(MAX_COLUMNS))
            ));
        }
        if row >= MAX_ROWS {
            return Err(format!(
                "row {} is beyond Excel's last row ({})",
                thousands(u64::from(row) + 1),
                thousands(u64::from(MAX_ROWS))
            ));
        }
        if !self.any {
            self.any = true;
            self.in_order = true;
            self.first_column = column;
            self.last_column = column;
        }
        self.first_column = self.first_column.min(column);
        self.last_column = self.last_column.max(column);
        match self.rows.last_mut() {
            Some(last) if last.index == row => {
                if last.cells.last().is_some_and(|(c, _)| *c >= column) {
                    self.in_order = false;
                }
                last.cells.push((column, value));
            }
            last => {
                if last.is_some_and(|last| last.index > row) {
                    self.in_order = false;
                }
                self.rows.push(SheetRow { index: row, cells: vec![(column, value)] });
            }
        }
        // Both factors only grow, so checking at each cell refuses the first
        // cell that makes the table too large.
        let width = u64::from(self.last_column - self.first_column) + 1;
        let area = self.rows.len() as u64 * width;
        if area > MAX_CELLS {
            return Err(format!(
                "the table would span {} rows × {} columns, more than the {} cells a workbook may have here",
                thousands(self.rows.len() as u64),
                thousands(width),
                thousands(MAX_CELLS)
            ));
        }
        Ok(())
    }

    fn into_sheet(self, name: String) -> Sheet {
        let Collected { mut rows, first_column, last_column, in_order, .. } = self;
        if !in_order {
            // Out of order (or twice at one place): order them as a dense grid
            // would, where the later of two cells at one place wins.
            let mut cells: Vec<(u32, u32, Data)> =
                rows.into_iter().flat_map(|r| r.cells.into_iter().map(move |(c, v)| (r.index, c, v))).collect();
            cells.sort_by_key(|(r, c, _)| (*r, *c));
            rows = Vec::new();
            for (index, column, value) in cells {
                match rows.last_mut() {
                    Some(SheetRow { index: last, cells }) if *last == index => match cells.last_mut() {
                        Some((c, v)) if *c == column => *v = value,
                        _ => cells.push((column, value)),
                    },
                    _ => rows.push(SheetRow { index, cells: vec![(column, value)] }),
                }
            }
        }
        Sheet { name, first_column, last_column, rows }
    }
}

/// What part of a workbook an archive entry is, by its name; each kind has
/// its own size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Worksheet,
    SharedStrings,
    Styles,
    Other,
}

impl Role {
    fn of(name: &str) -> Role {
        let lower = name.to_ascii_lowercase();
        let file = lower.rsplit('/').next().unwrap_or(&lower);
        if file == "sharedstrings.xml" {
            Role::SharedStrings
        } else if file == "styles.xml" {
            Role::Styles
        } else if lower.contains("worksheets/") && lower.ends_with(".xml") {
            Role::Worksheet
        } else {
            Role::Other
        }
    }

    fn limit(self) -> (u64, &'static str) {
        match self {
            Role::Worksheet => (MAX_WORKSHEET_BYTES, "a worksheet"),
            Role::SharedStrings => (MAX_SHARED_STRINGS_BYTES, "the shared-string table"),
            Role::Styles | Role::Other => (MAX_OTHER_PART_BYTES, "a part other than worksheets and shared strings"),
        }
    }
}

/// Why a part was refused while it was being inflated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Overflow {
    Part { limit: u64, what: &'static str },
    Total,
    Bomb,
    Token,
}

impl Overflow {
    fn message(self) -> String {
        match self {
            Overflow::Part { limit, what } => {
                format!("inflates to more than {}, the most {what} may inflate to", in_units(limit))
            }
            Overflow::Total => {
                format!("the parts together inflate to more than {}, the most a workbook may", in_units(MAX_INFLATED_BYTES))
            }
            Overflow::Bomb => format!(
                "inflates to more than {BOMB_RATIO} times its compressed size, as a zip bomb does (real workbooks stay far below)"
            ),
            Overflow::Token => format!(
                "holds a single XML tag or run of text longer than {}, the most one may take",
                in_units(MAX_XML_TOKEN_BYTES)
            ),
        }
    }
}

/// A reader over the archive's bytes that counts what the zip reader takes
/// from it, so that a part's inflated size can be compared with the
/// compressed bytes it really came from.
#[derive(Debug)]
struct CountingCursor<'a> {
    inner: Cursor<&'a [u8]>,
    taken: Rc<Cell<u64>>,
}

impl Read for CountingCursor<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.taken.set(self.taken.get() + n as u64);
        Ok(n)
    }
}

impl Seek for CountingCursor<'_> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// One part as it inflates: every byte that comes out is counted against the
/// part's limit, the workbook's total, the compression ratio and, while the
/// XML walk asks for it, the current token's length. Crossing any of them
/// ends the read with an error and records why.
struct Inflating<R> {
    inner: R,
    inflated: u64,
    limit: u64,
    what: &'static str,
    total_left: u64,
    taken: Rc<Cell<u64>>,
    taken_at_start: u64,
    token: Option<u64>,
    overflow: Option<Overflow>,
}

impl<R: Read> Read for Inflating<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.inflated += n as u64;
        let compressed = self.taken.get().saturating_sub(self.taken_at_start).max(1);
        let overflow = if self.inflated > self.limit {
            Some(Overflow::Part { limit: self.limit, what: self.what })
        } else if self.inflated > self.total_left {
            Some(Overflow::Total)
        } else if self.inflated > BOMB_GRACE_BYTES && self.inflated / compressed > BOMB_RATIO {
            Some(Overflow::Bomb)
        } else {
            match &mut self.token {
                Some(token) => {
                    *token += n as u64;
                    (*token > MAX_XML_TOKEN_BYTES).then_some(Overflow::Token)
                }
                None => None,
            }
        };
        if let Some(overflow) = overflow {
            self.overflow = Some(overflow);
            return Err(std::io::Error::other(overflow.message()));
        }
        Ok(n)
    }
}

/// What the XML walk counts across parts.
#[derive(Debug, Default)]
struct Tally {
    /// Cells whose value is a shared string (`t="s"`), in worksheets.
    string_cells: u64,
    /// Entries of the shared-string table (`si`).
    shared_strings: u64,
}

impl Tally {
    /// Refuses a shared-string table larger than the sheets can use, or than
    /// any workbook may have. `count` is the strings seen so far, or the
    /// count the table declares (calamine reserves room for that many).
    fn check_strings(&self, count: u64, declared: bool) -> Result<(), String> {
        let verb = if declared { "declares" } else { "holds at least" };
        if count > MAX_CELLS {
            return Err(format!(
                "{verb} {} shared strings, more than the {} a workbook may have",
                thousands(count),
                thousands(MAX_CELLS)
            ));
        }
        let allowed = self.string_cells.saturating_add(SPARE_SHARED_STRINGS);
        if count > allowed {
            return Err(format!(
                "{verb} {} shared strings, more than the worksheets' {} string cells (and {} spare) could use",
                thousands(count),
                thousands(self.string_cells),
                thousands(SPARE_SHARED_STRINGS)
            ));
        }
        Ok(())
    }
}

/// Pass 1: checks every part of the archive within the limits, inflating each
/// as a stream. Keeps nothing but counters; the first limit crossed is
/// reported with the part it was crossed in.
pub(crate) fn check_parts(bytes: &[u8]) -> Result<(), InputProblem> {
    // An encrypted workbook, and an Excel 97-2003 file, is a compound file
    // rather than a zip archive; say so rather than "not a zip".
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(problem(
            "file",
            "a password-protected workbook or an Excel 97-2003 (.xls) file, which cannot be read: save it as an .xlsx workbook without a password",
        ));
    }
    if central_directory_entries(bytes) > MAX_PARTS {
        return Err(too_many_parts());
    }
    let taken = Rc::new(Cell::new(0));
    let cursor = CountingCursor { inner: Cursor::new(bytes), taken: Rc::clone(&taken) };
    let mut archive = zip::ZipArchive::new(cursor)
        .map_err(|err| problem("file", format!("not a readable Excel (.xlsx) workbook: {err}")))?;
    if archive.len() > MAX_PARTS {
        return Err(too_many_parts());
    }
    // Worksheets are walked first, so that the number of string cells is
    // known when the shared-string table is walked and a table far larger
    // than the sheets need is refused at its first string too many.
    let mut parts: Vec<(usize, String, Role)> = (0..archive.len())
        .map(|index| {
            let name = match archive.name_for_index(index) {
                Some(Ok(name)) => name.into_owned(),
                _ => format!("#{}", index + 1),
            };
            let role = Role::of(&name);
            (index, name, role)
        })
        .collect();
    parts.sort_by_key(|(index, _, role)| (*role != Role::Worksheet, *index));
    let mut tally = Tally::default();
    let mut total = 0u64;
    for (index, name, role) in parts {
        let place = format!("part \"{name}\"");
        let file = archive.by_index(index).map_err(|err| problem(&place, format!("cannot be read: {err}")))?;
        if file.is_dir() {
            continue;
        }
        let (limit, what) = role.limit();
        let inflating = Inflating {
            inner: file,
            inflated: 0,
            limit,
            what,
            total_left: MAX_INFLATED_BYTES - total,
            taken: Rc::clone(&taken),
            taken_at_start: taken.get(),
            token: None,
            overflow: None,
        };
        let lower = name.to_ascii_lowercase();
        let inflated = if lower.ends_with(".xml") || lower.ends_with(".rels") {
            walk_xml(inflating, role, &mut tally)
        } else {
            drain(inflating)
        }
        .map_err(|message| problem(&place, message))?;
        total += inflated;
    }
    Ok(())
}

fn too_many_parts() -> InputProblem {
    problem(
        "file",
        format!("the archive holds more than {} parts, the most a workbook may have", thousands(MAX_PARTS as u64)),
    )
}

/// How many central-directory headers the archive's bytes hold: an upper
/// bound on the entries any zip reader will list, counted before the zip
/// reader builds its table of entries (a few hundred bytes each, and a 64 MiB
/// archive can declare a million of them).
fn central_directory_entries(bytes: &[u8]) -> usize {
    memchr::memmem::find_iter(bytes, b"PK\x01\x02").count()
}

/// Reads a part that is not XML to its end, counting it.
fn drain<R: Read>(mut part: Inflating<R>) -> Result<u64, String> {
    match std::io::copy(&mut part, &mut std::io::sink()) {
        Ok(_) => Ok(part.inflated),
        Err(err) => Err(part.overflow.map(Overflow::message).unwrap_or_else(|| format!("cannot be read: {err}"))),
    }
}

/// The elements whose text calamine gathers into one string or buffer until
/// their end tag: cells and their values, formulas and inline strings, and the
/// shared strings with their runs.
const GATHERED: [&str; 7] = ["c", "v", "f", "is", "si", "t", "r"];
/// How deeply gathered elements may nest (`si` > `r` > `t` is three).
const MAX_GATHERED_DEPTH: usize = 64;

/// The gathered elements still open, oldest first: each one's name as written
/// (kept end to end in one string, so that opening one allocates nothing)
/// and the position of its start tag.
#[derive(Debug, Default)]
struct OpenElements {
    names: String,
    entries: Vec<(usize, u64)>,
}

impl OpenElements {
    fn push(&mut self, name: &str, position: u64) {
        self.entries.push((self.names.len(), position));
        self.names.push_str(name);
    }

    fn name(&self, i: usize) -> &str {
        let end = self.entries.get(i + 1).map_or(self.names.len(), |e| e.0);
        &self.names[self.entries[i].0..end]
    }

    /// Closes the most recent open element of this name, as calamine ends
    /// what it gathers at the first end tag of the same name; an end tag of
    /// another name closes nothing, so an element left open keeps counting.
    fn close(&mut self, name: &str) {
        let Some(i) = (0..self.entries.len()).rev().find(|i| self.name(*i) == name) else {
            return;
        };
        let start = self.entries[i].0;
        let end = start + name.len();
        self.names.replace_range(start..end, "");
        self.entries.remove(i);
        for entry in &mut self.entries[i..] {
            entry.0 -= name.len();
        }
    }

    fn oldest(&self) -> Option<(&str, u64)> {
        self.entries.first().map(|(_, position)| (self.name(0), *position))
    }
}

/// Walks an XML part token by token with the settings calamine reads it with,
/// so that both see the same tokens; counts what [`Tally`] needs and checks
/// the token, cell and style limits. A part that is not well-formed is read
/// on to its end and counted, and left for calamine to refuse if it reads it.
fn walk_xml<R: Read>(part: Inflating<R>, role: Role, tally: &mut Tally) -> Result<u64, String> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    {
        let config = xml.config_mut();
        config.check_end_names = false;
        config.trim_text(false);
        config.check_comments = false;
        config.expand_empty_elements = true;
    }
    let mut buf = Vec::new();
    let mut open = OpenElements::default();
    let mut styles = StyleTally::default();
    let mut rows = 0u64;
    loop {
        xml.get_mut().get_mut().token = Some(0);
        buf.clear();
        let before = xml.buffer_position();
        let Ok(event) = xml.read_event_into(&mut buf) else {
            let mut part = xml.into_inner().into_inner();
            if let Some(overflow) = part.overflow {
                return Err(overflow.message());
            }
            // Not well-formed: calamine stops at the same token if it reads
            // this part, so nothing after it can reach memory. The rest still
            // counts towards the sizes.
            part.token = None;
            return drain(part);
        };
        let after = xml.buffer_position();
        match event {
            Event::Eof => break,
            Event::Start(start) => {
                let local = start.local_name();
                let local = local.as_ref();
                if GATHERED.contains(&local) {
                    if open.entries.len() >= MAX_GATHERED_DEPTH {
                        return Err(format!("nests cells or strings more than {MAX_GATHERED_DEPTH} deep"));
                    }
                    open.push(start.name().as_ref(), before);
                }
                match (role, local) {
                    (Role::Worksheet, "row") => {
                        // A sheet of more rows than Excel's own is no real
                        // sheet, and repeated rows are how sheet bombs are made.
                        rows += 1;
                        if rows > u64::from(MAX_ROWS) {
                            return Err(format!(
                                "has more than {} rows, Excel's own limit",
                                thousands(u64::from(MAX_ROWS))
                            ));
                        }
                    }
                    (Role::Worksheet, "c") => {
                        if matches!(start.try_get_attribute("t"), Ok(Some(t)) if t.value == "s") {
                            tally.string_cells += 1;
                        }
                    }
                    (Role::SharedStrings, "si") => {
                        tally.shared_strings += 1;
                        tally.check_strings(tally.shared_strings, false)?;
                    }
                    (Role::SharedStrings, "sst") => {
                        if let Ok(Some(count)) = start.try_get_attribute("uniqueCount") {
                            tally.check_strings(leading_number(&count.value), true)?;
                        }
                    }
                    (Role::Styles, _) => styles.start(local, start.name().as_ref(), before, after),
                    _ => {}
                }
            }
            Event::End(end) => {
                let name = end.name();
                open.close(name.as_ref());
                if role == Role::Styles {
                    styles.end(name.as_ref(), after);
                }
            }
            _ => {}
        }
        if let Some((name, start)) = open.oldest() {
            if after - start > MAX_ITEM_XML_BYTES {
                return Err(format!(
                    "holds a cell or string (<{name}>) longer than {} of XML, the most one may take",
                    in_units(MAX_ITEM_XML_BYTES)
                ));
            }
        }
    }
    if role == Role::Styles {
        styles.check()?;
    }
    Ok(xml.get_ref().get_ref().inflated)
}

/// What calamine's style table will take: it keeps one entry per cell format
/// (`xf`) with a copy of its font (and the font's name) and of its number
/// format's code, besides the lists of fonts, fills and borders. A few
/// thousand formats of short names are a few megabytes; a long font name
/// copied into a million formats is not.
#[derive(Debug, Default)]
struct StyleTally {
    formats: u64,
    fonts: u64,
    fills: u64,
    borders: u64,
    largest_font: u64,
    largest_number_format: u64,
    /// The font element being measured: its name and where it starts.
    font: Option<(String, u64)>,
}

impl StyleTally {
    fn start(&mut self, local: &str, name: &str, before: u64, after: u64) {
        match local {
            "xf" => self.formats += 1,
            "font" => {
                self.fonts += 1;
                if self.font.is_none() {
                    self.font = Some((name.to_string(), before));
                }
            }
            "fill" => self.fills += 1,
            "border" => self.borders += 1,
            // The format code is an attribute of the start tag.
            "numFmt" => self.largest_number_format = self.largest_number_format.max(after - before),
            _ => {}
        }
    }

    fn end(&mut self, name: &str, after: u64) {
        if let Some((font, start)) = &self.font {
            if font == name {
                self.largest_font = self.largest_font.max(after - start);
                self.font = None;
            }
        }
    }

    fn check(&self) -> Result<(), String> {
        let size = |n: usize| n as u64;
        // Each format also has an entry of a few bytes in calamine's list of
        // number-format kinds; 8 bytes covers it.
        let per_format = size(size_of::<calamine::Style>() + 8) + self.largest_font + self.largest_number_format;
        let memory = self
            .formats
            .saturating_mul(per_format)
            .saturating_add(self.fonts.saturating_mul(size(size_of::<calamine::Font>())))
            .saturating_add(self.fills.saturating_mul(size(size_of::<calamine::Fill>())))
            .saturating_add(self.borders.saturating_mul(size(size_of::<calamine::Borders>())));
        if memory > MAX_STYLE_BYTES {
            return Err(format!(
                "has {} cell formats whose copies of fonts and number formats would take more than {}, the most styles may take",
                thousands(self.formats),
                in_units(MAX_STYLE_BYTES)
            ));
        }
        Ok(())
    }
}

/// The number a count attribute starts with, saturating: at least what any
/// stricter reading of it gives.
fn leading_number(text: &str) -> u64 {
    text.trim_start()
        .trim_start_matches('+')
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0')))
}

/// A count for people: 1,048,576.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A size for people: whole mebibytes or gibibytes, as the limits are.
fn in_units(n: u64) -> String {
    if n >= 1024 * MIB && n.is_multiple_of(1024 * MIB) {
        format!("{} GiB", n / (1024 * MIB))
    } else if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else {
        format!("{} bytes", thousands(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_sizes_read_as_people_write_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_048_576), "1,048,576");
        assert_eq!(in_units(512 * MIB), "512 MiB");
        assert_eq!(in_units(2048 * MIB), "2 GiB");
        assert_eq!(in_units(1_500), "1,500 bytes");
    }

    #[test]
    fn a_count_attribute_is_read_at_least_as_large_as_written() {
        assert_eq!(leading_number("42"), 42);
        assert_eq!(leading_number(" +42x"), 42);
        assert_eq!(leading_number("99999999999999999999999"), u64::MAX);
        assert_eq!(leading_number("x"), 0);
    }

    #[test]
    fn parts_are_told_apart_by_name() {
        assert_eq!(Role::of("xl/worksheets/sheet1.xml"), Role::Worksheet);
        assert_eq!(Role::of("xl/sharedStrings.xml"), Role::SharedStrings);
        assert_eq!(Role::of("XL/SHAREDSTRINGS.XML"), Role::SharedStrings);
        assert_eq!(Role::of("xl/styles.xml"), Role::Styles);
        assert_eq!(Role::of("xl/worksheets/_rels/sheet1.xml.rels"), Role::Other);
        assert_eq!(Role::of("xl/media/image1.png"), Role::Other);
    }

    #[test]
    fn cells_out_of_order_are_sorted_and_the_later_of_two_wins() {
        let mut collected = Collected::default();
        for (row, column, text) in [(2, 1, "c"), (0, 0, "a"), (2, 0, "b"), (2, 1, "d")] {
            collected.add(row, column, Data::String(text.into())).unwrap();
        }
        let sheet = collected.into_sheet("s".into());
        let rows: Vec<(u32, Vec<(u32, String)>)> =
            sheet.rows.iter().map(|r| (r.index, r.cells.iter().map(|(c, v)| (*c, v.to_string())).collect())).collect();
        assert_eq!(rows, vec![(0, vec![(0, "a".into())]), (2, vec![(0, "b".into()), (1, "d".into())])]);
        assert_eq!((sheet.first_column, sheet.last_column), (0, 1));
    }
}
