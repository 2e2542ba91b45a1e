// SPDX-License-Identifier: GPL-3.0-or-later
//! The ranked table: sortable columns, filters by text, category and kind, paginated so
//! 100,000 rows stay fast; a selected row opens its detail panel; exports as CSV and JSON.

use std::rc::Rc;

use model::{Kind, MachineScan};
use peerpressure::{Category, RankedSetting, Ranking};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::{export, format};

/// Rows rendered per page.
const PAGE: usize = 200;
/// Most bars drawn in the detail chart; the rest are summed into one line (a setting can
/// have as many values as peers).
const MAX_BARS: usize = 50;

/// Finished peer machines: (name, scan).
pub(crate) type Peers = Rc<Vec<(String, Rc<MachineScan>)>>;

/// Props of [`Results`].
#[derive(Debug, PartialEq, Properties)]
pub(crate) struct ResultsProps {
    /// The ranking.
    pub ranking: Rc<Ranking>,
    /// The finished peer machines, for the target-versus-peer diff.
    pub peers: Peers,
    /// Name and warnings of each finished machine that has some, for the JSON export.
    pub warnings: Rc<Vec<(String, Vec<String>)>>,
}

/// A sortable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Rank,
    Probability,
    Category,
    Setting,
    Value,
}

impl Column {
    const ALL: [(Column, &'static str); 5] = [
        (Column::Rank, "#"),
        (Column::Probability, "P(sick)"),
        (Column::Category, "Category"),
        (Column::Setting, "Setting"),
        (Column::Value, "Target value"),
    ];

    fn compare(self, a: &RankedSetting, b: &RankedSetting) -> std::cmp::Ordering {
        match self {
            Column::Rank => a.rank.cmp(&b.rank),
            Column::Probability => a.probability.total_cmp(&b.probability),
            Column::Category => a.category.as_str().cmp(b.category.as_str()),
            Column::Setting => (&a.path, &a.name, a.kind.as_str()).cmp(&(&b.path, &b.name, b.kind.as_str())),
            Column::Value => a.value.cmp(&b.value),
        }
        // Equal keys keep rank order, so every sort is total and stable.
        .then(a.rank.cmp(&b.rank))
    }
}

/// A row's identity, kept across re-rankings.
type RowKey = (Kind, String, String);

fn key_of(r: &RankedSetting) -> RowKey {
    (r.kind, r.path.clone(), r.name.clone())
}

fn matches(row: &RankedSetting, needle: &str, category: &str, kind: &str) -> bool {
    (category.is_empty() || row.category.as_str() == category)
        && (kind.is_empty() || row.kind.as_str() == kind)
        && (needle.is_empty()
            || row.path.to_lowercase().contains(needle)
            || row.name.to_lowercase().contains(needle)
            || row.value.as_deref().is_some_and(|v| v.to_lowercase().contains(needle)))
}

fn distribution(row: &RankedSetting, peers: u32) -> Html {
    let title = row
        .peer_values
        .iter()
        .map(|(v, c)| format!("{c} × {}", format::value(v.as_deref())))
        .collect::<Vec<_>>()
        .join("\n");
    // SVG geometry attributes, not inline styles: the CSP forbids inline styles.
    let mut x = 0.0;
    html! {
        <svg class="dist" viewBox="0 0 100 10" preserveAspectRatio="none" role="img"
            aria-label={format!("{} of {peers} peers share the target's value", row.m)}>
            <title>{ title }</title>
            { for row.peer_values.iter().take(8).map(|(v, c)| {
                let width = if peers == 0 { 0.0 } else { 100.0 * f64::from(*c) / f64::from(peers) };
                let same = *v == row.value;
                let rect = html! { <rect class={classes!("seg", same.then_some("same"))} x={format!("{x:.2}")} y="0"
                    width={format!("{:.2}", (width - 0.8).max(0.5))} height="10" /> };
                x += width;
                rect
            }) }
        </svg>
    }
}

/// Shortens a label for the chart (the full value is in the bar's `<title>`).
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The full peer value distribution as a horizontal bar chart with counts.
fn chart(row: &RankedSetting) -> Html {
    const ROW_H: usize = 22;
    let shown = &row.peer_values[..row.peer_values.len().min(MAX_BARS)];
    let rest: u32 = row.peer_values.iter().skip(MAX_BARS).map(|(_, c)| *c).sum();
    let max = shown.iter().map(|(_, c)| *c).max().unwrap_or(1).max(1);
    let height = shown.len().max(1) * ROW_H;
    html! { <>
        <svg id="detail-chart" class="chart" viewBox={format!("0 0 400 {height}")} width="100%"
            height={height.to_string()} role="img"
            aria-label={format!("Peer values: {}", row.peer_values.iter().map(|(v, c)| format!("{} ×{c}", format::value(v.as_deref()))).collect::<Vec<_>>().join(", "))}>
            { for shown.iter().enumerate().map(|(i, (v, c))| {
                let y = i * ROW_H;
                let label = format::value(v.as_deref());
                let width = 190.0 * f64::from(*c) / f64::from(max);
                let same = *v == row.value;
                html! {
                    <g class={classes!("bar", same.then_some("same"))} data-value={label.clone()} data-count={c.to_string()}>
                        <title>{ format!("{c} × {label}") }</title>
                        <text class="label" x="0" y={(y + 15).to_string()}>{ short(&label, 22) }</text>
                        <rect x="160" y={(y + 3).to_string()} width={format!("{:.2}", width.max(1.0))} height="16" rx="2" />
                        <text class="count" x={format!("{:.2}", 166.0 + width.max(1.0))} y={(y + 15).to_string()}>{ c }</text>
                    </g>
                }
            }) }
        </svg>
        if rest > 0 {
            <p class="muted">{ format!("and {} more values held by {rest} peers", row.peer_values.len() - MAX_BARS) }</p>
        }
    </> }
}

/// A peer's value for a setting: `None` when it lacks it (the smallest when it repeats it).
fn peer_value<'a>(scan: &'a MachineScan, row: &RankedSetting) -> Option<&'a str> {
    scan.settings()
        .iter()
        .filter(|s| s.kind == row.kind && s.path == row.path && s.name == row.name)
        .map(|s| s.value.as_str())
        .min()
}

