//! The pages billing staff read: home, batches, a claim, work queues, errors, search, sync
//! and the connection.

use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::{Extension, Form};
use chrono::{DateTime, Datelike, Duration, Local, TimeZone, Utc};
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{self, batch_badge, claim_badge, empty, money, money_opt, post_button, when, when_ago, Section};
use super::session::Session;
use super::{check_csrf, frame, html_page, PageError, PageResult, P, Q};
use crate::serve::App;
use crate::tracker::ArchiveOutcome;
use crate::tracking::alerts::{Alert, AlertKind, AlertSeverity, AlertSettings};
use crate::tracking::query::{About, BatchRow, ClaimRow, ClaimSearch, ErrorGroup, TimelineEntry};
use crate::tracking::status::ClaimStatus;
use crate::tracking::words::{file_kind, who};
use crate::tracking::worklists::{PayerPayments, WorkQueue};

/// Days without news before a claim is in the "no news" queue: the 7-day tracking window.
const NO_NEWS_DAYS: i64 = 7;
/// Batches on one page of the list.
const BATCHES_PER_PAGE: usize = 50;
/// Claims shown under an expanded batch (the batch's page shows all, a page at a time).
const CLAIMS_UNDER_BATCH: usize = 200;
/// Claims on one page of a batch.
const CLAIMS_PER_PAGE: usize = 250;
/// Claims shown per work queue on the page of all four, and on one queue's pages.
const QUEUE_ROWS: usize = 25;
const QUEUE_PAGE: usize = 100;

/// Days before a queue takes a claim.
fn queue_days(q: WorkQueue) -> i64 {
    match q {
        WorkQueue::NoEra => i64::from(AlertSettings::default().era_days),
        _ => NO_NEWS_DAYS,
    }
}

fn queue_title(q: WorkQueue, days: i64) -> String {
    match q {
        WorkQueue::Rejected => "Rejected, not refiled yet".into(),
        WorkQueue::Denied => "Denied by the payer".into(),
        WorkQueue::NoNews => format!("Nothing new for {days} days"),
        WorkQueue::NoEra => format!("Accepted by the payer, no ERA after {days} days"),
    }
}

fn queue_help(q: WorkQueue) -> &'static str {
    match q {
        WorkQueue::Rejected => "Fix what the rejection names and submit the claim again (same patient control number).",
        WorkQueue::Denied => "Appeal, correct and resubmit, or bill the patient or another payer.",
        WorkQueue::NoNews => "Not with the payer yet, and nothing new from Office Ally or the payer in that time: check the claim in Office Ally's portal, or call the payer.",
        WorkQueue::NoEra => "Call the payer: was it paid, and to whom? Check the practice is enrolled for ERA with them.",
    }
}

/// Monday 00:00 of this week in the server's time zone.
fn week_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let local = now.with_timezone(&Local).date_naive();
    let monday = local - Duration::days(i64::from(local.weekday().num_days_from_monday()));
    Local
        .from_local_datetime(&monday.and_hms_opt(0, 0, 0).expect("midnight exists"))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now - Duration::days(7))
}

/// The home page's counts: claims by status, the queues' sizes, this week's payments. They
/// read every rejected and denied claim (≈ 100 ms at 100,000 claims), so `serve` keeps them
/// until the database changes or the hour turns (the queues count whole days).
pub(super) struct HomeCounts {
    counts: Vec<(ClaimStatus, i64)>,
    queues: Vec<(WorkQueue, i64, i64)>,
    payments: Vec<PayerPayments>,
}

struct Home {
    alerts: Vec<Alert>,
    last_success: Option<String>,
}

