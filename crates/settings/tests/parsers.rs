// SPDX-License-Identifier: GPL-3.0-or-later
//! Linux config-file parsers on the real files of the corpus (`linux-etc`), and whole
//! Linux disk images (MBR + FAT32, MBR + ext4 built with `mke2fs -d`) scanned with the
//! default profile. Build the images with `tests/fixtures.sh`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use imagefs::{open_machine, FileSource, Source};
use settings::parse::{
    parse_apt_sources_lines, parse_crontab_lines, parse_dpkg_status_lines, parse_fstab_lines, parse_group_lines,
    parse_hosts_lines, parse_ini_lines, parse_interfaces, parse_key_value_lines, parse_limits_lines, parse_netplan,
    parse_nsswitch_lines, parse_pam_lines, parse_passwd_lines, parse_resolv_conf_lines, parse_sshd_config_lines,
    parse_sudoers_lines, parse_systemd_unit_lines, Separator,
};
use settings::{scan_machine, ExtractionProfile, Kind, MachineScan, Setting};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/fixtures");

fn corpus(rel: &str) -> String {
    let path = Path::new(CORPUS).join("linux-etc").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("corpus file {}: {e}", path.display()))
}

/// The `(name, value)` pairs of a parser's `(name, value, line)` triples.
fn pairs(triples: Vec<(String, String, u32)>) -> Vec<(String, String)> {
    triples.into_iter().map(|(n, v, _)| (n, v)).collect()
}

fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// Which parser reads each corpus file, and one check of concrete values from it. Every
/// file of the corpus directory must be listed, so a new corpus file cannot go unparsed.
fn check_file(rel: &str, text: &str) {
    match rel {
        "augeas-root/etc/ssh/sshd_config" => {
            let p = pairs(parse_sshd_config_lines(text));
            assert_eq!(get(&p, "passwordauthentication"), Some("yes"));
            assert_eq!(get(&p, "syslogfacility"), Some("AUTHPRIV"));
            assert_eq!(
                get(&p, "acceptenv"),
                Some(
                    "LANG LC_CTYPE LC_NUMERIC LC_TIME LC_COLLATE LC_MONETARY LC_MESSAGES LC_PAPER LC_NAME LC_ADDRESS \
                     LC_TELEPHONE LC_MEASUREMENT LC_IDENTIFICATION LC_ALL"
                )
            );
            assert_eq!(get(&p, "subsystem"), Some("sftp /usr/libexec/openssh/sftp-server"));
            assert_eq!(get(&p, "x11forwarding"), Some("yes"));
            assert_eq!(get(&p, "match user anoncvs/x11forwarding"), Some("no"));
            assert_eq!(get(&p, "match user anoncvs/forcecommand"), Some("cvs server"));
            assert_eq!(get(&p, "match group restricted/forcecommand"), Some("/usr/local/bin/restricted_group_command"));
        }
        "augeas-root/etc/ssh/ssh_config" => {
            let p = pairs(parse_key_value_lines(text, Separator::Whitespace));
            assert_eq!(get(&p, "GSSAPIAuthentication"), Some("no"));
            assert_eq!(get(&p, "ForwardX11Trusted"), Some("yes"));
        }
        "augeas-root/etc/passwd" => {
            let p = pairs(parse_passwd_lines(text));
            assert_eq!(get(&p, "root/shell"), Some("/bin/bash"));
            assert_eq!(get(&p, "ftp/home"), Some("/var/ftp"));
            assert_eq!(get(&p, "nfsnobody/uid"), Some("4294967294"));
            assert_eq!(p.len(), 4 * text.lines().filter(|l| l.contains(':')).count());
            // GECOS (real names) never becomes a value.
            assert!(!p.iter().any(|(_, v)| v.contains("Anonymous NFS User")));
        }
        "velociraptor/linux/passwd" => {
            let p = pairs(parse_passwd_lines(text));
            assert_eq!(get(&p, "daemon/shell"), Some("/usr/sbin/nologin"));
            assert_eq!(get(&p, "sync/gid"), Some("65534"));
        }
        "augeas-root/etc/group" => {
            let p = pairs(parse_group_lines(text));
            assert_eq!(get(&p, "bin/members"), Some("bin,daemon,root"));
            assert_eq!(get(&p, "wheel/gid"), Some("10"));
            // The file ends without a newline after this entry.
            assert_eq!(get(&p, "nfsnobody/gid"), Some("499"));
        }
        "velociraptor/linux/group" => {
            let p = pairs(parse_group_lines(text));
            assert_eq!(get(&p, "adm/gid"), Some("4"));
            assert!(p.iter().any(|(n, v)| n.ends_with("/members") && !v.is_empty()));
        }
        "augeas-root/etc/fstab" => {
            let p = pairs(parse_fstab_lines(text));
            assert_eq!(get(&p, "/:type"), Some("ext3"));
            assert_eq!(get(&p, "/:device"), Some("/dev/vg00/lv00"));
            assert_eq!(get(&p, "/boot:device"), Some("LABEL=/boot"));
            assert_eq!(get(&p, "/dev/pts:options"), Some("gid=5,mode=620"));
            assert_eq!(get(&p, "/var/lib/xen/images:pass"), Some("2"));
            assert_eq!(get(&p, "swap:/dev/vg00/swap:type"), Some("swap"));
        }
        "augeas-root/etc/hosts" => {
            let p = pairs(parse_hosts_lines(text));
            assert_eq!(get(&p, "orange.watzmann.net"), Some("172.31.122.14"));
            assert_eq!(get(&p, "galia"), Some("127.0.0.1"));
            // Commented-out entries are not hosts.
            assert_eq!(get(&p, "granny"), None);
        }
        "velociraptor/windows-hosts" => {
            let p = pairs(parse_hosts_lines(text));
            assert_eq!(get(&p, "evil.com"), Some("8.8.8.8"));
            assert_eq!(get(&p, "standardcomment2.com"), Some("127.0.3.4"));
            assert_eq!(get(&p, "test2.com"), Some("127.0.0.2"));
        }
        "augeas-root/etc/resolv.conf" => {
            let p = pairs(parse_resolv_conf_lines(text));
            assert_eq!(get(&p, "nameserver"), Some("192.168.0.1 192.168.0.2"));
            assert_eq!(get(&p, "search"), Some("awsqualif.net aws.eu-west-1.censured_here"));
            assert_eq!(get(&p, "options/timeout"), Some("2"));
            assert_eq!(get(&p, "options/rotate"), Some("true"));
        }
        "augeas-root/etc/sudoers" => {
            let p = pairs(parse_sudoers_lines(text));
            assert_eq!(get(&p, "Defaults/requiretty"), Some("true"));
            assert_eq!(get(&p, "Defaults/secure_path"), Some("/sbin:/bin:/usr/sbin:/usr/bin"));
            assert!(get(&p, "Defaults/env_keep")
                .is_some_and(|v| v.starts_with("COLORS DISPLAY") && v.ends_with("XAUTHORITY")));
            assert_eq!(get(&p, "%wheel"), Some("ALL=(ALL) ALL"));
            assert_eq!(get(&p, "root"), Some("ALL=(ALL) ALL"));
            assert_eq!(get(&p, "Cmnd_Alias/DRIVERS"), Some("/sbin/modprobe"));
            assert_eq!(get(&p, "Cmnd_Alias/SOFTWARE"), Some("/bin/rpm, /usr/bin/up2date, /usr/bin/yum"));
        }
        "augeas-root/etc/crontab" => {
            let p = pairs(parse_crontab_lines(text, true));
            assert_eq!(get(&p, "MAILTO"), Some("cron@example.com"));
            assert_eq!(get(&p, "/usr/local/bin/backup"), Some("42 * * * * lutter"));
            assert_eq!(get(&p, "/usr/sbin/stuff"), Some("54 16 * * * lutter"));
        }
        "augeas-root/etc/apt/sources.list" => {
            let p = pairs(parse_apt_sources_lines(text));
            assert_eq!(get(&p, "deb ftp://mirror.bytemark.co.uk/debian etch"), Some("main non-free contrib"));
            assert_eq!(get(&p, "deb http://security.debian.org etch/updates"), Some("main contrib non-free"));
            assert_eq!(get(&p, "deb-src http://mirror.bytemark.co.uk/debian etch"), Some("main contrib non-free"));
            assert_eq!(p.len(), 3);
        }
        "velociraptor/debian/sources.list/sources.list" => {
            let p = pairs(parse_apt_sources_lines(text));
            assert_eq!(
                get(&p, "deb http://archive.ubuntu.com/ubuntu jammy"),
                Some("main restricted universe multiverse")
            );
            // The au mirror lists jammy three times (main restricted / universe / multiverse): last wins.
            assert_eq!(get(&p, "deb http://au.archive.ubuntu.com/ubuntu jammy"), Some("multiverse"));
        }
        "augeas-root/etc/sysctl.conf" => {
            let p = pairs(parse_key_value_lines(text, Separator::Equals));
            assert_eq!(get(&p, "net.ipv4.ip_forward"), Some("0"));
            assert_eq!(get(&p, "kernel.sysrq"), Some("0"));
            assert_eq!(p.len(), 5);
        }
        "augeas-root/etc/vsftpd.conf" => {
            let p = pairs(parse_key_value_lines(text, Separator::Equals));
            assert_eq!(get(&p, "max_clients"), Some("200"));
        }
        "augeas-root/etc/sysconfig/network" => {
            assert_eq!(get(&pairs(parse_key_value_lines(text, Separator::Equals)), "NETWORKING"), Some("yes"));
        }
        "augeas-root/etc/sysconfig/network-scripts/ifcfg-eth0" => {
            assert_eq!(get(&pairs(parse_key_value_lines(text, Separator::Equals)), "BRIDGE"), Some("br0"));
        }
        "augeas-root/etc/yum.conf" => assert_eq!(get(&pairs(parse_ini_lines(text)), "main/gpgcheck"), Some("1")),
        "augeas-root/etc/krb5.conf" => {
            assert_eq!(get(&pairs(parse_ini_lines(text)), "libdefaults/default_realm"), Some("EXAMPLE.COM"));
        }
        "augeas-root/etc/samba/smb.conf" => {
            assert_eq!(get(&pairs(parse_ini_lines(text)), "global/workgroup"), Some("MYGROUP"))
        }
        // Keyword-first files without a dedicated parser: the first value per keyword.
        "augeas-root/etc/exports" => {
            assert_eq!(
                get(&pairs(parse_key_value_lines(text, Separator::Whitespace)), "/pub"),
                Some("*(ro,insecure,all_squash)")
            );
        }
        "augeas-root/etc/ntp.conf" => {
            assert_eq!(
                get(&pairs(parse_key_value_lines(text, Separator::Whitespace)), "server"),
                Some("0.centos.pool.ntp.org")
            );
        }
        "augeas-root/etc/network/interfaces" => {
            let p: Vec<(String, String)> = parse_interfaces(text).into_iter().map(|(n, v, _)| (n, v)).collect();
            assert_eq!(get(&p, "lo/auto"), Some("true"));
            assert_eq!(get(&p, "lo inet/method"), Some("loopback"));
            assert_eq!(get(&p, "eth0 inet/method"), Some("dhcp"));
            assert_eq!(
                get(&p, "eth0 inet/up"),
                Some("/etc/init.d/ntpdate restart || true; /etc/init.d/ntp-server start || true")
            );
            assert_eq!(get(&p, "eth0-0 inet/address"), Some("134.158.129.99"));
            assert_eq!(get(&p, "eth0-2 inet/address"), Some("192.168.1.160"));
            assert_eq!(get(&p, "eth0-3 inet/broadcast"), Some("192.168.1.255"));
            assert_eq!(get(&p, "adsl0 inet/pre-up").map(|v| v.matches("; ").count()), Some(4));
            // `## auto eth0` is a comment: eth0 is not brought up automatically.
            assert_eq!(get(&p, "eth0/auto"), None);
        }
        "augeas-root/etc/pam.d/login" => {
            let p = pairs(parse_pam_lines(text));
            assert_eq!(get(&p, "account/pam_nologin.so"), Some("required"));
            assert_eq!(
                get(&p, "auth/pam_securetty.so"),
                Some("[user_unknown=ignore success=ok ignore=ignore default=bad]")
            );
            assert_eq!(get(&p, "auth/system-auth"), Some("include"));
            assert_eq!(get(&p, "session/pam_keyinit.so"), Some("optional force revoke"));
            // pam_selinux.so is in `session` twice: close first, open last.
            assert_eq!(get(&p, "session/pam_selinux.so"), Some("required close"));
            assert_eq!(get(&p, "session/pam_selinux.so#2"), Some("required open"));
            assert_eq!(p.len(), 12);
        }
        "augeas-root/etc/security/limits.conf" => {
            let p = pairs(parse_limits_lines(text));
            assert_eq!(get(&p, "@jackuser/-/rtprio"), Some("20"));
            assert_eq!(get(&p, "@pulse-rt/-/nice"), Some("-20"));
            assert_eq!(p.len(), 4);
        }
        "augeas-root/etc/syslog.conf" => {
            assert_eq!(
                get(&pairs(parse_key_value_lines(text, Separator::Whitespace)), "mail.info"),
                Some("/var/log/maillog")
            );
        }
        "augeas-root/etc/inittab" => {
            // `id:runlevels:action:process`: no whitespace-separated keyword, so the
            // keyword parser keeps only the lines whose process has arguments.
            assert_eq!(
                get(&pairs(parse_key_value_lines(text, Separator::Whitespace)), "l3:3:wait:/etc/rc.d/rc"),
                Some("3")
            );
        }
        "augeas-root/etc/sysconfig/iptables" => {
            assert_eq!(get(&pairs(parse_key_value_lines(text, Separator::Whitespace)), ":INPUT"), Some("ACCEPT [0:0]"));
        }
        // Secrets: never parsed, and no profile rule names them (checked below).
        "augeas-root/etc/shadow" | "augeas-root/etc/gshadow" => {}
        other => panic!("corpus file {other} has no parser check: add one"),
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_linux_etc_corpus_file_parses_with_expected_values() {
    let root = Path::new(CORPUS).join("linux-etc");
    let mut files = Vec::new();
    walk(&root, &mut files);
    assert!(files.len() >= 30, "expected the linux-etc corpus at {}", root.display());
    for path in files {
        let rel = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        check_file(&rel, &corpus(&rel));
    }
}

/// The text of 1-based line `line` of `text`.
fn nth_line(text: &str, line: u32) -> &str {
    assert!(line >= 1, "line numbers are 1-based");
    text.lines().nth(line as usize - 1).unwrap_or_else(|| panic!("line {line} is past the end"))
}

/// For each `(setting name, needle)`, the line the parser recorded for the setting holds
/// `needle` in `rel`'s text: the position is checked against the file itself.
fn assert_lines(rel: &str, triples: &[(String, String, u32)], checks: &[(&str, &str)]) -> Vec<u32> {
    let text = corpus(rel);
    checks
        .iter()
        .map(|(name, needle)| {
            let (_, _, line) =
                triples.iter().find(|(n, _, _)| n == name).unwrap_or_else(|| panic!("{rel}: no setting {name}"));
            let held = nth_line(&text, *line);
            assert!(held.contains(needle), "{rel}:{line} = {held:?} should hold {needle:?} for {name}");
            *line
        })
        .collect()
}

#[test]
fn line_provenance_points_at_the_setting_in_corpus_files() {
    let sshd = "augeas-root/etc/ssh/sshd_config";
    let p = parse_sshd_config_lines(&corpus(sshd));
    let found = assert_lines(
        sshd,
        &p,
        &[
            ("passwordauthentication", "PasswordAuthentication yes"),
            ("syslogfacility", "SyslogFacility AUTHPRIV"),
            ("acceptenv", "AcceptEnv"),
            ("match user anoncvs/x11forwarding", "X11Forwarding no"),
            ("match group restricted/forcecommand", "ForceCommand"),
        ],
    );
    // Accumulated AcceptEnv lines: the first one, above every other AcceptEnv line.
    let text = corpus(sshd);
    let first = text.lines().position(|l| l.starts_with("AcceptEnv")).unwrap() + 1;
    assert_eq!(found[2] as usize, first);
    // The Match block's setting is below its `Match` line, not the global one.
    let match_line = text.lines().position(|l| l.starts_with("Match User anoncvs")).unwrap() + 1;
    assert!(found[3] as usize > match_line);

    let rel = "augeas-root/etc/passwd";
    assert_lines(rel, &parse_passwd_lines(&corpus(rel)), &[("root/shell", "root:"), ("ftp/home", "ftp:")]);
    let rel = "velociraptor/linux/passwd";
    let p = parse_passwd_lines(&corpus(rel));
    let (name, _, _) = p.last().unwrap();
    let user = name.split('/').next().unwrap().to_owned();
    assert_lines(rel, &p, &[(name.as_str(), &format!("{user}:"))]);
    let rel = "augeas-root/etc/group";
    assert_lines(rel, &parse_group_lines(&corpus(rel)), &[("bin/members", "bin:x:1:"), ("root/gid", "root:")]);
    let rel = "augeas-root/etc/fstab";
    assert_lines(
        rel,
        &parse_fstab_lines(&corpus(rel)),
        &[
            ("/boot:device", "LABEL=/boot"),
            ("/dev/pts:options", "gid=5,mode=620"),
            ("swap:/dev/vg00/swap:type", "swap"),
        ],
    );
    let rel = "augeas-root/etc/hosts";
    assert_lines(rel, &parse_hosts_lines(&corpus(rel)), &[("orange", "orange"), ("galia", "galia")]);
    let rel = "velociraptor/windows-hosts";
    assert_lines(rel, &parse_hosts_lines(&corpus(rel)), &[("evil.com", "evil.com"), ("test2.com", "test2.com")]);
    let rel = "augeas-root/etc/resolv.conf";
    assert_lines(
        rel,
        &parse_resolv_conf_lines(&corpus(rel)),
        &[("nameserver", "nameserver 192.168.0.1"), ("search", "search "), ("options/timeout", "timeout:2")],
    );
    let rel = "augeas-root/etc/sudoers";
    assert_lines(
        rel,
        &parse_sudoers_lines(&corpus(rel)),
        &[
            ("Defaults/requiretty", "requiretty"),
            ("Defaults/secure_path", "secure_path"),
            ("Defaults/env_keep", "env_keep =  \"COLORS"),
            ("%wheel", "%wheel"),
            ("Cmnd_Alias/DRIVERS", "Cmnd_Alias DRIVERS"),
        ],
    );
    let rel = "augeas-root/etc/crontab";
    assert_lines(
        rel,
        &parse_crontab_lines(&corpus(rel), true),
        &[("MAILTO", "MAILTO="), ("/usr/local/bin/backup", "/usr/local/bin/backup"), ("/usr/sbin/stuff", "54 16")],
    );
    let rel = "augeas-root/etc/apt/sources.list";
    assert_lines(
        rel,
        &parse_apt_sources_lines(&corpus(rel)),
        &[
            ("deb http://security.debian.org etch/updates", "deb http://security.debian.org/ etch/updates"),
            ("deb-src http://mirror.bytemark.co.uk/debian etch", "deb-src http://mirror.bytemark.co.uk/debian etch"),
        ],
    );
    // The au mirror repeats jammy three times and the last line wins: its line is the last.
    let rel = "velociraptor/debian/sources.list/sources.list";
    let p = parse_apt_sources_lines(&corpus(rel));
    let (name, _, _) = p.iter().find(|(n, _, _)| n.contains("//au.") && n.ends_with(" jammy")).expect("au jammy");
    let uri = name.split(' ').nth(1).unwrap().to_owned();
    let line = assert_lines(rel, &p, &[(name.as_str(), &uri)])[0];
    let text = corpus(rel);
    let lines: Vec<&str> = text.lines().collect();
    let last = lines.iter().rposition(|l| l.starts_with("deb ") && l.contains(&uri) && l.contains(" jammy ")).unwrap();
    assert_eq!(line as usize, last + 1);
}

#[test]
fn secrets_are_in_no_profile_rule() {
    let profile = ExtractionProfile::default();
    for rule in &profile.files {
        assert!(!rule.path.contains("shadow"), "{} reads a password database", rule.path);
    }
}

#[test]
fn parsers_survive_hostile_input() {
    let long_line = "A".repeat(1 << 20);
    let many_lines = "x y\n".repeat(300_000);
    let junk: String = (0u32..20_000).filter_map(char::from_u32).collect();
    for text in [long_line.as_str(), many_lines.as_str(), junk.as_str(), "\\\n\\\n\\", "Match\nDefaults\n[\n=\n:::::\n"]
    {
        let _ = pairs(parse_sshd_config_lines(text));
        let _ = pairs(parse_sudoers_lines(text));
        let _ = pairs(parse_fstab_lines(text));
        let _ = pairs(parse_hosts_lines(text));
        let _ = pairs(parse_crontab_lines(text, true));
        let _ = pairs(parse_apt_sources_lines(text));
        let _ = pairs(parse_passwd_lines(text));
        let _ = pairs(parse_group_lines(text));
        let _ = pairs(parse_dpkg_status_lines(text));
        let _ = pairs(parse_systemd_unit_lines(text));
        let _ = pairs(parse_nsswitch_lines(text));
        let _ = pairs(parse_resolv_conf_lines(text));
    }
    // Lines past MAX_LINES are not read.
    assert_eq!(pairs(parse_hosts_lines(&many_lines)).len(), 1);
    let big = "1.2.3.4 h\n".repeat(settings::parse::MAX_LINES) + "5.6.7.8 late\n";
    assert_eq!(get(&pairs(parse_hosts_lines(&big)), "late"), None);
}

// ---- whole images ---------------------------------------------------------------------

fn fixture(rel: &str) -> PathBuf {
    let path = Path::new(FIXTURES).join(rel);
    assert!(path.exists(), "fixture {} missing: run tests/fixtures.sh", path.display());
    path
}

fn scan_image(rel: &str) -> MachineScan {
    let source: Source = Rc::new(FileSource::open(&fixture(rel)).unwrap());
    let machine = open_machine(vec![source]).unwrap();
    assert_eq!(machine.volumes.len(), 1, "{rel}: one Linux volume");
    scan_machine(&machine, &ExtractionProfile::default())
}

fn setting<'a>(scan: &'a MachineScan, kind: Kind, path: &str, name: &str) -> Option<&'a str> {
    scan.settings().iter().find(|s| s.kind == kind && s.path == path && s.name == name).map(|s| s.value.as_str())
}

