use super::*;
use crate::Severity;

/// A fixed-width (106 byte) ISA with the given delimiters.
fn isa(e: char, rep: char, comp: char, term: &str, ctl: &str) -> String {
    format!(
        "ISA{e}00{e}          {e}00{e}          {e}ZZ{e}SENDER         {e}ZZ{e}RECEIVER       {e}240105{e}1230{e}{rep}{e}00501{e}{ctl}{e}0{e}P{e}{comp}{term}"
    )
}

fn simple_999(term: &str) -> String {
    let i = isa('*', '^', ':', term, "000000905");
    let body = [
        "GS*FA*SENDER*RECEIVER*20240105*1230*905*X*005010X231A1",
        "ST*999*0001*005010X231A1",
        "AK1*HC*17456*005010X222A1",
        "AK2*837*0001*005010X222A1",
        "IK5*A",
        "AK9*A*1*1*1",
        "SE*6*0001",
        "GE*1*905",
        "IEA*1*000000905",
    ];
    let mut s = i;
    for seg in body {
        s.push_str(seg);
        s.push_str(term);
    }
    s
}

fn warnings(doc: &Document) -> Vec<&str> {
    doc.diagnostics.iter().filter(|d| d.severity == Severity::Warning).map(|d| d.message.as_str()).collect()
}

fn errors(doc: &Document) -> Vec<&Diagnostic> {
    doc.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect()
}

#[test]
fn isa_is_exactly_106_bytes() {
    assert_eq!(isa('*', '^', ':', "~", "000000001").len(), 106);
}

#[test]
fn clean_file_tokenizes_without_diagnostics() {
    let doc = parse(simple_999("~").as_bytes()).unwrap();
    assert!(doc.diagnostics.is_empty(), "{:?}", doc.diagnostics);
    assert_eq!(doc.interchanges.len(), 1);
    let ic = &doc.interchanges[0];
    assert_eq!(ic.control_number(), "000000905");
    assert_eq!(ic.delimiters, Delimiters { element: b'*', component: b':', repetition: Some(b'^'), segment: b"~".to_vec() });
    assert_eq!(ic.groups.len(), 1);
    let tx = &ic.groups[0].transactions[0];
    assert_eq!(tx.kind(), "999");
    assert_eq!(tx.body.len(), 4);
    assert_eq!(tx.body[0].id, "AK1");
    assert_eq!(tx.body[0].get(2), "17456");
    assert_eq!(tx.body[0].index, 4);
    assert_eq!(doc.segment_count, 10);
    assert_eq!(ic.created().as_deref(), Some("2024-01-05T12:30"));
    assert_eq!(ic.usage().as_deref(), Some("production"));
    let m = doc.metadata("x12-999");
    assert_eq!(m.implementation.as_deref(), Some("005010X231A1"));
    assert_eq!(m.group_control_numbers, vec!["905"]);
    assert_eq!(m.transaction_set_control_numbers, vec!["0001"]);
}

#[test]
fn bom_crlf_and_indentation_are_tolerated() {
    let s = simple_999("~\r\n").replace("\r\nGS", "\r\n    GS");
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(s.as_bytes());
    let doc = parse(&bytes).unwrap();
    assert!(warnings(&doc).is_empty(), "{:?}", doc.diagnostics);
    let tx = &doc.interchanges[0].groups[0].transactions[0];
    assert_eq!(tx.body[1].id, "AK2");
    // Lines are counted in the file: ISA on 1, GS on 2, ST on 3, AK1 on 4.
    assert_eq!(tx.body[0].line, 4);
    assert_eq!(doc.interchanges[0].groups[0].gs.line, 2);
}

#[test]
fn newline_as_segment_terminator() {
    let doc = parse(simple_999("\n").as_bytes()).unwrap();
    assert_eq!(doc.interchanges[0].delimiters.segment, b"\n");
    assert_eq!(doc.interchanges[0].groups[0].transactions[0].body.len(), 4);
    assert!(warnings(&doc).is_empty(), "{:?}", doc.diagnostics);
}

