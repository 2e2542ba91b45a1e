// SPDX-License-Identifier: GPL-3.0-or-later
//! NTFS and ext2/3/4 adapters on volumes made by mkntfs + wimlib and mke2fs -d, and every
//! disk image of the shared corpus. Fixtures: `tests/fixtures.sh`
//! (script `tests/fixtures.d/30-containers-b.sh`).

use std::path::{Path, PathBuf};
use std::rc::Rc;

use imagefs::os::OsFamily;
use imagefs::{open_machine, Error, FileSource, FsKind, Machine, Source};
use sha2::{Digest, Sha256};

fn fixtures() -> PathBuf {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/containers-b"));
    assert!(dir.join("files.sha256").is_file(), "fixtures missing in {}: run tests/fixtures.sh", dir.display());
    dir.to_path_buf()
}

fn machine(rel: &str) -> Machine {
    let path = fixtures().join(rel);
    let source: Source = Rc::new(FileSource::open(&path).unwrap());
    open_machine(vec![source]).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn names(machine: &Machine, path: &str) -> Vec<String> {
    let mut names: Vec<String> = machine.volumes[0].fs.read_dir(path).unwrap().into_iter().map(|e| e.name).collect();
    names.sort();
    names
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(name)).unwrap()
}

#[test]
fn ntfs_volume_made_by_mkntfs_and_wimlib() {
    let m = machine("win.raw");
    assert_eq!(m.volumes.len(), 1);
    let fs = &m.volumes[0].fs;
    assert_eq!(fs.kind(), FsKind::Ntfs);
    assert_eq!(fs.label().as_deref(), Some("OS"));
    // No metafiles ($MFT, $Volume, …) and no 8.3 aliases such as PROGRA~1 at the root.
    assert_eq!(names(&m, "/"), ["ProgramData", "Users", "Windows"]);
    assert_eq!(names(&m, "/windows/SYSTEM32/config"), ["SOFTWARE", "SYSTEM"]);

    let system = fixture_bytes("SYSTEM");
    let meta = fs.metadata("/Windows/System32/config/SYSTEM").unwrap();
    assert!(!meta.is_dir);
    assert_eq!(meta.size, system.len() as u64);
    let hive = fs.read_file("/Windows/System32/config/SYSTEM", 64 << 20).unwrap();
    assert!(hive == system, "SYSTEM read back differs from the hive put in");
    assert_eq!(fs.read_range("/Windows/System32/config/SYSTEM", 4096, 16).unwrap(), system[4096..4112]);
    let tail = fs.read_range("/Windows/System32/config/SYSTEM", system.len() as u64 - 10, 100).unwrap();
    assert_eq!(tail, system[system.len() - 10..], "reads stop at the end of the file");
    assert_eq!(fs.read_file("/Users/Public/hosts.txt", 1 << 20).unwrap(), fixture_bytes("windows-hosts"));
    assert!(fs.metadata("/Users").unwrap().is_dir);

    assert!(matches!(fs.metadata("/Windows/System32/config/SAM"), Err(Error::NotFound { .. })));
    assert!(matches!(fs.read_dir("/Nope/deeper"), Err(Error::NotFound { .. })));
    assert!(matches!(fs.read_file("/Windows/System32/config/SYSTEM", 1000), Err(Error::TooLarge { .. })));
    assert_eq!(m.os.as_ref().map(|o| o.family), Some(OsFamily::Windows));
}

#[test]
fn ntfs_volume_of_the_corpus_with_sparse_and_empty_files() {
    let m = machine("corpus/raw/ntfs-testfs1.img");
    let fs = &m.volumes[0].fs;
    assert_eq!(names(&m, "/"), ["1000-bytes-file", "empty-file", "file-with-12345", "many_subdirs", "sparse-file"]);
    assert_eq!(fs.read_file("/file-with-12345", 100).unwrap(), b"12345");
    assert_eq!(fs.metadata("/1000-bytes-file").unwrap().size, 1000);
    assert_eq!(fs.read_file("/1000-bytes-file", 1000).unwrap().len(), 1000);
    assert_eq!(fs.read_file("/empty-file", 10).unwrap(), b"");
    assert_eq!(fs.read_dir("/many_subdirs").unwrap().len(), 512, "ntfsls lists 512 subdirectories");
    let sparse = fs.metadata("/sparse-file").unwrap().size;
    assert_eq!(fs.read_file("/sparse-file", sparse).unwrap().len() as u64, sparse);
}