pub(super) async fn home(State(app): State<Arc<App>>, Extension(s): Extension<Session>) -> PageResult {
    let now = app.clock.now();
    let week = week_start(now);
    let read_counts = crate::serve::read(&app, move |t| -> anyhow::Result<HomeCounts> {
        let mut queues = Vec::new();
        for q in WorkQueue::ALL {
            let days = queue_days(q);
            queues.push((q, days, t.work_queue(q, days, 0, 0)?.1));
        }
        Ok(HomeCounts { counts: t.status_counts()?, queues, payments: t.payments_since(week)? })
    });
    let counts = app.web.home.get(&now.timestamp().div_euclid(3600), app.version.current(), async move { read_counts.await.map_err(PageError::from) }).await?;
    let h = crate::serve::read(&app, move |t| -> anyhow::Result<Home> {
        let conn = t.store().conn();
        // The connection's and the batches' alerts: the per-claim ERA alerts are the "no ERA"
        // queue's count below, and reading them all costs hundreds of milliseconds at 100,000
        // claims.
        let mut alerts = crate::tracking::alerts::connection_and_batch_alerts(conn, now)?;
        // What stops all work first: a rejected login, then 72 hours of silence from Office
        // Ally; then the other alerts; notices last.
        alerts.sort_by_key(|a| match a.kind {
            AlertKind::CredentialsRejected => 0,
            AlertKind::BatchAwaiting72h => 1,
            _ if a.severity == AlertSeverity::Alert => 2,
            _ => 3,
        });
        Ok(Home { alerts, last_success: t.connection_state()?.last_success })
    })
    .await?;
    let sync = app.syncer.as_ref().map(|s| s.state());
    let total: i64 = counts.counts.iter().map(|(_, n)| n).sum();
    // One line for the claims overdue for an ERA (an alert each in `claimtrack alerts`): their
    // queue counts and lists them.
    let era_overdue = counts.queues.iter().find(|(q, _, _)| *q == WorkQueue::NoEra).map_or(0, |(_, _, n)| *n);
    let body = html! {
        @for a in h.alerts.iter().filter(|a| a.severity == AlertSeverity::Alert) { (alert(a, now)) }
        @if era_overdue > 0 {
            div.alert role="alert" {
                h2 { (era_overdue) " claim(s) accepted by the payer with no ERA for " (AlertSettings::default().era_days) " days or more" }
                p { "Call each payer: was the claim paid, and to whom? " a href="/queues#no_era" { "See the claims" } }
            }
        }
        section aria-labelledby="claims-h" {
            h2 #claims-h { "Claims by status" }
            @if total == 0 {
                (empty("No claims yet. Submit an 837 on the Files page, or sync with Office Ally."))
            } @else {
                ul.cards {
                    @for (status, n) in &counts.counts {
                        li { span.n { (n) } (claim_badge(*status)) " " span.muted { (status.words()) } }
                    }
                }
            }
        }
        section aria-labelledby="queues-h" {
            h2 #queues-h { "Work queues" }
            ul.cards {
                @for (q, days, n) in &counts.queues {
                    li { span.n { (n) } a href={ "/queues#" (q.as_str()) } { (queue_title(*q, *days)) } }
                }
            }
        }
        section aria-labelledby="pay-h" {
            h2 #pay-h { "Payments received this week" }
            p.muted { "ERAs that arrived since " (when(week)) "." }
            @if counts.payments.is_empty() {
                (empty("No ERA payments arrived this week."))
            } @else {
                table {
                    thead { tr { th scope="col" { "Payer" } th.num scope="col" { "Claims paid" } th.num scope="col" { "Paid" } } }
                    tbody {
                        @for p in &counts.payments { tr { td { (p.payer) } td.num { (p.claims) } td.num { (money(p.paid_cents)) } } }
                    }
                }
            }
        }
        section aria-labelledby="sync-h" {
            h2 #sync-h { "Office Ally" }
            (sync_summary(&app, sync.as_ref(), h.last_success.as_deref(), now, &s))
        }
        @let infos: Vec<&Alert> = h.alerts.iter().filter(|a| a.severity != AlertSeverity::Alert).collect();
        @if !infos.is_empty() {
            section aria-labelledby="notes-h" {
                h2 #notes-h { "Notices" }
                @for a in infos { (alert(a, now)) }
            }
        }
    };
    Ok(html_page(html::page(frame("Today", Section::Home, &s), body)))
}

/// An alert with its steps: what is wrong, since when, and what to do.
fn alert(a: &Alert, now: DateTime<Utc>) -> Markup {
    let class = if a.severity == AlertSeverity::Alert { "alert" } else { "alert info" };
    html! {
        div class=(class) role=[(a.severity == AlertSeverity::Alert).then_some("alert")] {
            h2 { (a.title) }
            p { (a.message) " " span.muted { "Since " (when_ago(a.created_at, now)) "." } }
            @if !a.steps.is_empty() {
                ol { @for step in &a.steps { li { (step) } } }
            }
        }
    }
}

fn sync_summary(app: &App, sync: Option<&crate::serve::SyncState>, last_success: Option<&str>, now: DateTime<Utc>, s: &Session) -> Markup {
    html! {
        p {
            "Last successful connection: "
            @match last_success.and_then(crate::clock::parse_stored) {
                Some(t) => (when_ago(t, now)),
                None => "never",
            }
            "."
        }
        @if let Some(last) = sync.and_then(|st| st.last.as_ref()) {
            p {
                "Last sync from this dashboard: "
                (sync_outcome(last))
                @if let Some(t) = crate::clock::parse_stored(&last.finished_at) { ", " (when_ago(t, now)) }
                ". " a href="/sync" { "Details" }
            }
        }
        @match sync {
            Some(st) if st.running => p { "A sync is running. " a href="/sync" { "See its progress" } },
            Some(_) => (post_button("/sync", &s.csrf, &[], "Sync now")),
            None if app.config.is_none() => p.muted { "Syncing from here needs `claimtrack serve` to know the configuration." },
            None => p.muted { "Syncing is not set up: run `claimtrack init` first." },
        }
    }
}

#[derive(Deserialize)]
pub(super) struct BatchesQuery {
    archived: Option<String>,
    open: Option<String>,
    page: Option<usize>,
}