#[test]
fn cr_terminator_with_unusual_separators_and_no_final_terminator() {
    // Like the JeffN825 TA1: element '>', component '+', CR (CRLF) terminator.
    let mut s = isa('>', 'U', '+', "\r\n", "900000001").replace("00501", "00401");
    s.push_str("TA1>900000001>100624>1430>R>006\r\nIEA>0>900000001");
    let doc = parse(s.as_bytes()).unwrap();
    let ic = &doc.interchanges[0];
    assert_eq!(ic.delimiters.element, b'>');
    assert_eq!(ic.delimiters.component, b'+');
    assert_eq!(ic.delimiters.segment, b"\r");
    assert_eq!(ic.delimiters.repetition, None, "4010 ISA11 'U' is not a separator");
    assert_eq!(ic.interchange_segments[0].id, "TA1");
    assert_eq!(ic.interchange_segments[0].get(5), "006");
    assert!(ic.iea.is_some());
    assert!(errors(&doc).is_empty(), "{:?}", doc.diagnostics);
}

#[test]
fn control_byte_terminator_followed_by_crlf() {
    let doc = parse(simple_999("\x1d\r\n").as_bytes()).unwrap();
    assert_eq!(doc.interchanges[0].delimiters.segment, vec![0x1d]);
    assert!(warnings(&doc).is_empty(), "{:?}", doc.diagnostics);
    assert_eq!(doc.interchanges[0].groups[0].transactions[0].body.len(), 4);
}

#[test]
fn multibyte_terminator() {
    let doc = parse(simple_999("…").as_bytes()).unwrap();
    assert_eq!(doc.interchanges[0].delimiters.segment, "…".as_bytes());
    assert_eq!(doc.interchanges[0].groups[0].transactions[0].body.len(), 4);
}

#[test]
fn eighty_column_wrapping_even_inside_the_isa() {
    let flat = simple_999("~");
    let wrapped: String = flat.as_bytes().chunks(80).map(|c| format!("{}\n", String::from_utf8_lossy(c))).collect();
    // The first break falls inside ISA10, as in the staedi fixture.
    assert!(wrapped.lines().next().unwrap().len() == 80);
    let doc = parse(wrapped.as_bytes()).unwrap();
    let ic = &doc.interchanges[0];
    assert_eq!(ic.delimiters.segment, b"~");
    assert_eq!(ic.isa.get(10), "1230");
    assert_eq!(ic.groups[0].transactions[0].body[3].id, "AK9");
    assert_eq!(errors(&doc).len(), 0);
}

#[test]
fn several_interchanges_with_different_delimiters() {
    let mut s = simple_999("~\n");
    let second = simple_999("!").replace('*', "|");
    s.push_str(&second.replace("000000905", "000000906"));
    let doc = parse(s.as_bytes()).unwrap();
    assert_eq!(doc.interchanges.len(), 2);
    assert_eq!(doc.interchanges[1].delimiters.element, b'|');
    assert_eq!(doc.interchanges[1].delimiters.segment, b"!");
    assert_eq!(doc.interchanges[1].control_number(), "000000906");
    assert_eq!(doc.interchanges[1].groups[0].transactions[0].body[0].get(1), "HC");
    assert_eq!(doc.transactions().count(), 2);
    // Segment ordinals run across the whole file.
    assert_eq!(doc.interchanges[1].isa.index, 11);
}

#[test]
fn isa_inside_data_does_not_split_the_interchange() {
    let s = simple_999("~").replace("AK1*HC*17456", "AK1*HC*ISAAC*ISA");
    let doc = parse(s.as_bytes()).unwrap();
    assert_eq!(doc.interchanges.len(), 1);
    assert_eq!(doc.interchanges[0].groups[0].transactions[0].body[0].get(2), "ISAAC");
}

