//! File-name hints: case-insensitive globs with `*` and `?`.

use crate::PluginInfo;

/// Whether `file_name` (its last path component) matches the glob `pattern`, ignoring case.
pub fn file_name_matches(pattern: &str, file_name: &str) -> bool {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let s: Vec<char> = base.to_lowercase().chars().collect();
    // Iterative glob match with single-star backtracking: linear-ish, no recursion.
    let (mut pi, mut si) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// 30 when any format's file-name hint matches, else 0: a name alone is weak evidence.
pub fn hint_confidence(info: &PluginInfo, file_name: &str) -> u8 {
    let hit = info
        .formats
        .iter()
        .flat_map(|f| f.file_name_hints.iter())
        .any(|h| file_name_matches(h, file_name));
    if hit { 30 } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::file_name_matches;

    #[test]
    fn globs() {
        assert!(file_name_matches("*.999", "dir/ABC_123.999"));
        assert!(file_name_matches("*_999_*", "x_999_y.txt"));
        assert!(file_name_matches("FS_HCFA_*_IN_C.txt", "fs_hcfa_1026347812_in_c.TXT"));
        assert!(file_name_matches("a?c", "abc"));
        assert!(!file_name_matches("*.835", "file.8355"));
        assert!(!file_name_matches("a?c", "ac"));
    }
}
