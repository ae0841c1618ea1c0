//! What the benchmarks share: files of given sizes to take in.

use std::io::Write;
use std::path::{Path, PathBuf};

pub const MIB: u64 = 1 << 20;

/// Writes `len` bytes to `path`: a pattern that neither compresses nor
/// repeats in chunk-sized runs (each MiB numbered), distinct per `seed`, so
/// that two files of different seeds are never stored as one.
pub fn write_file(path: &Path, len: u64, seed: u64) -> PathBuf {
    let mut file = std::io::BufWriter::with_capacity(MIB as usize, std::fs::File::create(path).unwrap());
    let mut block: Vec<u8> =
        (0..MIB as u32).map(|i| (i.wrapping_mul(2654435761).wrapping_add(seed as u32) >> 11) as u8).collect();
    let mut left = len;
    let mut n = 0u64;
    while left > 0 {
        block[0..8].copy_from_slice(&n.to_le_bytes());
        block[8..16].copy_from_slice(&seed.to_le_bytes());
        let take = left.min(MIB) as usize;
        file.write_all(&block[..take]).unwrap();
        left -= take as u64;
        n += 1;
    }
    file.flush().unwrap();
    path.to_path_buf()
}