#[test]
fn count_and_control_number_mismatches_are_warnings_naming_the_segment() {
    let s = simple_999("~").replace("SE*6*0001", "SE*9*0002").replace("GE*1*905", "GE*2*906").replace("IEA*1*000000905", "IEA*3*000000001");
    let doc = parse(s.as_bytes()).unwrap();
    let w = warnings(&doc);
    assert_eq!(w.len(), 6, "{w:#?}");
    assert!(w[0].contains("SE01") && w[0].contains("segment #8"), "{}", w[0]);
    assert!(w[1].contains("SE02") && w[1].contains("\"0002\""), "{}", w[1]);
    assert!(w[2].contains("GE01"));
    assert!(w[3].contains("GE02"));
    assert!(w[4].contains("IEA01"));
    assert!(w[5].contains("IEA02") && w[5].contains("000000905"));
    let pos = doc.diagnostics[0].position.as_ref().unwrap();
    assert_eq!(pos.segment_index, Some(8));
    assert_eq!(pos.segment_id.as_deref(), Some("SE"));
    assert_eq!(pos.element.as_deref(), Some("SE01"));
    // Statuses are still there.
    assert_eq!(doc.interchanges[0].groups[0].transactions[0].body.len(), 4);
}

#[test]
fn truncation_is_an_error_naming_the_position_and_keeps_what_was_read() {
    let full = simple_999("~\n");
    let cut = &full[..full.find("IK5").unwrap()];
    let doc = parse(cut.as_bytes()).unwrap();
    let errs = errors(&doc);
    assert_eq!(errs.len(), 1, "{:?}", doc.diagnostics);
    assert!(errs[0].message.contains("truncated"));
    assert!(errs[0].message.contains("segment #5 AK2"), "{}", errs[0].message);
    assert!(errs[0].message.contains("SE/GE/IEA"), "{}", errs[0].message);
    let pos = errs[0].position.as_ref().unwrap();
    assert_eq!(pos.line, Some(5));
    let tx = &doc.interchanges[0].groups[0].transactions[0];
    assert_eq!(tx.body.len(), 2);
    assert!(tx.se.is_none());
    assert!(tx.body.iter().all(|s| s.terminated), "cut after a terminator: nothing partial");

    // Cut inside a segment: the partial segment is not passed on, and the error names it.
    let cut = &full[..full.find("AK2").unwrap() + 6];
    let doc = parse(cut.as_bytes()).unwrap();
    let body = &doc.interchanges[0].groups[0].transactions[0].body;
    assert_eq!(body.len(), 1, "only AK1 is complete");
    assert!(body[0].terminated);
    let errs = errors(&doc);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.contains("ends inside segment #5 AK2 (line 5"), "{}", errs[0].message);
    assert_eq!(errs[0].position.as_ref().unwrap().segment_id.as_deref(), Some("AK2"));

    // A missing final terminator after a complete IEA is no truncation.
    let doc = parse(full.trim_end_matches(['~', '\n']).as_bytes()).unwrap();
    assert!(errors(&doc).is_empty(), "{:?}", doc.diagnostics);
}

#[test]
fn unpadded_isa_is_read_by_counting_with_a_warning() {
    let s = "ISA*00**00**ZZ*SUBMITTERS ID*ZZ*RECEIVERS ID*030809*0823*U*00401*000000100*0*P*:~TA1*000000100*030809*0823*R*024~IEA*1*000000100~";
    let doc = parse(s.as_bytes()).unwrap();
    let ic = &doc.interchanges[0];
    assert_eq!(ic.delimiters.component, b':');
    assert_eq!(ic.control_number(), "000000100");
    let w = warnings(&doc);
    assert!(w.iter().any(|m| m.contains("not the fixed 106")), "{w:?}");
    assert!(w.iter().any(|m| m.contains("IEA01")), "IEA01=1 with zero groups: {w:?}");
}

#[test]
fn no_isa_is_a_malformed_error() {
    match parse(b"Business Scenario 1: this is prose") {
        Err(ParseError::Malformed(d)) => assert!(d.message.contains("does not start with ISA"), "{}", d.message),
        other => panic!("{other:?}"),
    }
    assert!(matches!(parse(b""), Err(ParseError::Malformed(_))));
    assert!(matches!(parse(b"ISA*00*  "), Err(ParseError::Malformed(_))));
}

