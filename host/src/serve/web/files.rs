//! The Files pages: the archive (search, the raw bytes, a file's segments with the ones a
//! statement came from marked) and the 837 upload that shows Office Ally's rule check before
//! anything is queued.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::rejection::FormRejection;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::{Extension, Form};
use maud::{html, Markup};
use serde::Deserialize;

use super::html::{self, csrf_field, empty, when, Section};
use super::segments;
use super::session::Session;
use super::{check_csrf, frame, html_page, PageError, PageResult, P, Q};
use crate::serve::App;
use crate::submit::{SubmitError, SubmitOutcome};

/// Files on one page of the archive.
const FILES_PER_PAGE: usize = 100;
/// Segments shown around the one a link points at, and on one page of a file.
const BEFORE: usize = 15;
const AFTER: usize = 60;
const SEGMENTS_PER_PAGE: usize = 300;

/// An 837 checked and waiting for "Queue it".
pub(super) struct Pending {
    name: String,
    bytes: axum::body::Bytes,
    test: bool,
    pub(super) at: Instant,
    /// The CSRF token of the session that checked it: only that session can queue it.
    pub(super) owner: String,
}

#[derive(Deserialize)]
pub(super) struct ListQuery {
    attention: Option<String>,
    name: Option<String>,
    page: Option<usize>,
}

