//! Reading a package's zip as an untrusted input. The zip crate collapses
//! entries of the same name (the last one wins) while other unzip tools
//! extract the first, so the structure is walked here, entry by entry: the
//! end-of-central-directory record, every central directory entry, and
//! every local header it points to. Only then is each entry inflated, and
//! never past a limit fit for its kind, whatever sizes the archive declares.

use std::collections::BTreeMap;
use std::io::Read;

use super::{CheckFailure, FailureKind, Sentence};
use crate::package::{
    EVIDENCE_MANIFEST, LOG_HEAD, MANIFEST, MANIFEST_SIGNATURE, OSCAL, REPORT, RESULTS_CSV, RESULTS_JSON, SIGNOFFS,
};

use FailureKind::{Malformed, Unsafe};

const EOCD_SIGNATURE: u32 = 0x0605_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const DESCRIPTOR_SIGNATURE: u32 = 0x0807_4b50;
const EOCD_LEN: usize = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;

/// The largest a package may be on disk; checked before it is read.
pub const MAX_PACKAGE_BYTES: u64 = 256 * 1024 * 1024;
/// The largest a signed report may be on disk, alone or inside a package.
pub const MAX_REPORT_BYTES: u64 = 128 * 1024 * 1024;

/// What each file of a package may inflate to. The JSON and CSV files are
/// text about one engagement; the report is the largest; the evidence
/// manifest grows with the evidence, so its limit is set by the number of
/// evidence items that `results.json` lists (see [`evidence_manifest_limit`]).
pub fn entry_limit(name: &str) -> Option<u64> {
    const MIB: u64 = 1024 * 1024;
    match name {
        MANIFEST => Some(MIB),
        MANIFEST_SIGNATURE => Some(MIB),
        LOG_HEAD => Some(64 * 1024),
        SIGNOFFS => Some(32 * MIB),
        RESULTS_JSON | OSCAL => Some(32 * MIB),
        RESULTS_CSV => Some(16 * MIB),
        REPORT => Some(MAX_REPORT_BYTES),
        EVIDENCE_MANIFEST => Some(evidence_manifest_limit(0)),
        _ => None,
    }
}

/// The evidence manifest's limit for a package whose results list `items`
/// evidence items: a fixed part and 16 KiB an item (title, links, hashes),
/// capped at the largest text file a package may hold.
pub fn evidence_manifest_limit(items: usize) -> u64 {
    (64 * 1024 + 16 * 1024 * items as u64).min(128 * 1024 * 1024)
}

/// The names a package may hold; anything else is refused unread.
pub const EXPECTED: [&str; 9] =
    [REPORT, RESULTS_JSON, RESULTS_CSV, OSCAL, EVIDENCE_MANIFEST, LOG_HEAD, SIGNOFFS, MANIFEST, MANIFEST_SIGNATURE];

/// One entry as the central directory describes it, checked against its local header.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    method: u16,
    crc32: u32,
    compressed: u64,
    declared: u64,
    /// Where the entry's local header starts, and where its data starts.
    local_offset: usize,
    data_start: usize,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    bytes.get(at..at.checked_add(2)?).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    bytes.get(at..at.checked_add(4)?).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn malformed(code: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> CheckFailure {
    Malformed.because(Sentence::new(code, args))
}

fn unsafe_(code: &'static str, args: &[(&'static str, &dyn std::fmt::Display)]) -> CheckFailure {
    Unsafe.because(Sentence::new(code, args))
}

