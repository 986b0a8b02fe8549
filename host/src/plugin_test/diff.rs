//! A unified line diff, for showing how a plugin's output differs from what was expected.
//!
//! Outputs are pretty-printed JSON, so a change is usually a few lines in a long file: the
//! common start and end are skipped first, and what is left is aligned by a longest common
//! subsequence. A very large changed middle is shown as removed-then-added instead (the
//! table would cost too much memory, and such a diff is not readable anyway).

/// Lines of context around each change.
const CONTEXT: usize = 3;
/// Most cells of the alignment table (lines removed × lines added).
const MAX_TABLE: usize = 4_000_000;
/// Most diff lines shown; the rest is counted.
const MAX_SHOWN: usize = 400;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Same,
    Removed,
    Added,
}

/// `expected` → `actual` as a unified diff (`---`/`+++` headers, `@@` hunks, `-`/`+`/` `
/// lines); empty when they are equal.
pub fn unified(expected: &str, actual: &str, expected_label: &str, actual_label: &str) -> String {
    if expected == actual {
        return String::new();
    }
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let ops = align(&a, &b);

    // Positions (in `ops`) of changes, grouped into hunks with their context.
    let changed: Vec<usize> = (0..ops.len()).filter(|&i| ops[i] != Op::Same).collect();
    let mut out = format!("--- {expected_label}\n+++ {actual_label}\n");
    if changed.is_empty() {
        // Same lines, different line ends or final newline.
        out.push_str("(the texts differ only in line ends or the final newline)\n");
        return out;
    }
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &i in &changed {
        let start = i.saturating_sub(CONTEXT);
        let end = (i + CONTEXT + 1).min(ops.len());
        match hunks.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => hunks.push((start, end)),
        }
    }
    // Line numbers in `a` and `b` at each op position.
    let mut line_a = vec![0usize; ops.len() + 1];
    let mut line_b = vec![0usize; ops.len() + 1];
    for (i, op) in ops.iter().enumerate() {
        line_a[i + 1] = line_a[i] + usize::from(*op != Op::Added);
        line_b[i + 1] = line_b[i] + usize::from(*op != Op::Removed);
    }
    let mut shown = 0;
    let mut hidden = 0;
    for (start, end) in hunks {
        let count_a = line_a[end] - line_a[start];
        let count_b = line_b[end] - line_b[start];
        // Unified diff numbering: an empty side is named by the line before it.
        let first = |line: usize, count: usize| if count == 0 { line } else { line + 1 };
        let header =
            format!("@@ -{},{count_a} +{},{count_b} @@\n", first(line_a[start], count_a), first(line_b[start], count_b));
        if shown >= MAX_SHOWN {
            hidden += end - start;
            continue;
        }
        out.push_str(&header);
        for i in start..end {
            if shown >= MAX_SHOWN {
                hidden += end - i;
                break;
            }
            let (mark, text) = match ops[i] {
                Op::Same => (' ', a[line_a[i]]),
                Op::Removed => ('-', a[line_a[i]]),
                Op::Added => ('+', b[line_b[i]]),
            };
            out.push(mark);
            out.push_str(text);
            out.push('\n');
            shown += 1;
        }
    }
    if hidden > 0 {
        out.push_str(&format!("… {hidden} more diff lines not shown\n"));
    }
    out
}

/// The edit script turning `a` into `b`.
fn align(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops = vec![Op::Same; prefix];
    if ma.len().saturating_mul(mb.len()) > MAX_TABLE {
        ops.extend(std::iter::repeat_n(Op::Removed, ma.len()));
        ops.extend(std::iter::repeat_n(Op::Added, mb.len()));
    } else {
        // lcs[i][j]: length of the longest common subsequence of ma[i..] and mb[j..].
        let w = mb.len() + 1;
        let mut lcs = vec![0u32; (ma.len() + 1) * w];
        for i in (0..ma.len()).rev() {
            for j in (0..mb.len()).rev() {
                lcs[i * w + j] =
                    if ma[i] == mb[j] { lcs[(i + 1) * w + j + 1] + 1 } else { lcs[(i + 1) * w + j].max(lcs[i * w + j + 1]) };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < ma.len() || j < mb.len() {
            if i < ma.len() && j < mb.len() && ma[i] == mb[j] {
                ops.push(Op::Same);
                i += 1;
                j += 1;
            } else if i < ma.len() && (j == mb.len() || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
                // Removals first on a tie: `-old` then `+new`, as diff(1) shows a change.
                ops.push(Op::Removed);
                i += 1;
            } else {
                ops.push(Op::Added);
                j += 1;
            }
        }
    }
    ops.extend(std::iter::repeat_n(Op::Same, suffix));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a\nb\n", "a\nb\n", "x", "y"), "");
    }

    #[test]
    fn a_changed_line_shows_with_its_context() {
        let a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(unified(a, b, "exp", "act"), "--- exp\n+++ act\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
    }

    #[test]
    fn insertions_and_removals_line_up() {
        let d = unified("a\nb\nc\n", "a\nx\nb\n", "e", "a");
        assert_eq!(d, "--- e\n+++ a\n@@ -1,3 +1,3 @@\n a\n+x\n b\n-c\n");
    }

    #[test]
    fn only_line_ends_differ() {
        assert!(unified("a\n", "a", "e", "a").contains("only in line ends"));
    }
}
