// SPDX-License-Identifier: GPL-3.0-or-later
//! Every config-file and VM-config parser on arbitrary text.
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
    for name in ["vm.vmx", "domain.xml", "appliance.ovf", "machine.vbox"] {
        let _ = settings::vmconfig::extract(name, &text);
    }
});
