// SPDX-License-Identifier: GPL-3.0-or-later
//! Exports: the ranking as CSV or JSON (the CLI's shapes), and downloads through a Blob URL.

use peerpressure::Ranking;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The ranking as CSV, the columns of `vmsift rank --format csv`.
pub(crate) fn csv(ranking: &Ranking) -> String {
    let mut out = String::from("rank,probability,category,kind,path,name,value,m,c,ties\n");
    for r in &ranking.ranking {
        let value = r.value.as_deref().unwrap_or("(absent)");
        out.push_str(&format!(
            "{},{:.6e},{},{},{},{},{},{},{},{}\n",
            r.rank,
            r.probability,
            r.category.as_str(),
            r.kind.as_str(),
            field(&r.path),
            field(&r.name),
            field(value),
            r.m,
            r.c,
            r.ties
        ));
    }
    out
}

/// The warnings of every machine as CSV, `machine,warning`, one line per warning: a separate
/// file, so the ranking CSV keeps the CLI's columns (which print warnings on stderr).
pub(crate) fn warnings_csv(warnings: &[(String, Vec<String>)]) -> String {
    let mut out = String::from("machine,warning\n");
    for (machine, list) in warnings {
        for w in list {
            out.push_str(&format!("{},{}\n", field(machine), field(w)));
        }
    }
    out
}

/// One CSV field: quoted when it holds a separator, a quote or a line break. Text from an
/// image that a spreadsheet would run as a formula gets a leading `'`.
fn field(s: &str) -> String {
    let formula = s.starts_with(['=', '+', '@', '\t', '\r'])
        || s.strip_prefix('-').is_some_and(|rest| !rest.is_empty() && !rest.starts_with(|c: char| c.is_ascii_digit()));
    let s = if formula { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The ranking as JSON, the shape of `vmsift rank --format json`: the ranking's fields and
/// `warnings`, `[{machine, warnings}]` for each machine that has warnings.
pub(crate) fn json(ranking: &Ranking, warnings: &[(String, Vec<String>)]) -> String {
    let mut value = match serde_json::to_value(ranking) {
        Ok(v) => v,
        Err(e) => return format!("{{\"error\":{:?}}}", e.to_string()),
    };
    if let Some(fields) = value.as_object_mut() {
        let list = warnings.iter().map(|(machine, w)| serde_json::json!({ "machine": machine, "warnings": w }));
        fields.insert("warnings".into(), serde_json::Value::Array(list.collect()));
    }
    serde_json::to_string_pretty(&value).unwrap_or_else(|e| format!("{{\"error\":{:?}}}", e.to_string()))
}

/// Offers `bytes` as a download named `name`: a Blob URL clicked through an `<a download>`,
/// revoked a little later (revoking at once can cancel the download in some browsers).
///
/// # Errors
/// A message when the browser refuses to create the Blob or the link.
pub(crate) fn download(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let err = |e: JsValue| format!("cannot offer {name} for download: {e:?}");
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(err)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.set_class_name("visually-hidden");
    let body = document.body().ok_or("no body")?;
    body.append_child(&a).map_err(err)?;
    a.click();
    a.remove();
    let revoke = Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 60_000);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerpressure::{rank, PeerProfile};
    use settings::{Kind, Setting};

    fn setting(name: &str, value: &str) -> Setting {
        Setting { kind: Kind::Config, path: "/etc/app.conf".into(), name: name.into(), value: value.into() }
    }

    #[test]
    fn csv_quotes_and_defuses_hostile_values() {
        let target = [setting("a", "x,\"y\"\nz"), setting("b", "=HYPERLINK(\"e\")"), setting("c", "-5")];
        let peer = [setting("a", "1"), setting("b", "1"), setting("c", "-5")];
        let ranking = rank(&target, &PeerProfile::from_machines([&peer[..]]));
        let text = csv(&ranking);
        assert!(text.starts_with("rank,probability,category,kind,path,name,value,m,c,ties\n"));
        assert!(text.contains(",a,\"x,\"\"y\"\"\nz\","), "{text}");
        assert!(text.contains(",b,\"'=HYPERLINK(\"\"e\"\")\","), "{text}");
        assert!(text.contains(",c,-5,1,1,1\n"), "{text}");
        // Header plus one line per ranked setting (values with line breaks are quoted).
        assert_eq!(text.matches("/etc/app.conf").count(), ranking.ranking.len());
    }

    #[test]
    fn warnings_csv_has_one_line_per_warning() {
        let warned = [
            ("a.img".to_owned(), vec!["a.img partition 0:/etc/x: file at offset 0x0: skipped, over budget".to_owned()]),
            ("=b.img".to_owned(), vec!["one".to_owned(), "two".to_owned()]),
        ];
        assert_eq!(
            warnings_csv(&warned),
            "machine,warning\na.img,\"a.img partition 0:/etc/x: file at offset 0x0: skipped, over budget\"\n'=b.img,one\n'=b.img,two\n"
        );
    }

    #[test]
    fn json_has_the_cli_shape() {
        let target = [setting("a", "1")];
        let ranking = rank(&target, &PeerProfile::from_machines([&[setting("a", "2")][..]]));
        let warned = [("peer.img".to_owned(), vec!["peer.img partition 0:/x: file at offset 0x0: skipped".to_owned()])];
        let v: serde_json::Value = serde_json::from_str(&json(&ranking, &warned)).unwrap();
        assert_eq!(v["warnings"][0]["machine"], "peer.img");
        assert_eq!(v["warnings"][0]["warnings"][0], warned[0].1[0]);
        assert_eq!(v["peers"], 1);
        let row = &v["ranking"][0];
        for k in ["rank", "kind", "path", "name", "value", "probability", "category", "m", "c", "peer_values"] {
            assert!(row.get(k).is_some(), "{k} missing in {row}");
        }
        assert_eq!(row["peer_values"][0][0], "2");
    }
}