#[test]
fn degenerate_delimiters_are_rejected() {
    let s = isa('*', '^', '*', "~", "000000001");
    match parse(s.as_bytes()) {
        Err(ParseError::Malformed(d)) => assert!(d.message.contains("not distinct"), "{}", d.message),
        other => panic!("{other:?}"),
    }
}

#[test]
fn file_starting_at_st_is_read_with_assumed_delimiters() {
    let doc = parse(b"ST*835*1234~BPR*I*100*C~SE*3*1234~").unwrap();
    assert_eq!(doc.transactions().count(), 1);
    let w = warnings(&doc);
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w[0].contains("no ISA envelope"));
    assert!(errors(&doc).is_empty(), "{:?}", doc.diagnostics);
}

#[test]
fn segment_accessors() {
    let s = simple_999("~").replace("IK5*A", "IK5*R*5*1^2").replace("AK2*837*0001*005010X222A1", "CTX*CLM01:123456789");
    let doc = parse(s.as_bytes()).unwrap();
    let body = &doc.interchanges[0].groups[0].transactions[0].body;
    let ctx = &body[1];
    assert_eq!(ctx.component(1, 1), "CLM01");
    assert_eq!(ctx.component(1, 2), "123456789");
    assert_eq!(ctx.component(1, 3), "");
    assert_eq!(ctx.component_opt(1, 3), None);
    let ik5 = &body[2];
    assert_eq!(ik5.repetitions(3), vec!["1", "2"]);
    assert_eq!(ik5.opt(9), None);
    assert_eq!(ik5.len(), 3);
    assert_eq!(ik5.position_at("IK502").element.as_deref(), Some("IK502"));
}

#[test]
fn lowercase_segment_ids_are_uppercased_with_a_warning() {
    let s = simple_999("~").replace("IK5*A", "ik5*A");
    let doc = parse(s.as_bytes()).unwrap();
    assert_eq!(doc.interchanges[0].groups[0].transactions[0].body[2].id, "IK5");
    assert!(warnings(&doc).iter().any(|w| w.contains("lower-case")));
}

#[test]
fn sniff_head_reads_the_first_group() {
    let s = simple_999("~");
    let h = sniff_head(&s.as_bytes()[..200]).unwrap();
    assert_eq!(h.functional_id.as_deref(), Some("FA"));
    assert_eq!(h.version.as_deref(), Some("005010X231A1"));
    assert_eq!(h.transaction_kind.as_deref(), Some("999"));
    assert!(sniff_head(b"Hello world").is_none());
    // A head cut inside the ST segment does not report a half-read transaction kind.
    let st = s.find("ST*999").unwrap() + 4;
    assert_eq!(sniff_head(&s.as_bytes()[..st]).unwrap().transaction_kind, None);
}

#[test]
fn amounts_in_cents() {
    assert_eq!(amount_cents("125"), Some(12500));
    assert_eq!(amount_cents("125.5"), Some(12550));
    assert_eq!(amount_cents("-45.07"), Some(-4507));
    assert_eq!(amount_cents(".5"), Some(50));
    assert_eq!(amount_cents("1.005"), Some(101));
    assert_eq!(amount_cents("0"), Some(0));
    assert_eq!(amount_cents(""), None);
    assert_eq!(amount_cents("12a"), None);
    assert_eq!(amount_cents("-"), None);
    assert_eq!(amount_cents("1,000.00"), None);
}

#[test]
fn dates() {
    assert_eq!(date_ccyymmdd("20240229").as_deref(), Some("2024-02-29"));
    assert_eq!(date_ccyymmdd("20230229"), None);
    assert_eq!(date_ccyymmdd("20241345"), None);
    assert_eq!(date_yymmdd("240105").as_deref(), Some("2024-01-05"));
    assert_eq!(time_hhmm("1230").as_deref(), Some("12:30"));
    assert_eq!(time_hhmm("123045").as_deref(), Some("12:30:45"));
    assert_eq!(time_hhmm("2460"), None);
    assert_eq!(date_period("RD8", "20240101-20240105"), Some(("2024-01-01".into(), Some("2024-01-05".into()))));
    assert_eq!(date_period("D8", "20240101"), Some(("2024-01-01".into(), None)));
}

