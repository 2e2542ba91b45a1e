// SPDX-License-Identifier: GPL-3.0-or-later
//! VMDK and OVA containers against images made by qemu-img, tar and VMware (the corpus).
//! Fixtures: `tests/fixtures.sh` (script `tests/fixtures.d/30-containers-b.sh`).

use std::path::{Path, PathBuf};
use std::rc::Rc;

use imagefs::container::{open_disk, ovf_descriptor, FileSet, Format};
use imagefs::{open_machine, Error, FileSource, MemorySource, ReadAt, Source};
use sha2::{Digest, Sha256};

fn fixtures() -> PathBuf {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures/containers-b"));
    assert!(dir.join("qemu-raw.sha256").is_file(), "fixtures missing in {}: run tests/fixtures.sh", dir.display());
    dir.to_path_buf()
}

fn source(path: &Path) -> Source {
    Rc::new(FileSource::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Sources of `names` in the fixture directory.
fn sources(names: &[&str]) -> Vec<Source> {
    let dir = fixtures();
    names.iter().map(|n| source(&dir.join(n))).collect()
}

/// Every file of the fixture directory (or a subdirectory) whose name starts with `stem`.
fn with_extents(dir: &Path, stem: &str) -> Vec<Source> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(stem))
        .collect();
    names.sort();
    names.iter().map(|p| source(p)).collect()
}

fn sha256_of(reader: &dyn ReadAt) -> String {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut at = 0;
    while at < reader.size() {
        let n = (reader.size() - at).min(buf.len() as u64) as usize;
        reader.read_exact_at(at, &mut buf[..n]).unwrap();
        hasher.update(&buf[..n]);
        at += n as u64;
    }
    format!("{:x}", hasher.finalize())
}

fn expected_hashes(file: &str) -> Vec<(String, String)> {
    std::fs::read_to_string(fixtures().join(file))
        .unwrap()
        .lines()
        .map(|l| {
            let (hash, name) = l.split_once("  ").unwrap();
            (name.to_owned(), hash.to_owned())
        })
        .collect()
}

fn system_hive_hash() -> String {
    expected_hashes("files.sha256").into_iter().find(|(n, _)| n == "SYSTEM").unwrap().1
}

#[test]
fn every_converted_vmdk_decodes_to_the_bytes_qemu_img_reads() {
    let dir = fixtures();
    let expected = expected_hashes("qemu-raw.sha256");
    assert_eq!(expected.len(), 8);
    for (name, hash) in expected {
        let stem = name.trim_end_matches(".vmdk");
        let files = with_extents(&dir, stem);
        let top = files.iter().find(|f| f.name() == name).unwrap().clone();
        let disk = open_disk(top, &FileSet::new(files.clone())).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(disk.layers[0].format, Format::Vmdk);
        let create_type = stem.rsplit_once('-').unwrap().1;
        match create_type {
            "sparse" => assert_eq!(disk.layers[0].variant, "monolithicSparse", "{name}"),
            "stream" => assert_eq!(disk.layers[0].variant, "streamOptimized", "{name}"),
            other => assert_eq!(disk.layers[0].variant, other, "{name}"),
        }
        // Descriptor-based disks consume their extent files, and nothing else.
        let extents: Vec<&str> = files.iter().map(|f| f.name()).filter(|n| *n != name).collect();
        assert_eq!(disk.consumed, extents, "{name}");
        assert_eq!(sha256_of(&*disk.source), hash, "{name} differs from qemu-img convert -O raw");
    }
}

#[test]
fn the_real_system_hive_reads_back_through_sparse_and_stream_optimized_vmdks() {
    for name in ["win-sparse.vmdk", "win-stream.vmdk"] {
        let machine = open_machine(sources(&[name])).unwrap();
        assert_eq!(machine.disks.len(), 1);
        assert_eq!(machine.disks[0].source.size(), 64 << 20);
        assert_eq!(machine.volumes.len(), 1, "{name}");
        let fs = &machine.volumes[0].fs;
        assert_eq!(fs.label().as_deref(), Some("OS"));
        let hive = fs.read_file("/Windows/System32/config/SYSTEM", 64 << 20).unwrap();
        assert_eq!(format!("{:x}", Sha256::digest(&hive)), system_hive_hash(), "{name}");
        assert_eq!(machine.os.as_ref().map(|o| o.name.as_str()), Some("Windows"));
        // The 15 MB hive dominates what was read: the rest of the 64 MiB disk was not.
        let read = machine.stats.bytes();
        assert!(read < hive.len() as u64 + (8 << 20), "{name}: read {read} bytes");
    }
}

