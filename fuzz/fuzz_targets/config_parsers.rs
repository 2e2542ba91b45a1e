// SPDX-License-Identifier: GPL-3.0-or-later
//! Every config-file parser of `settings::parse`, every VM-config format of
//! `settings::vmconfig`, the extraction-profile JSON, the identity texts and the value
//! canonicalizer, on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = settings::parse::run_every_parser(&text);
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
