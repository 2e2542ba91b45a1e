// SPDX-License-Identifier: GPL-3.0-or-later
//! `profile from-counts`: a peer profile from aggregated rows `kind, path, name, value, count`,
//! the output of a `GROUP BY` over `vmsift scan --format ndjson` in DuckDB, Spark or Trino.
//!
//! Two inputs, told apart by their first non-blank byte:
//! * NDJSON (`{`): one object per line with `kind`, `path`, `name`, `value`, `count`
//!   (a number or a decimal string); `"value": null` is an ABSENT row.
//! * CSV (RFC 4180) with a header naming the columns, in any order; an unquoted empty
//!   `value` field is SQL NULL (how DuckDB and Spark write it), i.e. ABSENT, while `""` is
//!   the empty string. A missing `kind` column is an error (it is part of a setting's identity).
//!
//! N comes from `--peers`, or from the ABSENT rows (present counts + ABSENT = N for every
//! setting that has one); when both are there they must agree. Rows repeating a
//! (setting, value) are summed, so partial aggregates can be concatenated. The rows
//! cannot say how many peers have *some* setting under a path (what
//! `rank --scope-to-parent` uses): each location gets the largest count of any of its
//! settings, as for a JSON profile without `parents`. That is exact whenever one setting
//! of the location exists on every peer that has the location.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use peerpressure::PeerProfile;
use settings::{Kind, SettingKey};

/// Longest CSV record accepted, in bytes: a record is a setting, and settings are bounded
/// by the extractors' file limits; a longer one means an unterminated quote.
const MAX_RECORD: usize = 16 << 20;

/// Counts of one setting while reading.
#[derive(Default)]
struct Acc {
    values: BTreeMap<String, u64>,
    absent: Option<u64>,
}

/// Receives each row with a closure describing where it was read (for errors).
type AddRow<'a> = dyn FnMut(Row, &dyn Fn() -> String) -> Result<()> + 'a;

/// One input row, already typed.
struct Row {
    key: SettingKey,
    value: Option<String>,
    count: u64,
}

/// Builds the profile from the rows in `text` (read from `file`, named in errors).
pub(crate) fn profile_from_counts(file: &str, text: &str, peers: Option<u32>) -> Result<PeerProfile> {
    let mut acc: BTreeMap<SettingKey, Acc> = BTreeMap::new();
    let mut add = |row: Row, at: &dyn Fn() -> String| -> Result<()> {
        if row.count == 0 {
            bail!("{file}: {}: count is 0 (a GROUP BY never yields it)", at());
        }
        let a = acc.entry(row.key).or_default();
        let slot = match row.value {
            Some(v) => a.values.entry(v).or_default(),
            None => a.absent.get_or_insert(0),
        };
        *slot = slot.checked_add(row.count).with_context(|| format!("{file}: {}: count overflows", at()))?;
        Ok(())
    };
    // Some exporters start CSV with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        let mut offset = 0usize;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            let at = || format!("line {} at offset {offset}", i + 1);
            if !line.trim().is_empty() {
                let row = ndjson_row(line).with_context(|| format!("{file}: {}", at()))?;
                add(row, &at)?;
            }
            offset += line.len();
        }
    } else {
        read_csv(file, text, &mut add)?;
    }
    build(file, acc, peers)
}

fn parse_kind(text: &str) -> Result<Kind> {
    Ok(text.parse::<Kind>()?)
}

fn parse_count(text: &str) -> Result<u64> {
    text.trim().parse::<u64>().with_context(|| format!("count {text:?} is not a non-negative integer"))
}

