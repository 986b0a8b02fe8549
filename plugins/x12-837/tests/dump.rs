//! `X837_DUMP=1 cargo test -p x12-837 --test dump -- --nocapture` prints what every fixture
//! gives (events and diagnostics), for reviewing the mapping by eye. Asserts nothing else
//! than that every fixture parses or is refused without a panic.

use x12_837::parse_bytes;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/x12-837");

#[test]
fn dump_fixtures() {
    let show = std::env::var_os("X837_DUMP").is_some();
    let mut names: Vec<_> = std::fs::read_dir(DIR)
        .expect("fixture dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    for name in names {
        let bytes = std::fs::read(format!("{DIR}/{name}")).expect("fixture");
        let out = parse_bytes(&name, &bytes);
        if !show {
            continue;
        }
        println!("=== {name}");
        match out {
            Err(e) => println!("  ERR {e:?}"),
            Ok(out) => {
                let m = &out.metadata;
                println!(
                    "  meta {} impl={:?} isa={:?} gs={:?} st={:?} sender={:?} receiver={:?} created={:?} usage={:?}",
                    m.format_id,
                    m.implementation,
                    m.interchange_control_numbers,
                    m.group_control_numbers,
                    m.transaction_set_control_numbers,
                    m.sender,
                    m.receiver,
                    m.created,
                    m.usage
                );
                for e in &out.events {
                    println!(
                        "  {:?} {} pos={:?} charged={:?} eff={:?} corr=({:?},{:?},{:?},{:?})",
                        e.level,
                        e.raw_code,
                        e.position.as_ref().and_then(|p| p.segment_index),
                        e.amounts.charged,
                        e.effective_date,
                        e.correlation.interchange_control_number,
                        e.correlation.group_control_number,
                        e.correlation.transaction_set_control_number,
                        e.correlation.batch_reference
                    );
                    if let Some(c) = &e.claim
                        && e.service_line.is_none()
                    {
                        println!(
                            "      claim {:?} name={:?} mem={:?} dob={:?} dos={:?}..{:?} freq={:?} d9={:?} payer={:?}",
                            c.patient_control_number,
                            c.patient_name,
                            c.member_id,
                            c.patient_birth_date,
                            c.service_date_from,
                            c.service_date_to,
                            c.frequency_code,
                            c.clearinghouse_claim_id,
                            c.payer
                        );
                        println!("      dx={:?}", c.diagnosis_codes);
                        for p in &c.providers {
                            println!(
                                "      prov {:?} {:?} npi={:?} tax={:?}",
                                p.role, p.name, p.npi, p.tax_id
                            );
                        }
                    }
                    if let Some(l) = &e.service_line {
                        println!(
                            "      line {:?}:{:?} mods={:?} units={:?} ctl={:?} date={:?}",
                            l.procedure_qualifier,
                            l.procedure_code,
                            l.modifiers,
                            l.units,
                            l.line_item_control_number,
                            l.service_date
                        );
                    }
                }
                for d in &out.diagnostics {
                    println!(
                        "  ! {:?} [{}] {}",
                        d.severity,
                        d.code.as_deref().unwrap_or("-"),
                        d.message
                    );
                }
            }
        }
    }
}
