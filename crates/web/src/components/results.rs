// SPDX-License-Identifier: GPL-3.0-or-later
//! The ranked table: filter by text and category, paginated so 100,000 rows stay fast.

use std::rc::Rc;

use peerpressure::{Category, RankedSetting, Ranking};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::format;

/// Rows rendered per page.
const PAGE: usize = 200;

/// Props of [`Results`].
#[derive(Debug, PartialEq, Properties)]
pub(crate) struct ResultsProps {
    /// The ranking.
    pub ranking: Rc<Ranking>,
}

fn matches(row: &RankedSetting, needle: &str, category: &str) -> bool {
    (category.is_empty() || row.category.as_str() == category)
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

/// See the module docs.
#[function_component(Results)]
pub(crate) fn results(props: &ResultsProps) -> Html {
    let needle = use_state(String::new);
    let category = use_state(String::new);
    let shown = use_state(|| PAGE);
    let on_filter = {
        let needle = needle.clone();
        Callback::from(move |e: InputEvent| {
            needle.set(e.target_unchecked_into::<HtmlInputElement>().value().to_lowercase())
        })
    };
    let on_category = {
        let category = category.clone();
        Callback::from(move |e: Event| category.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let ranking = &props.ranking;
    let rows: Vec<&RankedSetting> = ranking.ranking.iter().filter(|r| matches(r, &needle, &category)).collect();
    let more = {
        let shown = shown.clone();
        Callback::from(move |_: MouseEvent| shown.set(*shown + PAGE))
    };
    let interesting = ranking.ranking.iter().filter(|r| r.category == Category::OfInterest).count();
    html! {
        <section id="results" aria-labelledby="results-title">
            <h2 id="results-title">{ "Suspects" }</h2>
            <p class="summary">{ format!("{} settings compared against {} peers; {interesting} of interest.", ranking.suspects, ranking.peers) }</p>
            <div class="filters">
                <label>{ "Filter " }<input id="filter" type="search" placeholder="path, name or value" oninput={on_filter} /></label>
                <label>{ "Category " }
                    <select id="category" onchange={on_category}>
                        <option value="">{ "all" }</option>
                        <option value="of-interest">{ "of interest" }</option>
                        <option value="noisy">{ "noisy" }</option>
                        <option value="uniform">{ "uniform" }</option>
                    </select>
                </label>
                <span class="count">{ format!("{} rows", rows.len()) }</span>
            </div>
            <table id="ranking">
                <thead><tr>
                    <th scope="col">{ "#" }</th><th scope="col">{ "P(sick)" }</th><th scope="col">{ "Category" }</th>
                    <th scope="col">{ "Setting" }</th><th scope="col">{ "Target value" }</th><th scope="col">{ "Peers" }</th>
                </tr></thead>
                <tbody>
                    { for rows.iter().take(*shown).map(|r| html! {
                        <tr class={r.category.as_str()}>
                            <td class="rank">{ r.rank }</td>
                            <td class="p">{ format!("{:.4}", r.probability) }</td>
                            <td><span class={classes!("badge", r.category.as_str())}>{ r.category.as_str() }</span></td>
                            <td class="setting"><span class="kind">{ r.kind.as_str() }</span>{ " " }
                                <span class="path">{ &r.path }</span>{ " " }<span class="name">{ &r.name }</span></td>
                            <td class="value">{ format::value(r.value.as_deref()) }</td>
                            <td>{ distribution(r, ranking.peers) }<span class="m">{ format!(" {}/{}", r.m, ranking.peers) }</span></td>
                        </tr>
                    }) }
                </tbody>
            </table>
            if rows.len() > *shown {
                <button onclick={more}>{ format!("Show {} more", (rows.len() - *shown).min(PAGE)) }</button>
            }
        </section>
    }
}
