//! Composite elements (SVC01, SVC06, PLB03) with the component-separator heuristic.
//!
//! Some generators write composites with a hard-coded separator whatever ISA16 says: the
//! LinuxForHealth 835s have ISA16 `:` but `SVC*HC>55669` (x12-reference.md §10.5, §11).
//! Read literally that is one component, the qualifier "HC>55669" and no code. When the
//! element has no ISA16 at all but does contain `>`, `:` or `^` (and that character is not
//! the interchange's repetition separator), and what comes before it looks like a
//! two-character qualifier, we split on that character instead and say so (info).

use claimtrack_plugin_sdk::x12::Segment;

/// The components of element `n`, and the separator used when it is not ISA16.
pub fn components(seg: &Segment, n: usize) -> (Vec<&str>, Option<char>) {
    let raw = seg.get(n);
    let sep = seg.component_separator;
    if raw.contains(sep) {
        return (raw.split(sep).map(str::trim).collect(), None);
    }
    for alt in ['>', ':', '^'] {
        if alt == sep || Some(alt) == seg.repetition_separator {
            continue;
        }
        if let Some((head, _)) = raw.split_once(alt) {
            let head = head.trim();
            if head.len() == 2 && head.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return (raw.split(alt).map(str::trim).collect(), Some(alt));
            }
        }
    }
    (vec![raw], None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use claimtrack_plugin_sdk::x12;

    /// The SVC of a one-segment 835 whose ISA has component separator `comp` and ISA11 `rep`
    /// (`U` in a 4010 interchange means no repetition separator).
    fn seg(element: &str, comp: char, rep: char) -> Segment {
        let version = if rep == 'U' { "00401" } else { "00501" };
        let file = format!(
            "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240105*1230*{rep}*{version}*000000001*0*P*{comp}~\
             GS*HP*S*R*20240105*1230*1*X*005010X221A1~ST*835*0001~SVC*{element}*10~SE*3*0001~GE*1*1~IEA*1*000000001~"
        );
        let doc = x12::parse(file.as_bytes()).expect("tokenizes");
        let (_, _, tx) = doc.transactions().next().expect("one transaction");
        tx.body[0].clone()
    }

    #[test]
    fn uses_isa16_when_present() {
        let s = seg("HC:99213:25", ':', '^');
        assert_eq!(components(&s, 1), (vec!["HC", "99213", "25"], None));
    }

    #[test]
    fn resplits_on_greater_than_when_isa16_never_appears() {
        let s = seg("HC>55669>GT", ':', '^');
        assert_eq!(components(&s, 1), (vec!["HC", "55669", "GT"], Some('>')));
    }

    #[test]
    fn never_resplits_on_the_repetition_separator_or_without_a_qualifier() {
        assert_eq!(components(&seg("HC^99213", ':', '^'), 1), (vec!["HC^99213"], None));
        assert_eq!(components(&seg("HC^99213", ':', 'U'), 1), (vec!["HC", "99213"], Some('^')));
        assert_eq!(components(&seg("ABC>1", ':', 'U'), 1), (vec!["ABC>1"], None));
        assert_eq!(components(&seg("HC", ':', 'U'), 1), (vec!["HC"], None));
    }
}