#[derive(Properties, PartialEq)]
struct DetailProps {
    row: RankedSetting,
    peers: Peers,
    on_close: Callback<()>,
    heading: NodeRef,
}

#[function_component(Detail)]
fn detail(props: &DetailProps) -> Html {
    let chosen = use_state(|| 0usize);
    let r = &props.row;
    let on_peer = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            chosen.set(v.parse().unwrap_or(0));
        })
    };
    let target = format::value(r.value.as_deref());
    let peer = props.peers.get(*chosen).or_else(|| props.peers.first());
    let close = props.on_close.reform(|_: MouseEvent| ());
    let onkeydown = {
        let on_close = props.on_close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                e.prevent_default();
                on_close.emit(());
            }
        })
    };
    html! {
        <section id="detail" class="detail" aria-labelledby="detail-title" {onkeydown}>
            <header>
                <h3 id="detail-title" tabindex="-1" ref={props.heading.clone()}>
                    <span class="kind">{ r.kind.as_str() }</span>{ " " }<span class="path">{ &r.path }</span>{ " " }
                    <span class="name">{ &r.name }</span></h3>
                <button class="close" onclick={close} aria-label="Close the details (Escape)">{ "Close" }</button>
            </header>
            <div class="detail-body">
                <div>
                    <dl class="facts">
                        <dt>{ "Target value" }</dt><dd id="detail-value" class="value">{ &target }</dd>
                        <dt>{ "Rank" }</dt><dd>{ r.rank }{ if r.ties > 1 { format!(" ({} rows share this P(sick))", r.ties) } else { String::new() } }</dd>
                        <dt>{ "P(sick)" }</dt><dd id="detail-p">{ format!("{:.6}", r.probability) }</dd>
                        <dt>{ "Category" }</dt><dd><span class={classes!("badge", r.category.as_str())}>{ r.category.as_str() }</span></dd>
                        <dt>{ "m (peers sharing it)" }</dt><dd id="detail-m">{ r.m }</dd>
                        <dt>{ "c (distinct values)" }</dt><dd id="detail-c">{ r.c }</dd>
                        <dt>{ "N (peers)" }</dt><dd id="detail-n">{ r.n }</dd>
                        <dt>{ "t (suspects)" }</dt><dd id="detail-t">{ r.t }</dd>
                    </dl>
                    <p id="detail-explain" class="explain">{ r.explain() }</p>
                </div>
                <div>
                    <h4>{ "Peer values" }</h4>
                    { chart(r) }
                    <h4>{ "Target versus a peer" }</h4>
                    if props.peers.is_empty() {
                        <p class="muted">{ "Only a profile was loaded: it holds counts, not machines." }</p>
                    } else {
                        <label class="peer-pick">{ "Peer " }
                            <select id="diff-peer" onchange={on_peer}>
                                { for props.peers.iter().enumerate().map(|(i, (name, _))| html! {
                                    <option value={i.to_string()} selected={i == *chosen}>{ name }</option>
                                }) }
                            </select>
                        </label>
                        if let Some((name, scan)) = peer {
                            <table class="diff">
                                <tbody>
                                    <tr><th scope="row">{ "Target" }</th><td id="diff-target" class="value">{ &target }</td></tr>
                                    <tr><th scope="row">{ name }</th>
                                        <td id="diff-value" class={classes!("value", (peer_value(scan, r) != r.value.as_deref()).then_some("differs"))}>
                                            { format::value(peer_value(scan, r)) }</td></tr>
                                </tbody>
                            </table>
                        }
                    }
                </div>
            </div>
        </section>
    }
}