/// Walks the archive's structure and returns its entries in central
/// directory order, refusing anything a package never holds: more or fewer
/// entries than the end record counts, two entries of one name, a local
/// header that names another file, data hidden between entries, unsafe
/// paths, names a package does not have, encryption, and zip64.
pub fn entries(bytes: &[u8]) -> Result<Vec<Entry>, CheckFailure> {
    if !bytes.starts_with(&LOCAL_SIGNATURE.to_le_bytes()) {
        return Err(malformed("archive.not_zip", &[]));
    }
    // The end record is within the last 22 + 65,535 bytes (its comment).
    let search_from = bytes.len().saturating_sub(EOCD_LEN + u16::MAX as usize);
    let eocd = (search_from..=bytes.len().saturating_sub(EOCD_LEN))
        .rev()
        .find(|&at| {
            u32_at(bytes, at) == Some(EOCD_SIGNATURE)
                && u16_at(bytes, at + 20).is_some_and(|comment| at + EOCD_LEN + comment as usize == bytes.len())
        })
        .ok_or_else(|| malformed("archive.no_end_record", &[]))?;
    let field = |offset: usize| u16_at(bytes, eocd + offset).unwrap_or(0);
    let (disk, cd_disk, on_disk, total) = (field(4), field(6), field(8), field(10));
    let cd_size = u32_at(bytes, eocd + 12).unwrap_or(0);
    let cd_offset = u32_at(bytes, eocd + 16).unwrap_or(0);
    if total == u16::MAX || cd_size == u32::MAX || cd_offset == u32::MAX {
        return Err(malformed("archive.zip64", &[]));
    }
    if disk != 0 || cd_disk != 0 || on_disk != total {
        return Err(malformed("archive.multi_disk", &[]));
    }
    if total as usize > EXPECTED.len() {
        return Err(unsafe_("archive.too_many", &[("count", &total), ("max", &EXPECTED.len())]));
    }
    let (cd_offset, cd_size) = (cd_offset as usize, cd_size as usize);
    if cd_offset.checked_add(cd_size) != Some(eocd) {
        return Err(malformed("archive.directory_misplaced", &[]));
    }

    // The central directory, entry by entry, exactly as long as the end record says.
    let mut entries: Vec<Entry> = Vec::new();
    let mut at = cd_offset;
    while at < eocd {
        if entries.len() >= total as usize {
            return Err(unsafe_("archive.count_mismatch", &[("listed", &(entries.len() + 1)), ("counted", &total)]));
        }
        if u32_at(bytes, at) != Some(CENTRAL_SIGNATURE) || at + CENTRAL_LEN > eocd {
            return Err(malformed("archive.bad_directory", &[("index", &entries.len())]));
        }
        let h = |offset: usize| u16_at(bytes, at + offset).unwrap_or(0);
        let w = |offset: usize| u32_at(bytes, at + offset).unwrap_or(0);
        let (flags, method, name_len, extra_len, comment_len) = (h(8), h(10), h(28) as usize, h(30), h(32));
        let (crc32, compressed, declared, local) = (w(16), w(20), w(24), w(42) as usize);
        let name_bytes =
            bytes.get(at + CENTRAL_LEN..at + CENTRAL_LEN + name_len).filter(|_| at + CENTRAL_LEN + name_len <= eocd);
        let name_bytes = name_bytes.ok_or_else(|| malformed("archive.bad_directory", &[("index", &entries.len())]))?;
        let name = String::from_utf8(name_bytes.to_vec())
            .map_err(|_| unsafe_("archive.name_not_utf8", &[("index", &entries.len())]))?;
        check_name(&name)?;
        if entries.iter().any(|e| e.name == name) {
            return Err(unsafe_("archive.duplicate", &[("name", &name)]));
        }
        if flags & 0x0001 != 0 {
            return Err(unsafe_("archive.encrypted", &[("name", &name)]));
        }
        if method != 0 && method != 8 {
            return Err(unsafe_("archive.method", &[("name", &name), ("method", &method)]));
        }
        if compressed == u32::MAX || declared == u32::MAX {
            return Err(malformed("archive.zip64", &[]));
        }
        let data_start = local_header(bytes, local, &name, method, [crc32, compressed, declared])?;
        entries.push(Entry {
            name,
            method,
            crc32,
            compressed: compressed as u64,
            declared: declared as u64,
            local_offset: local,
            data_start,
        });
        at += CENTRAL_LEN + name_len + extra_len as usize + comment_len as usize;
    }
    if at != eocd {
        return Err(malformed("archive.bad_directory", &[("index", &entries.len())]));
    }
    if entries.len() != total as usize {
        return Err(unsafe_("archive.count_mismatch", &[("listed", &entries.len()), ("counted", &total)]));
    }
    contiguous(bytes, &entries, cd_offset)?;
    Ok(entries)
}

/// Absolute paths, climbing paths and backslashes are named as such (an
/// unzip tool would write them where they do not belong); any other name a
/// package does not hold is refused too.
fn check_name(name: &str) -> Result<(), CheckFailure> {
    let absolute = name.starts_with('/') || name.as_bytes().get(1) == Some(&b':');
    if absolute {
        return Err(unsafe_("archive.absolute", &[("name", &name)]));
    }
    if name.contains('\\') {
        return Err(unsafe_("archive.backslash", &[("name", &name)]));
    }
    if name.split('/').any(|part| part == "..") {
        return Err(unsafe_("archive.climbs", &[("name", &name)]));
    }
    if !EXPECTED.contains(&name) {
        return Err(unsafe_("archive.unexpected_name", &[("name", &name)]));
    }
    Ok(())
}

/// Checks the local header at `offset` against the central directory's
/// entry (name, method, and CRC-32 and sizes unless a data descriptor
/// carries them) and returns where its data starts: a tool that reads
/// local headers in order must see what the central directory lists.
fn local_header(bytes: &[u8], offset: usize, name: &str, method: u16, sums: [u32; 3]) -> Result<usize, CheckFailure> {
    let bad = || malformed("archive.bad_local_header", &[("name", &name)]);
    if u32_at(bytes, offset) != Some(LOCAL_SIGNATURE) {
        return Err(bad());
    }
    let h = |at: usize| u16_at(bytes, offset + at).ok_or_else(bad);
    let w = |at: usize| u32_at(bytes, offset + at).ok_or_else(bad);
    let (flags, local_method, name_len, extra_len) = (h(6)?, h(8)?, h(26)? as usize, h(28)? as usize);
    let local_name = bytes.get(offset + LOCAL_LEN..offset + LOCAL_LEN + name_len).ok_or_else(bad)?;
    if local_name != name.as_bytes() {
        return Err(unsafe_("archive.local_name", &[("name", &name), ("local", &String::from_utf8_lossy(local_name))]));
    }
    let local_sums = [w(14)?, w(18)?, w(22)?];
    let described_later = flags & 0x0008 != 0 && local_sums == [0, 0, 0];
    if local_method != method || (local_sums != sums && !described_later) {
        return Err(unsafe_("archive.local_differs", &[("name", &name)]));
    }
    let start = offset + LOCAL_LEN + name_len + extra_len;
    if start > bytes.len() {
        return Err(bad());
    }
    Ok(start)
}

