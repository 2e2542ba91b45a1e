// SPDX-License-Identifier: GPL-3.0-or-later
//! Every [`Kind`] survives every codec: the binary and JSON peer profile, the share link,
//! and the ranking's CSV and JSON exports. A kind added to the model and forgotten by one
//! codec fails here (share links once turned every service row into a registry row).

use model::{Kind, Setting};
use peerpressure::share::{ShareOptions, SharedReport};
use peerpressure::{rank, PeerProfile, Ranking};

/// One setting of each kind, with the value `value`.
fn machine(value: &str) -> Vec<Setting> {
    Kind::all()
        .map(|kind| {
            let path = match kind {
                Kind::Registry | Kind::Service => format!("hklm\\system\\{kind}"),
                _ => format!("/etc/{kind}"),
            };
            Setting { kind, path, name: format!("name-{kind}"), value: value.to_owned() }
        })
        .collect()
}

fn kinds(ranking: &Ranking) -> Vec<(Kind, String)> {
    let mut k: Vec<_> = ranking.ranking.iter().map(|r| (r.kind, r.name.clone())).collect();
    k.sort();
    k
}

#[test]
fn every_kind_round_trips_through_every_codec() {
    let all: Vec<Kind> = Kind::all().collect();
    assert_eq!(all.len(), 8);
    let peers = [machine("peer"), machine("peer")];
    let profile = PeerProfile::from_machines(peers.iter().map(Vec::as_slice));
    let kinds_of = |p: &PeerProfile| {
        let mut k: Vec<Kind> = p.counts.keys().map(|key| key.kind).collect();
        k.dedup();
        k
    };
    assert_eq!(kinds_of(&profile), all);

    // Peer profile, binary and JSON (and through the one decoder of CLI and page).
    let binary = PeerProfile::from_bytes(&profile.to_bytes()).unwrap();
    assert_eq!(binary, profile);
    assert_eq!(PeerProfile::decode(&profile.to_bytes()).unwrap(), profile);
    let json = PeerProfile::from_json(&profile.to_json()).unwrap();
    assert_eq!(json, profile);
    assert_eq!(PeerProfile::decode(profile.to_json().as_bytes()).unwrap(), profile);

    let ranking = rank(&machine("target"), &profile);
    let want = kinds(&ranking);
    assert_eq!(want.len(), all.len(), "{ranking:#?}");

    // Share link.
    let options = ShareOptions { rows: all.len(), ..ShareOptions::default() };
    let report = SharedReport::from_ranking(&ranking, &options);
    let back = SharedReport::from_fragment(&report.fragment()).unwrap();
    let mut shared: Vec<_> = back.rows.iter().map(|r| (r.kind, r.name.clone())).collect();
    shared.sort();
    assert_eq!(shared, want, "share link");
    assert_eq!(back, report);

    // CSV: the kind column reads back as the kind.
    let csv = ranking.to_csv();
    let mut from_csv: Vec<(Kind, String)> = csv
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (fields[3].parse::<Kind>().unwrap(), fields[5].to_owned())
        })
        .collect();
    from_csv.sort();
    assert_eq!(from_csv, want, "CSV");

    // JSON export.
    let from_json: Ranking = serde_json::from_str(&ranking.to_json(&[])).unwrap();
    assert_eq!(kinds(&from_json), want, "JSON");
    assert_eq!(from_json, ranking);
}