#[test]
fn ext4_volume_made_by_mke2fs_d() {
    let m = machine("linux.raw");
    let fs = &m.volumes[0].fs;
    assert_eq!(fs.kind(), FsKind::Ext);
    assert_eq!(fs.label().as_deref(), Some("root"));
    assert_eq!(names(&m, "/"), ["etc", "lost+found"]);
    let etc = names(&m, "/etc");
    for name in ["passwd", "shadow", "group", "sudoers", "ssh", "hosts.link", "os-release"] {
        assert!(etc.iter().any(|n| n == name), "{name} missing from {etc:?}");
    }
    let sshd = fixture_bytes("sshd_config");
    assert_eq!(fs.read_file("/etc/ssh/sshd_config", 1 << 20).unwrap(), sshd);
    assert_eq!(fs.read_range("etc/ssh/sshd_config", 100, 50).unwrap(), sshd[100..150]);
    // The symlink is followed by ext4-view.
    assert_eq!(fs.read_file("/etc/hosts.link", 1 << 20).unwrap(), fixture_bytes("hosts"));
    assert!(matches!(fs.read_file("/etc/Passwd", 1 << 20), Err(Error::NotFound { .. })), "ext is case-sensitive");
    let os = m.os.unwrap();
    assert_eq!((os.family, os.name.as_str()), (OsFamily::Linux, "Debian GNU/Linux 12 (bookworm)"));
}

#[test]
fn ext4_view_test_image_htree_symlink_loops_and_encryption() {
    let m = machine("corpus/raw/ext4view-test_disk1.ext4");
    let fs = &m.volumes[0].fs;
    assert_eq!(fs.read_file("/small_file", 100).unwrap(), b"hello, world!");
    let count: usize = std::fs::read_to_string(fixtures().join("big_dir.count")).unwrap().trim().parse().unwrap();
    assert_eq!(fs.read_dir("/big_dir").unwrap().len(), count, "htree directory, counted by debugfs");
    match fs.read_file("/sym_loop_a", 100) {
        Err(Error::Filesystem { message, .. }) => assert!(message.contains("symbolic links"), "{message}"),
        other => panic!("{other:?}"),
    }
    let encrypted = fs.read_dir("/encrypted_dir");
    assert!(matches!(encrypted, Err(Error::Unsupported { .. })), "{encrypted:?}");
}

/// Every disk of the shared corpus that holds a filesystem opens and lists its root.
#[test]
fn every_corpus_disk_opens_and_lists_its_root() {
    let expect: &[(&str, FsKind, &[&str])] = &[
        ("raw/ntfs-testfs1.img", FsKind::Ntfs, &["many_subdirs"]),
        ("raw/fat12.img", FsKind::Fat, &["long.txt", "very-long-dir-name"]),
        ("raw/fat16.img", FsKind::Fat, &["short.txt", "very"]),
        ("raw/fat_very_small.dd", FsKind::Fat, &[]),
        ("raw/hierarchy_64.ext4", FsKind::Ext, &["thejungle.txt", "directory1", "directory2"]),
        ("raw/ext4view-test_disk1.ext4", FsKind::Ext, &["big_dir", "holes"]),
        ("raw/ext4view-test_disk_4k_block_journal.ext4", FsKind::Ext, &["lost+found"]),
        ("raw/ext4view-test_disk_ext2.img", FsKind::Ext, &["big_file", "small_file"]),
        ("raw/ext4view-test_disk_ext3.img", FsKind::Ext, &["medium_dir"]),
        ("vmdk/plaso-image.vmdk", FsKind::Ext, &["lost+found"]),
        ("vmdk/dfvfs-ext2.vmdk", FsKind::Ext, &["lost+found"]),
        ("vhd/plaso-image.vhd", FsKind::Ext, &["a_directory", "passwords.txt"]),
        ("vhd/dfvfs-ext2.vhd", FsKind::Ext, &["a_directory", "a_link"]),
        ("vhdx/velociraptor-test.vhdx", FsKind::Ntfs, &["Hello.txt.txt", "Users", "Windows"]),
        ("qcow2/plaso-image.qcow2", FsKind::Ext, &["passwords.txt"]),
        ("qcow2/dfvfs-ext2.qcow2", FsKind::Ext, &["a_link"]),
        ("qcow2/dfvfs-windows_volume.qcow2", FsKind::Ntfs, &["Windows"]),
        ("qcow2/plaso-vsstest.qcow2", FsKind::Ntfs, &["another_file", "password.txt", "syslog.gz"]),
    ];
    for (rel, kind, wanted) in expect {
        let m = machine(&format!("corpus/{rel}"));
        assert_eq!(m.volumes.len(), 1, "{rel}");
        let fs = &m.volumes[0].fs;
        assert_eq!(fs.kind(), *kind, "{rel}");
        let root = names(&m, "/");
        for w in *wanted {
            assert!(root.iter().any(|n| n == w), "{rel}: {w} not in {root:?}");
        }
    }
    // The differencing VHD's parent is not in the corpus.
    let err = open_machine(vec![Rc::new(
        FileSource::open(&fixtures().join("corpus/vhd/dfvfs-fat-differential.vhd")).unwrap(),
    )]);
    assert!(matches!(err, Err(Error::MissingFile { .. })), "{err:?}");
    // MBR with an extended partition: the ext2 filesystem is in logical partition 5.
    let m = machine("corpus/raw/tsk_volume_system.raw");
    assert_eq!(m.volumes.len(), 1);
    assert_eq!(m.volumes[0].fs.kind(), FsKind::Ext);
    assert_eq!((m.volumes[0].partition.number, m.volumes[0].partition.start), (5, 352 * 512));
    // A lone MBR sector: its partitions lie past the end of the 512-byte "disk".
    let sector: Source = Rc::new(FileSource::open(&fixtures().join("corpus/raw/win7-mbr-sector.bin")).unwrap());
    let err = open_machine(vec![sector]).unwrap_err();
    assert!(matches!(err, Error::Corrupt { structure: "MBR partition entry", offset: 446, .. }), "{err:?}");
}

