// SPDX-License-Identifier: GPL-3.0-or-later
//! CRC-32C (Castagnoli), the checksum of VHDX headers, region tables and log entries.
//! `crc32fast` computes the other CRC-32 (IEEE), hence this small table-driven one.

/// Reflected Castagnoli polynomial.
const POLY: u32 = 0x82f6_3b78;

/// Byte-at-a-time lookup table, built at compile time.
const TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32C of `data` with the 4 bytes at `skip` taken as zeros, as VHDX checksums are
/// computed over their structure with the checksum field zeroed.
pub(super) fn checksum_skipping(data: &[u8], skip: usize) -> u32 {
    let mut crc = !0u32;
    for (i, &byte) in data.iter().enumerate() {
        let b = if (skip..skip + 4).contains(&i) { 0 } else { byte };
        crc = TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::checksum_skipping;

    #[test]
    fn matches_the_published_check_value() {
        // The CRC catalogue's check value: CRC-32C("123456789") = 0xE3069283.
        assert_eq!(checksum_skipping(b"123456789", usize::MAX - 4), 0xe306_9283);
        // The skipped field counts as zeros, wherever it holds.
        assert_eq!(checksum_skipping(b"1234\xff\xff\xff\xff", 4), checksum_skipping(b"1234\0\0\0\0", usize::MAX - 4));
    }
}