fn ndjson_row(line: &str) -> Result<Row> {
    let v: serde_json::Value = serde_json::from_str(line).context("invalid JSON")?;
    let obj = v.as_object().context("expected a JSON object")?;
    let text = |field: &str| -> Result<String> {
        match obj.get(field) {
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            other => bail!("field {field:?}: expected a string, found {other:?}"),
        }
    };
    let value = match obj.get("value") {
        Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        other => bail!("field \"value\": expected a string or null, found {other:?}"),
    };
    let count = match obj.get("count") {
        Some(serde_json::Value::Number(n)) => n.as_u64().with_context(|| format!("count {n} is not a count"))?,
        Some(serde_json::Value::String(s)) => parse_count(s)?,
        other => bail!("field \"count\": expected a number, found {other:?}"),
    };
    let key = SettingKey { kind: parse_kind(&text("kind")?)?, path: text("path")?, name: text("name")? };
    Ok(Row { key, value, count })
}

/// One CSV field: its text and whether it was quoted (an unquoted empty field is NULL).
struct Field {
    text: String,
    quoted: bool,
}

/// Splits `text` into records of fields (RFC 4180: quotes double inside quoted fields,
/// which may hold commas and newlines). Returns each record with its byte offset.
fn csv_records(file: &str, text: &str) -> Result<Vec<(usize, Vec<Field>)>> {
    let mut records = Vec::new();
    let mut fields: Vec<Field> = Vec::new();
    let mut field = Field { text: String::new(), quoted: false };
    let mut start = 0usize;
    let mut record_len = 0usize;
    let mut in_quotes = false;
    let mut chars = text.char_indices().peekable();
    while let Some((pos, c)) = chars.next() {
        record_len += c.len_utf8();
        if record_len > MAX_RECORD {
            bail!("{file}: record at offset {start}: longer than {MAX_RECORD} bytes (unterminated quote?)");
        }
        if in_quotes {
            if c == '"' {
                if chars.peek().map(|(_, n)| *n) == Some('"') {
                    chars.next();
                    field.text.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.text.push(c);
            }
            continue;
        }
        match c {
            '"' if field.text.is_empty() && !field.quoted => {
                in_quotes = true;
                field.quoted = true;
            }
            '"' => bail!("{file}: record at offset {start}: stray quote at offset {pos}"),
            ',' => fields.push(std::mem::replace(&mut field, Field { text: String::new(), quoted: false })),
            '\r' => {}
            '\n' => {
                fields.push(std::mem::replace(&mut field, Field { text: String::new(), quoted: false }));
                let record = std::mem::take(&mut fields);
                // A blank line is no record.
                if !(record.len() == 1 && record.first().is_some_and(|f| f.text.is_empty() && !f.quoted)) {
                    records.push((start, record));
                }
                start = pos + 1;
                record_len = 0;
            }
            _ => field.text.push(c),
        }
    }
    if in_quotes {
        bail!("{file}: record at offset {start}: unterminated quote");
    }
    if !fields.is_empty() || !field.text.is_empty() || field.quoted {
        fields.push(field);
        records.push((start, fields));
    }
    Ok(records)
}

fn read_csv(file: &str, text: &str, add: &mut AddRow<'_>) -> Result<()> {
    let records = csv_records(file, text)?;
    let mut iter = records.into_iter();
    let Some((_, header)) = iter.next() else { bail!("{file}: empty: expected a CSV header or NDJSON rows") };
    let column = |name: &str| header.iter().position(|f| f.text.trim().eq_ignore_ascii_case(name));
    let need = |name: &str| {
        column(name).with_context(|| {
            format!("{file}: header at offset 0: no {name:?} column (need kind,path,name,value,count)")
        })
    };
    let (kind, path, name, value, count) =
        (need("kind")?, need("path")?, need("name")?, need("value")?, need("count")?);
    for (i, (offset, fields)) in iter.enumerate() {
        let at = || format!("record {} at offset {offset}", i + 2);
        let get = |c: usize| {
            fields
                .get(c)
                .with_context(|| format!("{file}: {}: {} fields, header has {}", at(), fields.len(), header.len()))
        };
        let kind_text = &get(kind)?.text;
        let key = SettingKey {
            kind: parse_kind(kind_text).with_context(|| format!("{file}: {}", at()))?,
            path: get(path)?.text.clone(),
            name: get(name)?.text.clone(),
        };
        let v = get(value)?;
        let value = if v.text.is_empty() && !v.quoted { None } else { Some(v.text.clone()) };
        let count = parse_count(&get(count)?.text).with_context(|| format!("{file}: {}", at()))?;
        add(Row { key, value, count }, &at)?;
    }
    Ok(())
}

fn build(file: &str, acc: BTreeMap<SettingKey, Acc>, peers: Option<u32>) -> Result<PeerProfile> {
    let describe = |k: &SettingKey| format!("{} {} {}", k.kind.as_str(), k.path, k.name);
    // N from ABSENT rows, checked against --peers and across settings.
    let mut n: Option<(u64, String)> = peers.map(|p| (u64::from(p), "--peers".to_owned()));
    for (key, a) in &acc {
        if let Some(absent) = a.absent {
            let total = a.values.values().sum::<u64>() + absent;
            match &n {
                Some((have, from)) if *have != total => bail!(
                    "{file}: {}: present and ABSENT counts make {total} peers, but {from} says {have}",
                    describe(key)
                ),
                Some(_) => {}
                None => n = Some((total, describe(key))),
            }
        }
    }
    let Some((n, _)) = n else { bail!("{file}: no ABSENT rows: give the number of peers with --peers N") };
    let peers = u32::try_from(n).with_context(|| format!("{file}: {n} peers overflow a 32-bit count"))?;
    let mut profile = PeerProfile { peers, ..PeerProfile::default() };
    for (key, a) in acc {
        let sum: u64 = a.values.values().sum();
        if sum > n {
            bail!("{file}: {}: {sum} peers have it, out of {n} (duplicate settings in the input?)", describe(&key));
        }
        if a.values.is_empty() {
            continue; // only ABSENT: no peer has it
        }
        // sum ≤ n ≤ u32::MAX, so every count fits.
        let values: BTreeMap<String, u32> = a.values.into_iter().map(|(v, c)| (v, c as u32)).collect();
        let parent = profile.parents.entry(key.path.clone()).or_default();
        *parent = (*parent).max(sum as u32);
        profile.counts.insert(key, values);
    }
    // The binary decoder checks every invariant of a profile: round-trip as a last check.
    PeerProfile::from_bytes(&profile.to_bytes()).with_context(|| format!("{file}: the counts do not make a profile"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_tells_null_from_empty_and_reads_quotes() {
        let text = "path,name,value,count,kind\n/e,\"a,b\",,1,config\n/e,\"a,b\",\"\",2,config\n/e,x,\"say \"\"hi\"\"\nok\",3,config\n";
        let p = profile_from_counts("t.csv", text, None).unwrap();
        assert_eq!(p.peers, 3);
        let key = |name: &str| SettingKey { kind: Kind::Config, path: "/e".into(), name: name.into() };
        assert_eq!(p.counts[&key("a,b")].get(""), Some(&2));
        assert_eq!(p.counts[&key("x")].get("say \"hi\"\nok"), Some(&3));
        assert_eq!(p.parents["/e"], 3);
    }

    #[test]
    fn errors_name_the_file_record_and_offset() {
        let err = profile_from_counts("t.csv", "kind,path,name,value,count\nconfig,/e,k,v,x\n", Some(1)).unwrap_err();
        assert!(format!("{err:#}").contains("t.csv: record 2 at offset 27"), "{err:#}");
        let err = profile_from_counts(
            "t.json",
            "{\"kind\":\"config\",\"path\":\"/e\",\"name\":\"k\",\"value\":\"v\",\"count\":3}\n",
            Some(2),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("3 peers have it, out of 2"), "{err:#}");
        let err = profile_from_counts("t.json", "{\"kind\":\"config\"}\n{", Some(2)).unwrap_err();
        assert!(format!("{err:#}").contains("t.json: line 1 at offset 0"), "{err:#}");
        let err = profile_from_counts("t.csv", "kind,path,name,value,count\nconfig,/e,\"k,v,1\n", Some(1)).unwrap_err();
        assert!(format!("{err:#}").contains("unterminated quote"), "{err:#}");
    }
}