fn check_linux_scan(scan: &MachineScan) {
    let config = |path: &str, name: &str| setting(scan, Kind::Config, path, name);
    assert_eq!(config("/etc/ssh/sshd_config", "passwordauthentication"), Some("true"));
    assert_eq!(config("/etc/ssh/sshd_config", "match user anoncvs/x11forwarding"), Some("false"));
    assert_eq!(config("/etc/passwd", "root/shell"), Some("/bin/bash"));
    assert_eq!(config("/etc/group", "bin/members"), Some("bin,daemon,root"));
    assert_eq!(config("/etc/fstab", "/:type"), Some("ext3"));
    assert_eq!(config("/etc/hosts", "orange"), Some("172.31.122.14"));
    assert_eq!(config("/etc/resolv.conf", "options/timeout"), Some("2"));
    assert_eq!(config("/etc/sudoers", "%wheel"), Some("ALL=(ALL) ALL"));
    assert_eq!(config("/etc/crontab", "/usr/local/bin/backup"), Some("42 * * * * lutter"));
    assert_eq!(config("/etc/sysctl.conf", "net.ipv4.ip_forward"), Some("0"));
    assert_eq!(setting(scan, Kind::FirstLine, "/etc/timezone", ""), Some("Etc/UTC"));
    assert_eq!(
        config("/etc/apt/sources.list.d/ubuntu.list", "deb http://archive.ubuntu.com/ubuntu jammy-security"),
        Some("main restricted universe multiverse")
    );
    assert!(config("/etc/nsswitch.conf", "passwd").is_some_and(|v| v.contains("files")));
    assert!(config("/etc/os-release", "ID").is_some());
    assert!(config("/etc/systemd/system/apt-daily.service", "Service/ExecStart").is_some_and(|v| v.contains("apt")));
    assert!(config("/etc/cron.d/e2scrub_all", "test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r")
        .is_some_and(|v| v.ends_with(" root")));

    // dpkg: exactly the packages dpkg-query reported, with its versions.
    let expected = std::fs::read_to_string(fixture("linux/expected/dpkg.txt")).unwrap();
    let expected: BTreeSet<(String, String)> =
        expected.lines().filter_map(|l| l.split_once(' ').map(|(p, v)| (p.to_owned(), v.to_owned()))).collect();
    let got: BTreeSet<(String, String)> =
        scan.settings().iter().filter(|s| s.kind == Kind::Package).map(|s| (s.name.clone(), s.value.clone())).collect();
    assert_eq!(got, expected);

    // systemd *.wants: every entry `find` listed, and nothing else.
    let expected = std::fs::read_to_string(fixture("linux/expected/wants.txt")).unwrap();
    let expected: BTreeSet<String> = expected.lines().map(|l| format!("/{l}")).collect();
    let got: BTreeSet<String> = scan
        .settings()
        .iter()
        .filter(|s| s.kind == Kind::Directory && s.path.ends_with(".wants"))
        .map(|s| format!("{}/{}", s.path, s.name))
        .collect();
    assert_eq!(got, expected);
    assert!(got.contains("/etc/systemd/system/multi-user.target.wants/ssh.service"));

    let lines = std::fs::read_to_string(fixture("linux/expected/dpkg-log-lines.txt")).unwrap();
    assert_eq!(setting(scan, Kind::LineCount, "/var/log/dpkg.log", ""), Some(lines.trim()));

    // Password hashes from shadow/gshadow and passwd's password field are nowhere.
    for file in ["augeas-root/etc/shadow", "augeas-root/etc/gshadow"] {
        for line in corpus(file).lines() {
            let Some(hash) = line.split(':').nth(1).filter(|h| h.len() > 2) else { continue };
            assert!(!scan.settings().iter().any(|s| s.value.contains(hash)), "{file} hash leaked");
        }
    }
    assert!(!scan.settings().iter().any(|s: &Setting| s.path.contains("shadow")));
    assert!(!scan.settings().iter().any(|s| s.kind == Kind::Vm && s.path != settings::vmconfig::DISK_PATH));

    // Network configuration: netplan (addresses are per-machine tokens, name servers and
    // routes stay) and ifupdown.
    let netplan = "/etc/netplan/01-static.yaml";
    assert_eq!(config(netplan, "network.ethernets.enp3s0.addresses"), Some("<ipv4>/24"));
    assert_eq!(config(netplan, "network.ethernets.enp3s0.nameservers.addresses"), Some("10.10.10.1, 1.1.1.1"));
    assert_eq!(config(netplan, "network.ethernets.enp3s0.routes"), Some("to=default via=10.10.10.1"));
    assert_eq!(config("/etc/netplan/02-bonding.yaml", "network.bonds.bond0.dhcp4"), Some("true"));
    assert_eq!(config("/etc/netplan/02-bonding.yaml", "network.ethernets.enp3s0"), Some("{}"));
    let ifaces = "/etc/network/interfaces";
    assert_eq!(config(ifaces, "eth0-0 inet/address"), Some("<ipv4>"));
    assert_eq!(config(ifaces, "eth0-0 inet/gateway"), Some("134.158.128.1"));

    // Provenance of text settings: the line, found independently in the file's text.
    let text = corpus("augeas-root/etc/network/interfaces");
    let line = text.lines().position(|l| l.trim() == "address 134.158.129.99").unwrap() + 1;
    let key = settings::SettingKey { kind: Kind::Config, path: ifaces.into(), name: "eth0-0 inet/address".into() };
    let p = scan.provenance_of(&key).expect("provenance");
    assert_eq!(
        (p.source.path.as_str(), p.source.volume, p.offset),
        (ifaces, Some(0), settings::Offset::Line(line as u32))
    );
    let text = corpus("augeas-root/etc/sysctl.conf");
    let line = text.lines().position(|l| l.trim_start().starts_with("net.ipv4.ip_forward")).unwrap() + 1;
    let key = settings::SettingKey {
        kind: Kind::Config,
        path: "/etc/sysctl.conf".into(),
        name: "net.ipv4.ip_forward".into(),
    };
    assert_eq!(scan.provenance_of(&key).map(|p| p.offset), Some(settings::Offset::Line(line as u32)));
    assert_eq!(scan.origins().len(), scan.settings().len());
    check_tree_lines(scan);
    // Disk-header facts of the raw 64 MiB image.
    let disk = |name: &str| setting(scan, Kind::Vm, settings::vmconfig::DISK_PATH, name);
    assert_eq!(disk("disk0.format"), Some("raw"));
    assert_eq!(disk("disk0.virtual_size"), Some("67108864"));
    assert_eq!(disk("disk0.layers"), Some("1"));
}