#[test]
fn ova_exposes_the_stream_optimized_disk_and_the_ovf_text() {
    let dir = fixtures();
    let machine = open_machine(sources(&["win.ova"])).unwrap();
    let disk = &machine.disks[0];
    let formats: Vec<(Format, &str)> = disk.layers.iter().map(|l| (l.format, l.variant.as_str())).collect();
    assert_eq!(formats, [(Format::Ova, "tar"), (Format::Vmdk, "streamOptimized")]);
    assert_eq!(disk.layers[1].file, "win.ova/win-disk1.vmdk");
    let ovf = std::fs::read_to_string(dir.join("win.ovf")).unwrap();
    assert_eq!(disk.descriptor.as_deref(), Some(ovf.as_str()));
    assert_eq!(ovf_descriptor(&*source(&dir.join("win.ova"))).unwrap().as_deref(), Some(ovf.as_str()));
    let hive = machine.volumes[0].fs.read_file("/windows/system32/config/system", 64 << 20).unwrap();
    assert_eq!(format!("{:x}", Sha256::digest(&hive)), system_hive_hash());
    // The disk inside the archive decodes like the stand-alone streamOptimized file.
    let stream = open_disk(source(&dir.join("win-stream.vmdk")), &FileSet::default()).unwrap();
    assert_eq!(sha256_of(&*disk.source), sha256_of(&*stream.source));
}

#[test]
fn delta_disk_reads_its_own_grains_over_the_parent_and_the_parent_is_not_a_second_disk() {
    let machine = open_machine(sources(&["delta/base.vmdk", "delta/child.vmdk"])).unwrap();
    assert_eq!(machine.disks.len(), 1, "base.vmdk is the child's parent, not a disk of its own");
    let disk = &machine.disks[0];
    let files: Vec<&str> = disk.layers.iter().map(|l| l.file.as_str()).collect();
    assert_eq!(files, ["child.vmdk", "base.vmdk"]);
    assert_eq!(disk.consumed, ["base.vmdk"]);
    let expected = sha256_of(&*source(&fixtures().join("delta/child.raw")));
    assert_eq!(sha256_of(&*disk.source), expected);
    let mut written = vec![0u8; 64 * 1024];
    disk.source.read_exact_at(5 << 20, &mut written).unwrap();
    assert!(written.iter().all(|&b| b == 0xab), "qemu-io wrote 0xab at 5 MiB into the child");
    assert_eq!(machine.volumes.len(), 1, "the parent's NTFS shows through");
}

