// SPDX-License-Identifier: GPL-3.0-or-later
//! `/etc/fstab`: `device mountpoint type options [dump [pass]]`, one mount per line.

use super::{Pairs, MAX_LINES};

/// Parses fstab into per-mount-point pairs `"<mountpoint>:device"`, `":type"`,
/// `":options"` and `":pass"`. Devices stay as written (`UUID=…`, `LABEL=…`, `/dev/…`);
/// options are sorted so that `noatime,defaults` equals `defaults,noatime`. Swap
/// entries have no mount point and are keyed `swap:<device>`. A later line for the same
/// mount point overrides an earlier one, as mount(8) ends up doing.
///
/// Each pair carries the 1-based line its value comes from (its provenance).
pub fn parse_fstab_lines(text: &str) -> Vec<(String, String, u32)> {
    let mut pairs = Pairs::default();
    for (number, line) in (1u32..).zip(text.lines().take(MAX_LINES)) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(device), Some(mount), Some(fstype)) = (fields.first(), fields.get(1), fields.get(2)) else {
            continue;
        };
        let mount = if fstype.eq_ignore_ascii_case("swap") || matches!(*mount, "none" | "swap") {
            format!("swap:{device}")
        } else {
            (*mount).to_owned()
        };
        let mut options: Vec<&str> =
            fields.get(3).map_or("defaults", |o| o).split(',').filter(|o| !o.is_empty()).collect();
        options.sort_unstable();
        options.dedup();
        pairs.last(format!("{mount}:device"), (*device).to_owned(), number);
        pairs.last(format!("{mount}:type"), (*fstype).to_owned(), number);
        pairs.last(format!("{mount}:options"), options.join(","), number);
        pairs.last(format!("{mount}:pass"), fields.get(5).map_or("0", |p| p).to_owned(), number);
    }
    pairs.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_mount_point_sorted_options() {
        let text = "UUID=1234-ab / ext4 noatime,errors=remount-ro 0 1\n/dev/sda2 none swap sw 0 0\n";
        let got = crate::parse::pairs(parse_fstab_lines(text));
        assert!(got.contains(&("/:device".into(), "UUID=1234-ab".into())));
        assert!(got.contains(&("/:options".into(), "errors=remount-ro,noatime".into())));
        assert!(got.contains(&("/:pass".into(), "1".into())));
        assert!(got.contains(&("swap:/dev/sda2:type".into(), "swap".into())));
    }
}
