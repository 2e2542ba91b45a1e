// SPDX-License-Identifier: GPL-3.0-or-later
//! Tests of the share-link format: round trips, the privacy pass, caps and bounds.

use super::*;
use crate::{rank, PeerProfile};
use model::Setting;

fn s(kind: Kind, path: &str, name: &str, value: &str) -> Setting {
    Setting { kind, path: path.into(), name: name.into(), value: value.into() }
}

/// A real ranking: a target with a hostile value and identifying residue, three peers.
fn ranking() -> Ranking {
    let target = vec![
        s(Kind::Config, "/etc/ssh/sshd_config", "permitrootlogin", "true"),
        s(Kind::Config, "/etc/ssh/sshd_config", "banner", "\"><script>alert(1)</script>"),
        s(Kind::Registry, "HKLM\\SOFTWARE\\x", "owner", "S-1-5-21-1-2-3-1001 on WKS-WIN732BITA"),
        s(Kind::Config, "/etc/app.conf", "peer", "10.1.2.3 52:54:00:12:34:56 fe80::1 127.0.0.1"),
        s(Kind::Directory, "/etc/cron.d", "<img src=x onerror=alert(1)>", "present"),
        s(Kind::Config, "/etc/é", "ünïcode", "日本語"),
    ];
    let peer = |v: &str| {
        vec![
            s(Kind::Config, "/etc/ssh/sshd_config", "permitrootlogin", v),
            s(Kind::Registry, "HKLM\\SOFTWARE\\x", "owner", "S-1-5-21-1-2-3-1001 on DESKTOP-2KGM189"),
            s(Kind::Config, "/etc/app.conf", "peer", "10.1.2.4"),
        ]
    };
    let peers = [peer("false"), peer("false"), peer("without-password")];
    rank(&target, &PeerProfile::from_machines(peers.iter().map(Vec::as_slice)))
}

fn options(identifying: bool) -> ShareOptions {
    ShareOptions {
        rows: 100,
        identifying,
        identity: vec!["wks-win732bita".into(), "DESKTOP-2KGM189".into(), "x".into()],
    }
}

#[test]
fn round_trip() {
    let ranking = ranking();
    let report = SharedReport::from_ranking(&ranking, &options(true));
    assert_eq!(report.rows.len(), ranking.ranking.len());
    assert!(report.identifying);
    let link = report.fragment();
    assert!(link.starts_with("report=v1."));
    let back = SharedReport::from_fragment(&format!("#{link}")).unwrap();
    assert_eq!(back, report);
    // Everything of the ranking is there, in rank order.
    for (row, r) in back.rows.iter().zip(&ranking.ranking) {
        assert_eq!(
            (row.rank, row.kind, &row.path, &row.name, &row.value),
            (r.rank, r.kind, &r.path, &r.name, &r.value)
        );
        assert_eq!(row.probability.to_bits(), r.probability.to_bits());
        assert_eq!((row.category, row.n, row.m()), (r.category, r.n, r.m));
        assert_eq!(row.peer_values, r.peer_values);
    }
    assert_eq!((back.peers, back.suspects), (3, ranking.suspects));
    assert!(back.rows.iter().any(|r| r.value.as_deref() == Some("日本語")));
}

#[test]
fn privacy_pass_scrubs_residue_unless_opted_in() {
    let ranking = ranking();
    let report = SharedReport::from_ranking(&ranking, &options(false));
    let back = SharedReport::from_fragment(&report.fragment()).unwrap();
    assert!(!back.identifying);
    let all: Vec<String> = back
        .rows
        .iter()
        .flat_map(|r| {
            let mut v = vec![r.path.clone(), r.name.clone(), r.value.clone().unwrap_or_default()];
            v.extend(r.peer_values.iter().filter_map(|(v, _)| v.clone()));
            v
        })
        .collect();
    let text = all.join("\n");
    for leak in ["WKS-WIN732BITA", "DESKTOP-2KGM189", "S-1-5-21", "10.1.2.3", "10.1.2.4", "52:54:00", "fe80"] {
        assert!(!text.to_lowercase().contains(&leak.to_lowercase()), "{leak} leaked in {text}");
    }
    let owner = back.rows.iter().find(|r| r.name == "owner").unwrap();
    assert_eq!(owner.value.as_deref(), Some("<user:1001> on <redacted>"));
    // The two peers' values became one after the pass: counts merged.
    assert_eq!(owner.peer_values, vec![(Some("<user:1001> on <redacted>".to_owned()), 3)]);
    let peer = back.rows.iter().find(|r| r.name == "peer").unwrap();
    assert_eq!(peer.value.as_deref(), Some("<ipv4> <mac> <ipv6> 127.0.0.1"));
    // Short identity strings are ignored; hostile HTML is data, kept as is.
    assert!(back.rows.iter().any(|r| r.path == "HKLM\\SOFTWARE\\x"));
    assert!(back.rows.iter().any(|r| r.name == "<img src=x onerror=alert(1)>"));
    // With the opt-in, the names stay.
    let open = SharedReport::from_ranking(&ranking, &options(true));
    assert!(open.rows.iter().any(|r| r.value.as_deref().is_some_and(|v| v.contains("WKS-WIN732BITA"))));
}

