//! `claimtrack serve` and `claimtrack token`.

use std::net::SocketAddr;

use super::output::{self, outln};
use super::table::{Cell, Table, Tone};
use super::track::{no_data_yet, open};
use super::{exit, setup_failed, Ctx};
use claimtrack::serve::{self, tokens, Options};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on. Another machine can reach anything but 127.0.0.1 (or ::1),
    /// which then needs HTTPS (--tls-cert and --tls-key) or --insecure-http.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:7171")]
    listen: SocketAddr,
    /// Serve HTTPS with this certificate chain (PEM, the server's certificate first).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// Serve plain HTTP on an address other machines can reach: tokens and patient data
    /// cross the network unencrypted. Prefer --tls-cert and --tls-key.
    #[arg(long, conflicts_with = "tls_cert")]
    insecure_http: bool,
    /// Also sync with Office Ally every MIN minutes, as `claimtrack watch` does (failures
    /// wait longer; rejected credentials are never tried again by themselves).
    /// `POST /api/v1/sync` starts one at any time.
    #[arg(long, value_name = "MIN", value_parser = clap::value_parser!(u32).range(1..=1440))]
    sync_every: Option<u32>,
    /// Requests served at once (each holds a database connection).
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    workers: u16,
    /// The first retry of a failed webhook delivery, in milliseconds (it doubles from there,
    /// up to an hour). For tests and demos that bring a receiver back at once.
    #[arg(long, hide = true, value_name = "MS", env = "CLAIMTRACK_WEBHOOK_FIRST_RETRY_MS")]
    webhook_first_retry_ms: Option<u64>,
}

pub fn serve(ctx: &Ctx, args: ServeArgs) -> u8 {
    if let Err(code) = no_data_yet(ctx) {
        return code;
    }
    let mut webhooks = claimtrack::webhooks::deliver::Settings::default();
    if let Some(ms) = args.webhook_first_retry_ms {
        webhooks.first_retry = std::time::Duration::from_millis(ms);
    }
    let options = Options {
        listen: args.listen,
        insecure_http: args.insecure_http,
        tls: args.tls_cert.zip(args.tls_key).map(|(cert, key)| serve::TlsFiles { cert, key }),
        workers: args.workers.into(),
        webhooks: Some(webhooks),
        sync: claimtrack::config::ConfigPaths::resolve(ctx.config_path()).map(|paths| serve::SyncSetup {
            paths,
            every: args.sync_every.map(|m| std::time::Duration::from_secs(u64::from(m) * 60)),
        }),
        ..Options::default()
    };
    let scheme = if options.tls.is_some() { "https" } else { "http" };
    // The sign-in link is made before listening, so a failure to make one stops nothing.
    let code = match open(ctx).map(|t| t.dashboard_code()) {
        Ok(Ok(code)) => Some(code),
        Ok(Err(e)) => {
            eprintln!("warning: no dashboard sign-in link: {e}");
            None
        }
        Err(code) => return code,
    };
    let ready = |addr: SocketAddr| {
        if let Some(code) = &code {
            outln!("Dashboard: {scheme}://{addr}/sign-in?code={code}");
            outln!("  (open it in a browser on this computer; it works once, for an hour; `claimtrack dashboard` gives another)");
        }
        outln!("claimtrack API on {scheme}://{addr}/api/v1 (Ctrl-C stops it)");
        outln!("Every request needs a token: `claimtrack token create NAME` makes one.");
        outln!("Webhooks (`claimtrack webhook list`) are delivered while it runs.");
        if let Some(m) = args.sync_every {
            outln!("It syncs with Office Ally every {m} minutes.");
        }
    };
    match serve::run(&ctx.data_dir, ctx.clock, options, ready) {
        Ok(()) => exit::OK,
        Err(e @ serve::ServeError::NotLoopback(_)) => {
            output::fail(e.kind(), &e.to_string(), None);
            exit::USAGE
        }
        Err(e @ serve::ServeError::Tls(_)) => {
            output::fail(e.kind(), &e.to_string(), Some("--tls-cert and --tls-key take the PEM files of a certificate and its key."));
            exit::SETUP
        }
        Err(e) => setup_failed("the API server stopped", &e.into()),
    }
}

