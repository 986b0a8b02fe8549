//! The one JSON contract (docs/json.md): the envelope every `--json` output and every HTTP
//! API response (`claimtrack serve`) is written in, from the same serializers.

pub mod schema;

use serde::Serialize;

/// The version of the shapes in docs/json.md. Raised when a shape changes in a way a reader
/// could trip on; adding a field is not such a change.
pub const SCHEMA_VERSION: u32 = 1;

/// `{"schema_version", "command", "data"}`, or `{"schema_version", "command", "error"}`.
#[derive(Serialize)]
pub struct Envelope<'a, T: Serialize> {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The command (or API resource) that wrote it.
    pub command: &'a str,
    /// What it returns, on success.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<&'a T>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure<'a>>,
}

/// A failure, in the envelope.
#[derive(Serialize, schemars::JsonSchema)]
pub struct Failure<'a> {
    /// A stable identifier: `not_found`, `refused`, `unreadable`, `database`, `config`, …
    pub kind: &'a str,
    /// What went wrong, for a person.
    pub message: &'a str,
    /// What to do next, when there is something.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<&'a str>,
}

/// `data` as `command`'s JSON, pretty-printed.
pub fn data(command: &str, data: &impl Serialize) -> Vec<u8> {
    let env = Envelope { schema_version: SCHEMA_VERSION, command, data: Some(data), error: None };
    serde_json::to_vec_pretty(&env).expect("the views serialize")
}

/// A failure as `command`'s JSON, pretty-printed.
pub fn failure(command: &str, kind: &str, message: &str, hint: Option<&str>) -> Vec<u8> {
    let env: Envelope<'_, ()> =
        Envelope { schema_version: SCHEMA_VERSION, command, data: None, error: Some(Failure { kind, message, hint }) };
    serde_json::to_vec_pretty(&env).expect("errors serialize")
}
