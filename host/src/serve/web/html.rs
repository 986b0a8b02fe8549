//! The page shell and the small pieces every page uses: times in the office's time zone,
//! money, statuses with their colours and words, and forms that carry the CSRF token.

use chrono::{DateTime, Local, Utc};
use maud::{html, Markup, DOCTYPE};

use crate::tracking::status::{BatchStatus, ClaimStatus};

/// The sections of the navigation bar.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Batches,
    Queues,
    Errors,
    Files,
    Connection,
    None,
}

const SECTIONS: [(Section, &str, &str); 6] = [
    (Section::Home, "/", "Home"),
    (Section::Batches, "/batches", "Batches"),
    (Section::Queues, "/queues", "Work queues"),
    (Section::Errors, "/errors", "Errors"),
    (Section::Files, "/files", "Files"),
    (Section::Connection, "/connection", "Connection"),
];

/// What a page needs besides its body.
pub struct Frame<'a> {
    /// The `<title>` and the `<h1>`.
    pub title: &'a str,
    /// Which navigation entry is current.
    pub section: Section,
    /// The session's CSRF token, for the search form.
    pub csrf: &'a str,
    /// Reload every this many seconds (a sync in progress), without script.
    pub refresh: Option<u32>,
    /// What the search box holds.
    pub query: &'a str,
}

/// A whole page: head, navigation with the search box, the body.
pub fn page(f: Frame<'_>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(f.title, f.refresh))
            body {
                a.skip href="#main" { "Skip to the page" }
                header.top {
                    a.brand href="/" { "claimtrack" }
                    nav aria-label="Sections" {
                        ul {
                            @for (s, href, label) in SECTIONS {
                                li { a href=(href) aria-current=[(s == f.section).then_some("page")] { (label) } }
                            }
                        }
                    }
                    form.search method="post" action="/search" role="search" {
                        (csrf_field(f.csrf))
                        label for="q" { "Search claims" }
                        input #q type="search" name="q" value=(f.query) placeholder="Patient control no., OA Claim ID, payer claim no., name" required;
                        button type="submit" { "Search" }
                    }
                    form.signout method="post" action="/sign-out" {
                        (csrf_field(f.csrf))
                        button type="submit" { "Sign out" }
                    }
                }
                main #main {
                    h1 { (f.title) }
                    (body)
                }
            }
        }
    }
}

/// A page shown before signing in (or for a refused request): no navigation, no forms.
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, None))
            body { main #main { h1 { (title) } (body) } }
        }
    }
}

/// Every page's `<head>`: the title, the stylesheet, and a reload every `refresh` seconds.
fn head(title: &str, refresh: Option<u32>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            @if let Some(s) = refresh { meta http-equiv="refresh" content=(s); }
            title { (title) " · claimtrack" }
            link rel="stylesheet" href="/assets/app.css";
        }
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// "2026-03-12 09:30" in the server's time zone, in a `<time>` with the exact instant.
pub fn when(t: DateTime<Utc>) -> Markup {
    let local = t.with_timezone(&Local);
    html! { time datetime=(crate::clock::stored(t)) { (local.format("%Y-%m-%d %H:%M")) } }
}

/// [`when`], and how long ago: "2026-03-12 09:30 (3 days 2 h ago)".
pub fn when_ago(t: DateTime<Utc>, now: DateTime<Utc>) -> Markup {
    html! { (when(t)) " " span.ago { "(" (ago(t, now)) ")" } }
}

/// "3 days 2 h ago", "in 5 h".
pub fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if t <= now {
        format!("{} ago", crate::clock::describe_duration(now - t))
    } else {
        format!("in {}", crate::clock::describe_duration(t - now))
    }
}

/// "$1,234.50" from cents ("-$25.00" for a negative amount).
pub fn money(cents: i64) -> String {
    let amount = crate::tracking::words::dollars(cents);
    match amount.strip_prefix('-') {
        Some(positive) => format!("-${positive}"),
        None => format!("${amount}"),
    }
}

/// A money cell: the amount, or a dash.
pub fn money_opt(cents: Option<i64>) -> String {
    cents.map(money).unwrap_or_else(|| "—".to_string())
}

/// The CSS class of a claim status's colour.
pub fn claim_tone(s: ClaimStatus) -> &'static str {
    match s {
        ClaimStatus::Queued | ClaimStatus::Awaiting => "grey",
        ClaimStatus::OaAccepted | ClaimStatus::PayerAccepted | ClaimStatus::Pending => "green",
        ClaimStatus::Paid => "paid",
        ClaimStatus::OaRejected | ClaimStatus::PayerRejected | ClaimStatus::Denied | ClaimStatus::Reversed => "red",
    }
}

/// A claim status as a badge: the status as Office Ally's screens write it, and its words.
pub fn claim_badge(s: ClaimStatus) -> Markup {
    html! { span class={ "badge " (claim_tone(s)) } title=(s.words()) { (s.as_str()) } }
}

/// A batch status as a badge, with the red R of the E-Claims Tracking screen when some of
/// its claims were rejected.
pub fn batch_badge(s: BatchStatus, rejected_claims: i64) -> Markup {
    let tone = match s {
        BatchStatus::Queued | BatchStatus::Awaiting => "grey",
        BatchStatus::Failed | BatchStatus::Rejected => "red",
        BatchStatus::OaAccepted | BatchStatus::OaAcceptedWithRejections => "green",
        BatchStatus::PayerAccepted | BatchStatus::PayerAcceptedWithRejections => "paid",
    };
    html! {
        span class={ "badge " (tone) } { (s.as_str()) }
        @if rejected_claims > 0 && !matches!(s, BatchStatus::Rejected | BatchStatus::Failed) {
            " " abbr.r title={ (rejected_claims) " rejected claim(s)" } aria-hidden="true" { "R" }
            span.visually-hidden { ", " (rejected_claims) " rejected claim(s)" }
        }
    }
}

/// A link styled as a button, for a GET.
pub fn button_link(href: &str, label: &str) -> Markup {
    html! { a.button href=(href) { (label) } }
}

/// A form with one button, for a POST (with the CSRF token and any hidden fields).
pub fn post_button(action: &str, csrf: &str, fields: &[(&str, &str)], label: &str) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(csrf))
            @for (name, value) in fields { input type="hidden" name=(name) value=(value); }
            button type="submit" { (label) }
        }
    }
}

/// A note when a list is empty.
pub fn empty(text: &str) -> Markup {
    html! { p.empty { (text) } }
}

/// The stylesheet: one file, no framework; a print sheet makes "Print errors" one page.
pub const CSS: &str = include_str!("app.css");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_as_dollars() {
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(123456), "$1,234.56");
        assert_eq!(money(-2500), "-$25.00");
        assert_eq!(money(100_000_000), "$1,000,000.00");
    }
}