#[test]
fn missing_parent_and_extent_files_are_named() {
    let err = open_machine(sources(&["delta/child.vmdk"])).unwrap_err();
    assert!(matches!(err, Error::MissingFile { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "child.vmdk needs its parent disk \"base.vmdk\" (parentCID f05d359b): add that file to the same machine"
            .replace("f05d359b", &parent_cid()),
    );
    let err = open_disk(sources(&["small-monolithicFlat.vmdk"]).remove(0), &FileSet::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "small-monolithicFlat.vmdk needs its FLAT extent file \"small-monolithicFlat-flat.vmdk\": add that file to the same machine"
    );
    let err = open_disk(sources(&["vmfs/esx.vmdk"]).remove(0), &FileSet::default()).unwrap_err();
    assert!(err.to_string().contains("needs its VMFS extent file \"ESX4.0-rhel4u8-32b-flat.vmdk\""), "{err}");
    let split = with_extents(&fixtures().join("big"), "split");
    let without_s007: Vec<Source> = split.into_iter().filter(|s| s.name() != "split-s007.vmdk").collect();
    let err = open_machine(without_s007).unwrap_err();
    assert!(err.to_string().contains("\"split-s007.vmdk\""), "{err}");
}

/// The parentCID qemu-img wrote into the child (it is the base's random CID).
fn parent_cid() -> String {
    let bytes = std::fs::read(fixtures().join("delta/child.vmdk")).unwrap();
    let text = String::from_utf8_lossy(&bytes[512..1024]);
    let line = text.lines().find(|l| l.starts_with("parentCID=")).unwrap();
    line["parentCID=".len()..].to_owned()
}

#[test]
fn flat_descriptor_and_its_extent_open_as_one_disk() {
    let machine = open_machine(sources(&["small-monolithicFlat-flat.vmdk", "small-monolithicFlat.vmdk"])).unwrap();
    assert_eq!(machine.disks.len(), 1);
    assert_eq!(machine.disks[0].layers[0].file, "small-monolithicFlat.vmdk");
    assert_eq!(machine.volumes.len(), 1);
}

#[test]
fn twenty_gib_sparse_disk_costs_megabytes() {
    let dir = fixtures();
    let machine = open_machine(sources(&["big/big.vmdk"])).unwrap();
    assert_eq!(machine.disks[0].source.size(), 20 << 30);
    let fs = &machine.volumes[0].fs;
    assert_eq!(fs.label().as_deref(), Some("big"));
    let hosts = fs.read_file("/etc/hosts", 1 << 20).unwrap();
    assert_eq!(hosts, std::fs::read(dir.join("hosts")).unwrap());
    let read = machine.stats.bytes();
    assert!(read < 8 << 20, "opening a 20 GiB disk read {read} bytes");

    // Ten 2 GB sparse extents: the same bytes where the filesystem is.
    let split = open_machine(with_extents(&dir.join("big"), "split")).unwrap();
    assert_eq!(split.disks.len(), 1, "the -s0NN extents are consumed by split.vmdk");
    assert_eq!(split.disks[0].consumed.len(), 10);
    let window = |s: &Source| {
        let mut buf = vec![0u8; 4 << 20];
        s.read_exact_at(19 << 30, &mut buf).unwrap();
        buf
    };
    let raw = std::fs::read(dir.join("big/at-19g.raw")).unwrap();
    assert_eq!(window(&split.disks[0].source), raw[..4 << 20]);
    assert_eq!(window(&machine.disks[0].source), raw[..4 << 20]);
    assert_eq!(split.volumes[0].fs.read_file("/etc/hosts", 1 << 20).unwrap(), hosts);
}

#[test]
fn esx_vmfs_descriptor_with_its_flat_extent() {
    let machine = open_machine(sources(&["vmfs/esx.vmdk", "vmfs/ESX4.0-rhel4u8-32b-flat.vmdk"])).unwrap();
    assert_eq!(machine.disks.len(), 1);
    assert_eq!(machine.disks[0].layers[0].variant, "vmfs");
    assert_eq!(machine.disks[0].source.size(), 12_582_912 * 512);
    assert_eq!(machine.os.as_ref().map(|o| o.name.as_str()), Some("Debian GNU/Linux 12 (bookworm)"));
}

#[test]
fn corpus_vmdks_open() {
    let dir = fixtures().join("corpus/vmdk");
    for name in ["plaso-image.vmdk", "dfvfs-ext2.vmdk"] {
        let machine = open_machine(vec![source(&dir.join(name))]).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(machine.disks[0].layers[0].variant, "monolithicSparse", "{name}");
        let root = machine.volumes[0].fs.read_dir("/").unwrap();
        assert!(root.iter().any(|e| e.name == "lost+found"), "{name}: {root:?}");
    }
    let err = open_machine(vec![source(&dir.join("libvmdk-descriptor_file.1"))]).unwrap_err();
    assert!(err.to_string().contains("needs its SPARSE extent file \"test1.vmdk\""), "{err}");
}

/// A copy of a fixture in memory with `patch` applied.
fn patched(name: &str, patch: impl FnOnce(&mut Vec<u8>)) -> Source {
    let mut bytes = std::fs::read(fixtures().join(name)).unwrap();
    patch(&mut bytes);
    Rc::new(MemorySource::new(name.rsplit('/').next().unwrap(), bytes))
}

#[test]
fn corrupt_structures_report_the_structure_and_offset() {
    // A grain size that is not a power of two, in the real header.
    let bad = patched("small-monolithicSparse.vmdk", |b| b[20] = 3);
    match open_disk(bad, &FileSet::default()).unwrap_err() {
        Error::Corrupt { file, structure: "VMDK header", offset: 0, .. } => {
            assert_eq!(file, "small-monolithicSparse.vmdk")
        }
        other => panic!("{other:?}"),
    }
    // A grain directory past the end of the file.
    let bad = patched("small-monolithicSparse.vmdk", |b| b[56..64].copy_from_slice(&u64::MAX.to_le_bytes()[..8]));
    assert!(matches!(open_disk(bad, &FileSet::default()), Err(Error::Corrupt { structure: "VMDK footer", .. })));
    // A deflate stream with its bytes scrambled: the marker of the first data grain of the
    // streamOptimized file (the grain table names its sector).
    let stream = std::fs::read(fixtures().join("small-streamOptimized.vmdk")).unwrap();
    let u32_at = |at: usize| u32::from_le_bytes(stream[at..at + 4].try_into().unwrap()) as usize;
    let gd = u32_at(56) * 512;
    let gt = u32_at(gd) * 512;
    let marker = u32_at(gt) * 512;
    assert_ne!(marker, 0, "grain 0 of the disk (its GPT) is allocated");
    let bad = patched("small-streamOptimized.vmdk", |b| b[marker + 14..marker + 40].fill(0x55));
    let disk = open_disk(bad, &FileSet::default()).unwrap();
    let mut buf = [0u8; 512];
    match disk.source.read_exact_at(0, &mut buf).unwrap_err() {
        Error::Corrupt { structure: "VMDK grain marker", offset, .. } => assert_eq!(offset, marker as u64),
        other => panic!("{other:?}"),
    }
    // A tar header whose checksum no longer matches.
    let bad = patched("win.ova", |b| b[0] ^= 0x20);
    match open_disk(bad, &FileSet::default()).unwrap_err() {
        Error::Corrupt { structure: "tar header", offset: 0, .. } => {}
        other => panic!("{other:?}"),
    }
    // A truncated sparse extent: the grain read fails with the file's name and the offset.
    let bad = patched("small-monolithicSparse.vmdk", |b| b.truncate(b.len() / 2));
    let disk = open_disk(bad, &FileSet::default()).unwrap();
    let err = (0..disk.source.size() / (1 << 20))
        .find_map(|mb| disk.source.read_exact_at(mb << 20, &mut [0u8; 4096]).err())
        .expect("some grain lies past the cut");
    assert!(matches!(err, Error::OutOfBounds { .. }), "{err:?}");
}

/// A file's bytes with one byte replaced, without copying the file.
struct OneByteOff {
    name: String,
    base: Rc<[u8]>,
    at: usize,
    value: u8,
}

impl ReadAt for OneByteOff {
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
        if (start..start + buf.len()).contains(&self.at) {
            buf[self.at - start] = self.value;
        }
        Ok(())
    }
}

#[test]
fn hostile_bytes_in_vmdk_and_tar_metadata_never_panic() {
    let check = |name: &str, positions: &[usize]| {
        let base: Rc<[u8]> = std::fs::read(fixtures().join(name)).unwrap().into();
        let mut opened = 0;
        for &at in positions {
            for value in [0x00, 0xff, 0x80, base[at] ^ 0x01] {
                let src = OneByteOff { name: name.to_owned(), base: Rc::clone(&base), at, value };
                let Ok(disk) = open_disk(Rc::new(src), &FileSet::default()) else { continue };
                opened += 1;
                let size = disk.source.size();
                let mut buf = [0u8; 4096];
                // Sample reads across the disk: errors are fine, panics and hangs are not.
                for k in 0..16u64 {
                    let at = (size / 16 * k) & !4095;
                    if at + 4096 <= size {
                        let _ = disk.source.read_exact_at(at, &mut buf);
                    }
                }
            }
        }
        assert!(opened > 0, "{name}: some mutations leave the image readable");
    };
    let stream = std::fs::read(fixtures().join("small-streamOptimized.vmdk")).unwrap();
    let u32_at = |at: usize| u32::from_le_bytes(stream[at..at + 4].try_into().unwrap()) as usize;
    let gd = u32_at(56) * 512;
    let gt = u32_at(gd) * 512;
    let marker = u32_at(gt) * 512;
    let mut positions: Vec<usize> = (0..80).collect();
    positions.extend((512..1024).step_by(7));
    positions.extend(gd..gd + 16);
    positions.extend(gt..gt + 32);
    positions.extend(marker..marker + 24);
    check("small-streamOptimized.vmdk", &positions);
    check("small-monolithicSparse.vmdk", &positions[..80]);
    check("small-monolithicFlat.vmdk", &(0..512).step_by(3).collect::<Vec<_>>());
    check("win.ova", &(0..512).step_by(5).chain(512..600).collect::<Vec<_>>());
}

/// VMware writes streamOptimized files with `gdOffset = GD_AT_END` in the header and the real
/// offset in a footer (footer marker, footer, end-of-stream marker; Virtual Disk Format 1.1
/// §"Stream-Optimized Compressed Sparse Extents"). qemu-img writes the offset in the header;
/// here qemu's file is moved to VMware's layout and must decode to the same bytes.
#[test]
fn stream_optimized_grain_directory_located_by_the_footer() {
    let original = std::fs::read(fixtures().join("small-streamOptimized.vmdk")).unwrap();
    let header: Vec<u8> = original[..512].to_vec();
    let mut bytes = original.clone();
    // qemu ends the file with an end-of-stream marker; VMware puts the footer before it.
    assert!(bytes[bytes.len() - 512..].iter().all(|&b| b == 0), "qemu's last sector is the EOS marker");
    bytes.truncate(bytes.len() - 512);
    let mut footer_marker = [0u8; 512];
    footer_marker[..8].copy_from_slice(&1u64.to_le_bytes()); // one sector of metadata follows
    footer_marker[12..16].copy_from_slice(&3u32.to_le_bytes()); // MARKER_FOOTER
    bytes.extend_from_slice(&footer_marker);
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(&[0u8; 512]); // MARKER_EOS
    bytes[56..64].copy_from_slice(&u64::MAX.to_le_bytes());
    let moved = open_disk(Rc::new(MemorySource::new("vmware-style.vmdk", bytes.clone())), &FileSet::default()).unwrap();
    let qemu = open_disk(source(&fixtures().join("small-streamOptimized.vmdk")), &FileSet::default()).unwrap();
    assert_eq!(sha256_of(&*moved.source), sha256_of(&*qemu.source));
    // Without the footer the grain directory cannot be found.
    bytes.truncate(bytes.len() - 1024);
    bytes.extend_from_slice(&[0u8; 1024]);
    let err = open_disk(Rc::new(MemorySource::new("no-footer.vmdk", bytes)), &FileSet::default()).unwrap_err();
    assert!(matches!(err, Error::Corrupt { structure: "VMDK footer", .. }), "{err:?}");
}

#[test]
fn ova_exposes_every_disk_in_the_order_of_its_ovf() {
    // two.ova: VMware's two-disk OVF, then disk2.vmdk (Linux) before disk1.vmdk (Windows) in
    // the archive; the OVF's DiskSection puts disk1 first.
    let expected = expected_hashes("two-ova.sha256");
    let machine = open_machine(sources(&["two.ova"])).unwrap();
    assert_eq!(machine.disks.len(), 2);
    for (i, disk) in machine.disks.iter().enumerate() {
        let layers: Vec<(&str, Format, &str)> =
            disk.layers.iter().map(|l| (l.file.as_str(), l.format, l.variant.as_str())).collect();
        let member = format!("disk{}.vmdk", i + 1);
        let variant = format!("tar, disk {} of 2", i + 1);
        assert_eq!(
            layers,
            [
                ("two.ova", Format::Ova, variant.as_str()),
                (format!("two.ova/{member}").as_str(), Format::Vmdk, "streamOptimized")
            ]
        );
        let hash = &expected.iter().find(|(n, _)| *n == member).unwrap().1;
        assert_eq!(&sha256_of(&*disk.source), hash, "{member} differs from qemu-img's reading");
    }
    // The OVF text goes with the first disk only.
    assert!(machine.disks[0].descriptor.as_deref().is_some_and(|d| d.contains("vmdisk2")));
    assert!(machine.disks[1].descriptor.is_none());
    // NTFS (Windows) on disk 0, ext4 (Linux) on disk 1.
    let kinds: Vec<(Option<usize>, &str)> = machine.volumes.iter().map(|v| (v.disk, v.fs.kind().as_str())).collect();
    assert_eq!(kinds, [(Some(0), "NTFS"), (Some(1), "ext")]);
    let hive = machine.volumes[0].fs.read_file("/windows/system32/config/system", 64 << 20).unwrap();
    assert_eq!(format!("{:x}", Sha256::digest(&hive)), system_hive_hash());
    let sshd = machine.volumes[1].fs.read_file("/etc/ssh/sshd_config", 1 << 20).unwrap();
    assert_eq!(sshd, std::fs::read(fixtures().join("sshd_config")).unwrap());
    // open_disk keeps giving one disk: the first of the OVF.
    let first = open_disk(source(&fixtures().join("two.ova")), &FileSet::default()).unwrap();
    assert_eq!(first.layers[1].file, "two.ova/disk1.vmdk");
}

#[test]
fn ova_disk_the_archive_lacks_is_named() {
    // two.ova without its disk1.vmdk member: the tar is cut before that member's header
    // (the members' order is the archive's: two.ovf, disk2.vmdk, disk1.vmdk).
    let bytes = std::fs::read(fixtures().join("two.ova")).unwrap();
    let header = (0..bytes.len())
        .step_by(512)
        .find(|&at| bytes[at..at + 100].starts_with(b"disk1.vmdk\0") && &bytes[at + 257..at + 262] == b"ustar")
        .expect("disk1.vmdk member");
    let mut cut = bytes[..header].to_vec();
    cut.extend_from_slice(&[0u8; 1024]); // end-of-archive blocks, as tar writes them
    let err =
        imagefs::container::open_disks(Rc::new(MemorySource::new("cut.ova", cut)), &FileSet::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cut.ova: corrupt OVF descriptor at offset 0x200: disk vmdisk1 is file disk1.vmdk, which the archive does \
         not hold"
    );
}
