//! Checking JSON against the contract's checked-in schemas (docs/schema/, docs/openapi.json)
//! with a JSON Schema 2020-12 validator that is not the code that wrote them.

use std::path::PathBuf;

use serde_json::Value;

/// The repository's docs/ folder.
pub fn docs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs")
}

/// A checked-in file of docs/, as JSON.
pub fn read_json(relative: &str) -> Value {
    let path = docs().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A validator for `schema` (checked against the 2020-12 meta-schema first), formats
/// (date-time, date) included.
pub fn validator(schema: &Value) -> jsonschema::Validator {
    assert!(jsonschema::meta::is_valid(schema), "not a valid JSON Schema: {}", short(schema));
    jsonschema::options().should_validate_formats(true).build(schema).unwrap_or_else(|e| panic!("the schema does not compile: {e}"))
}

/// A validator for the checked-in docs/schema/<name>.json.
pub fn schema_file(name: &str) -> jsonschema::Validator {
    validator(&read_json(&format!("schema/{name}.json")))
}

/// A validator for one schema of an OpenAPI document, by its JSON pointer
/// (`#/components/schemas/batches`): the document itself with a `$ref` at its root, so every
/// reference in it resolves in it.
pub fn in_document(document: &Value, reference: &str) -> jsonschema::Validator {
    let mut root = document.clone();
    let o = root.as_object_mut().expect("a document is an object");
    o.insert("$schema".into(), "https://json-schema.org/draft/2020-12/schema".into());
    o.insert("$ref".into(), reference.into());
    jsonschema::options().should_validate_formats(true).build(&root).unwrap_or_else(|e| panic!("{reference} does not compile: {e}"))
}

/// Panics with every way `doc` breaks the schema.
pub fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v.iter_errors(doc).map(|e| format!("  {} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{what} does not match its schema:\n{}\n{}", errors.join("\n"), short(doc));
}

/// The start of a long document, for a failure message.
fn short(v: &Value) -> String {
    v.to_string().chars().take(2000).collect()
}