/// Line provenance of a scanned image against the files of the tree it was built from:
/// every recorded line exists and is not blank, and for the formats whose files come
/// from the build host (systemd unit, nsswitch, cron.d, dpkg status) the line holds the
/// setting.
fn check_tree_lines(scan: &MachineScan) {
    let tree = fixture("linux/tree");
    let read = |path: &str| std::fs::read_to_string(tree.join(path.trim_start_matches('/'))).unwrap();
    let mut checked = 0;
    for (i, s) in scan.settings().iter().enumerate() {
        let p = scan.provenance(i).unwrap();
        let settings::Offset::Line(line) = p.offset else { continue };
        let text = read(&p.source.path);
        assert!(!nth_line(&text, line).trim().is_empty(), "{p}: blank line for {}", s.name);
        checked += 1;
    }
    assert!(checked > 100, "{checked} settings with a line");
    let line_of = |kind: Kind, path: &str, name: &str| {
        let key = settings::SettingKey { kind, path: path.into(), name: name.into() };
        match scan.provenance_of(&key).map(|p| p.offset) {
            Some(settings::Offset::Line(l)) => nth_line(&read(path), l).to_owned(),
            other => panic!("{path} {name}: {other:?}"),
        }
    };
    let unit = "/etc/systemd/system/apt-daily.service";
    assert!(line_of(Kind::Config, unit, "Service/ExecStart").starts_with("ExecStart="));
    assert!(line_of(Kind::Config, unit, "Unit/After").starts_with("After="));
    assert!(line_of(Kind::Config, "/etc/nsswitch.conf", "passwd").starts_with("passwd:"));
    let cron = "test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r";
    assert!(line_of(Kind::Config, "/etc/cron.d/e2scrub_all", cron).ends_with("/sbin/e2scrub_all -A -r"));
    assert!(line_of(Kind::Config, "/etc/ssh/sshd_config", "match user anoncvs/x11forwarding").contains("X11Forwarding"));
    // dpkg: each package's line is its stanza's `Package:` line.
    for s in scan.settings().iter().filter(|s| s.kind == Kind::Package) {
        let package = s.name.split(':').next().unwrap();
        assert_eq!(line_of(Kind::Package, "/var/lib/dpkg/status", &s.name), format!("Package: {package}"));
    }
}