#[test]
fn rows_values_and_strings_are_capped_when_writing() {
    let long = "é".repeat(MAX_STRING);
    let target: Vec<Setting> = (0..300).map(|i| s(Kind::Config, "/etc/a", &format!("k{i:03}"), &long)).collect();
    // Every peer agrees with the target except on k000, where peers come in 30 pairs
    // with a value of their own (pairs: not noise a single peer shows).
    let peers: Vec<Vec<Setting>> = (0..60)
        .map(|p| {
            let mut v = target.clone();
            v[0].value = format!("v{}", p / 2);
            v
        })
        .collect();
    let ranking = rank(&target, &PeerProfile::from_machines(peers.iter().map(Vec::as_slice)));
    let report = SharedReport::from_ranking(&ranking, &ShareOptions { rows: 10_000, ..ShareOptions::default() });
    assert_eq!(report.rows.len(), MAX_ROWS);
    let back = SharedReport::decode(&report.encode()).unwrap();
    assert_eq!(back, report);
    let k0 = back.rows.iter().find(|r| r.name == "k000").unwrap();
    assert_eq!(k0.peer_values.len(), MAX_VALUES);
    assert_eq!(k0.other, 20, "10 unlisted values, 2 peers each");
    assert_eq!(k0.value.as_ref().unwrap().len(), MAX_STRING);
}

#[test]
fn truncations_and_bit_flips_give_clean_errors() {
    let data = SharedReport::from_ranking(&ranking(), &options(false)).encode();
    // Every truncation: an error (the body or the deflate stream ends early) or, rarely,
    // a shorter valid report; never a panic.
    let mut errors = 0;
    for len in 0..data.len() {
        match SharedReport::decode(&data[..len]) {
            Err(e) => {
                errors += 1;
                assert!(e.to_string().starts_with("share link: "), "{e}");
            }
            Ok(r) => assert!(r.rows.len() <= MAX_ROWS),
        }
    }
    assert!(errors >= data.len() - 2, "{errors} of {} truncations refused", data.len());
    // Bit flips in the decoded bytes, re-encoded: the deflate layer or the reader notices
    // most; none panics.
    let raw = URL_SAFE_NO_PAD.decode(&data).unwrap();
    let mut refused = 0;
    for i in 0..raw.len() * 8 {
        let mut b = raw.clone();
        b[i / 8] ^= 1 << (i % 8);
        if SharedReport::decode(&URL_SAFE_NO_PAD.encode(&b)).is_err() {
            refused += 1;
        }
    }
    assert!(refused > raw.len(), "{refused} of {} flips refused", raw.len() * 8);
    // Characters damaged by a chat client.
    let e = SharedReport::decode(&format!("{}%20x", &data[..10])).unwrap_err();
    assert_eq!(e, corrupt("base64 data", 10, "not a base64url character (the link was cut or changed)"));
    assert!(matches!(SharedReport::from_fragment("#profile=x"), Err(ShareError::Corrupt { .. })));
    let e = SharedReport::from_fragment("report=v2.AAAA").unwrap_err();
    assert!(e.to_string().contains("\"v2\""), "{e}");
    let mut raw2 = raw.clone();
    raw2[0] = 9;
    assert_eq!(SharedReport::decode(&URL_SAFE_NO_PAD.encode(raw2)), Err(ShareError::UnsupportedVersion { found: 9 }));
}

#[test]
fn zip_bomb_and_huge_counts_are_refused() {
    // 64 MiB of zeros deflates to ~64 KiB: inflation stops at the cap.
    let mut out = vec![SHARE_VERSION, 0];
    let mut enc = flate2::write::DeflateEncoder::new(&mut out, flate2::Compression::best());
    enc.write_all(&vec![0u8; 64 << 20]).unwrap();
    enc.finish().unwrap();
    let e = SharedReport::decode(&URL_SAFE_NO_PAD.encode(&out)).unwrap_err();
    assert!(e.to_string().contains("inflates past"), "{e}");
    // A body claiming a million rows.
    let body = |b: &[u8]| {
        let mut out = vec![SHARE_VERSION, 0];
        let mut enc = flate2::write::DeflateEncoder::new(&mut out, flate2::Compression::fast());
        enc.write_all(b).unwrap();
        enc.finish().unwrap();
        URL_SAFE_NO_PAD.encode(out)
    };
    let mut b = vec![3, 10];
    varint::put(&mut b, 1_000_000);
    assert_eq!(SharedReport::decode(&body(&b)), Err(corrupt("row count", 2, "1000000 rows; at most 200")));
    // A string claiming 1 GiB.
    let mut b = vec![3, 10, 1, 1];
    b.extend_from_slice(&0.5f64.to_le_bytes());
    b.extend_from_slice(&[0, 1]);
    varint::put(&mut b, 1 << 30);
    assert_eq!(
        SharedReport::decode(&body(&b)),
        Err(corrupt("rows[0].path", 14, format!("{} bytes; at most {MAX_STRING}", 1 << 30)))
    );
    // A link longer than any report.
    assert!(SharedReport::decode(&"A".repeat(MAX_LINK_CHARS + 1)).is_err());
}