/// The entries must follow one another from the first byte to the central
/// directory with nothing between them: bytes there would be a file that
/// a tool reading local headers in order extracts and this verifier never sees.
fn contiguous(bytes: &[u8], entries: &[Entry], cd_offset: usize) -> Result<(), CheckFailure> {
    let mut spans: Vec<(usize, usize, &str)> = Vec::with_capacity(entries.len());
    for e in entries {
        let local = e.local_offset;
        let mut end = e.data_start.checked_add(e.compressed as usize).filter(|end| *end <= cd_offset);
        // A data descriptor (general purpose bit 3) follows the data: 12
        // bytes, or 16 with its optional signature.
        if let Some(data_end) = end {
            if u16_at(bytes, local + 6).is_some_and(|flags| flags & 0x0008 != 0) {
                let len = if u32_at(bytes, data_end) == Some(DESCRIPTOR_SIGNATURE) { 16 } else { 12 };
                end = Some(data_end + len).filter(|end| *end <= cd_offset);
            }
        }
        let end = end.ok_or_else(|| malformed("archive.bad_local_header", &[("name", &e.name)]))?;
        spans.push((local, end, &e.name));
    }
    spans.sort();
    let mut expected = 0usize;
    for (start, end, name) in &spans {
        if *start != expected {
            return Err(unsafe_("archive.hidden_data", &[("name", name)]));
        }
        expected = *end;
    }
    if expected != cd_offset {
        return Err(unsafe_("archive.hidden_data_end", &[]));
    }
    Ok(())
}

/// Inflates one entry, refusing it as soon as it passes its limit or the
/// size it declares, so that memory and time stay bounded by the limit
/// whatever the compressed bytes hold (a deflate bomb stops at limit + 1
/// bytes), then checks its CRC-32.
pub fn read(bytes: &[u8], entry: &Entry, limit: u64) -> Result<Vec<u8>, CheckFailure> {
    let name = entry.name.as_str();
    if entry.declared > limit {
        return Err(unsafe_("archive.too_large", &[("name", &name), ("size", &entry.declared), ("limit", &limit)]));
    }
    let data = entry
        .data_start
        .checked_add(entry.compressed as usize)
        .and_then(|end| bytes.get(entry.data_start..end))
        .ok_or_else(|| malformed("archive.bad_local_header", &[("name", &name)]))?;
    // Read no more than declared, then ask for one byte more: a longer
    // entry is refused without inflating the rest of it, and the buffer
    // never grows past the declared size, which is within the limit.
    let mut out = Vec::with_capacity(entry.declared as usize);
    let mut reader: Box<dyn Read + '_> = match entry.method {
        0 => Box::new(data),
        _ => Box::new(flate2::read::DeflateDecoder::new(data)),
    };
    let inflate_error = |e: std::io::Error| malformed("archive.inflate", &[("name", &name), ("error", &e)]);
    (&mut reader).take(entry.declared).read_to_end(&mut out).map_err(inflate_error)?;
    let mut one_more = [0u8; 1];
    let longer = reader.read(&mut one_more).map_err(inflate_error)? != 0;
    if longer || out.len() as u64 != entry.declared {
        return Err(unsafe_("archive.size_mismatch", &[("name", &name), ("declared", &entry.declared)]));
    }
    if crc32fast::hash(&out) != entry.crc32 {
        return Err(malformed("archive.crc", &[("name", &name)]));
    }
    Ok(out)
}

/// Reads every entry of a package within its limit: the evidence
/// manifest last, with a limit set by the evidence `results.json` lists.
pub fn read_package(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, CheckFailure> {
    let entries = entries(bytes)?;
    let mut files = BTreeMap::new();
    for entry in entries.iter().filter(|e| e.name != EVIDENCE_MANIFEST) {
        let limit = entry_limit(&entry.name).unwrap_or(0);
        files.insert(entry.name.clone(), read(bytes, entry, limit)?);
    }
    if let Some(entry) = entries.iter().find(|e| e.name == EVIDENCE_MANIFEST) {
        let items = files
            .get(RESULTS_JSON)
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
            .and_then(|v| v["evidence"].as_array().map(Vec::len))
            .unwrap_or(0);
        files.insert(entry.name.clone(), read(bytes, entry, evidence_manifest_limit(items))?);
    }
    Ok(files)
}