pub(super) async fn list(State(app): State<Arc<App>>, Extension(s): Extension<Session>, Q(q): Q<ListQuery>) -> PageResult {
    let attention = q.attention.as_deref() == Some("1");
    let name = q.name.clone().unwrap_or_default().trim().to_lowercase();
    // Listing reads past each file's bytes in its row: kept until the database changes.
    let read = crate::serve::read(&app, move |t| t.store().archived_files(attention));
    let all = app.web.files.get(&attention, app.version.current(), async move { read.await.map_err(PageError::from) }).await?;
    let mut rows: Vec<&crate::store::ArchivedFile> = all.iter().rev().collect();
    if !name.is_empty() {
        rows.retain(|f| f.name.to_lowercase().contains(&name));
    }
    let pages = rows.len().div_ceil(FILES_PER_PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let now = app.clock.now();
    let link = |page: usize| {
        let mut l = format!("/files?page={page}");
        if attention {
            l.push_str("&attention=1");
        }
        l
    };
    let body = html! {
        section aria-labelledby="upload-h" {
            h2 #upload-h { "Submit an 837" }
            p { "Choose the 837 your billing software made. claimtrack checks it against Office Ally's rules and shows what it finds; nothing is queued until you say so." }
            form method="post" action="/files/check" enctype="multipart/form-data" {
                (csrf_field(&s.csrf))
                label for="file" { "837 file " } input #file type="file" name="file" required;
                " " input #test type="checkbox" name="test" value="1"; label for="test" { " Office Ally test file (OATEST)" }
                " " button.primary type="submit" { "Check it" }
            }
        }
        section aria-labelledby="archive-h" {
            h2 #archive-h { "Archive" }
            form method="get" action="/files" {
                label for="name" { "File name contains " } input #name type="search" name="name" value=(q.name.as_deref().unwrap_or(""));
                " " input #attention type="checkbox" name="attention" value="1" checked[attention]; label for="attention" { " only files needing attention" }
                " " button type="submit" { "Show" }
            }
            @if rows.is_empty() {
                (empty(if attention { "Every file was read." } else { "No files match." }))
            } @else {
                table {
                    thead { tr { th scope="col" { "File" } th scope="col" { "Arrived" } th scope="col" { "Read as" } th scope="col" { "From" } th.num scope="col" { "Size" } th scope="col" { "" } } }
                    tbody { @for f in rows.iter().skip((page - 1) * FILES_PER_PAGE).take(FILES_PER_PAGE) {
                        tr {
                            td { a href={ "/files/" (f.id) } { (f.name) } }
                            td { (when(f.first_seen)) br; span.ago { (html::ago(f.first_seen, now)) } }
                            td { @match &f.format {
                                Some(fmt) if f.outcome == "parsed" => { (crate::tracking::words::file_kind(fmt)) @if f.errors > 0 { br; span.muted { (f.errors) " error(s) reading it" } } },
                                _ => span.badge.red title=(f.problem.as_deref().unwrap_or("")) { "needs attention" },
                            } }
                            td { (f.origin.words()) }
                            td.num { (f.size) }
                            td { a href={ "/files/" (f.id) "/download" } { "Download" } }
                        }
                    } }
                }
                @if pages > 1 {
                    nav.pager aria-label="Pages" {
                        @if page > 1 { a href=(link(page - 1)) { "← Newer" } }
                        span { "Page " (page) " of " (pages) }
                        @if page < pages { a href=(link(page + 1)) { "Older →" } }
                    }
                }
            }
        }
    };
    Ok(html_page(html::page(frame("Files", Section::Files, &s), body)))
}

#[derive(Deserialize)]
pub(super) struct ViewQuery {
    /// A byte offset in the file (a statement's position): the segment holding it is marked,
    /// with those around it.
    off: Option<usize>,
    /// A 1-based line (a text report's position): the segment starting there is marked.
    line: Option<usize>,
    /// A segment's 1-based ordinal as plugins count them, when that is all a position says.
    at: Option<usize>,
    /// A claim's uid: the segments naming its patient control number are marked.
    claim: Option<String>,
    /// The first segment of a page (1-based).
    from: Option<usize>,
}

pub(super) async fn view(State(app): State<Arc<App>>, Extension(s): Extension<Session>, P(id): P<i64>, Q(q): Q<ViewQuery>) -> PageResult {
    let claim = q.claim.clone();
    let (found, pcn) = crate::serve::read(&app, move |t| -> anyhow::Result<_> {
        let pcn = match &claim {
            Some(uid) => crate::tracking::query::claim_by_uid(t.store().conn(), uid)?.map(|c| c.patient_control_number),
            None => None,
        };
        Ok((t.store().stored_file(&id.to_string())?, pcn))
    })
    .await?;
    let (file, bytes) = found.ok_or_else(|| PageError::not_found("There is no such file in the archive."))?;
    let all = segments::split(&bytes);
    // 0-based indexes of the marked segments.
    let hits: Vec<usize> = if let Some(off) = q.off {
        segments::at_offset(&all, off).into_iter().collect()
    } else if let Some(line) = q.line {
        segments::at_line(&all, line).into_iter().collect()
    } else if let Some(at) = q.at {
        (1..=all.len()).contains(&at).then(|| at - 1).into_iter().collect()
    } else if let Some(pcn) = &pcn {
        all.iter().enumerate().filter(|(_, s)| segments::names(&s.text, pcn)).map(|(i, _)| i).collect()
    } else {
        Vec::new()
    };
    // The 0-based range shown: around the marks, or a page.
    let (start, end) = match (hits.first(), hits.last()) {
        (Some(&first), Some(&last)) => (first.saturating_sub(BEFORE), last.saturating_add(AFTER).min(first.saturating_add(2 * SEGMENTS_PER_PAGE)).min(all.len())),
        _ => {
            let from = q.from.unwrap_or(1).clamp(1, all.len().max(1)) - 1;
            (from, from.saturating_add(SEGMENTS_PER_PAGE).min(all.len()))
        }
    };
    let now = app.clock.now();
    let title = format!("File {}", file.name);
    let marked = q.off.is_some() || q.line.is_some() || q.at.is_some() || pcn.is_some();
    let body = html! {
        dl.facts {
            dt { "Arrived" } dd { (html::when_ago(file.first_seen, now)) }
            dt { "Read as" } dd { (file.format.as_deref().map(crate::tracking::words::file_kind).unwrap_or_else(|| "not read".into()))
                @if let Some(p) = &file.plugin { span.muted { " by " (p) " " (file.plugin_version.as_deref().unwrap_or("")) } } }
            @if let Some(problem) = &file.problem { dt { "Problem" } dd { (problem) } }
            dt { "From" } dd { (file.origin.words()) }
            dt { "Size" } dd { (file.size) " bytes · SHA-256 " span.code { (file.sha256) } }
        }
        p { a.button href={ "/files/" (file.id) "/download" } { "Download the file" } }
        @if marked && hits.is_empty() { p.notice { "No segment of this file names the claim itself: the statement is about the whole file or its transaction set." } }
        @if all.is_empty() { (empty("The file is empty.")) } @else {
            p.muted { "Segments " (start + 1) " to " (end) " of " (all.len()) "." @if !hits.is_empty() { " The marked one is what the statement came from." } }
            pre.raw aria-label="The file's segments" {
                @for (i, seg) in all.iter().enumerate().take(end).skip(start) {
                    span id={ "s" (i + 1) } class={ "seg" @if hits.contains(&i) { " hit" } } {
                        @if hits.first() == Some(&i) { span id="hit" {} }
                        span.ln aria-hidden="true" { (i + 1) } (seg.text)
                    }
                }
            }
            @if hits.is_empty() && all.len() > SEGMENTS_PER_PAGE {
                nav.pager aria-label="Pages" {
                    @if start > 0 { a href={ "/files/" (file.id) "?from=" (start.saturating_sub(SEGMENTS_PER_PAGE) + 1) } { "← Earlier" } }
                    @if end < all.len() { a href={ "/files/" (file.id) "?from=" (end + 1) } { "Later →" } }
                }
            }
        }
    };
    Ok(html_page(html::page(frame(&title, Section::Files, &s), body)))
}

pub(super) async fn download(State(app): State<Arc<App>>, P(id): P<i64>) -> PageResult {
    let found = crate::serve::read(&app, move |t| t.store().stored_file(&id.to_string())).await?;
    let (file, bytes) = found.ok_or_else(|| PageError::not_found("There is no such file in the archive."))?;
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream")), (header::CONTENT_DISPOSITION, crate::serve::attachment(&file.name))],
        Body::from(bytes),
    )
        .into_response())
}