#[test]
fn ext4_file_reads_back_as_debugfs_reads_it() {
    // thejungle.txt is 849,597 bytes (MANIFEST.md); debugfs's SHA-256 of it is a fixture.
    let m = machine("corpus/raw/hierarchy_64.ext4");
    let jungle = m.volumes[0].fs.read_file("/thejungle.txt", 1 << 20).unwrap();
    assert_eq!(jungle.len(), 849_597);
    let expected = std::fs::read_to_string(fixtures().join("thejungle.sha256")).unwrap();
    assert_eq!(format!("{:x}", Sha256::digest(&jungle)), expected.trim());
}

/// A file's bytes with one byte replaced, without copying the file.
struct OneByteOff {
    base: Rc<[u8]>,
    at: usize,
    value: u8,
}

impl imagefs::ReadAt for OneByteOff {
    fn name(&self) -> &str {
        "mutated"
    }
    fn size(&self) -> u64 {
        self.base.len() as u64
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> imagefs::Result<()> {
        imagefs::check_bounds("mutated", self.size(), offset, buf.len())?;
        let start = offset as usize;
        buf.copy_from_slice(&self.base[start..start + buf.len()]);
        if (start..start + buf.len()).contains(&self.at) {
            buf[self.at - start] = self.value;
        }
        Ok(())
    }
}

/// Damaged boot sectors and MFT records (the root directory's included) give errors, never
/// panics or hangs, and leave the rest of the volume readable.
#[test]
fn hostile_ntfs_metadata_never_panics() {
    let base: Rc<[u8]> = fixture_bytes("corpus/raw/ntfs-testfs1.img").into();
    let sector = u16::from_le_bytes([base[11], base[12]]) as usize;
    let mft = u64::from_le_bytes(base[48..56].try_into().unwrap()) as usize * sector * base[13] as usize;
    // The boot sector's fields, and the first 16 MFT records (metafiles and the root).
    let mut positions: Vec<usize> = (0..96).step_by(3).collect();
    for record in 0..16 {
        positions.extend((0..1024).step_by(113).map(|o| mft + record * 1024 + o));
    }
    // The root's $INDEX_ROOT node header and first entry header (record 5, value at byte 328
    // in this image): bad offsets and lengths there made `ntfs` 0.4 panic before the adapter
    // checked them.
    positions.extend(mft + 5 * 1024 + 344..mft + 5 * 1024 + 376);
    // Node headers and first entries of the B-tree records (`INDX`) of the image, which the
    // listing of /many_subdirs (512 names) walks.
    let indx: Vec<usize> = (0..base.len()).step_by(512).filter(|&o| base[o..].starts_with(b"INDX")).collect();
    assert!(!indx.is_empty());
    for record in indx.iter().take(2) {
        positions.extend((record + 0x18..record + 0x70).step_by(2));
    }
    let mut readable = 0;
    for at in positions {
        for value in [0xff, base[at] ^ 0x01] {
            let volume: Source = Rc::new(OneByteOff { base: Rc::clone(&base), at, value });
            let Ok(Some(fs)) = imagefs::fs::open_filesystem(volume) else { continue };
            let listed = fs.read_dir("/");
            let _ = fs.read_file("/file-with-12345", 100);
            let _ = fs.read_dir("/many_subdirs");
            readable += usize::from(listed.is_ok());
        }
    }
    assert!(readable > 100, "most single-byte damage leaves the root listable ({readable})");
}