/// Every example netplan.io ships, flattened by PyYAML in the fixture script (the oracle).
#[test]
fn netplan_examples_match_pyyaml() {
    let dir = fixture("linux/netplan/examples");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let expected = std::fs::read_to_string(fixture(&format!("linux/netplan/expected/{name}.txt"))).unwrap();
        let expected: Vec<(String, String)> =
            expected.lines().map(|l| l.split_once('\t').unwrap()).map(|(a, b)| (a.into(), b.into())).collect();
        let mut got: Vec<(String, String)> = parse_netplan(&text).into_iter().map(|(k, v, _)| (k, v)).collect();
        // PyYAML strips the quotes of scalars; the extractor's canonicalization does too.
        for (_, v) in &mut got {
            *v = settings::canon::config_value(v);
        }
        let mut expected_canon = expected.clone();
        for (_, v) in &mut expected_canon {
            *v = settings::canon::config_value(v);
        }
        assert_eq!(got, expected_canon, "{name}");
        n += 1;
    }
    assert!(n >= 25, "{n} examples");
}

#[test]
fn whole_linux_image_on_fat32() {
    let scan = scan_image("linux/linux-fat.img");
    check_linux_scan(&scan);
    // /etc/localtime is a copy of the zone file here: its TZif footer (as `tail -n 1` reads it).
    let footer = std::fs::read_to_string(fixture("linux/expected/tz-footer.txt")).unwrap();
    let zone = setting(&scan, Kind::Config, "/etc/localtime", "zone");
    assert_eq!(zone, Some(format!("tz:{}", footer.trim()).as_str()));
    assert!(footer.starts_with("CET-1CEST"), "{footer}");
}

