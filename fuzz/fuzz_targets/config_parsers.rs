// SPDX-License-Identifier: GPL-3.0-or-later
//! Every config-file parser of `settings::parse`, every VM-config format of
//! `settings::vmconfig`, the extraction-profile JSON, the identity texts and the value
//! canonicalizer, on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use settings::parse::*;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = parse_ini(&text);
    let _ = parse_key_value(&text, Separator::Equals);
    let _ = parse_key_value(&text, Separator::Whitespace);
    let _ = parse_sshd_config(&text);
    let _ = parse_passwd(&text);
    let _ = parse_group(&text);
    let _ = parse_apt_sources(&text);
    let _ = parse_crontab(&text, true);
    let _ = parse_dpkg_status(&text);
    let _ = parse_fstab(&text);
    let _ = parse_hosts(&text);
    let _ = parse_resolv_conf(&text);
    let _ = parse_nsswitch(&text);
    let _ = parse_sudoers(&text);
    let _ = parse_systemd_unit(&text);
    let _ = parse_netplan(&text);
    let _ = parse_interfaces(&text);
    let _ = parse_ini_lines(&text);
    let _ = parse_key_value_lines(&text, Separator::Equals);
    for name in ["vm.vmx", "domain.xml", "appliance.ovf", "machine.vbox"] {
        let _ = settings::vmconfig::extract(name, &text);
    }
    let _ = settings::ExtractionProfile::from_json(&text);
    let ctx = settings::identity::identity_from_texts(Some(&text), Some(&text), &[&text]);
    let mut probe = vec![settings::Setting {
        kind: settings::Kind::Config,
        path: "/etc/hosts".into(),
        name: text.lines().next().unwrap_or("").to_owned(),
        value: text.lines().nth(1).unwrap_or("").to_owned(),
    }];
    settings::identity::anonymize(&ctx, &mut probe);
    for line in text.lines().take(64) {
        let _ = settings::canon::config_value(line);
        let _ = settings::canon::integer(line);
        let _ = settings::canon::sid_to_binary(line);
    }
});