#[derive(Debug, clap::Args)]
pub struct DashboardArgs {
    /// Where `claimtrack serve` listens (its first line says it).
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:7171")]
    url: String,
}

/// `claimtrack dashboard`: a new one-time sign-in link, written to the database the server
/// reads, so it works for a `serve` already running.
pub fn dashboard(ctx: &Ctx, args: DashboardArgs) -> u8 {
    if let Err(code) = no_data_yet(ctx) {
        return code;
    }
    let t = match open(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    match t.dashboard_code() {
        Ok(code) => {
            outln!("{}/sign-in?code={code}", args.url.trim_end_matches('/'));
            eprintln!("Open it in a browser on this computer while `claimtrack serve` runs; it works once, for an hour.");
            exit::OK
        }
        Err(e) => setup_failed("no sign-in link could be made", &e.into()),
    }
}

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Debug, clap::Subcommand)]
enum TokenCommand {
    /// Make a token for one client program; it is shown once, keep it in that program's
    /// configuration.
    Create {
        /// Who or what uses it ("billing-sync", "dashboard").
        name: String,
        /// Print JSON (docs/json.md): `{token, id, name, created_at}`.
        #[arg(long)]
        json: bool,
    },
    /// The tokens, and which are revoked (never their values).
    List {
        /// Print JSON (docs/json.md) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Stop a token from working, at once.
    Revoke {
        /// Its name or number.
        token: String,
        /// Print JSON (docs/json.md) instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn token(ctx: &Ctx, args: TokenArgs) -> u8 {
    if let Err(code) = no_data_yet(ctx) {
        return code;
    }
    let t = match open(ctx) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let failed = |e: tokens::TokenError| {
        if let tokens::TokenError::Database(_) = e {
            return setup_failed("the tokens could not be read", &e.into());
        }
        output::fail(e.kind(), &e.to_string(), Some("`claimtrack token list` lists the tokens."));
        exit::SOME_FAILED
    };
    match args.command {
        TokenCommand::Create { name, json } => match t.create_token(&name) {
            Ok((value, info)) => {
                if json {
                    output::json("token create", &tokens::CreatedToken { token: &value, info: &info });
                } else {
                    outln!("{value}");
                    eprintln!(
                        "token {} ({:?}) made: it is shown only now. Send it as `Authorization: Bearer …`; \
                         `claimtrack token revoke {:?}` stops it.",
                        info.id, info.name, info.name
                    );
                }
                exit::OK
            }
            Err(e) => failed(e),
        },
        TokenCommand::List { json } => match t.tokens() {
            Ok(list) => {
                if json {
                    output::json("token list", &list);
                } else if list.is_empty() {
                    outln!("No tokens yet: `claimtrack token create NAME` makes one.");
                } else {
                    let mut table = Table::new(&["#", "Name", "Created", "State"]);
                    for i in &list {
                        let state = match &i.revoked_at {
                            Some(at) => Cell::new(format!("revoked {}", ctx.times.at_str(at))).tone(Tone::Dim),
                            None => Cell::new("works").tone(Tone::Good),
                        };
                        table.row(vec![Cell::new(i.id.to_string()), Cell::new(output::clean(&i.name)), Cell::new(ctx.times.at_str(&i.created_at)), state]);
                    }
                    output::print_table(&table);
                }
                exit::OK
            }
            Err(e) => failed(e),
        },
        TokenCommand::Revoke { token, json } => match t.revoke_token(&token) {
            Ok(info) => {
                if json {
                    output::json("token revoke", &info);
                } else {
                    outln!("token {} ({:?}) revoked: requests with it are refused from now on", info.id, info.name);
                }
                exit::OK
            }
            Err(e) => failed(e),
        },
    }
}