#[test]
fn utf8_text_is_kept_and_other_bytes_are_latin1() {
    let s = simple_999("~").replace("AK1*HC*17456", "AK1*HC*O\u{2019}BRIEN");
    let doc = parse(s.as_bytes()).unwrap();
    assert_eq!(doc.interchanges[0].groups[0].transactions[0].body[0].get(2), "O\u{2019}BRIEN");
    let mut bytes = simple_999("~").replace("AK1*HC*17456", "AK1*HC*MU#LLER").into_bytes();
    let at = bytes.iter().position(|&b| b == b'#').unwrap();
    bytes[at] = 0xDC; // Latin-1 'Ü', invalid as UTF-8
    let doc = parse(&bytes).unwrap();
    assert_eq!(doc.interchanges[0].groups[0].transactions[0].body[0].get(2), "MU\u{DC}LLER");
}

#[test]
fn get_trims_like_str_trim() {
    for v in ["A", " A", "A ", " A B ", "", " ", "\tX\u{a0}", "\u{a0}É", "é", "x\u{2003}"] {
        assert_eq!(super::trim(v), v.trim(), "{v:?}");
    }
}

/// What a [`Reader`] hands out, put back together, is what [`parse`] keeps: the same
/// transaction sets with the same segments, in order, and the same diagnostics and
/// envelopes; the reader's own document keeps no body.
#[test]
fn a_reader_hands_out_what_parse_keeps() {
    let clean = simple_999("~");
    let cut = clean[..clean.find("AK9").unwrap() + 6].to_string();
    let unclosed = clean.replace("SE*6*0001~", "ST*999*0002~IK5*R~SE*3*0002~");
    let stray = clean.replace("IEA*1*000000905~", "IEA*1*000000905~ZZZ*1~junk at the end");
    let two = format!("{}\n{}", simple_999("~"), simple_999("\n").replace("000000905", "000000906"));
    let bare = "ST*999*0001~AK1*HC*1~ak2*837*1~SE*3*0001~";
    for input in [clean.as_str(), &cut, &unclosed, &stray, &two, bare] {
        let whole = parse(input.as_bytes()).expect("parses");
        let mut reader = Reader::new(input.as_bytes()).expect("reads");
        let mut sets: Vec<(Segment, String, Vec<Segment>, Option<Segment>)> = Vec::new();
        let mut open = false;
        while let Some(item) = reader.next() {
            match item {
                Item::Start { st, gs } => {
                    assert!(!open, "a set begins only after the last one ended: {input:?}");
                    open = true;
                    sets.push((st, gs.get(6).to_string(), Vec::new(), None));
                }
                Item::Segment(s) => sets.last_mut().expect("inside a set").2.push(s),
                Item::End(se) => {
                    assert!(std::mem::take(&mut open), "ends what began: {input:?}");
                    sets.last_mut().expect("a set").3 = se;
                }
            }
        }
        assert!(!open, "every set ended: {input:?}");
        let streamed = reader.finish();
        let expected: Vec<_> =
            whole.transactions().map(|(_, g, t)| (t.st.clone(), g.gs.get(6).to_string(), t.body.clone(), t.se.clone())).collect();
        assert_eq!(sets, expected, "{input:?}");
        assert_eq!(streamed.diagnostics, whole.diagnostics, "{input:?}");
        assert_eq!(streamed.metadata("x"), whole.metadata("x"), "{input:?}");
        assert_eq!(streamed.segment_count, whole.segment_count);
        assert!(streamed.transactions().all(|(_, _, t)| t.body.is_empty()), "bodies were handed out, not kept");
    }
    // Each of those is read for what it tests elsewhere; here only that they differ.
    assert!(!parse(cut.as_bytes()).unwrap().diagnostics.is_empty());
    assert!(!parse(unclosed.as_bytes()).unwrap().diagnostics.is_empty());
}