pub(super) async fn batches(State(app): State<Arc<App>>, Extension(s): Extension<Session>, Q(q): Q<BatchesQuery>) -> PageResult {
    let archived = q.archived.as_deref().is_some_and(|v| v == "1");
    let open = q.open.clone();
    let (rows, opened) = crate::serve::read(&app, move |t| -> anyhow::Result<_> {
        let rows: Vec<BatchRow> = t.batches()?.into_iter().filter(|b| b.archived.is_some() == archived).collect();
        let opened = match open.as_deref().map(|uid| rows.iter().find(|b| b.uid == uid)) {
            Some(Some(b)) => t.batch(b.id)?.map(|(_, claims)| (b.uid.clone(), claims)),
            _ => None,
        };
        Ok((rows, opened))
    })
    .await?;
    let now = app.clock.now();
    let pages = rows.len().div_ceil(BATCHES_PER_PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let shown = rows.iter().skip((page - 1) * BATCHES_PER_PAGE).take(BATCHES_PER_PAGE);
    let base = if archived { "/batches?archived=1&" } else { "/batches?" };
    let body = html! {
        p {
            @if archived {
                "Batches archived once every claim was paid, denied, rejected or waiting for an ERA. "
                a href="/batches" { "Back to the batches being tracked" }
            } @else {
                "Every 837 uploaded to Office Ally, newest first, with where its claims stand. "
                a href="/batches?archived=1" { "Archived batches" } " · "
                a href="/errors/print" { "Print errors for all batches" }
            }
        }
        @if rows.is_empty() {
            (empty(if archived { "No batch has been archived." } else { "No batches yet." }))
        } @else {
            table.batches {
                thead { tr {
                    th scope="col" { "Batch" } th scope="col" { "Submitted" } th.num scope="col" { "Claims" }
                    th scope="col" { "Status" } th scope="col" { "Office Ally file ID" } th scope="col" { "Last update" } th scope="col" { span.visually-hidden { "Claims" } }
                } }
                tbody {
                    @for b in shown {
                        @let is_open = opened.as_ref().is_some_and(|(uid, _)| *uid == b.uid);
                        tr id={ "b-" (b.uid) } {
                            td { a href={ "/batches/" (b.uid) } { (b.name) } }
                            td { (when(b.submitted)) br; span.ago { (html::ago(b.submitted, now)) } }
                            td.num { (b.claim_count) }
                            td { (batch_badge(b.status, b.rejected_claims)) }
                            td.code { (b.clearinghouse_file_id.as_deref().unwrap_or("—"))
                                @for c in &b.child_file_ids { br; span.muted { "→ " (c) } } }
                            td { @match b.last_update { Some(t) => (when(t)), None => span.muted { "no answer yet" } } }
                            td {
                                @if is_open {
                                    a.collapse href={ (base) "page=" (page) "#b-" (b.uid) } { "Hide claims" }
                                } @else {
                                    a.expand href={ (base) "page=" (page) "&open=" (b.uid) "#b-" (b.uid) } { "Show claims" }
                                }
                            }
                        }
                        @if let Some((_, claims)) = opened.as_ref().filter(|_| is_open) {
                            tr.expanded { td colspan="7" {
                                (claims_table(&claims[..claims.len().min(CLAIMS_UNDER_BATCH)], false))
                                @if claims.len() > CLAIMS_UNDER_BATCH {
                                    p { a href={ "/batches/" (b.uid) } { "All " (claims.len()) " claims of this batch" } }
                                }
                            } }
                        }
                    }
                }
            }
            @if pages > 1 {
                nav.pager aria-label="Pages" {
                    @if page > 1 { a href={ (base) "page=" (page - 1) } { "← Newer" } }
                    span { "Page " (page) " of " (pages) }
                    @if page < pages { a href={ (base) "page=" (page + 1) } { "Older →" } }
                }
            }
        }
    };
    let title = if archived { "Archived batches" } else { "Batches" };
    Ok(html_page(html::page(frame(title, Section::Batches, &s), body)))
}

/// Claims as rows: OA Claim ID, status with its reasons, money.
fn claims_table(claims: &[ClaimRow], with_batch: bool) -> Markup {
    html! {
        @if claims.is_empty() {
            (empty("No claims."))
        } @else {
            table.claims {
                thead { tr {
                    th scope="col" { "Patient control no." } th scope="col" { "Patient" } th scope="col" { "OA Claim ID" }
                    @if with_batch { th scope="col" { "Batch" } }
                    th scope="col" { "Status" } th scope="col" { "Why" } th.num scope="col" { "Charged" } th.num scope="col" { "Paid" }
                } }
                tbody {
                    @for c in claims {
                        tr {
                            td { a href={ "/claims/" (c.uid) } { (c.patient_control_number) } }
                            td { (c.patient_name.as_deref().unwrap_or("—")) }
                            td.code { (c.clearinghouse_claim_id.as_deref().unwrap_or("—")) }
                            @if with_batch { td { (c.batch_name.as_deref().unwrap_or("—")) } }
                            td { (claim_badge(c.status)) @if c.waiting_for_era { br; span.muted { "waiting for ERA/EOB" } } }
                            td { (reasons_brief(c)) }
                            td.num { (money_opt(c.charged_cents)) }
                            td.num { (money_opt(c.paid_cents)) }
                        }
                    }
                }
            }
        }
    }
}

/// What a CARC group code means for who pays.
fn group_words(group: &str) -> Option<&'static str> {
    Some(match group {
        "CO" => "contractual obligation: the practice writes it off",
        "PR" => "patient responsibility: the patient owes it",
        "OA" => "other adjustment",
        "PI" => "payer-initiated reduction",
        "CR" => "correction or reversal",
        _ => return None,
    })
}

/// A claim's reasons in one cell: the code, and what it means.
fn reasons_brief(c: &ClaimRow) -> Markup {
    html! {
        @for r in c.reasons.iter().take(3) {
            div { span.code { (r.group.as_deref().map(|g| format!("{g}-")).unwrap_or_default()) (r.code) } " " (r.description.as_deref().unwrap_or("")) }
        }
        @if c.reasons.len() > 3 { div.muted { "and " (c.reasons.len() - 3) " more" } }
    }
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    page: Option<usize>,
}

