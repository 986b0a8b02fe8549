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

    fn seg(element: &str, comp: char, rep: Option<char>) -> Segment {
        Segment {
            id: "SVC".into(),
            elements: vec![element.into(), "10".into()],
            index: 7,
            line: 1,
            offset: 0,
            component_separator: comp,
            repetition_separator: rep,
        }
    }

    #[test]
    fn uses_isa16_when_present() {
        let s = seg("HC:99213:25", ':', Some('^'));
        assert_eq!(components(&s, 1), (vec!["HC", "99213", "25"], None));
    }

    #[test]
    fn resplits_on_greater_than_when_isa16_never_appears() {
        let s = seg("HC>55669>GT", ':', Some('^'));
        assert_eq!(components(&s, 1), (vec!["HC", "55669", "GT"], Some('>')));
    }

    #[test]
    fn never_resplits_on_the_repetition_separator_or_without_a_qualifier() {
        assert_eq!(components(&seg("HC^99213", ':', Some('^')), 1), (vec!["HC^99213"], None));
        assert_eq!(components(&seg("HC^99213", ':', None), 1), (vec!["HC", "99213"], Some('^')));
        assert_eq!(components(&seg("ABC>1", ':', None), 1), (vec!["ABC>1"], None));
        assert_eq!(components(&seg("HC", ':', None), 1), (vec!["HC"], None));
    }
}
