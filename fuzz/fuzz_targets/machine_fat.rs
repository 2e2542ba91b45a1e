// SPDX-License-Identifier: GPL-3.0-or-later
//! A whole machine built from the input, structure-aware (issue 15): a FAT16 volume formatted
//! and written in memory by fatfs, holding files at the paths the default extraction profile
//! reads (each `*` replaced by a name from the input) and at the Windows hive paths, with
//! contents from the input; then a few bytes of the finished volume overwritten at offsets
//! from the input (so FAT chains, directory entries and sizes go wrong in a real layout);
//! then the full extraction, `settings::scan_machine` with the default profile.
//!
//! Input: a header byte (bit 0: two hives with logs, bits 1–3: how many overwrites), then
//! records `[path selector u8][name u8][length u16 LE][content]` until the input ends, then
//! the overwrites as `[offset: 18 bits LE in 3 bytes][byte]` taken from the end of the input
//! (within the first 256 KiB: boot sector, FATs, root directory, the first files).
#![no_main]

use std::io::{Cursor, Write};
use std::rc::Rc;

use libfuzzer_sys::fuzz_target;

/// Volume size: FAT16 with room for every file (each at most 64 KiB, see `MAX_RECORD`).
const VOLUME_BYTES: usize = 8 << 20;
/// Files written at most per input.
const MAX_FILES: usize = 48;
/// Content bytes per file at most.
const MAX_RECORD: usize = 64 << 10;
/// Names a `*` of a profile path becomes.
const NAMES: &[&str] = &["a.conf", "00-x", "sshd", "x.list", "b.service", "default", "ens3.yaml", "LONG NAME.CONF"];
/// Windows files the registry extraction reads.
const HIVES: &[&str] = &[
    "Windows/System32/config/SYSTEM",
    "Windows/System32/config/SOFTWARE",
    "Windows/System32/config/SYSTEM.LOG1",
    "Windows/System32/config/SOFTWARE.LOG2",
    "Users/u/NTUSER.DAT",
];

/// Paths to write: every file rule of the default profile (`*` → a name, `**` → `x/y`),
/// then the hives.
fn paths() -> Vec<String> {
    let profile = settings::ExtractionProfile::default();
    let mut out: Vec<String> = profile.files.iter().map(|r| r.path.trim_start_matches('/').to_owned()).collect();
    out.extend(HIVES.iter().map(|h| (*h).to_owned()));
    out
}

fn concrete(pattern: &str, name: u8) -> String {
    let pick = NAMES[usize::from(name) % NAMES.len()];
    pattern
        .split('/')
        .map(|part| {
            if part == "**" {
                format!("x/{pick}")
            } else {
                part.replacen('*', pick.split('.').next().unwrap_or("x"), 1)
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Writes `content` at `path`, creating directories; fatfs errors (a name it refuses, a
/// full volume) only skip the file.
fn write(fs: &fatfs::FileSystem<&mut Cursor<Vec<u8>>>, path: &str, content: &[u8]) {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let Some((file, dirs)) = parts.split_last() else { return };
    let mut dir = fs.root_dir();
    for part in dirs {
        dir = match dir.open_dir(part) {
            Ok(d) => d,
            Err(_) => match dir.create_dir(part) {
                Ok(d) => d,
                Err(_) => return,
            },
        };
    }
    if let Ok(mut f) = dir.create_file(file) {
        let _ = f.truncate();
        let _ = f.write_all(content);
    }
}

fn build(data: &[u8]) -> Option<Vec<u8>> {
    let (&header, mut rest) = data.split_first()?;
    let overwrites = usize::from((header >> 1) & 7) * 2;
    let patch_len = (overwrites * 4).min(rest.len());
    let (records, patches) = rest.split_at(rest.len() - patch_len);
    rest = records;
    let mut volume = Cursor::new(vec![0u8; VOLUME_BYTES]);
    fatfs::format_volume(&mut volume, fatfs::FormatVolumeOptions::new().fat_type(fatfs::FatType::Fat16)).ok()?;
    {
        let fs = fatfs::FileSystem::new(&mut volume, fatfs::FsOptions::new()).ok()?;
        let paths = paths();
        let mut written = 0;
        while rest.len() >= 4 && written < MAX_FILES {
            let (head, tail) = rest.split_at(4);
            let len = usize::from(u16::from_le_bytes([head[2], head[3]])).min(MAX_RECORD).min(tail.len());
            let (content, tail) = tail.split_at(len);
            let path = concrete(&paths[usize::from(head[0]) % paths.len()], head[1]);
            write(&fs, &path, content);
            if header & 1 == 1 && path.ends_with("/SYSTEM") {
                // The same bytes as its log too: a dirty hive's replay reads both.
                write(&fs, &format!("{path}.LOG1"), content);
            }
            written += 1;
            rest = tail;
        }
        fs.unmount().ok()?;
    }
    let mut bytes = volume.into_inner();
    for patch in patches.chunks_exact(4) {
        let at = usize::from(patch[0]) | usize::from(patch[1]) << 8 | usize::from(patch[2] & 3) << 16;
        if let Some(b) = bytes.get_mut(at) {
            *b = patch[3];
        }
    }
    Some(bytes)
}

fuzz_target!(|data: &[u8]| {
    let Some(bytes) = build(data) else { return };
    let source: imagefs::Source = Rc::new(imagefs::MemorySource::new("fuzz-fat.img", bytes));
    let Ok(machine) = imagefs::open_machine(vec![source]) else { return };
    let scan = settings::scan_machine(&machine, &settings::ExtractionProfile::default());
    // What the page and the CLI do next with a scan.
    let _ = peerpressure::PeerProfile::from_machines([scan.settings()]);
});
