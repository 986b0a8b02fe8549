// Portability check: the first-party plugins, transpiled by jco, run under Node on every
// fixture in tests/fixtures/<plugin>/, and their output must be the JSON in
// tests/golden/<plugin>/<name>.json byte for byte, as it is through the wasmtime host.
//
// What the host adds around a plugin is emulated here, so the comparison is with the same
// golden files `cargo test` uses (tests/tests/golden.rs):
//   - plugin choice by sniff, `forced-*` and `refused-*` fixtures: host/src/plugin_test.rs
//     `actual_json` and host/src/plugins.rs `select`;
//   - the chunked parse (`parse`, `next` until none, `finish`) and the resolution of each
//     chunk's tables back into whole events: host/src/model/validate.rs `Acceptor`, `Tables`;
//   - the JSON shape (field names, which absent fields are omitted): host/src/model.rs;
//   - refusal messages: host/src/runtime/error.rs.
// The host's validation is not repeated: a golden file exists only for output it accepted.
//
// usage: node run.mjs --transpiled DIR [--actual DIR] [plugin-name...]
//   DIR/<p>/<p>.js is `jco transpile <p>.wasm --instantiation sync -o DIR/<p>` (scripts/jco-check)
//   --actual: where to write the output of a fixture that differs (default ./actual)
//   plugin-name: only these fixture folders (e.g. x12-835); all by default
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve, parse as parsePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import * as shimRandom from '@bytecodealliance/preview2-shim/random';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = join(REPO, 'tests/fixtures');
const GOLDEN = join(REPO, 'tests/golden');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [, value] = args.splice(i, 2);
  return value;
};
const TRANSPILED = option('--transpiled');
const ACTUAL = resolve(option('--actual', 'actual'));
const only = args;
if (!TRANSPILED) {
  console.error('usage: node run.mjs --transpiled DIR [--actual DIR] [plugin-name...]');
  process.exit(2);
}

// ---- the sandbox ------------------------------------------------------------------------------
// The host grants a plugin nothing (host/src/runtime/sandbox.rs): no environment, arguments,
// files or network. The plugins import only wasi:cli, wasi:io and wasi:random/insecure-seed
// (what Rust's std links in); the seed is fixed to the host's, so that a HashMap's iteration
// order, if a plugin ever let it show, would be the same under both hosts.
const HOST_SEED = 0x636c_6169_6d74_7261_636bn;
const wasi = new WASIShim({
  sandbox: { env: {}, args: [], preopens: {}, enableNetwork: false },
  random: {
    ...shimRandom,
    insecureSeed: { insecureSeed: () => [HOST_SEED & 0xffff_ffff_ffff_ffffn, HOST_SEED >> 64n] },
  },
}).getImportObject();

