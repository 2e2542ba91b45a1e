// SPDX-License-Identifier: GPL-3.0-or-later
//! VHD, VHDX and QCOW2 readers against qemu-img's own reading of the same images.
//!
//! Fixtures come from `tests/fixtures.d/20-containers-a.sh`: a 64 MiB GPT/FAT32 disk made
//! with sfdisk and mtools, converted by qemu-img into every variant, a qcow2 overlay, 20 GiB
//! sparse images, and the corpus images; `<image>.raw` is `qemu-img convert -O raw` of each.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use imagefs::container::{open_disk, Disk, FileSet, Format};
use imagefs::{open_machine, BlockCache, Error, FileSource, MemorySource, ReadAt, ReadStats, Source};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/containers-a");
const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn fixture(name: &str) -> PathBuf {
    let path = Path::new(DIR).join(name);
    assert!(path.exists(), "fixture {} is missing: run tests/fixtures.sh", path.display());
    path
}

fn file(name: &str) -> Source {
    Rc::new(FileSource::open(&fixture(name)).unwrap())
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

fn mem(name: &str, data: Vec<u8>) -> Source {
    Rc::new(MemorySource::new(name, data))
}

fn open(names: &[&str]) -> imagefs::Result<Disk> {
    let files: Vec<Source> = names.iter().map(|n| file(n)).collect();
    open_disk(Rc::clone(&files[0]), &FileSet::new(files))
}

fn open_mem(top: Source, others: &[Source]) -> imagefs::Result<Disk> {
    let mut files = vec![Rc::clone(&top)];
    files.extend(others.iter().cloned());
    open_disk(top, &FileSet::new(files))
}

/// Compares the whole virtual disk with `expected`, in reads whose odd size (3 MiB + 517)
/// makes them straddle block, cluster and sector boundaries at unaligned offsets.
fn assert_same_bytes(disk: &dyn ReadAt, expected: &Path) {
    let raw = FileSource::open(expected).unwrap();
    assert_eq!(disk.size(), raw.size(), "{}: virtual size", disk.name());
    let chunk = 3 * 1024 * 1024 + 517;
    let (mut a, mut b) = (vec![0u8; chunk], vec![0u8; chunk]);
    let mut pos = 0u64;
    while pos < raw.size() {
        let n = chunk.min((raw.size() - pos) as usize);
        disk.read_exact_at(pos, &mut a[..n]).unwrap_or_else(|e| panic!("{}: read at {pos:#x}: {e}", disk.name()));
        raw.read_exact_at(pos, &mut b[..n]).unwrap();
        if a[..n] != b[..n] {
            let first = (0..n).find(|&i| a[i] != b[i]).unwrap_or(0);
            panic!("{}: differs from qemu-img's reading at {:#x}", disk.name(), pos + first as u64);
        }
        pos += n as u64;
    }
}

#[test]
fn every_converted_variant_reads_as_qemu_img_reads_it() {
    let cases: &[(&str, Format, &str)] = &[
        ("disk-dynamic.vhd", Format::Vhd, "dynamic"),
        ("disk-fixed.vhd", Format::Vhd, "fixed"),
        ("disk-dynamic.vhdx", Format::Vhdx, "dynamic"),
        ("disk-dynamic-1m.vhdx", Format::Vhdx, "dynamic"),
        ("disk-fixed.vhdx", Format::Vhdx, "fixed"),
        ("disk-v2.qcow2", Format::Qcow2, "v2"),
        ("disk-v3.qcow2", Format::Qcow2, "v3"),
        ("disk-v2-zlib.qcow2", Format::Qcow2, "v2"),
        ("disk-v3-zlib.qcow2", Format::Qcow2, "v3"),
        ("disk-v3-zlib-4k.qcow2", Format::Qcow2, "v3"),
        ("disk-v3-zstd.qcow2", Format::Qcow2, "v3 zstd"),
        ("disk-v3-extl2.qcow2", Format::Qcow2, "v3 extended L2"),
    ];
    for &(name, format, variant) in cases {
        let disk = open(&[name]).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(disk.layers.len(), 1, "{name}");
        assert_eq!((disk.layers[0].format, disk.layers[0].variant.as_str()), (format, variant), "{name}");
        assert_eq!(disk.layers[0].virtual_size, 64 << 20, "{name}");
        assert_same_bytes(&*disk.source, &fixture(&format!("{name}.raw")));
    }
}

#[test]
fn corpus_images_read_as_qemu_img_reads_them() {
    let dir = Path::new(DIR).join("corpus");
    let names = [
        "plaso-image.vhd",
        "dfvfs-ext2.vhd",
        "velociraptor-test.vhdx",
        "plaso-image.qcow2",
        "dfvfs-ext2.qcow2",
        "dfvfs-windows_volume.qcow2",
        "plaso-vsstest.qcow2",
    ];
    for name in names {
        let top: Source = Rc::new(FileSource::open(&fixture(&format!("corpus/{name}"))).unwrap());
        let disk = open_disk(Rc::clone(&top), &FileSet::new(vec![top])).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_same_bytes(&*disk.source, &dir.join(format!("{name}.raw")));
    }
    // What is on them, read through the decoded disks (the filesystems themselves belong
    // to other modules): Windows' VHDX holds GPT + NTFS at LBA 128, the others ext2 or NTFS.
    let disk = open(&["corpus/velociraptor-test.vhdx"]).unwrap();
    assert_eq!(disk.layers[0].variant, "dynamic");
    let (scheme, parts) = imagefs::partition::read_partitions(&*disk.source).unwrap();
    assert_eq!((scheme, parts.len(), parts[0].start), (imagefs::partition::Scheme::Gpt, 1, 128 * 512));
    let mut oem = [0u8; 8];
    disk.source.read_exact_at(parts[0].start + 3, &mut oem).unwrap();
    assert_eq!(&oem, b"NTFS    ");
    for name in ["corpus/plaso-image.vhd", "corpus/dfvfs-ext2.qcow2"] {
        let disk = open(&[name]).unwrap();
        let mut magic = [0u8; 2];
        disk.source.read_exact_at(1080, &mut magic).unwrap();
        assert_eq!(magic, [0x53, 0xef], "{name}: ext superblock magic");
    }
}

#[test]
fn open_machine_lists_the_fat_files_in_every_format() {
    let sshd = std::fs::read(Path::new(CORPUS).join("linux-etc/augeas-root/etc/ssh/sshd_config")).unwrap();
    for name in [
        "disk-dynamic.vhd",
        "disk-fixed.vhd",
        "disk-dynamic.vhdx",
        "disk-fixed.vhdx",
        "disk-v3-zstd.qcow2",
        "disk-v2-zlib.qcow2",
    ] {
        let machine = open_machine(vec![file(name)]).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(machine.volumes.len(), 1, "{name}");
        let fs = &machine.volumes[0].fs;
        assert_eq!(fs.kind(), imagefs::FsKind::Fat, "{name}");
        let mut names: Vec<String> =
            fs.read_dir("/Windows/System32/config").unwrap().into_iter().map(|e| e.name).collect();
        names.sort();
        assert_eq!(names, ["Amcache.hve", "SAM"], "{name}");
        assert_eq!(fs.metadata("/Windows/System32/config/SAM").unwrap().size, 262_144, "{name}");
        assert_eq!(fs.metadata("/Users/NTUSER.DAT").unwrap().size, 1_310_720, "{name}");
        assert_eq!(fs.read_file("/etc/hostname", 1 << 20).unwrap(), b"containers-a\n", "{name}");
        assert_eq!(fs.read_file("/etc/ssh/sshd_config", 1 << 20).unwrap(), sshd, "{name}");
        // A real hive crosses several blocks and clusters: it must start with its signature.
        assert_eq!(&fs.read_range("/Windows/System32/config/Amcache.hve", 0, 4).unwrap(), b"regf", "{name}");
    }
}

#[test]
fn qcow2_overlay_reads_its_pattern_over_the_backing_file() {
    let disk = open(&["ov.qcow2", "disk-v3.qcow2"]).unwrap();
    let layers: Vec<(&str, Format)> = disk.layers.iter().map(|l| (l.file.as_str(), l.format)).collect();
    assert_eq!(layers, [("ov.qcow2", Format::Qcow2), ("disk-v3.qcow2", Format::Qcow2)]);
    assert_eq!(disk.consumed, ["disk-v3.qcow2"]);
    let base = bytes("disk.raw");
    let mut buf = vec![0u8; 3 << 20];
    disk.source.read_exact_at(0, &mut buf).unwrap();
    let (pattern, after) = (1 << 20..(1 << 20) + (64 << 10), (1 << 20) + (64 << 10));
    assert!(buf[pattern.clone()].iter().all(|&b| b == 0x5a), "the written pattern");
    assert_eq!(buf[..pattern.start], base[..pattern.start], "the backing file before the pattern");
    assert_eq!(buf[after..], base[after..3 << 20], "the backing file after the pattern");
    // `write -z` made zero clusters (v3 zero flag) over data of the backing file.
    let mut zeroed = vec![0xffu8; 128 << 10];
    disk.source.read_exact_at(3 << 20, &mut zeroed).unwrap();
    assert!(base[3 << 20..(3 << 20) + (128 << 10)].iter().any(|&b| b != 0), "the base has data there");
    assert!(zeroed.iter().all(|&b| b == 0), "zero clusters hide the backing file");
    assert_same_bytes(&*disk.source, &fixture("ov.qcow2.raw"));

    // Extended L2: only the two 2 KiB subclusters written come from the overlay.
    let disk = open(&["ov-extl2.qcow2", "disk-v3.qcow2"]).unwrap();
    assert_eq!(disk.layers[0].variant, "v3 extended L2 overlay");
    let mut buf = vec![0u8; 64 << 10];
    disk.source.read_exact_at(0x11_0000, &mut buf).unwrap();
    assert_eq!(buf[..0x800], base[0x11_0000..0x11_0800]);
    assert!(buf[0x800..0x1800].iter().all(|&b| b == 0xa5));
    assert_eq!(buf[0x1800..], base[0x11_1800..0x12_0000]);
    // A 2 KiB `write -z` sets one subcluster's zero bit, over data of the backing file.
    disk.source.read_exact_at(0x30_0000, &mut buf[..0x1800]).unwrap();
    assert_eq!(buf[..0x800], base[0x30_0000..0x30_0800]);
    assert!(base[0x30_0800..0x30_1000].iter().any(|&b| b != 0), "the base has data there");
    assert!(buf[0x800..0x1000].iter().all(|&b| b == 0));
    assert_eq!(buf[0x1000..0x1800], base[0x30_1000..0x30_1800]);
    assert_same_bytes(&*disk.source, &fixture("ov-extl2.qcow2.raw"));
}

#[test]
fn qcow2_over_a_raw_backing_file_and_a_looping_chain() {
    let disk = open(&["ov-raw.qcow2", "disk.raw"]).unwrap();
    let layers: Vec<(&str, Format)> = disk.layers.iter().map(|l| (l.file.as_str(), l.format)).collect();
    assert_eq!(layers, [("ov-raw.qcow2", Format::Qcow2), ("disk.raw", Format::Raw)]);
    let mut buf = vec![0u8; 128 << 10];
    disk.source.read_exact_at(33 << 20, &mut buf).unwrap();
    assert!(buf.iter().all(|&b| b == 0x3c));
    assert_same_bytes(&*disk.source, &fixture("ov-raw.qcow2.raw"));

    // loop-a -> loop-b -> loop-a: refused once the chain is longer than any real one.
    match open(&["loop-a.qcow2", "loop-b.qcow2"]) {
        Err(Error::Corrupt { structure: "parent chain", .. }) => {}
        other => panic!("expected a looping chain to be refused, got {other:?}"),
    }
}

#[test]
fn missing_backing_file_and_parent_are_named() {
    match open(&["ov.qcow2"]) {
        Err(Error::MissingFile { needed_by, what }) => {
            assert_eq!(needed_by, "QCOW2 ov.qcow2");
            assert_eq!(what, "its backing file disk-v3.qcow2, format qcow2");
        }
        other => panic!("expected MissingFile, got {other:?}"),
    }
    let diff = || file("corpus/dfvfs-fat-differential.vhd");
    let expected_needed = "differencing VHD dfvfs-fat-differential.vhd";
    let wanted = "its parent fat-parent.vhd (UUID 5fa21a55-f394-aa4d-9958-1951a67d5540)";
    match open_mem(diff(), &[]) {
        Err(e @ Error::MissingFile { .. }) => {
            let Error::MissingFile { needed_by, what } = &e else { unreachable!() };
            assert_eq!((needed_by.as_str(), what.as_str()), (expected_needed, wanted));
            assert!(e.to_string().contains("add that file"), "{e}");
        }
        other => panic!("expected MissingFile, got {other:?}"),
    }
    // A file with the parent's name but another identity is refused, and said so.
    let impostor = mem("fat-parent.vhd", bytes("disk-dynamic.vhd"));
    let impostor_uuid = {
        let b = bytes("disk-dynamic.vhd");
        let f = &b[b.len() - 512 + 68..b.len() - 512 + 84];
        let h: String = f.iter().map(|x| format!("{x:02x}")).collect();
        format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
    };
    match open_mem(diff(), &[impostor]) {
        Err(Error::MissingFile { what, .. }) => {
            assert_eq!(
                what,
                format!("{wanted}, but the supplied fat-parent.vhd is another disk (UUID {impostor_uuid})")
            )
        }
        other => panic!("expected MissingFile, got {other:?}"),
    }
}

/// `data` with the byte at `at` inverted.
fn flipped(mut data: Vec<u8>, at: usize) -> Vec<u8> {
    data[at] ^= 0xff;
    data
}

fn corrupt_at(result: imagefs::Result<Disk>) -> (&'static str, u64) {
    match result {
        Err(Error::Corrupt { structure, offset, .. }) => (structure, offset),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn damaged_vhd_headers_are_reported_at_their_offset() {
    let fixed = bytes("disk-fixed.vhd");
    let footer = fixed.len() - 512;
    let r = open_mem(mem("f.vhd", flipped(fixed.clone(), footer + 50)), &[]);
    assert_eq!(corrupt_at(r), ("VHD footer", footer as u64 + 64));

    // A dynamic disk survives a damaged footer through its copy at 0, but not both.
    let dynamic = bytes("disk-dynamic.vhd");
    let end = dynamic.len() - 512;
    let one = flipped(dynamic.clone(), end + 50);
    let disk = open_mem(mem("d.vhd", one.clone()), &[]).unwrap();
    assert_same_bytes(&*disk.source, &fixture("disk-dynamic.vhd.raw"));
    let r = open_mem(mem("d.vhd", flipped(one, 50)), &[]);
    assert_eq!(corrupt_at(r), ("VHD footer", end as u64 + 64));
    // The dynamic header follows the footer copy at 512.
    let r = open_mem(mem("d.vhd", flipped(dynamic.clone(), 512 + 100)), &[]);
    assert_eq!(corrupt_at(r), ("VHD dynamic disk header", 512 + 36));

    // Truncated: the footer copy at 0 opens it, and a read of a block past the end says where.
    let cut = dynamic[..dynamic.len() / 2].to_vec();
    let size = cut.len() as u64;
    let disk = open_mem(mem("cut.vhd", cut), &[]).unwrap();
    let mut buf = vec![0u8; 64 << 20];
    match disk.source.read_exact_at(0, &mut buf) {
        Err(Error::OutOfBounds { file, offset, len, size: s }) => {
            assert_eq!((file.as_str(), s), ("cut.vhd", size));
            assert!(offset < size && offset + len > size, "{offset:#x}+{len:#x}");
        }
        other => panic!("expected OutOfBounds, got {other:?}"),
    }
}

#[test]
fn damaged_vhdx_headers_are_reported_at_their_offset() {
    let good = bytes("disk-dynamic.vhdx");
    // One header or region table copy may be damaged: the other one is used.
    for at in [0x1_0000 + 200, 0x2_0000 + 200, 0x3_0000 + 40, 0x4_0000 + 40] {
        let disk = open_mem(mem("v.vhdx", flipped(good.clone(), at)), &[]).unwrap_or_else(|e| panic!("{at:#x}: {e}"));
        let mut sector = [0u8; 512];
        disk.source.read_exact_at(512, &mut sector).unwrap();
        assert_eq!(&sector[..8], b"EFI PART", "GPT header after damage at {at:#x}");
    }
    let both = flipped(flipped(good.clone(), 0x1_0000 + 200), 0x2_0000 + 200);
    assert_eq!(corrupt_at(open_mem(mem("v.vhdx", both), &[])), ("VHDX header", 0x1_0004));
    let both = flipped(flipped(good.clone(), 0x3_0000 + 40), 0x4_0000 + 40);
    assert_eq!(corrupt_at(open_mem(mem("v.vhdx", both), &[])), ("VHDX region table", 0x3_0004));

    // A log GUID in the header but no entry of that log: the log is empty, nothing is
    // replayed. The headers are forged with a CRC-32C from the `crc` crate (an
    // implementation independent of the reader's).
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);
    let mut dirty = good.clone();
    for h in [0x1_0000usize, 0x2_0000] {
        dirty[h + 48..h + 64].copy_from_slice(&[0x11; 16]);
        dirty[h + 4..h + 8].fill(0);
        let sum = crc.checksum(&dirty[h..h + 4096]);
        dirty[h + 4..h + 8].copy_from_slice(&sum.to_le_bytes());
    }
    let disk = open_mem(mem("v.vhdx", dirty), &[]).unwrap();
    assert_eq!(disk.layers[0].variant, "dynamic");
    assert_same_bytes(&*disk.source, &fixture("disk-dynamic.vhdx.raw"));

    // Truncated before the data: the read of a payload block past the end says where.
    let cut = good[..(4 << 20)].to_vec();
    let disk = open_mem(mem("cut.vhdx", cut), &[]).unwrap();
    let mut buf = vec![0u8; 64 << 20];
    assert!(matches!(disk.source.read_exact_at(0, &mut buf), Err(Error::OutOfBounds { size: 0x40_0000, .. })));
}

#[test]
fn damaged_qcow2_headers_are_reported_at_their_offset() {
    let good = bytes("disk-v3-zlib.qcow2");
    let set = |mut d: Vec<u8>, at: usize, value: &[u8]| {
        d[at..at + value.len()].copy_from_slice(value);
        d
    };
    let unsupported = |r: imagefs::Result<Disk>| match r {
        Err(Error::Unsupported { structure, offset, detail, .. }) => (structure, offset, detail),
        other => panic!("expected Unsupported, got {other:?}"),
    };
    let (s, o, d) = unsupported(open_mem(mem("q", set(good.clone(), 32, &2u32.to_be_bytes())), &[]));
    assert_eq!((s, o), ("QCOW2 header", 32));
    assert!(d.contains("encrypted (LUKS"), "{d}");
    let (s, o, d) = unsupported(open_mem(mem("q", set(good.clone(), 79, &[4])), &[]));
    assert_eq!((s, o), ("QCOW2 header", 72));
    assert!(d.contains("external data file"), "{d}");
    let r = open_mem(mem("q", set(good.clone(), 20, &30u32.to_be_bytes())), &[]);
    assert_eq!(corrupt_at(r), ("QCOW2 header", 20));
    let r = open_mem(mem("q", set(good.clone(), 36, &0u32.to_be_bytes())), &[]);
    assert_eq!(corrupt_at(r), ("QCOW2 header", 36));
    let r = open_mem(mem("q", set(good.clone(), 36, &u32::MAX.to_be_bytes())), &[]);
    assert_eq!(corrupt_at(r), ("QCOW2 header", 36));

    // Damaged compressed data is reported at the compressed cluster that holds it. Zeros
    // where a deflate stream starts read as a stored block with a bad length check, so
    // zeroing 64 KiB of the ~1 MiB of compressed clusters is always detected.
    let at = good.len() / 2;
    let bad = set(good.clone(), at, &[0; 64 << 10]);
    let disk = open_mem(mem("q", bad), &[]).unwrap();
    let mut buf = vec![0u8; 64 << 20];
    match disk.source.read_exact_at(0, &mut buf) {
        Err(Error::Corrupt { structure: "QCOW2 compressed cluster", offset, .. }) => {
            let at = at as u64;
            assert!(offset + (128 << 10) > at && offset < at + (64 << 10), "{offset:#x} vs {at:#x}");
        }
        other => panic!("expected a corrupt compressed cluster, got {other:?}"),
    }

    // Truncated: the L1 table is still there, the clusters are not.
    let plain = bytes("disk-v3.qcow2");
    let disk = open_mem(mem("cut.qcow2", plain[..(512 << 10)].to_vec()), &[]).unwrap();
    assert!(matches!(disk.source.read_exact_at(0, &mut buf), Err(Error::OutOfBounds { size: 0x8_0000, .. })));
}

#[test]
fn opening_a_sparse_20_gib_image_reads_almost_nothing() {
    for name in ["sparse-20g.vhd", "sparse-20g.vhdx", "sparse-20g.qcow2"] {
        let stats = Rc::new(ReadStats::default());
        let cached: Source = Rc::new(BlockCache::new(file(name), Rc::clone(&stats), 256));
        let disk = open_disk(Rc::clone(&cached), &FileSet::new(vec![cached])).unwrap();
        assert_eq!(disk.source.size(), 20 << 30, "{name}");
        let mut buf = vec![0u8; 1 << 20];
        disk.source.read_exact_at(0, &mut buf).unwrap();
        disk.source.read_exact_at((20 << 30) - (1 << 20), &mut buf).unwrap();
        assert!(buf.iter().all(|&b| b == 0), "{name}: unallocated blocks read as zeros");
        assert!(stats.bytes() < 1 << 20, "{name}: opening and two reads cost {} bytes", stats.bytes());
        eprintln!("{name}: open + 2 MiB of reads cost {} bytes in {} calls", stats.bytes(), stats.calls());
    }
}

#[test]
fn differencing_vhd_reads_written_sectors_from_the_child_and_the_rest_from_the_parent() {
    // The corpus' Windows-made child over a stand-in parent (see the fixture script): each
    // parent sector holds its own number, so where every sector came from is visible.
    let disk = open(&["corpus/dfvfs-fat-differential.vhd", "fat-parent.vhd"]).unwrap();
    let layers: Vec<(&str, &str)> = disk.layers.iter().map(|l| (l.file.as_str(), l.variant.as_str())).collect();
    assert_eq!(layers, [("dfvfs-fat-differential.vhd", "differencing"), ("fat-parent.vhd", "fixed")]);
    // The parent the child's header names (the UUID Windows wrote; the stand-in carries it).
    let parents: Vec<Option<&str>> = disk.layers.iter().map(|l| l.parent.as_deref()).collect();
    assert_eq!(parents, [Some("5fa21a55-f394-aa4d-9958-1951a67d5540"), None]);
    assert_eq!(disk.consumed, ["fat-parent.vhd"]);
    let mut ours = vec![0u8; 4 << 20];
    disk.source.read_exact_at(0, &mut ours).unwrap();
    let parent = bytes("fat-parent.vhd.raw");
    // qemu-img reads the child alone, whole allocated blocks, ignoring bitmap and parent.
    let child = bytes("corpus/dfvfs-fat-differential.vhd.child.raw");
    let (mut from_child, mut from_parent) = (0, 0);
    for (i, ((o, p), c)) in ours.chunks(512).zip(parent.chunks(512)).zip(child.chunks(512)).enumerate() {
        if c.iter().any(|&b| b != 0) {
            // Sectors Windows wrote data to are the child's.
            assert_eq!(o, c, "sector {i} holds data in the child");
            from_child += 1;
        } else if o == p {
            from_parent += 1;
        } else {
            // A sector the child wrote zeros to (its bitmap bit is set).
            assert_eq!(o, c, "sector {i} is neither the child's nor the parent's");
        }
    }
    assert_eq!(from_child, 9, "sectors with data in the child");
    // Block 1 (2 MiB on) is unallocated in the child: all of it is the parent's, and most of
    // block 0 too (the child's bitmap marks only 18 sectors).
    assert_eq!(ours[2 << 20..], parent[2 << 20..]);
    assert_eq!(from_parent, 8192 - 18);
}

#[test]
fn corpus_machines_list_their_files() {
    // Expected root listings and labels as the corpus MANIFEST describes each image (the
    // NTFS and ext readers are another module's; this checks the containers feed them).
    let cases: &[(&str, Option<&str>, &[&str])] = &[
        ("dfvfs-ext2.vhd", Some("ext2_test"), &["a_directory", "a_link", "lost+found", "passwords.txt"]),
        ("plaso-image.vhd", None, &["a_directory", "lost+found", "passwords.txt"]),
        ("dfvfs-ext2.qcow2", Some("ext2_test"), &["a_directory", "a_link", "lost+found", "passwords.txt"]),
        (
            "velociraptor-test.vhdx",
            Some("Test Volume"),
            &["$RECYCLE.BIN", "Hello.txt.txt", "System Volume Information", "Users", "Windows"],
        ),
        ("dfvfs-windows_volume.qcow2", None, &["Windows"]),
        (
            "plaso-vsstest.qcow2",
            Some("vsstest"),
            &["System Volume Information", "another_file", "password.txt", "syslog.gz"],
        ),
    ];
    for &(name, label, expected) in cases {
        let machine = open_machine(vec![file(&format!("corpus/{name}"))]).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(machine.volumes.len(), 1, "{name}");
        let fs = &machine.volumes[0].fs;
        let mut names: Vec<String> = fs.read_dir("/").unwrap().into_iter().map(|e| e.name).collect();
        names.sort();
        assert_eq!(names, expected, "{name}");
        assert_eq!(fs.label().as_deref(), label, "{name}");
        assert!(machine.stats.bytes() < 1 << 20, "{name}: {} bytes read", machine.stats.bytes());
    }
}

/// Mutations tried per image; each opens the image and reads four ranges.
const MUTATIONS_PER_IMAGE: usize = 400;

/// An image with a few bytes overwritten, without copying it.
struct Patched {
    name: String,
    base: Rc<[u8]>,
    at: usize,
    patch: Vec<u8>,
}

impl ReadAt for Patched {
    fn name(&self) -> &str {
        &self.name
    }
    fn size(&self) -> u64 {
        self.base.len() as u64
    }
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> imagefs::Result<()> {
        imagefs::check_bounds(&self.name, self.size(), offset, buf.len())?;
        let start = offset as usize;
        buf.copy_from_slice(&self.base[start..start + buf.len()]);
        for (i, &b) in self.patch.iter().enumerate() {
            if let Some(j) = (self.at + i).checked_sub(start).filter(|&j| j < buf.len()) {
                buf[j] = b;
            }
        }
        Ok(())
    }
}

#[test]
fn hostile_metadata_never_panics() {
    // Deterministic mutations (xorshift) of the metadata of qemu-made images: headers,
    // L1/L2 tables, footers, BATs, metadata tables. Any outcome is fine but a panic or hang.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let vhd_end = 8_393_216;
    let images: &[(&str, &[std::ops::Range<usize>])] = &[
        ("disk-v3-zlib.qcow2", &[0..0x70, 0x3_0000..0x3_0008, 0x4_0000..0x4_2000]),
        ("disk-v3-extl2.qcow2", &[0..0x70, 0x3_0000..0x3_0008, 0x4_0000..0x4_4000]),
        ("disk-dynamic.vhd", &[vhd_end - 512..vhd_end, 0x200..0x600, 0x600..0x680]),
        ("disk-dynamic.vhdx", &[0x3_0000..0x3_0060, 0x20_0000..0x20_0040, 0x30_0000..0x30_0200, 0x31_0000..0x31_0100]),
    ];
    let mut outcomes = [0usize; 3];
    for &(name, ranges) in images {
        let good: Rc<[u8]> = bytes(name).into();
        assert!(ranges.iter().all(|r| r.end <= good.len()), "{name}");
        for i in 0..MUTATIONS_PER_IMAGE {
            let range = &ranges[i % ranges.len()];
            let at = range.start + (next() as usize) % (range.end - range.start - 7);
            let patch = match next() % 3 {
                0 => vec![next() as u8],
                1 => (next() as u32).to_be_bytes().to_vec(),
                _ => next().to_le_bytes().to_vec(),
            };
            let image: Source = Rc::new(Patched { name: name.into(), base: Rc::clone(&good), at, patch });
            let Ok(disk) = open_mem(image, &[]) else {
                outcomes[0] += 1;
                continue;
            };
            let size = disk.source.size();
            let mut buf = vec![0u8; 256 << 10];
            let mut failed = false;
            for _ in 0..4 {
                let n = (buf.len() as u64).min(size) as usize;
                let pos = if size > n as u64 { next() % (size - n as u64) } else { 0 };
                failed |= disk.source.read_exact_at(pos, &mut buf[..n]).is_err();
            }
            outcomes[if failed { 1 } else { 2 }] += 1;
        }
    }
    eprintln!("mutations: {} refused at open, {} failed a read, {} read fine", outcomes[0], outcomes[1], outcomes[2]);
    assert!(outcomes.iter().all(|&n| n > 0), "{outcomes:?}");
}

#[test]
fn vhdx_log_left_by_a_crash_is_replayed() {
    // qemu wrote 1 MiB of 0x11 at 0 but failed to apply its BAT update from the log; only
    // the replayed log makes the data visible, as `qemu-img check -r all` does.
    let disk = open(&["dirty.vhdx"]).unwrap();
    assert_eq!(disk.layers[0].variant, "dynamic, 1 log entries replayed");
    let mut head = vec![0u8; 1 << 20];
    disk.source.read_exact_at(0, &mut head).unwrap();
    assert!(head.iter().all(|&b| b == 0x11));
    assert_same_bytes(&*disk.source, &fixture("dirty.vhdx.raw"));

    // A damaged entry is no valid sequence: nothing is replayed and the block stays absent.
    let disk = open_mem(mem("dirty.vhdx", flipped(bytes("dirty.vhdx"), 0x10_0000 + 0x800)), &[]).unwrap();
    assert_eq!(disk.layers[0].variant, "dynamic");
    disk.source.read_exact_at(0, &mut head).unwrap();
    assert!(head.iter().all(|&b| b == 0));
}

/// As [`assert_same_bytes`] for a large, mostly empty disk: `<raw>.map` (`qemu-img map` of
/// the sparse raw file) lists its data ranges, compared byte for byte, and its zero ranges,
/// where the disk must read as zeros.
fn assert_same_bytes_sparse(disk: &dyn ReadAt, expected: &Path) {
    let raw = FileSource::open(expected).unwrap();
    assert_eq!(disk.size(), raw.size(), "{}: virtual size", disk.name());
    let map = std::fs::read_to_string(expected.with_extension("raw.map")).unwrap();
    let field = |line: &str, name: &str| -> String {
        let at = line.find(&format!("\"{name}\": ")).unwrap_or_else(|| panic!("{name} in {line}")) + name.len() + 4;
        line[at..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect()
    };
    let chunk = 4 << 20;
    let (mut a, mut b, zeros) = (vec![0u8; chunk], vec![0u8; chunk], vec![0u8; chunk]);
    let mut covered = 0;
    for line in map.lines() {
        let start: u64 = field(line, "start").parse().unwrap();
        let len: u64 = field(line, "length").parse().unwrap();
        let zero = field(line, "zero") == "true";
        assert_eq!(start, covered, "map ranges follow each other");
        let mut pos = start;
        while pos < start + len {
            let n = chunk.min((start + len - pos) as usize);
            disk.read_exact_at(pos, &mut a[..n]).unwrap_or_else(|e| panic!("{}: read at {pos:#x}: {e}", disk.name()));
            let want = if zero {
                &zeros[..n]
            } else {
                raw.read_exact_at(pos, &mut b[..n]).unwrap();
                &b[..n]
            };
            assert!(a[..n] == *want, "{}: differs from qemu-img's reading in {pos:#x}+{n:#x}", disk.name());
            pos += n as u64;
        }
        covered = start + len;
    }
    assert_eq!(covered, raw.size(), "the map covers the disk");
}

#[test]
fn vhdx_log_sequence_of_three_entries_is_replayed_as_qemu_replays_it() {
    // multilog.vhdx: three qemu log entries chained into one unapplied sequence, each holding
    // a different BAT sector (blocks at 0, 520 MiB, 1040 MiB); see 20-containers-a.sh.
    let disk = open(&["multilog.vhdx"]).unwrap();
    assert_eq!(disk.layers[0].variant, "dynamic, 3 log entries replayed");
    let byte_at = |disk: &Disk, at: u64| {
        let mut b = [0u8; 1];
        disk.source.read_exact_at(at, &mut b).unwrap();
        b[0]
    };
    assert_eq!([0, 520 << 20, 1040 << 20].map(|at| byte_at(&disk, at)), [0x21, 0x22, 0x23]);
    assert_same_bytes_sparse(&*disk.source, &fixture("multilog.vhdx.raw"));

    // The first entry damaged: the sequence is the other two, and block 0 stays absent.
    let log = 0x10_0000;
    let disk = open_mem(mem("multilog.vhdx", flipped(bytes("multilog.vhdx"), log + 0x1800)), &[]).unwrap();
    assert_eq!(disk.layers[0].variant, "dynamic, 2 log entries replayed");
    assert_eq!([0, 520 << 20, 1040 << 20].map(|at| byte_at(&disk, at)), [0, 0x22, 0x23]);
}

fn unsupported_at(result: imagefs::Result<Disk>) -> (&'static str, u64, String) {
    match result {
        Err(Error::Unsupported { structure, offset, detail, .. }) => (structure, offset, detail),
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn unsupported_features_are_named_with_their_offset() {
    // VHD: raising a footer byte by k lowers its checksum (the complement of the byte sum)
    // by k, so these edits keep the footer's checksum valid.
    let fixed = bytes("disk-fixed.vhd");
    let end = fixed.len() - 512;
    let edit = |at: usize, delta: u8| {
        let mut d = fixed.clone();
        d[end + at] = d[end + at].wrapping_add(delta);
        let sum = u32::from_be_bytes(d[end + 64..end + 68].try_into().unwrap()).wrapping_sub(u32::from(delta));
        d[end + 64..end + 68].copy_from_slice(&sum.to_be_bytes());
        mem("f.vhd", d)
    };
    let (s, o, d) = unsupported_at(open_mem(edit(63, 3), &[]));
    assert_eq!((s, o), ("VHD footer", end as u64 + 60));
    assert!(d.contains("disk type 5"), "{d}");
    let (s, o, _) = unsupported_at(open_mem(edit(13, 1), &[]));
    assert_eq!((s, o), ("VHD footer", end as u64 + 12));

    // QCOW2: version, compression type, unknown incompatible features.
    let zstd = bytes("disk-v3-zstd.qcow2");
    let set = |at: usize, value: &[u8]| {
        let mut d = zstd.clone();
        d[at..at + value.len()].copy_from_slice(value);
        mem("z.qcow2", d)
    };
    assert_eq!(unsupported_at(open_mem(set(4, &4u32.to_be_bytes()), &[])).1, 4);
    let (_, o, d) = unsupported_at(open_mem(set(104, &[2]), &[]));
    assert_eq!(o, 104);
    assert!(d.contains("compression type 2"), "{d}");
    let (_, o, d) = unsupported_at(open_mem(set(79, &[0x28]), &[]));
    assert_eq!(o, 72);
    assert!(d.contains("0x20"), "{d}");

    // VHDX: an unknown required region (CRC-32C from the `crc` crate) and an unknown
    // required metadata item (the metadata table has no checksum).
    let good = bytes("disk-dynamic.vhdx");
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);
    let mut regions = good.clone();
    for table in [0x3_0000usize, 0x4_0000] {
        let count = u32::from_le_bytes(regions[table + 8..table + 12].try_into().unwrap()) as usize;
        let entry = table + 16 + 32 * count;
        regions[entry..entry + 16].copy_from_slice(&[0x42; 16]);
        regions[entry + 16..entry + 24].copy_from_slice(&(8u64 << 20).to_le_bytes());
        regions[entry + 24..entry + 28].copy_from_slice(&(1u32 << 20).to_le_bytes());
        regions[entry + 28..entry + 32].copy_from_slice(&1u32.to_le_bytes());
        regions[table + 8..table + 12].copy_from_slice(&(count as u32 + 1).to_le_bytes());
        regions[table + 4..table + 8].fill(0);
        let sum = crc.checksum(&regions[table..table + (64 << 10)]);
        regions[table + 4..table + 8].copy_from_slice(&sum.to_le_bytes());
    }
    let (s, o, d) = unsupported_at(open_mem(mem("v.vhdx", regions), &[]));
    assert_eq!((s, o), ("VHDX region table", 0x3_0000 + 16 + 32 * 2));
    assert!(d.contains("42424242-4242-4242-4242-424242424242"), "{d}");
    // The Virtual Disk ID item {BECA12AB-B2E6-4523-93EF-C309E000C746}, renamed and required.
    let id = [0xab, 0x12, 0xca, 0xbe, 0xe6, 0xb2, 0x23, 0x45, 0x93, 0xef, 0xc3, 0x09, 0xe0, 0x00, 0xc7, 0x46];
    let meta = 0x30_0000;
    let entry =
        (meta + 32..meta + (64 << 10)).step_by(32).find(|&e| good[e..e + 16] == id).expect("virtual disk id item");
    let mut items = good.clone();
    items[entry] ^= 0xff;
    items[entry + 24] |= 4;
    let (s, o, _) = unsupported_at(open_mem(mem("v.vhdx", items), &[]));
    assert_eq!((s, o), ("VHDX metadata table", entry as u64));
}

#[test]
fn qcow2_snapshots_are_listed_and_open_read_only_as_qemu_reads_them() {
    // snap.qcow2: snapshot snap1, writes, snapshot snap2, more writes (20-containers-a.sh).
    let disk = open(&["snap.qcow2"]).unwrap();
    let variant = &disk.layers[0].variant;
    assert!(variant.starts_with("v3, 2 snapshots: 1 'snap1' 67108864 bytes "), "{variant}");
    // Every snapshot of `TZ=UTC qemu-img snapshot -l`: ID, tag and date as qemu prints them.
    let list = std::fs::read_to_string(fixture("snap.qcow2.list")).unwrap();
    let rows: Vec<Vec<&str>> = list.lines().skip(2).map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows.len(), 2, "{list}");
    let snapshots = imagefs::container::qcow2_snapshots(&*file("snap.qcow2")).unwrap();
    for (row, snapshot) in rows.iter().zip(&snapshots) {
        let date = format!("{} {} UTC", row[4], row[5]);
        assert_eq!((snapshot.id.as_str(), snapshot.name.as_str()), (row[0], row[1]));
        assert_eq!(snapshot.date_utc(), date);
        assert_eq!(snapshot.virtual_size, 64 << 20);
        assert!(variant.contains(&format!("{} '{}' 67108864 bytes {date}", row[0], row[1])), "{variant}");
    }
    assert_eq!(disk.layers[0].virtual_size, 96 << 20, "grown after the snapshots");
    assert_same_bytes(&*disk.source, &fixture("snap.qcow2.raw"));

    // Each snapshot, by name (and snap2 by its ID), reads as `qemu-img convert -l snapshot.name=`.
    for (which, raw) in
        [("snap1", "snap.qcow2.snap1.raw"), ("snap2", "snap.qcow2.snap2.raw"), ("2", "snap.qcow2.snap2.raw")]
    {
        let top = file("snap.qcow2");
        let disk = imagefs::container::open_snapshot(Rc::clone(&top), &FileSet::new(vec![top]), which).unwrap();
        assert!(disk.layers[0].variant.starts_with("v3, snapshot "), "{}", disk.layers[0].variant);
        assert!(disk.layers[0].variant.ends_with("(read-only)"), "{}", disk.layers[0].variant);
        // The snapshot's own size (its extra data), not the image's current 96 MiB.
        assert_eq!((disk.layers[0].virtual_size, disk.source.size()), (64 << 20, 64 << 20));
        assert_same_bytes(&*disk.source, &fixture(raw));
    }
    // The three states differ where the writes went (so the comparisons above can fail).
    let at = |path: &str| {
        let mut b = [0u8; 1];
        FileSource::open(&fixture(path)).unwrap().read_exact_at(2112 << 10, &mut b).unwrap();
        b[0]
    };
    assert_eq!((at("snap.qcow2.snap1.raw"), at("snap.qcow2.snap2.raw"), at("snap.qcow2.raw")), (0, 0x61, 0x62));

    let top = file("snap.qcow2");
    match imagefs::container::open_snapshot(Rc::clone(&top), &FileSet::new(vec![top]), "snap3") {
        Err(Error::Unrecognized { file, detail }) => {
            assert_eq!(file, "snap.qcow2");
            assert!(
                detail.contains("no internal snapshot named 'snap3'") && detail.contains("'snap2' (id 2)"),
                "{detail}"
            );
        }
        other => panic!("expected Unrecognized, got {other:?}"),
    }
    let raw = file("disk.raw");
    assert!(matches!(
        imagefs::container::open_snapshot(Rc::clone(&raw), &FileSet::new(vec![raw]), "snap1"),
        Err(Error::Unsupported { .. })
    ));
}

#[test]
fn qcow2_snapshot_table_claims_are_bounded_by_the_file() {
    let good = bytes("snap.qcow2");
    let set = |at: usize, value: &[u8]| {
        let mut d = good.clone();
        d[at..at + value.len()].copy_from_slice(value);
        mem("s.qcow2", d)
    };
    // More snapshots than qemu allows, and more than the file can hold.
    for (count, needle) in [(70_000u32, "over qemu's limit"), (60_000, "cannot fit")] {
        match open_mem(set(60, &count.to_be_bytes()), &[]) {
            Err(Error::Corrupt { structure: "QCOW2 snapshot table", offset: 60, detail, .. }) => {
                assert!(detail.contains(needle), "{detail}")
            }
            other => panic!("nb_snapshots {count}: {other:?}"),
        }
    }
    // extra_data_size of the first entry beyond qemu's 1 KiB.
    let table = u64::from_be_bytes(good[64..72].try_into().unwrap()) as usize;
    match open_mem(set(table + 36, &4096u32.to_be_bytes()), &[]) {
        Err(Error::Corrupt { offset, detail, .. }) => {
            assert_eq!(offset, table as u64 + 36);
            assert!(detail.contains("extra_data_size 4096"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn qcow2_dirty_image_reads_and_says_so_corrupt_image_is_refused() {
    // Left by a process killed with lazy refcounts on: qemu-img convert reads it as is.
    let disk = open(&["dirty.qcow2"]).unwrap();
    assert_eq!(disk.layers[0].variant, "v3, dirty (not closed cleanly: refcounts may be stale, reading is unaffected)");
    assert_same_bytes(&*disk.source, &fixture("dirty.qcow2.raw"));
    let mut b = [0u8; 1];
    disk.source.read_exact_at(5 << 20, &mut b).unwrap();
    assert_eq!(b[0], 0x45);

    // Marked corrupt by qemu's own overlap check.
    match open(&["corrupt.qcow2"]) {
        Err(e @ Error::Corrupt { .. }) => {
            let text = e.to_string();
            assert!(
                text.starts_with("corrupt.qcow2: corrupt QCOW2 header at offset 0x48: the corrupt bit is set"),
                "{text}"
            );
            assert!(text.contains("qemu-img check -r all"), "{text}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}