/// See the module docs.
#[function_component(Results)]
pub(crate) fn results(props: &ResultsProps) -> Html {
    let needle = use_state(String::new);
    let category = use_state(String::new);
    let kind = use_state(String::new);
    let sort = use_state(|| (Column::Rank, true));
    let shown = use_state(|| PAGE);
    let selected = use_state(|| None::<RowKey>);
    let export_error = use_state(|| None::<String>);
    let heading = use_node_ref();
    {
        // Move focus to the panel when a row is opened, so keyboard users land on it.
        let heading = heading.clone();
        use_effect_with((*selected).clone(), move |sel| {
            if sel.is_some() {
                if let Some(h) = heading.cast::<HtmlElement>() {
                    let _ = h.focus();
                }
            }
        });
    }
    let on_filter = {
        let needle = needle.clone();
        Callback::from(move |e: InputEvent| {
            needle.set(e.target_unchecked_into::<HtmlInputElement>().value().to_lowercase())
        })
    };
    let on_category = {
        let category = category.clone();
        Callback::from(move |e: Event| category.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_kind = {
        let kind = kind.clone();
        Callback::from(move |e: Event| kind.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let ranking = &props.ranking;
    let mut rows: Vec<&RankedSetting> =
        ranking.ranking.iter().filter(|r| matches(r, &needle, &category, &kind)).collect();
    let (column, ascending) = *sort;
    if column != Column::Rank || !ascending {
        rows.sort_by(|a, b| if ascending { column.compare(a, b) } else { column.compare(b, a) });
    }
    let more = {
        let shown = shown.clone();
        Callback::from(move |_: MouseEvent| shown.set(*shown + PAGE))
    };
    let mut kinds: Vec<&'static str> = ranking.ranking.iter().map(|r| r.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let interesting = ranking.ranking.iter().filter(|r| r.category == Category::OfInterest).count();
    let export = |format: &'static str| {
        let (ranking, export_error) = (ranking.clone(), export_error.clone());
        let warnings = props.warnings.clone();
        Callback::from(move |_: MouseEvent| {
            let result = if format == "csv" {
                export::download("vmsift-ranking.csv", "text/csv", ranking.to_csv().as_bytes())
            } else if format == "warnings" {
                export::download("vmsift-warnings.csv", "text/csv", export::warnings_csv(&warnings).as_bytes())
            } else {
                let text = export::json(&ranking, &warnings);
                export::download("vmsift-ranking.json", "application/json", text.as_bytes())
            };
            export_error.set(result.err());
        })
    };
    let select = |key: RowKey| {
        let selected = selected.clone();
        move || selected.set(Some(key.clone()))
    };
    let detail_row = selected.as_ref().and_then(|k| ranking.ranking.iter().find(|r| key_of(r) == *k));
    let on_close = {
        let selected = selected.clone();
        let rank = detail_row.map(|r| r.rank);
        Callback::from(move |()| {
            // Back to the row that was opened (it is in the table whatever the panel does).
            let row = rank.and_then(|rank| {
                web_sys::window()?.document()?.get_element_by_id(&format!("row-{rank}"))?.dyn_into::<HtmlElement>().ok()
            });
            if let Some(row) = row {
                let _ = row.focus();
            }
            selected.set(None);
        })
    };
    html! {
        <section id="results" aria-labelledby="results-title">
            <div class="results-head">
                <h2 id="results-title">{ "Suspects" }</h2>
                <div class="exports" role="group" aria-label="Export the ranking">
                    <button id="export-csv" onclick={export("csv")}>{ "Export CSV" }</button>
                    <button id="export-json" onclick={export("json")}>{ "Export JSON" }</button>
                    if !props.warnings.is_empty() {
                        <button id="export-warnings" onclick={export("warnings")}
                            title="Which parts of which machine were skipped or read partly">{ "Export warnings CSV" }</button>
                    }
                </div>
            </div>
            if let Some(e) = &*export_error { <p class="error" role="alert">{ e }</p> }
            <p class="summary">{ format!("{} compared against {}; {} of interest.", format::plural(ranking.suspects, "setting", "settings"), format::plural(ranking.peers, "peer", "peers"), format::count(interesting)) }</p>
            <div class="filters">
                <label>{ "Filter " }<input id="filter" type="search" placeholder="path, name or value" oninput={on_filter} /></label>
                <label>{ "Category " }
                    <select id="category" onchange={on_category}>
                        // Every option says whether it is selected: without it the browser may
                        // show another option than the state after a re-render.
                        { for [("", "all"), ("of-interest", "of interest"), ("noisy", "noisy"), ("uniform", "uniform")]
                            .into_iter().map(|(v, label)| html! { <option value={v} selected={*category == v}>{ label }</option> }) }
                    </select>
                </label>
                <label>{ "Kind " }
                    <select id="kind" onchange={on_kind}>
                        <option value="" selected={kind.is_empty()}>{ "all" }</option>
                        { for kinds.iter().map(|k| html! { <option value={*k} selected={*kind == *k}>{ *k }</option> }) }
                    </select>
                </label>
                <span class="count" role="status">{ format::plural(rows.len(), "row", "rows") }</span>
            </div>
            if let Some(row) = detail_row {
                <Detail key={format!("{}\u{1f}{}\u{1f}{}", row.kind.as_str(), row.path, row.name)} row={row.clone()}
                    peers={props.peers.clone()} {on_close} heading={heading.clone()} />
            }
            <table id="ranking">
                <caption class="visually-hidden">{ "Ranked settings; select a row for its details" }</caption>
                <thead><tr>
                    { for Column::ALL.iter().map(|&(col, label)| {
                        let state = if col == column { if ascending { "ascending" } else { "descending" } } else { "none" };
                        let onclick = {
                            let sort = sort.clone();
                            Callback::from(move |_: MouseEvent| {
                                let (c, asc) = *sort;
                                sort.set(if c == col { (col, !asc) } else { (col, true) });
                            })
                        };
                        let arrow = match state { "ascending" => "▲", "descending" => "▼", _ => "↕" };
                        html! {
                            <th scope="col" aria-sort={state}>
                                <button class="sort" data-column={label} {onclick}>{ label }
                                    <span class="arrow" aria-hidden="true">{ arrow }</span></button>
                            </th>
                        }
                    }) }
                    <th scope="col">{ "Peers" }</th>
                </tr></thead>
                <tbody>
                    { for rows.iter().take(*shown).map(|r| {
                        let key = key_of(r);
                        let is_selected = selected.as_ref() == Some(&key);
                        let onclick = { let f = select(key.clone()); Callback::from(move |_: MouseEvent| f()) };
                        let onkeydown = {
                            let f = select(key);
                            Callback::from(move |e: KeyboardEvent| {
                                if e.key() == "Enter" || e.key() == " " {
                                    e.prevent_default();
                                    f();
                                }
                            })
                        };
                        html! {
                            <tr id={format!("row-{}", r.rank)} class={classes!(r.category.as_str(), is_selected.then_some("selected"))} tabindex="0"
                                aria-current={is_selected.then_some("true")} {onclick} {onkeydown}
                                aria-label={format!("#{} {} {}: open details", r.rank, r.path, r.name)}>
                                <td class="rank">{ r.rank }{ ties_mark(r.ties) }</td>
                                <td class="p">{ format::probability(r.probability) }</td>
                                <td><span class={classes!("badge", r.category.as_str())}>{ r.category.as_str() }</span></td>
                                <td class="setting"><span class="kind">{ r.kind.as_str() }</span>{ " " }
                                    <span class="path">{ &r.path }</span>{ " " }<span class="name">{ &r.name }</span></td>
                                <td class="value">{ format::value(r.value.as_deref()) }</td>
                                <td>{ distribution(r, ranking.peers) }<span class="m">{ format!(" {}/{}", r.m, ranking.peers) }</span></td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            if rows.len() > *shown {
                <button onclick={more}>{ format!("Show {} more", (rows.len() - *shown).min(PAGE)) }</button>
            }
        </section>
    }
}

/// `=N` beside a rank when N rows share its P(sick): rank 1 of a tie of 12 is not a verdict.
fn ties_mark(ties: u32) -> Html {
    if ties > 1 {
        html! { <span class="ties" title={format!("{ties} rows share this P(sick)")}>{ format!(" ={ties}") }</span> }
    } else {
        html! {}
    }
}