/// `POST /files/check` (multipart: `csrf`, `file`, `test`): the rule check, nothing stored.
pub(super) async fn check(State(app): State<Arc<App>>, Extension(s): Extension<Session>, mut form: Multipart) -> PageResult {
    let (mut csrf, mut name, mut bytes, mut test) = (String::new(), String::new(), axum::body::Bytes::new(), false);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(PageError { status: StatusCode::PAYLOAD_TOO_LARGE, title: "The file is too large", message: format!("An 837 can be up to {} MiB; Office Ally takes larger batches split into several files.", crate::serve::SUBMIT_LIMIT >> 20) })
            }
            Err(_) => return Err(PageError::bad_form()),
        };
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(|_| PageError::bad_form())?,
            Some("test") => test = true,
            Some("file") => {
                name = field.file_name().unwrap_or("upload.837").rsplit(['/', '\\']).next().unwrap_or("upload.837").to_string();
                bytes = field.bytes().await.map_err(|_| PageError::bad_form())?;
            }
            _ => {}
        }
    }
    check_csrf(&s, &csrf)?;
    if bytes.is_empty() {
        return Err(PageError { status: StatusCode::BAD_REQUEST, title: "No file", message: "Choose the 837 file to check.".into() });
    }
    let config = app.office_ally_config()?;
    let test = test || config.as_ref().is_some_and(|c| c.sync.test_mode);
    let pending = Pending { name: name.clone(), bytes, test, at: Instant::now(), owner: s.csrf.clone() };
    let (checked, pending) = app
        .with(move |t| {
            let r = t.check_submission(&pending.name, &pending.bytes, pending.test).map(|c| (c.format, c.claim_count, c.broken));
            (r, pending)
        })
        .await?;
    let body = match checked {
        Ok((format, claims, broken)) if broken.is_empty() => {
            let id = app.web.keep_upload(pending).map_err(|e| PageError::internal(&e))?;
            html! {
                div.notice role="status" { h2 { "It passes Office Ally's checks" } p { (name) ": " (crate::tracking::words::file_kind(&format)) ", " (claims) " claim(s)" @if test { ", as a test file" } "." } }
                form method="post" action="/files/queue" {
                    (csrf_field(&s.csrf)) input type="hidden" name="upload" value=(id);
                    button.primary type="submit" { "Queue it for Office Ally" }
                }
                p.muted { "Queued batches are uploaded by the next sync." }
            }
        }
        Ok((_, _, broken)) => html! {
            div.alert role="alert" {
                h2 { "Not queued: " (broken.len()) " problem(s) to fix first" }
                p { (name) " breaks these Office Ally rules. Fix them in your billing software, make the 837 again and upload it here." }
                ul { @for (code, message) in &broken { li { span.code { (code) } " " (message.strip_prefix("Office Ally rule: ").unwrap_or(message)) } } }
            }
            p { a href="/files" { "Upload another file" } }
        },
        Err(e) => refusal(&name, &e),
    };
    Ok(html_page(html::page(frame("Check an 837", Section::Files, &s), body)))
}

fn refusal(name: &str, e: &SubmitError) -> Markup {
    html! {
        div.alert role="alert" { h2 { "Not queued" } p { (match e { SubmitError::AlreadySubmitted { .. } => format!("{name} was submitted before: its batch is tracked already."), other => other.to_string() }) } }
        p { a href="/files" { "Back to Files" } }
    }
}

#[derive(Deserialize)]
pub(super) struct QueueForm {
    csrf: String,
    upload: String,
}

pub(super) async fn queue(State(app): State<Arc<App>>, Extension(s): Extension<Session>, form: Result<Form<QueueForm>, FormRejection>) -> PageResult {
    let f = form.map_err(|_| PageError::bad_form())?.0;
    check_csrf(&s, &f.csrf)?;
    let p = app.web.take_upload(&f.upload, &s.csrf).ok_or_else(|| PageError {
        status: StatusCode::GONE,
        title: "This check has expired",
        message: "Checked files wait 30 minutes for \"Queue it\". Upload the file again.".into(),
    })?;
    let name = p.name.clone();
    let result = app.with(move |t| t.submit(&p.name, &p.bytes, p.test, false)).await?;
    let body = match SubmitOutcome::of(&name, &result) {
        Some(SubmitOutcome::Queued { submission }) => html! {
            div.notice role="status" {
                h2 { "Queued" }
                p { (name) " is queued as " span.code { (submission.staged_name) } " with " (submission.claim_count) " claim(s). The next sync uploads it." }
            }
            p { a href="/batches" { "See it in Batches" } " · " a href="/sync" { "Sync now" } }
        },
        Some(SubmitOutcome::Refused { broken_rules, .. }) => html! {
            div.alert role="alert" { h2 { "Not queued" } ul { @for r in &broken_rules { li { span.code { (r.code) } " " (r.message) } } } }
        },
        Some(SubmitOutcome::AlreadySubmitted { staged_name, .. }) => html! { div.notice { p { (name) " was submitted before as " span.code { (staged_name) } "." } } },
        None => match &result {
            Err(e) => refusal(&name, e),
            Ok(_) => empty("Queued."),
        },
    };
    Ok(html_page(html::page(frame("Submit an 837", Section::Files, &s), body)))
}