#[test]
fn whole_linux_image_on_ext4() {
    let scan = scan_image("linux/linux-ext4.img");
    check_linux_scan(&scan);
    // /etc/localtime is a symlink here: the zone's name.
    assert_eq!(setting(&scan, Kind::Config, "/etc/localtime", "zone"), Some("Europe/Berlin"));
}

// ---- the wider default profile on real trees (tests/fixtures.d/55-etc-wide.sh) -------------

fn scan_path(path: &Path) -> MachineScan {
    let machine = if path.is_dir() {
        let stats = Rc::new(imagefs::ReadStats::default());
        let fs = imagefs::fs::DirFs::open(path, Rc::clone(&stats)).unwrap();
        imagefs::open_tree(Box::new(fs), stats)
    } else {
        open_machine(vec![Rc::new(FileSource::open(path).unwrap()) as Source]).unwrap()
    };
    scan_machine(&machine, &ExtractionProfile::default())
}

#[test]
fn wider_linux_profile_on_ext4_fat_and_a_directory_tree() {
    let tree = fixture("etc-wide/linux");
    let read = |rel: &str| std::fs::read_to_string(tree.join(rel)).unwrap();
    let mut without_disk: Vec<Vec<Setting>> = Vec::new();
    for image in ["etc-wide/linux-ext4.img", "etc-wide/linux-fat.img", "etc-wide/linux"] {
        let scan = scan_path(&fixture(image));
        let config = |path: &str, name: &str| setting(&scan, Kind::Config, path, name);
        // pam.d: the corpus' login file and the build host's Debian common-auth.
        assert_eq!(config("/etc/pam.d/login", "session/pam_selinux.so#2"), Some("required open"), "{image}");
        let auth = pairs(parse_pam_lines(&read("etc/pam.d/common-auth")));
        assert!(auth.iter().any(|(n, _)| n == "auth/pam_unix.so"), "Debian's common-auth names pam_unix");
        for (name, _) in &auth {
            assert!(config("/etc/pam.d/common-auth", name).is_some(), "{image}: common-auth {name}");
        }
        assert_eq!(config("/etc/security/limits.conf", "@jackuser/-/memlock"), Some("4194304"));
        // logrotate: Debian's dpkg file rotates monthly, 12 times.
        assert_eq!(config("/etc/logrotate.d/dpkg", "/var/log/dpkg.log/frequency"), Some("monthly"));
        assert_eq!(config("/etc/logrotate.d/dpkg", "/var/log/dpkg.log/rotate"), Some("12"));
        // No rule names /etc/app.ini (yum.conf's text): the catch-all sniffs it as INI.
        assert_eq!(config("/etc/app.ini", "main/gpgcheck"), Some("1"));
        // inittab is neither: first line and line count.
        let inittab = read("etc/inittab");
        assert_eq!(
            setting(&scan, Kind::LineCount, "/etc/inittab", ""),
            Some(inittab.lines().count().to_string().as_str())
        );
        // Each file is parsed by one rule: sshd_config by sshd's, not by the catch-all too.
        assert!(!scan.settings().iter().any(|s| s.path == "/etc/ssh/sshd_config" && s.kind != Kind::Config));
        // A systemd drop-in (Debian's user-.slice.d/10-defaults.conf), read as a unit file.
        let dropin = "etc/systemd/system/user-.slice.d/10-defaults.conf";
        if tree.join(dropin).exists() {
            for (name, _) in pairs(parse_systemd_unit_lines(&read(dropin))) {
                assert!(config(&format!("/{dropin}"), &name).is_some(), "{image}: {dropin} {name}");
            }
        }
        // Never read: shadow's hashes.
        assert!(!scan.settings().iter().any(|s| s.path.contains("shadow")), "{image}");
        without_disk.push(scan.into_settings().into_iter().filter(|s| s.kind != Kind::Vm).collect());
    }
    // The same tree gives the same settings whether on ext4, on FAT or as a directory.
    assert_eq!(without_disk[0], without_disk[1]);
    assert_eq!(without_disk[0], without_disk[2]);
}