// ---- the plugins ------------------------------------------------------------------------------
// `--instantiation sync` glue exports instantiate(getCoreModule, imports): the core modules
// are compiled once, and each parse gets a fresh instance, as under the host (a plugin keeps no
// state between files, and a session must not see another file's). describe and sniff are
// pure, so one kept instance answers them: that saves most of the run time.
async function load(name) {
  const dir = join(TRANSPILED, name);
  const { instantiate } = await import(pathToFileURL(join(dir, `${name}.js`)).href);
  const modules = new Map();
  const getCoreModule = (file) => {
    if (!modules.has(file)) modules.set(file, new WebAssembly.Module(readFileSync(join(dir, file))));
    return modules.get(file);
  };
  const fresh = () => instantiate(getCoreModule, wasi);
  const kept = fresh();
  return { info: kept.describe(), sniff: (n, head) => kept.sniff(n, head), fresh };
}
const names = readdirSync(TRANSPILED, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const plugins = [];
for (const name of names) plugins.push(await load(name));

// ---- JSON shapes (host/src/model.rs) ----------------------------------------------------------
// jco gives option<T> none as undefined, s64/u64 as BigInt, enum cases and variant tags in
// kebab-case; serde writes null, numbers and snake_case. `put` is for the fields serde skips
// when absent (`skip_serializing_if`); the others are always written, null when absent.
const snake = (s) => s.replaceAll('-', '_');
const orNull = (v) => (v === undefined ? null : v);
const num = (v) => (typeof v === 'bigint' ? Number(v) : v); // every golden amount is far below 2^53
const put = (o, key, v) => {
  if (v !== undefined && v !== null) o[key] = v;
};
const codeSet = (c) => (c.tag === 'other' ? `other:${c.val}` : snake(c.tag));
const party = (p) => (p ? { name: orNull(p.name), id: orNull(p.id), id_qualifier: orNull(p.idQualifier) } : null);

function position(p) {
  if (!p) return null;
  const o = {};
  put(o, 'segment_index', p.segmentIndex);
  put(o, 'segment_id', p.segmentId);
  put(o, 'line', p.line);
  put(o, 'byte_offset', num(p.byteOffset));
  put(o, 'element', p.element);
  return o;
}

function metadata(m) {
  const o = {
    format_id: m.formatId,
    implementation: orNull(m.implementation),
    interchange_control_numbers: m.interchangeControlNumbers,
    group_control_numbers: m.groupControlNumbers,
    transaction_set_control_numbers: m.transactionSetControlNumbers,
    sender: party(m.sender),
    receiver: party(m.receiver),
    created: orNull(m.created),
    usage: orNull(m.usage),
    clearinghouse_file_id: orNull(m.clearinghouseFileId),
    original_file_name: orNull(m.originalFileName),
  };
  if (m.childFiles.length)
    o.child_files = m.childFiles.map((c) => ({
      id: c.id, payer: party(c.payer), claim_count: orNull(c.claimCount), total_charge: orNull(num(c.totalCharge)),
    }));
  if (m.claimCounts)
    o.claim_counts = { total: orNull(m.claimCounts.total), accepted: orNull(m.claimCounts.accepted), rejected: orNull(m.claimCounts.rejected) };
  if (m.codeTotals.length)
    o.code_totals = m.codeTotals.map((c) => ({ code_set: codeSet(c.codeSet), code: c.code, description: orNull(c.description), count: c.count }));
  return o;
}

function diagnostic(d) {
  const o = { severity: d.severity, message: d.message, position: position(d.position) };
  put(o, 'code', d.code);
  return o;
}

// ---- a chunk's tables (validate.rs `Tables`) --------------------------------------------------
// Events and reasons name rows of their own chunk's tables by index; resolving them gives back
// the whole values the golden JSON holds. A bad index is an error here as it is in the host.
function tables(chunk, n) {
  const row = (rows, table) => (i) => {
    if (i === undefined) return undefined;
    if (i >= rows.length) throw new Error(`names row ${i} of chunk #${n}'s ${table}, which has ${rows.length} rows`);
    return rows[i];
  };
  const parties = chunk.parties.map(party);
  const partyRow = row(parties, 'parties');
  const claims = chunk.claims.map((c) => {
    const o = {
      patient_control_number: orNull(c.patientControlNumber),
      clearinghouse_claim_id: orNull(c.clearinghouseClaimId),
      payer_claim_number: orNull(c.payerClaimNumber),
      patient_name: orNull(c.patientName),
      member_id: orNull(c.memberId),
      service_date_from: orNull(c.serviceDateFrom),
      service_date_to: orNull(c.serviceDateTo),
      frequency_code: orNull(c.frequencyCode),
    };
    put(o, 'patient_birth_date', c.patientBirthDate);
    put(o, 'payer', partyRow(c.payer));
    if (c.providers.length)
      o.providers = c.providers.map((p) => ({ role: snake(p.role), name: orNull(p.name), npi: orNull(p.npi), tax_id: orNull(p.taxId) }));
    if (c.diagnosisCodes.length) o.diagnosis_codes = c.diagnosisCodes;
    return o;
  });
  // Correlation keys are written inline in the event (#[serde(flatten)]); an event without a
  // correlation row has all keys absent, which writes the three always-present ones as null.
  const correlations = chunk.correlations.map((c) => {
    const o = {
      interchange_control_number: orNull(c.interchangeControlNumber),
      group_control_number: orNull(c.groupControlNumber),
      transaction_set_control_number: orNull(c.transactionSetControlNumber),
    };
    put(o, 'batch_reference', c.batchReference);
    put(o, 'clearinghouse_file_id', c.clearinghouseFileId);
    put(o, 'clearinghouse_child_file_id', c.clearinghouseChildFileId);
    put(o, 'submitted_file_name', c.submittedFileName);
    return o;
  });
  return {
    party: partyRow,
    claim: row(claims, 'claims'),
    payment: row(chunk.payments.map((p) => p.reference), 'payments'),
    correlation: row(correlations, 'correlations'),
    code: row(chunk.codes, 'codes'),
  };
}

const NO_CORRELATION = { interchange_control_number: null, group_control_number: null, transaction_set_control_number: null };

function event(e, t) {
  const o = {
    level: snake(e.level),
    source: snake(e.source),
    status: snake(e.status),
    raw_code: e.rawCode,
    reasons: e.reasons.map((r) => {
      const code = t.code(r.code);
      const reason = { code_set: codeSet(code.codeSet), code: code.code, description: orNull(code.description) };
      put(reason, 'group', r.group);
      put(reason, 'amount', num(r.amount));
      put(reason, 'position', position(r.position));
      return reason;
    }),
    claim: orNull(t.claim(e.claim)),
  };
  const s = e.serviceLine;
  if (s)
    o.service_line = {
      procedure_code: orNull(s.procedureCode), procedure_qualifier: orNull(s.procedureQualifier), modifiers: s.modifiers,
      line_item_control_number: orNull(s.lineItemControlNumber), service_date: orNull(s.serviceDate), units: orNull(s.units),
    };
  Object.assign(o, t.correlation(e.correlation) ?? NO_CORRELATION);
  const amounts = {};
  put(amounts, 'charged', num(e.amounts.charged));
  put(amounts, 'paid', num(e.amounts.paid));
  put(amounts, 'patient_responsibility', num(e.amounts.patientResponsibility));
  put(amounts, 'adjusted', num(e.amounts.adjusted));
  put(amounts, 'allowed', num(e.amounts.allowed));
  o.amounts = amounts;
  o.effective_date = orNull(e.effectiveDate);
  o.source_party = orNull(t.party(e.sourceParty));
  put(o, 'payment_reference', t.payment(e.payment));
  o.position = position(e.position);
  return o;
}

// ---- the host's note on claim events without a claim key (validate.rs `keyless_note`) ---------
// At most 100 notes per file, then one note counting the rest; all after the plugin's
// diagnostics. Events are numbered across chunks.
const MAX_KEYLESS_NOTES = 100;
const keyless = (e) =>
  (e.level === 'claim' || e.level === 'service_line') &&
  (!e.claim || (e.claim.patient_control_number === null && e.claim.clearinghouse_claim_id === null && e.claim.payer_claim_number === null));
function keylessNotes(events) {
  const notes = [];
  let unnoted = 0;
  events.forEach((e, i) => {
    if (!keyless(e)) return;
    if (notes.length >= MAX_KEYLESS_NOTES) {
      unnoted++;
      return;
    }
    notes.push({
      severity: 'warning',
      message: `event #${i + 1} is about a ${e.level.replace('_', ' ')} but names no claim (no patient control number, clearinghouse or payer claim id); it cannot be matched to a claim`,
      position: e.position,
      code: 'host-claim-without-key',
    });
  });
  if (unnoted)
    notes.push({
      severity: 'warning',
      message: `${unnoted} more claim or service-line events name no claim (no patient control number, clearinghouse or payer claim id) and cannot be matched to a claim`,
      position: null,
      code: 'host-claim-without-key',
    });
  return notes;
}

// ---- refusals (runtime/error.rs) --------------------------------------------------------------
// Texts from the plugin are cut to 1 KiB and control characters escaped as Rust's
// char::escape_unicode does, before they go into the message.
function sanitize(s, max) {
  let out = '';
  for (const c of s) {
    if (Buffer.byteLength(out) >= max) return out + '…';
    const cp = c.codePointAt(0);
    out += cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ? `\\u{${cp.toString(16)}}` : c;
  }
  return out;
}
function positionText(p) {
  const parts = [];
  if (p.line !== undefined) parts.push(`line ${p.line}`);
  if (p.segmentIndex !== undefined) parts.push(`segment ${p.segmentIndex}`);
  if (p.segmentId !== undefined) parts.push(sanitize(p.segmentId, 64));
  if (p.element !== undefined) parts.push(sanitize(p.element, 64));
  if (p.byteOffset !== undefined) parts.push(`byte ${p.byteOffset}`);
  return parts.length ? parts.join(', ') : 'an unknown position';
}
function refusal(err) {
  const text = (s) => sanitize(s, 1024);
  switch (err.tag) {
    case 'not-my-format': return `it is not in a format this plugin reads (${text(err.val)})`;
    case 'unsupported-version': return `its format version is not supported (${text(err.val)})`;
    case 'malformed': {
      const { message, position: p } = err.val;
      return p ? `it is malformed at ${positionText(p)}: ${text(message)}` : `it is malformed: ${text(message)}`;
    }
  }
  throw new Error(`unknown parse-error ${err.tag}`);
}

// ---- one file through one plugin (plugins.rs `Plugin::parse`) ---------------------------------
// jco returns a result's ok value and throws its err as a ComponentError whose `payload` is the
// parse-error; anything else thrown is a trap, and fails the fixture.
function parseWith(plugin, fileName, bytes) {
  const { info } = plugin;
  const refused = (e) => ({ error: 'refused', message: `plugin ${info.name} ${info.version} could not read the file: ${refusal(e.payload)}` });
  const instance = plugin.fresh();
  let session;
  try {
    session = instance.parsing.parse(fileName, bytes);
  } catch (e) {
    if (e?.payload === undefined) throw e;
    return refused(e);
  }
  const events = [];
  const diagnostics = [];
  try {
    for (let n = 1, chunk; (chunk = session.next()) !== undefined; n++) {
      const t = tables(chunk, n);
      for (const e of chunk.events) events.push(event(e, t));
      diagnostics.push(...chunk.diagnostics.map(diagnostic));
    }
  } catch (e) {
    if (e?.payload === undefined) throw e;
    return refused(e); // an error from next() refuses the whole file, as in the host
  }
  const meta = metadata(session.finish());
  session[Symbol.dispose](); // drop the resource, as the host does after finish
  return { plugin: info.name, plugin_version: info.version, metadata: meta, events, diagnostics: [...diagnostics, ...keylessNotes(events)] };
}

// ---- one fixture (plugin_test.rs `actual_json`) -----------------------------------------------
// Returns the output, or { failed } when the fixture did not behave as its name says.
const SNIFF_HEAD_BYTES = 4096;
function actual(under, fileName, bytes) {
  if (fileName.startsWith('forced-')) return parseWith(under, fileName, bytes);
  const head = bytes.subarray(0, SNIFF_HEAD_BYTES);
  const tried = plugins.map((p) => ({ p, confidence: p.sniff(fileName, head) }));
  const best = Math.max(...tried.map((t) => t.confidence));
  const top = tried.filter((t) => t.confidence === best);
  if (best === 0) return { failed: `no plugin takes it (${tried.map((t) => `${t.p.info.name}: ${t.confidence}%`).join(', ')})` };
  if (top.length > 1) return { failed: `tie at ${best}%: ${top.map((t) => t.p.info.name).join(', ')}` };
  if (top[0].p !== under) return { failed: `plugin ${top[0].p.info.name} took it, not ${under.info.name}` };
  const got = parseWith(under, fileName, bytes);
  if (fileName.startsWith('refused-') && !got.error) return { failed: 'parsed, but a refused-* fixture must be refused' };
  if (got.error && !fileName.startsWith('refused-')) return { failed: `not parsed: ${got.message}` };
  return got;
}

// The first place two JSON values differ, as a path ("events[3].claim.payer.name"), so a
// failure says where to look without a diff tool. Key order counts: the golden files are
// compared as text.
function firstDifference(want, got, path = '$') {
  const show = (v) => (v === undefined ? '(absent)' : JSON.stringify(v).slice(0, 120));
  if (Array.isArray(want) && Array.isArray(got)) {
    for (let i = 0; i < Math.max(want.length, got.length); i++) {
      const d = firstDifference(want[i], got[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (want && got && typeof want === 'object' && typeof got === 'object' && !Array.isArray(want) && !Array.isArray(got)) {
    for (const k of new Set([...Object.keys(want), ...Object.keys(got)])) {
      const d = firstDifference(want[k], got[k], `${path}.${k}`);
      if (d) return d;
    }
    const [wk, gk] = [Object.keys(want).join(','), Object.keys(got).join(',')];
    return wk === gk ? null : `${path}: keys in another order: golden ${wk}; got ${gk}`;
  }
  return JSON.stringify(want) === JSON.stringify(got) ? null : `${path}: golden ${show(want)}, got ${show(got)}`;
}

const pretty = (v) => JSON.stringify(v, null, 2) + '\n'; // serde_json::to_string_pretty's layout

// ---- every fixture ----------------------------------------------------------------------------
const started = performance.now();
let total = 0;
let failed = 0;
for (const dir of readdirSync(FIXTURES).sort()) {
  if (only.length && !only.includes(dir)) continue;
  const under = plugins.find((p) => p.info.name === dir);
  const files = readdirSync(join(FIXTURES, dir)).filter((f) => !f.startsWith('.')).sort();
  if (!under) {
    console.log(`FAILED   ${dir}: no transpiled plugin named ${dir} in ${TRANSPILED}`);
    failed += files.length;
    total += files.length;
    continue;
  }
  let ok = 0;
  for (const f of files) {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, dir, f)));
    const goldenPath = join(GOLDEN, dir, `${parsePath(f).name}.json`);
    const golden = readFileSync(goldenPath, 'utf8');
    let got;
    try {
      got = actual(under, f, bytes);
    } catch (e) {
      got = { failed: `trapped or threw: ${e?.message ?? e}` };
    }
    if (got.failed) {
      console.log(`FAILED   ${dir}/${f}: ${got.failed}`);
    } else if (pretty(got) !== golden) {
      const out = join(ACTUAL, dir, `${parsePath(f).name}.json`);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, pretty(got));
      const where = firstDifference(JSON.parse(golden), got) ?? 'same values, different text';
      console.log(`DIFFERS  ${dir}/${f}: first at ${where}\n         (diff ${goldenPath} ${out})`);
    } else {
      ok++;
    }
  }
  total += files.length;
  failed += files.length - ok;
  console.log(`${dir.padEnd(16)} ${ok}/${files.length} identical to golden`);
}
const ms = performance.now() - started;
console.log(`${total - failed}/${total} fixtures identical under jco + Node ${process.version} (${plugins.length} plugins, ${ms.toFixed(0)} ms)`);
process.exitCode = failed || total === 0 ? 1 : 0;
