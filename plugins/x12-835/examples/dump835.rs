// TEMPORARY debugging aid (removed before hand-off).
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    match x12_835::parse_bytes(&path, &bytes) {
        Ok(out) => {
            println!("META {:?}", out.metadata);
            for e in &out.events {
                let c = e.claim.as_ref();
                println!(
                    "{:?} {:?} {:?} pcn={:?} icn={:?} name={:?} mem={:?} dates={:?}..{:?} amt={:?} ref={:?} eff={:?} sl={:?}",
                    e.level, e.status, e.raw_code,
                    c.and_then(|c| c.patient_control_number.clone()), c.and_then(|c| c.payer_claim_number.clone()),
                    c.and_then(|c| c.patient_name.clone()), c.and_then(|c| c.member_id.clone()),
                    c.and_then(|c| c.service_date_from.clone()), c.and_then(|c| c.service_date_to.clone()),
                    (e.amounts.charged, e.amounts.paid, e.amounts.patient_responsibility, e.amounts.adjusted, e.amounts.allowed),
                    e.payment_reference, e.effective_date,
                    e.service_line.as_ref().map(|s| (s.procedure_qualifier.clone(), s.procedure_code.clone(), s.modifiers.clone(), s.units.clone(), s.service_date.clone(), s.line_item_control_number.clone())),
                );
                for r in &e.reasons {
                    println!("    reason {:?} {} {:?} grp={:?} amt={:?}", r.code_set, r.code, r.description, r.group, r.amount);
                }
                if e.source_party.is_some() && e.level == x12_835_party_level() { println!("    party {:?}", e.source_party); }
            }
            for d in &out.diagnostics {
                println!("DIAG {:?} {}", d.severity, d.message);
            }
        }
        Err(e) => println!("ERR {:?}", e),
    }
}
fn x12_835_party_level() -> claimtrack_plugin_sdk::Level { claimtrack_plugin_sdk::Level::TransactionSet }
#[allow(dead_code)]
fn _unused() {}
