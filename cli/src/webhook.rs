//! `claimtrack webhook add|list|remove|deliveries`.

use super::output::{self, outln};
use super::table::{Cell, Table, Tone};
use super::track::{no_data_yet, open};
use super::{exit, setup_failed, Ctx};
use claimtrack::webhooks::{self, Webhook, WebhookError};

#[derive(Debug, clap::Args)]
pub struct WebhookArgs {
    #[command(subcommand)]
    command: WebhookCommand,
}

#[derive(Debug, clap::Subcommand)]
enum WebhookCommand {
    /// POST every change of the chosen kinds to URL, signed with a secret shown once.
    /// `claimtrack serve` delivers them.
    Add {
        /// Where to POST (https://, or http:// to this machine).
        url: String,
        /// The kinds of change to send, comma-separated: status (batches and claims), alert,
        /// file. Default: all.
        #[arg(long, value_name = "KINDS", default_value = "status,alert,file")]
        events: String,
        /// Also send the changes after this cursor that happened before now (0: the whole
        /// log). Default: only what happens from now on.
        #[arg(long, value_name = "CURSOR")]
        since: Option<i64>,
        /// Allow plain http:// to another machine: patient data would cross the network
        /// unencrypted.
        #[arg(long)]
        insecure_http: bool,
        /// Print JSON (docs/json.md): `{secret, id, url, events, …}`.
        #[arg(long)]
        json: bool,
    },
    /// The webhooks, with what each was delivered, still owes, and its last failure.
    List {
        /// Removed webhooks too.
        #[arg(long)]
        all: bool,
        /// Print JSON (docs/json.md) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Stop sending to a webhook, at once; what it was still owed is dropped.
    Remove {
        /// Its number (`claimtrack webhook list`).
        id: i64,
        /// Print JSON (docs/json.md) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The newest deliveries: which change, to which webhook, how many tries, what failed.
    Deliveries {
        /// Only this webhook's.
        #[arg(long, value_name = "ID")]
        webhook: Option<i64>,
        /// Only those not delivered (pending or given up).
        #[arg(long)]
        failing: bool,
        /// How many to show.
        #[arg(long, value_name = "N", default_value_t = 50)]
        limit: usize,
        /// Print JSON (docs/json.md) instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub fn webhook(ctx: &Ctx, args: WebhookArgs) -> u8 {
    if let Err(code) = no_data_yet(ctx) {
        return code;
    }
    let t = match open(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let failed = |e: WebhookError| {
        if let WebhookError::Database(_) = e {
            return setup_failed("the webhooks could not be read", &e.into());
        }
        let code = if matches!(e, WebhookError::BadUrl(_) | WebhookError::BadEvents(_) | WebhookError::PlainHttp(_)) {
            exit::USAGE
        } else {
            exit::SOME_FAILED
        };
        output::fail(e.kind(), &e.to_string(), Some("`claimtrack webhook list` lists the webhooks."));
        code
    };
    match args.command {
        WebhookCommand::Add { url, events, since, insecure_http, json } => {
            let events = match webhooks::parse_events(&events) {
                Ok(e) => e,
                Err(e) => return failed(e),
            };
            let since = match since {
                Some(s) => s,
                None => match t.latest_change() {
                    Ok(c) => c,
                    Err(e) => return setup_failed("the change log could not be read", &e.into()),
                },
            };
            match t.add_webhook(&url, &events, since, insecure_http) {
                Ok((secret, w)) => {
                    if json {
                        output::json("webhook add", &webhooks::CreatedWebhook { secret: &secret, webhook: &w });
                    } else {
                        outln!("{secret}");
                        eprintln!(
                            "webhook {} added: {} changes go to {}, signed with the secret above (shown only now; \
                             check Claimtrack-Signature with it). `claimtrack serve` delivers them{}.",
                            w.id,
                            kinds(&w),
                            output::clean(&w.url),
                            if w.pending > 0 { format!(", starting with {} from the log", w.pending) } else { String::new() }
                        );
                    }
                    exit::OK
                }
                Err(e) => failed(e),
            }
        }
        WebhookCommand::List { all, json } => match t.webhooks(all) {
            Ok(list) => {
                if json {
                    output::json("webhook list", &list);
                } else if list.is_empty() {
                    outln!("No webhooks: `claimtrack webhook add URL` adds one.");
                } else {
                    // A URL does not break between words: it goes below its row, as `files`
                    // does with file names, so the table keeps to the terminal's width.
                    let mut table = Table::new(&["#", "Sends", "Delivered", "Waiting", "State"]);
                    for w in &list {
                        let state = match (&w.removed_at, &w.last_error) {
                            (Some(at), _) => Cell::new(format!("removed {}", ctx.times.at_str(at))).tone(Tone::Dim),
                            (None, Some(err)) => Cell::new(format!("failing: {}", output::clean(err))).tone(Tone::Bad),
                            (None, None) if w.expired > 0 => Cell::new(format!("{} given up", w.expired)).tone(Tone::Warn),
                            (None, None) => Cell::new("ok").tone(Tone::Good),
                        };
                        table.row(vec![
                            Cell::new(w.id.to_string()),
                            Cell::new(kinds(w)),
                            Cell::new(w.delivered.to_string()),
                            Cell::new(w.pending.to_string()),
                            state,
                        ]);
                        table.note(format!("to {}", output::clean(&w.url)));
                    }
                    output::print_table(&table);
                }
                exit::OK
            }
            Err(e) => failed(e),
        },
        WebhookCommand::Remove { id, json } => match t.remove_webhook(id) {
            Ok(w) => {
                if json {
                    output::json("webhook remove", &w);
                } else {
                    outln!("webhook {} removed: nothing more is sent to {}", w.id, output::clean(&w.url));
                }
                exit::OK
            }
            Err(e) => failed(e),
        },
        WebhookCommand::Deliveries { webhook, failing, limit, json } => match t.webhook_deliveries(webhook, failing, limit) {
            Ok(list) => {
                if json {
                    output::json("webhook deliveries", &list);
                } else if list.is_empty() {
                    outln!("No deliveries{}.", if failing { " failing" } else { "" });
                } else {
                    let mut table = Table::new(&["Change", "Webhook", "State", "Tries", "Last try", "Last error"]);
                    for d in &list {
                        let state = match d.state.as_str() {
                            "delivered" => Cell::new("delivered").tone(Tone::Good),
                            "expired" => Cell::new("given up").tone(Tone::Bad),
                            _ if d.attempts > 0 => Cell::new("retrying").tone(Tone::Warn),
                            _ => Cell::new("waiting"),
                        };
                        table.row(vec![
                            Cell::new(d.id.to_string()),
                            Cell::new(d.webhook.to_string()),
                            state,
                            Cell::new(d.attempts.to_string()),
                            Cell::new(d.last_attempt_at.as_deref().map(|a| ctx.times.at_str(a)).unwrap_or_default()),
                            Cell::new(d.last_error.as_deref().map(output::clean).unwrap_or_default()),
                        ]);
                    }
                    output::print_table(&table);
                    outln!("`claimtrack changes --since N` shows a change; its number is the delivery's id.");
                }
                exit::OK
            }
            Err(e) => failed(e),
        },
    }
}

fn kinds(w: &Webhook) -> String {
    w.events.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}