pub(super) async fn batch(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    P(uid): P<String>,
    Q(q): Q<PageQuery>,
) -> PageResult {
    let key = uid.clone();
    let found = crate::serve::read(&app, move |t| -> anyhow::Result<_> {
        Ok(match t.find_batch(&key)? {
            Some(id) => t.batch(id)?,
            None => None,
        })
    })
    .await?;
    let (b, claims) = found.ok_or_else(|| PageError::not_found("There is no such batch."))?;
    let now = app.clock.now();
    let totals = crate::tracking::query::totals(&claims);
    let title = format!("Batch {}", b.name);
    let pages = claims.len().div_ceil(CLAIMS_PER_PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let (first, last) = ((page - 1) * CLAIMS_PER_PAGE, (page * CLAIMS_PER_PAGE).min(claims.len()));
    let body = html! {
        dl.facts {
            dt { "Status" } dd { (batch_badge(b.status, b.rejected_claims)) }
            dt { "Submitted" } dd { (when_ago(b.submitted, now)) }
            dt { "Uploaded to Office Ally" } dd { @match b.uploaded_at { Some(t) => (when_ago(t, now)), None => "not yet (queued)" } }
            dt { "Office Ally file ID" } dd.code { (b.clearinghouse_file_id.as_deref().unwrap_or("—")) @for c in &b.child_file_ids { " → " (c) } }
            dt { "Claims" } dd { (b.claim_count) " (" (b.rejected_claims) " rejected)" }
            dt { "Charged / paid / patient owes" } dd { (money(totals.charged_cents)) " / " (money(totals.paid_cents)) " / " (money(totals.patient_responsibility_cents)) }
            @if let Some(a) = b.archived { dt { "Archived" } dd { (when_ago(a, now)) } }
        }
        @if !b.reasons.is_empty() {
            div.alert { h2 { "Why the whole batch was " (b.status.as_str()) }
                ul { @for r in &b.reasons { li { span.code { (r.code) } " " (r.description.as_deref().unwrap_or("")) } } } }
        }
        p.no-print {
            (html::button_link(&format!("/errors/print?batch={}", b.uid), "Print errors of this batch")) " "
            @if b.archived.is_none() { (post_button(&format!("/batches/{}/archive", b.uid), &s.csrf, &[], "Archive this batch")) }
        }
        h2 { "Claims" }
        (claims_table(&claims[first..last], false))
        @if pages > 1 {
            nav.pager aria-label="Pages" {
                @if page > 1 { a href={ "/batches/" (uid) "?page=" (page - 1) } { "← Earlier claims" } }
                span { "Claims " (first + 1) " to " (last) " of " (claims.len()) }
                @if page < pages { a href={ "/batches/" (uid) "?page=" (page + 1) } { "Later claims →" } }
            }
        }
    };
    Ok(html_page(html::page(frame(&title, Section::Batches, &s), body)))
}

#[derive(Deserialize)]
pub(super) struct CsrfForm {
    csrf: String,
}

pub(super) async fn archive(
    State(app): State<Arc<App>>,
    Extension(s): Extension<Session>,
    P(uid): P<String>,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> PageResult {
    check_csrf(&s, &form.map_err(|_| PageError::bad_form())?.0.csrf)?;
    let key = uid.clone();
    let outcome = app
        .with(move |t| -> anyhow::Result<Option<ArchiveOutcome>> {
            Ok(match t.find_batch(&key)? {
                Some(id) => Some(t.archive(id)?),
                None => None,
            })
        })
        .await?
        .map_err(|e| PageError::internal(&format!("archive: {e:#}")))?
        .ok_or_else(|| PageError::not_found("There is no such batch."))?;
    match outcome {
        ArchiveOutcome::Archived { .. } | ArchiveOutcome::AlreadyArchived { .. } => Ok(Redirect::to(&format!("/batches/{uid}")).into_response()),
        ArchiveOutcome::NotEligible { blocking, .. } => Err(PageError {
            status: StatusCode::CONFLICT,
            title: "This batch cannot be archived yet",
            message: blocking.join("; "),
        }),
        ArchiveOutcome::NoSuchBatch { .. } => Err(PageError::not_found("There is no such batch.")),
    }
}

pub(super) async fn claim(State(app): State<Arc<App>>, Extension(s): Extension<Session>, P(uid): P<String>) -> PageResult {
    let found = crate::serve::read(&app, move |t| t.claim_by_uid(&uid)).await?;
    let (c, timeline) = found.ok_or_else(|| PageError::not_found("There is no such claim."))?;
    let now = app.clock.now();
    let title = format!("Claim {}", c.patient_control_number);
    let adjustments: Vec<&crate::model::Reason> = c.reasons.iter().filter(|r| r.amount.is_some()).collect();
    let remarks: Vec<&crate::model::Reason> = c.reasons.iter().filter(|r| r.code_set == crate::model::CodeSet::Rarc).collect();
    let body = html! {
        dl.facts {
            dt { "Status" } dd { (claim_badge(c.status)) " " (c.status.words())
                @if let Some(src) = &c.status_source { span.muted { " (said by " (if src == "clearinghouse" { "Office Ally" } else if src == "payer" { "the payer" } else { "you" }) ")" } } }
            dt { "Patient" } dd { (c.patient_name.as_deref().unwrap_or("—")) }
            dt { "Patient control number" } dd.code { (c.patient_control_number) }
            dt { "OA Claim ID" } dd.code #oa-claim-id { (c.clearinghouse_claim_id.as_deref().unwrap_or("not given yet")) }
            dt { "Payer claim number" } dd.code { (c.payer_claim_number.as_deref().unwrap_or("not given yet")) }
            dt { "Payer" } dd { (c.payer_name.as_deref().unwrap_or("—")) @if let Some(id) = &c.payer_id { span.code { " " (id) } } }
            dt { "Dates of service" } dd { (c.service_date_from.as_deref().unwrap_or("—")) @if let Some(to) = c.service_date_to.as_deref().filter(|to| Some(*to) != c.service_date_from.as_deref()) { " to " (to) } }
            dt { "Batch" } dd { @match (&c.batch_name, c.batch_id) { (Some(n), Some(id)) => a href={ "/batches/" (id) } { (n) }, _ => "known only from responses" } }
            @if let Some(t) = c.last_update { dt { "Status decided" } dd { (when_ago(t, now)) } }
            @if c.waiting_for_era { dt { "Tracking" } dd { "No update for 7 days: waiting for the ERA/EOB." } }
        }
        h2 { "Money" }
        table.money {
            tbody {
                tr { th scope="row" { "Charged" } td.num { (money_opt(c.charged_cents)) } }
                tr { th scope="row" { "Paid by the payer" } td.num { (money_opt(c.paid_cents)) } }
                tr { th scope="row" { "Patient responsibility" } td.num { (money_opt(c.patient_responsibility_cents)) } }
                @for r in &adjustments {
                    tr { th scope="row" { "Adjustment " span.code { (r.group.as_deref().unwrap_or("")) "-" (r.code) } " " span { (r.description.as_deref().unwrap_or("")) }
                              @if let Some(g) = r.group.as_deref().and_then(group_words) { br; span.muted { (g) } } }
                         td.num { (money_opt(r.amount)) } }
                }
            }
        }
        @if !remarks.is_empty() {
            p { "Remarks from the payer:" }
            ul { @for r in &remarks { li { span.code { (r.code) } " " (r.description.as_deref().unwrap_or("(no description)")) } } }
        }
        h2 { "Timeline" }
        p.muted { "Every statement about this claim, oldest first: who said it, the code as sent, what it means, and where it is in the file." }
        (timeline_list(&c, &timeline))
    };
    Ok(html_page(html::page(frame(&title, Section::None, &s), body)))
}

fn timeline_list(c: &ClaimRow, timeline: &[TimelineEntry]) -> Markup {
    html! {
        @if timeline.is_empty() { (empty("Nothing has been said about this claim yet.")) }
        ol.timeline {
            @for e in timeline {
                @let whole = matches!(e.about, About::File | About::TransactionSet | About::Provider);
                @let at = segment_link(e);
                li class=[whole.then_some("whole")] {
                    div {
                        strong { (who(e.event.source, e.event.source_party.as_ref())) }
                        " — " (file_kind(e.format.as_deref().unwrap_or(""))) " · " (when(e.seen))
                        @if whole { " " span.scope title="This statement is about more than this claim" { "about the " (e.about.as_words()) } }
                    }
                    div {
                        span.code { (e.event.raw_code) } " · "
                        @if e.event.source == crate::model::Source::Submitter { "submitted" } @else { (e.event.status.as_str().replace('_', " ")) }
                        @if let Some(paid) = e.event.amounts.paid { " · paid " (money(paid)) }
                    }
                    @if !e.event.reasons.is_empty() {
                        ul { @for r in &e.event.reasons {
                            li { span.code { (r.group.as_deref().map(|g| format!("{g}-")).unwrap_or_default()) (r.code) } " "
                                 (r.description.as_deref().unwrap_or("(no description)"))
                                 @if let Some(a) = r.amount { " · " (money(a)) } }
                        } }
                    }
                    div { @match at {
                        Some(q) => a href={ "/files/" (e.file_id) "?" (q) "#hit" } { "See it in " (e.file) },
                        None => a href={ "/files/" (e.file_id) "?claim=" (c.uid) "#hit" } { "See it in " (e.file) },
                    } }
                }
            }
        }
    }
}

/// One work queue as its page shows it: its rule's days, its size, its first claims.
pub(super) struct Queue {
    queue: WorkQueue,
    days: i64,
    size: i64,
    rows: Vec<ClaimRow>,
}

/// Where a statement is in its file, as the file page's query: the statement's own position
/// (its byte offset, else its line, else its segment's number), else its first reason's.
fn segment_link(e: &TimelineEntry) -> Option<String> {
    let positions = e.event.position.iter().chain(e.event.reasons.iter().filter_map(|r| r.position.as_ref()));
    positions
        .filter_map(|p| match (p.byte_offset, p.line, p.segment_index) {
            (Some(o), _, _) => Some(format!("off={o}")),
            (None, Some(l), _) => Some(format!("line={l}")),
            (None, None, Some(i)) => Some(format!("at={i}")),
            _ => None,
        })
        .next()
}

#[derive(Deserialize)]
pub(super) struct QueuesQuery {
    days: Option<i64>,
    era_days: Option<i64>,
    /// Only this queue ([`WorkQueue::as_str`]), a page at a time.
    only: Option<String>,
    page: Option<usize>,
}

pub(super) async fn queues(State(app): State<Arc<App>>, Extension(s): Extension<Session>, Q(q): Q<QueuesQuery>) -> PageResult {
    let days_of = move |queue: WorkQueue| match queue {
        WorkQueue::NoNews => q.days.unwrap_or(NO_NEWS_DAYS).clamp(1, 3650),
        WorkQueue::NoEra => q.era_days.unwrap_or(queue_days(WorkQueue::NoEra)).clamp(1, 3650),
        other => queue_days(other),
    };
    let only = match q.only.as_deref() {
        Some(name) => Some(WorkQueue::parse(name).ok_or_else(PageError::bad_address)?),
        None => None,
    };
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let (skip, per) = if only.is_some() { ((page - 1) * QUEUE_PAGE, QUEUE_PAGE) } else { (0, QUEUE_ROWS) };
    let read = crate::serve::read(&app, move |t| -> anyhow::Result<Vec<Queue>> {
        let mut out = Vec::new();
        for queue in WorkQueue::ALL.into_iter().filter(|q| only.is_none_or(|o| o == *q)) {
            let days = days_of(queue);
            let (rows, size) = t.work_queue(queue, days, skip, per)?;
            out.push(Queue { queue, days, size, rows });
        }
        Ok(out)
    });
    // As the home page's counts: kept until the database changes or the hour turns.
    let key = (days_of(WorkQueue::NoNews), days_of(WorkQueue::NoEra), only.map(WorkQueue::as_str), page, app.clock.now().timestamp().div_euclid(3600));
    let lists = app.web.queues.get(&key, app.version.current(), async move { read.await.map_err(PageError::from) }).await?;
    let lists = lists.as_slice();
    let days_query = format!("days={}&era_days={}", days_of(WorkQueue::NoNews), days_of(WorkQueue::NoEra));
    let body = html! {
        form.no-print method="get" action="/queues" {
            @if let Some(o) = only { input type="hidden" name="only" value=(o.as_str()); }
            label for="days" { "Nothing new for " } input #days type="number" name="days" min="1" max="3650" value=(days_of(WorkQueue::NoNews)); " days; "
            label for="era_days" { "no ERA after " } input #era_days type="number" name="era_days" min="1" max="3650" value=(days_of(WorkQueue::NoEra)); " days "
            button type="submit" { "Show" }
        }
        @if only.is_some() { p { a href={ "/queues?" (days_query) } { "All work queues" } } }
        @for Queue { queue, days, size, rows } in lists {
            section id=(queue.as_str()) {
                h2 { (queue_title(*queue, *days)) " (" (size) ")" }
                p.muted { (queue_help(*queue)) }
                (claims_table(rows, true))
                @if only.is_none() && *size > rows.len() as i64 {
                    p { "The " (rows.len()) " waiting longest are shown. "
                        a href={ "/queues?only=" (queue.as_str()) "&" (days_query) } { "All " (size) }
                    }
                }
                @if only.is_some() && *size > QUEUE_PAGE as i64 {
                    nav.pager aria-label="Pages" {
                        @if page > 1 { a href={ "/queues?only=" (queue.as_str()) "&" (days_query) "&page=" (page - 1) } { "← Waiting longer" } }
                        span { "Claims " (skip + 1) " to " (skip + rows.len()) " of " (size) }
                        @if ((skip + rows.len()) as i64) < *size { a href={ "/queues?only=" (queue.as_str()) "&" (days_query) "&page=" (page + 1) } { "Waiting less long →" } }
                    }
                }
            }
        }
    };
    Ok(html_page(html::page(frame("Work queues", Section::Queues, &s), body)))
}

#[derive(Deserialize)]
pub(super) struct ErrorsQuery {
    batch: Option<String>,
}

/// The error groups of one batch (by uid) or of every batch, with the batch's name.
/// Grouping every rejection and denial reads every rejected and denied claim (≈ 90 ms at
/// 100,000 claims), and nothing in it depends on the clock: the groups are kept until the
/// database changes, as `GET /api/v1/batches` is.
async fn error_groups(app: &Arc<App>, batch: Option<String>) -> Result<Arc<ErrorPage>, PageError> {
    let key = batch.clone();
    let read = crate::serve::read(app, move |t| -> anyhow::Result<Option<ErrorPage>> {
        let (id, name) = match &key {
            Some(key) => match t.find_batch(key)? {
                Some(id) => (Some(id), crate::tracking::query::batch(t.store().conn(), id)?.map(|b| b.name)),
                None => return Ok(None),
            },
            None => (None, None),
        };
        Ok(Some(ErrorPage { batch_name: name, groups: t.errors(id, false)? }))
    });
    let read = async move { read.await.map_err(PageError::from)?.ok_or_else(|| PageError::not_found("There is no such batch.")) };
    app.web.errors.get(&batch, app.version.current(), read).await
}

/// The open problems of one batch (named) or of all.
pub(super) struct ErrorPage {
    batch_name: Option<String>,
    groups: Vec<ErrorGroup>,
}

/// Claims listed under each problem on the errors page (the printable page lists all).
const CLAIMS_PER_PROBLEM: usize = 25;

/// The problems with their claims, `limit` claims each at most (the rest are counted, and
/// `more` links to where they all are).
fn error_groups_markup(groups: &[ErrorGroup], limit: usize, more: &str) -> Markup {
    html! {
        @if groups.is_empty() { (empty("No open rejections or denials.")) }
        @for g in groups {
            section.error-group {
                h2 {
                    span.code { (g.group.as_deref().map(|x| format!("{x}-")).unwrap_or_default()) (g.code) } " "
                    (g.description.as_deref().unwrap_or("(no description)"))
                }
                p {
                    (if g.kind == crate::tracking::query::ProblemKind::Rejection { "Rejected by " } else { "Denied by " })
                    (if g.source == "clearinghouse" { "Office Ally".to_string() } else { g.payer.clone().unwrap_or_else(|| "the payer".into()) })
                    " · " (g.count) " claim(s)"
                    @if let Some(cat) = &g.category { " · category " span.code { (cat) } }
                    @if let (Some(e), Some(d)) = (&g.entity, &g.entity_description) { " · about " (d) " " span.code { "(" (e) ")" } }
                }
                @if let Some(next) = &g.next_step { p { strong { "What to do: " } (next) } }
                table {
                    thead { tr { th scope="col" { "Patient control no." } th scope="col" { "OA Claim ID" } th scope="col" { "Status" } } }
                    tbody { @for c in g.claims.iter().take(limit) {
                        tr { td { a href={ "/claims/" (c.uid) } { (c.patient_control_number) } } td.code { (c.clearinghouse_claim_id.as_deref().unwrap_or("—")) } td { (claim_badge(c.status)) } }
                    } }
                }
                @if g.claims.len() > limit {
                    p { "And " (g.claims.len() - limit) " more claims: " a href=(more) { "print the whole list" } }
                }
            }
        }
    }
}

pub(super) async fn errors(State(app): State<Arc<App>>, Extension(s): Extension<Session>, Q(q): Q<ErrorsQuery>) -> PageResult {
    let batch = q.batch.clone();
    let page = error_groups(&app, q.batch).await?;
    let (name, groups) = (&page.batch_name, &page.groups);
    let print = match &batch {
        Some(b) => format!("/errors/print?batch={b}"),
        None => "/errors/print".to_string(),
    };
    let body = html! {
        p.no-print {
            @match &name { Some(n) => { "Open rejections and denials of batch " (n) ". " a href="/errors" { "All batches" } }, None => "Open rejections and denials of every batch, grouped by code: who said it, what to do, the claims it hit." }
            " " (html::button_link(&print, "Print errors"))
        }
        (error_groups_markup(groups, CLAIMS_PER_PROBLEM, &print))
    };
    Ok(html_page(html::page(frame("Errors", Section::Errors, &s), body)))
}

/// One page a practice can hand to whoever fixes the claims: no navigation, a print sheet.
pub(super) async fn errors_print(State(app): State<Arc<App>>, Extension(_s): Extension<Session>, Q(q): Q<ErrorsQuery>) -> PageResult {
    let page = error_groups(&app, q.batch).await?;
    let (name, groups) = (&page.batch_name, &page.groups);
    let now = app.clock.now();
    let claims: usize = groups.iter().map(|g| g.claims.len()).sum();
    let title = match &name {
        Some(n) => format!("Claims to fix: batch {n}"),
        None => "Claims to fix".to_string(),
    };
    let body = html! {
        p { "Printed " (when(now)) " · " (groups.len()) " problem(s), " (claims) " claim(s). Fix each claim and submit it again with the same patient control number." }
        p.no-print { a href="/errors" { "Back to errors" } " · use your browser's Print (Ctrl+P)." }
        (error_groups_markup(groups, usize::MAX, ""))
    };
    Ok(html_page(html::bare(&title, body)))
}

#[derive(Deserialize)]
pub(super) struct SearchForm {
    csrf: String,
    q: String,
}

/// `POST /search`: a claim found by its key opens directly; otherwise the matches are listed.
pub(super) async fn search(State(app): State<Arc<App>>, Extension(s): Extension<Session>, form: Result<Form<SearchForm>, FormRejection>) -> PageResult {
    let f = form.map_err(|_| PageError::bad_form())?.0;
    check_csrf(&s, &f.csrf)?;
    let text = f.q.trim().to_string();
    if text.is_empty() {
        return Ok(Redirect::to("/").into_response());
    }
    let key = text.clone();
    let (exact, rows) = crate::serve::read(&app, move |t| -> anyhow::Result<_> {
        let exact = t.claim(&key)?;
        let rows = if exact.len() == 1 {
            (Vec::new(), None)
        } else {
            t.search_claims(&ClaimSearch { text: Some(key), status: None, from: None, to: None, before: None, limit: 100 })?
        };
        Ok((exact, rows))
    })
    .await?;
    if let [(c, _)] = exact.as_slice() {
        return Ok(Redirect::to(&format!("/claims/{}", c.uid)).into_response());
    }
    let mut f = frame("Search", Section::None, &s);
    f.query = &text;
    let (rows, more) = rows;
    let body = html! {
        p { @if more.is_some() { "More than " (rows.len()) " claims match " strong { (text) } "; the newest " (rows.len()) " are shown." }
            @else { (rows.len()) " claim(s) match " strong { (text) } "." } }
        (claims_table(&rows, true))
    };
    Ok(html_page(html::page(f, body)))
}

#[derive(Deserialize)]
pub(super) struct SyncQuery {
    /// Do not reload the page while the sync runs.
    still: Option<String>,
}

pub(super) async fn sync_page(State(app): State<Arc<App>>, Extension(s): Extension<Session>, Q(q): Q<SyncQuery>) -> PageResult {
    let now = app.clock.now();
    let Some(syncer) = &app.syncer else {
        let body = html! { p { "Syncing from the dashboard needs `claimtrack serve` to know the configuration (run `claimtrack init` first)." } };
        return Ok(html_page(html::page(frame("Sync with Office Ally", Section::Home, &s), body)));
    };
    let st = syncer.state();
    let body = sync_body(&st, &s.csrf, now);
    let mut f = frame("Sync with Office Ally", Section::Home, &s);
    f.refresh = (st.running && q.still.is_none()).then_some(2);
    Ok(html_page(html::page(f, body)))
}

/// How a sync ended, in words: "finished without problems", "finished, with problems",
/// "failed".
fn sync_outcome(last: &crate::serve::LastSync) -> &'static str {
    match last.outcome {
        "ok" => "finished without problems",
        "problems" => "finished, with problems",
        _ => "failed",
    }
}

/// What the sync page says: the transfer under way (the page reloads itself meanwhile), or
/// "Sync now"; and how the last sync ended.
fn sync_body(st: &crate::serve::SyncState, csrf: &str, now: DateTime<Utc>) -> Markup {
    html! {
        @if st.running {
            p role="status" { "Syncing with Office Ally" @if let Some(t) = st.started_at.as_deref().and_then(crate::clock::parse_stored) { ", started " (html::ago(t, now)) } "…" }
            @if let Some(tr) = &st.transfer {
                p { (if tr.action == "upload" { "Uploading " } else { "Downloading " }) span.code { (tr.name) } }
                progress aria-label="Transfer progress" max=(tr.total.max(1)) value=(tr.done) { (tr.done) " of " (tr.total) " bytes" }
            }
            p.muted { "This page reloads every 2 seconds until the sync ends. " a href="/sync?still=1" { "Stop reloading" } }
        } @else {
            (post_button("/sync", csrf, &[], "Sync now"))
        }
        @if let Some(last) = &st.last {
            h2 { "Last sync" }
            p {
                @let outcome = sync_outcome(last);
                (outcome[..1].to_uppercase()) (outcome[1..])
                @if let Some(t) = crate::clock::parse_stored(&last.finished_at) { ", " (when_ago(t, now)) } "."
            }
            @if let Some(r) = &last.report {
                ul {
                    li { (r.uploaded.len()) " batch(es) uploaded" }
                    li { (r.downloaded.len()) " report(s) downloaded" }
                    @for p in &r.problems { li { (p) } }
                }
            }
            @if let Some(e) = &last.error { div.alert { h2 { "Why it failed" } p { (e.message) } p.code { (e.kind) } } }
        }
        p { a href="/" { "Back to the home page" } }
    }
}

pub(super) async fn sync_now(State(app): State<Arc<App>>, Extension(s): Extension<Session>, form: Result<Form<CsrfForm>, FormRejection>) -> PageResult {
    check_csrf(&s, &form.map_err(|_| PageError::bad_form())?.0.csrf)?;
    let Some(syncer) = &app.syncer else { return Err(PageError::not_found("Syncing is not set up for this server.")) };
    syncer.start();
    Ok(Redirect::to("/sync").into_response())
}

pub(super) async fn connection(State(app): State<Arc<App>>, Extension(s): Extension<Session>) -> PageResult {
    let now = app.clock.now();
    let (state, doctor) = crate::serve::read(&app, |t| -> anyhow::Result<_> {
        Ok((t.connection_state()?, crate::doctor::last_report(t.store().conn())?))
    })
    .await?;
    let config = match &app.config {
        Some(paths) if paths.config.is_file() => Some(crate::config::Config::load(&paths.config).map_err(|e| e.to_string())),
        _ => None,
    };
    let body = html! {
        h2 { "Configuration" }
        @match &config {
            None => p { "No configuration yet: run `claimtrack init` on this computer." },
            Some(Err(e)) => div.alert { p { (e) } },
            Some(Ok(c)) => {
                p.muted { "From " span.code { (app.config.as_ref().map(|p| p.config.display().to_string()).unwrap_or_default()) } ". The password is never shown." }
                pre.raw { (toml::to_string_pretty(c).unwrap_or_default()) }
            }
        }
        h2 { "Connection" }
        dl.facts {
            dt { "Last success" } dd { @match state.last_success.as_deref().and_then(crate::clock::parse_stored) { Some(t) => (when_ago(t, now)), None => "never" } }
            @if let Some((at, kind, message)) = &state.last_error {
                dt { "Last failure" } dd { @if let Some(t) = crate::clock::parse_stored(at) { (when_ago(t, now)) ": " } (message) " " span.code { "(" (kind) ")" } }
            }
            @if let Some((_, message)) = &state.credentials_rejected {
                dt { "Login" } dd { strong { "Rejected by Office Ally: " } (message) " claimtrack will not try again on its own. Call Office Ally at (360) 975-7000, option 1, if the account is paused; then run `claimtrack sync --retry-auth`." }
            }
        }
        h2 { "Connection check" }
        p.muted { "The same checks as `claimtrack doctor`: the configuration, the password, the server, its host key, the login (tried once), the folders, and whether Office Ally picks up uploads." }
        @match &doctor {
            None => p.muted { "Not run yet (here or with `claimtrack doctor`)." },
            Some((at, d)) => {
                p { "Last run " (when_ago(*at, now)) ". " (d["verdict"].as_str().unwrap_or("")) }
                ul.checks { @for c in d["checks"].as_array().into_iter().flatten() {
                    @let outcome = c["outcome"].as_str().unwrap_or("");
                    li class=(outcome) { strong { (c["name"].as_str().unwrap_or("")) } ": " (outcome) " — " (c["detail"].as_str().unwrap_or(""))
                        @if let Some(n) = c["next_step"].as_str() { br; span { "Next: " (n) } } }
                } }
            }
        }
        (post_button("/connection/doctor", &s.csrf, &[], "Check the connection (doctor)"))
    };
    Ok(html_page(html::page(frame("Connection", Section::Connection, &s), body)))
}

pub(super) async fn run_doctor(State(app): State<Arc<App>>, Extension(s): Extension<Session>, form: Result<Form<CsrfForm>, FormRejection>) -> PageResult {
    check_csrf(&s, &form.map_err(|_| PageError::bad_form())?.0.csrf)?;
    let Some(paths) = app.config.clone() else { return Err(PageError::not_found("`claimtrack serve` does not know the configuration.")) };
    // `diagnose` keeps its report, which the page shows.
    app.with(move |t| {
        let config = crate::config::Config::load(&paths.config);
        let password = crate::config::load_password(&paths);
        crate::doctor::diagnose(config, &paths, password, t, crate::transport::TrustNew::Refuse)
    })
    .await?;
    Ok(Redirect::to("/connection").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::{SyncState, Transfer};

    fn at(s: &str) -> DateTime<Utc> {
        crate::clock::parse_stored(s).unwrap()
    }

    #[test]
    fn a_running_sync_shows_its_transfer_and_no_second_start() {
        let st = SyncState {
            running: true,
            started_at: Some("2026-03-12T09:00:00Z".into()),
            transfer: Some(Transfer { action: "download".into(), name: "FS_HCFA_1.txt".into(), done: 512, total: 2048 }),
            ..SyncState::default()
        };
        let page = sync_body(&st, "t0k3n", at("2026-03-12T09:00:30Z")).into_string();
        assert!(page.contains("Downloading"), "{page}");
        assert!(page.contains(r#"max="2048" value="512""#), "{page}");
        assert!(!page.contains("action=\"/sync\""), "no Sync now while one runs: {page}");
        let idle = sync_body(&SyncState::default(), "t0k3n", at("2026-03-12T09:00:30Z")).into_string();
        assert!(idle.contains(r#"action="/sync""#) && idle.contains(r#"value="t0k3n""#), "{idle}");
    }

    #[test]
    fn the_week_starts_on_monday_at_midnight() {
        // TZ is not set by the tests: the server's zone; the start is a Monday at 00:00 there,
        // at most 7 days back.
        let now = at("2026-03-12T10:00:00Z");
        let start = week_start(now).with_timezone(&Local);
        assert_eq!(start.weekday(), chrono::Weekday::Mon);
        assert_eq!(start.format("%H:%M").to_string(), "00:00");
        assert!(now - week_start(now) <= Duration::days(7) && week_start(now) <= now);
    }
}
