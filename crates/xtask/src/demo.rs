// SPDX-License-Identifier: GPL-3.0-or-later
//! The built-in demo fleet: nine small Linux-like VM disks generated at build time, so a
//! first visit can show a real diagnosis in one click without any user data.
//!
//! Each disk is a real MBR disk (written by `mbrman`) holding a real FAT12 filesystem
//! (formatted and filled by `fatfs`) with ordinary config files. The peers differ in
//! harmless ways (host name, log length, one tuned sysctl); the target `web-07` has
//! password logins enabled in sshd_config, the injected misconfiguration.

use std::io::{Cursor, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{Context, Result};

/// Sectors before the partition (classic CHS alignment keeps the images small).
const PARTITION_LBA: u32 = 63;
/// Partition size: 512 KiB, a FAT12 volume.
const PARTITION_BYTES: usize = 512 * 1024;
const SECTOR: usize = 512;

const PEERS: [&str; 8] = ["web-01", "web-02", "web-03", "web-04", "web-05", "web-06", "web-08", "web-09"];
const TARGET: &str = "web-07";

const SSHD: &str =
    "# Fleet baseline, managed by config management\nPort 22\nAddressFamily any\nListenAddress 0.0.0.0\n\
HostKey /etc/ssh/ssh_host_ed25519_key\nPermitRootLogin prohibit-password\nPubkeyAuthentication yes\n\
PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM yes\nX11Forwarding no\nPrintMotd no\n\
ClientAliveInterval 300\nAcceptEnv LANG LC_*\nSubsystem sftp /usr/lib/openssh/sftp-server\n";

fn sysctl(swappiness: u32) -> String {
    format!(
        "# Kernel tuning for web nodes\nnet.ipv4.ip_forward = 0\nnet.ipv4.tcp_syncookies = 1\n\
         net.core.somaxconn = 4096\nvm.swappiness = {swappiness}\nfs.file-max = 2097152\nkernel.randomize_va_space = 2\n"
    )
}

fn files(name: &str, index: usize) -> Vec<(String, String)> {
    let sshd = if name == TARGET {
        SSHD.replace("PasswordAuthentication no", "PasswordAuthentication yes")
    } else {
        SSHD.into()
    };
    // One peer was tuned by hand: realistic drift that must not outrank the culprit.
    let swappiness = if name == "web-03" { 10 } else { 60 };
    let log: String =
        (0..(40 + index * 7)).map(|i| format!("Nov 28 10:{:02}:00 {name} systemd[1]: tick {i}\n", i % 60)).collect();
    vec![
        ("etc/hostname".into(), format!("{name}\n")),
        ("etc/ssh/sshd_config".into(), sshd),
        ("etc/sysctl.conf".into(), sysctl(swappiness)),
        (
            "etc/os-release".into(),
            "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n".into(),
        ),
        ("etc/cron.d/backup".into(), "15 2 * * * root /usr/local/bin/backup\n".into()),
        ("var/log/syslog".into(), log),
    ]
}

fn fat_volume(label: &str, files: &[(String, String)]) -> Result<Vec<u8>> {
    let mut volume = Cursor::new(vec![0u8; PARTITION_BYTES]);
    let mut label_bytes = [b' '; 11];
    for (slot, b) in label_bytes.iter_mut().zip(label.to_ascii_uppercase().bytes()) {
        *slot = b;
    }
    fatfs::format_volume(&mut volume, fatfs::FormatVolumeOptions::new().volume_label(label_bytes))?;
    {
        let fs = fatfs::FileSystem::new(&mut volume, fatfs::FsOptions::new())?;
        for (path, text) in files {
            let root = fs.root_dir();
            let mut dir = root;
            let parts: Vec<&str> = path.split('/').collect();
            for part in &parts[..parts.len() - 1] {
                dir = match dir.open_dir(part) {
                    Ok(d) => d,
                    Err(_) => dir.create_dir(part)?,
                };
            }
            let mut file = dir.create_file(parts[parts.len() - 1])?;
            file.truncate()?;
            file.write_all(text.as_bytes())?;
        }
        fs.unmount()?;
    }
    Ok(volume.into_inner())
}

fn disk(name: &str, index: usize) -> Result<Vec<u8>> {
    let volume = fat_volume(name, &files(name, index))?;
    let start = PARTITION_LBA as usize * SECTOR;
    let mut disk = Cursor::new(vec![0u8; start + volume.len()]);
    let mut mbr = mbrman::MBR::new_from(&mut disk, SECTOR as u32, [0x76, 0x6d, 0x73, index as u8])?;
    mbr[1] = mbrman::MBRPartitionEntry {
        boot: mbrman::BOOT_INACTIVE,
        first_chs: mbrman::CHS::empty(),
        sys: 0x01, // FAT12
        last_chs: mbrman::CHS::empty(),
        starting_lba: PARTITION_LBA,
        sectors: (volume.len() / SECTOR) as u32,
    };
    mbr.write_into(&mut disk)?;
    disk.seek(SeekFrom::Start(start as u64))?;
    disk.write_all(&volume)?;
    Ok(disk.into_inner())
}

/// Writes the fleet and its `manifest.json` into `dir`.
pub(crate) fn generate(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut all: Vec<&str> = PEERS.to_vec();
    all.push(TARGET);
    for (index, name) in all.iter().enumerate() {
        let path = dir.join(format!("{name}.img"));
        std::fs::write(&path, disk(name, index)?).with_context(|| format!("writing {}", path.display()))?;
    }
    let manifest = serde_json::json!({
        "target": format!("{TARGET}.img"),
        "peers": PEERS.iter().map(|p| format!("{p}.img")).collect::<Vec<_>>(),
    });
    std::fs::write(dir.join("manifest.json"), serde_json::to_string_pretty(&manifest)?)?;
    Ok(())
}