#[test]
fn windows_tree_with_lowercase_names_reads_hives_users_and_hosts() {
    // The registry peer "a" tree with every name lower-cased, beside its FAT image.
    let lower = scan_path(&fixture("etc-wide/wintree"));
    let fat = scan_path(&fixture("registry/peer-a-fat.img"));
    let hosts = "/Windows/System32/drivers/etc/hosts";
    assert_eq!(setting(&lower, Kind::Config, hosts, "evil.com"), Some("8.8.8.8"));
    let registry = |scan: &MachineScan| -> Vec<Setting> {
        scan.settings().iter().filter(|s| s.kind == Kind::Registry).cloned().collect()
    };
    let (lower_reg, fat_reg) = (registry(&lower), registry(&fat));
    assert!(lower_reg.iter().any(|s| s.path.starts_with("HKU\\<user:")), "NTUSER found through ProfileList");
    assert!(lower_reg.iter().any(|s| s.path.to_lowercase().contains("currentversion\\internet settings")));
    assert_eq!(lower_reg, fat_reg);
    // Scheduled tasks, one presence per folder entry, recursively.
    let tasks = "/Windows/System32/Tasks/Microsoft/Windows/Defrag";
    assert_eq!(setting(&lower, Kind::Directory, tasks, "ScheduledDefrag"), Some("present"));
    // The same tree on NTFS (mkntfs + wimlib) gives the same settings.
    let ntfs = scan_path(&fixture("etc-wide/wintree-ntfs.img"));
    let not_disk = |scan: &MachineScan| -> Vec<Setting> {
        scan.settings().iter().filter(|s| s.kind != Kind::Vm).cloned().collect()
    };
    assert_eq!(not_disk(&ntfs), not_disk(&lower));
}

