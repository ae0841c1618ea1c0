//! Zip archives written byte by byte (APPNOTE 6.3.10, sections 4.3.7,
//! 4.3.12 and 4.3.16), so that a test can write what no zip library
//! writes: two entries of one name, a local header that names another
//! file, a size that lies, an end record that counts wrong, bytes hidden
//! between entries, or a deflate bomb.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::io::{Read, Write};

#[derive(Debug, Clone)]
pub struct RawEntry {
    pub name: Vec<u8>,
    /// The name in the local header, when it is to differ from the central one.
    pub local_name: Option<Vec<u8>>,
    /// The bytes as stored (compressed when `method` is 8).
    pub data: Vec<u8>,
    pub method: u16,
    pub crc32: u32,
    /// The uncompressed size the headers declare.
    pub declared: u32,
}

impl RawEntry {
    pub fn stored(name: &str, content: &[u8]) -> RawEntry {
        RawEntry {
            name: name.as_bytes().to_vec(),
            local_name: None,
            data: content.to_vec(),
            method: 0,
            crc32: crc32fast::hash(content),
            declared: content.len() as u32,
        }
    }
    pub fn deflated(name: &str, content: &[u8]) -> RawEntry {
        let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(content).unwrap();
        RawEntry {
            name: name.as_bytes().to_vec(),
            local_name: None,
            data: encoder.finish().unwrap(),
            method: 8,
            crc32: crc32fast::hash(content),
            declared: content.len() as u32,
        }
    }
}

/// What to write besides the entries.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The entry count of the end record, when it is to differ from the truth.
    pub end_count: Option<u16>,
    /// Bytes written after the entries, before the central directory (a
    /// local header that the central directory does not list, say).
    pub hidden: Vec<u8>,
}

fn local_header(out: &mut Vec<u8>, e: &RawEntry) {
    let name = e.local_name.as_ref().unwrap_or(&e.name);
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    out.extend_from_slice(&20u16.to_le_bytes()); // version needed
    out.extend_from_slice(&0u16.to_le_bytes()); // flags
    out.extend_from_slice(&e.method.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0x21, 0]); // 1980-01-01 00:00
    out.extend_from_slice(&e.crc32.to_le_bytes());
    out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
    out.extend_from_slice(&e.declared.to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // extra
    out.extend_from_slice(name);
    out.extend_from_slice(&e.data);
}

pub fn build(entries: &[RawEntry], layout: &Layout) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for e in entries {
        offsets.push(out.len() as u32);
        local_header(&mut out, e);
    }
    out.extend_from_slice(&layout.hidden);
    let cd_start = out.len();
    for (e, offset) in entries.iter().zip(offsets) {
        out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // made by
        out.extend_from_slice(&20u16.to_le_bytes()); // needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&e.method.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0x21, 0]);
        out.extend_from_slice(&e.crc32.to_le_bytes());
        out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&e.declared.to_le_bytes());
        out.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
        out.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&e.name);
    }
    let cd_size = out.len() - cd_start;
    let count = layout.end_count.unwrap_or(entries.len() as u16);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(cd_size as u32).to_le_bytes());
    out.extend_from_slice(&(cd_start as u32).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment
    out
}

/// A raw deflate stream that inflates to `mib` MiB of zeros, about a
/// thousand times smaller: one MiB of zeros compressed with a full flush
/// (which makes each block independent of the ones before) repeated, then
/// an empty final block.
pub fn deflate_bomb(mib: usize) -> Vec<u8> {
    let mut compress = flate2::Compress::new(flate2::Compression::best(), false);
    let zeros = vec![0u8; 1024 * 1024];
    let mut block = Vec::with_capacity(8 * 1024);
    compress.compress_vec(&zeros, &mut block, flate2::FlushCompress::Full).unwrap();
    assert_eq!(compress.total_in(), zeros.len() as u64, "the block is compressed whole");
    let mut out = Vec::with_capacity(block.len() * mib + 2);
    for _ in 0..mib {
        out.extend_from_slice(&block);
    }
    // BFINAL=1, fixed Huffman, end of block: the empty final block.
    out.extend_from_slice(&[0x03, 0x00]);
    out
}

/// The entries of a zip as (name, content), read with the zip crate (for
/// well-formed archives the tests made).
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().into_owned(), data)
        })
        .collect()
}

/// A zip of the given files, each deflated, through this module's writer.
pub fn zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let entries: Vec<RawEntry> = files.iter().map(|(n, d)| RawEntry::deflated(n, d)).collect();
    build(&entries, &Layout::default())
}