#[test]
fn loose_hives_are_a_windows_machine() {
    // A dirty user hive with its logs, and a DEFAULT hive, named as Windows names them.
    let dir = fixture("registry/win11");
    let files: Vec<Source> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| Rc::new(FileSource::open(&e.unwrap().path()).unwrap()) as Source)
        .collect();
    let machine = open_machine(files).unwrap();
    assert_eq!(machine.os.as_ref().map(|o| o.name.as_str()), Some("Windows"));
    let scan = scan_machine(&machine, &ExtractionProfile::default());
    // Without SOFTWARE's ProfileList, the folder its base block names is the profile of the
    // SAM account of that name: keyed by the account's RID, as ProfileList would have.
    assert!(scan.settings().iter().any(|s| s.path.starts_with("HKU\\<user:1001>\\")));
    assert!(!scan.settings().iter().any(|s| s.path.contains("unlisted")));
    assert!(scan.settings().iter().any(|s| s.path.starts_with("HKU\\.DEFAULT\\")));
    assert!(!scan.warnings.iter().any(|w| w.contains("could not be replayed")), "{:?}", scan.warnings);
    // A SYSTEM hive alone, under the corpus' own name (SYSTEM_B): placed by its base block.
    let system = std::fs::read(fixture("registry/win10-dirty/SYSTEM")).unwrap();
    let renamed: Source = Rc::new(imagefs::MemorySource::new("SYSTEM_B", system));
    let scan = scan_machine(&open_machine(vec![renamed]).unwrap(), &ExtractionProfile::default());
    assert!(scan.settings().iter().any(|s| s.path.starts_with("HKLM\\SYSTEM\\")));
}

#[test]
fn cloud_init_configuration_flattens_with_the_block_yaml_reader() {
    // The head of RHEL's /etc/cloud/cloud.cfg as cloud-init 19.4-11.el8_3.2 ships it.
    let text = "users:\n - default\n\ndisable_root: 1\nssh_pwauth:   0\n\n\
                mount_default_fields: [~, ~, 'auto', 'defaults,nofail,x-systemd.requires=cloud-init.service', '0', '2']\n\
                resize_rootfs_tmp: /dev\nssh_deletekeys:   1\nssh_genkeytypes:  ~\n\n\
                cloud_init_modules:\n - disk_setup\n - migrator\n - bootcmd\n - write-files\n";
    let p: Vec<(String, String)> = parse_netplan(text).into_iter().map(|(n, v, _)| (n, v)).collect();
    assert_eq!(get(&p, "users"), Some("default"));
    assert_eq!(get(&p, "ssh_pwauth"), Some("0"));
    assert_eq!(get(&p, "cloud_init_modules"), Some("disk_setup, migrator, bootcmd, write-files"));
    let profile = ExtractionProfile::default();
    assert!(profile.files.iter().any(|r| r.path == "/etc/cloud/cloud.cfg" && r.format == settings::FileFormat::Yaml));
}
