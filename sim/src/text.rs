//! Small helpers for Office Ally's fixed-width text reports.

use chrono::NaiveDate;

/// Place each value at its column (0-based start). A value that runs into the next column
/// keeps one space before it, as the reports do, so no two values ever touch.
pub fn row(cells: &[(usize, &str)]) -> String {
    let mut out = String::new();
    for (start, value) in cells {
        let len = out.chars().count();
        if len < *start {
            out.push_str(&" ".repeat(start - len));
        } else if len > 0 {
            out.push(' ');
        }
        out.push_str(value);
    }
    out.trim_end().to_string()
}

/// Where each label starts in a header line.
pub fn starts(header: &str, labels: &[&str]) -> Vec<usize> {
    let mut from = 0;
    labels
        .iter()
        .map(|l| {
            let at = header[from..].find(l).map(|i| i + from).expect("label in header");
            from = at + l.len();
            at
        })
        .collect()
}

/// "$1,234.50" (a leading '-' for a negative amount).
pub fn dollars(cents: i64) -> String {
    format!("${}", plain_dollars(cents))
}

/// "1,234.50" without the dollar sign.
pub fn plain_dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    let whole = (a / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", a % 100)
}

/// "1234.50" (the ERA summary prints amounts without grouping).
pub fn decimal(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// CCYYMMDD → MM/DD/CCYY; anything else is returned as is.
pub fn us_date(ccyymmdd: &str) -> String {
    match NaiveDate::parse_from_str(ccyymmdd, "%Y%m%d") {
        Ok(d) => d.format("%m/%d/%Y").to_string(),
        Err(_) => ccyymmdd.to_string(),
    }
}

/// At most `n` characters.
pub fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(dollars(123456789), "$1,234,567.89");
        assert_eq!(dollars(6500), "$65.00");
        assert_eq!(dollars(-5), "$-0.05");
        assert_eq!(decimal(-14500), "-145.00");
        assert_eq!(us_date("20260105"), "01/05/2026");
        assert_eq!(row(&[(0, "1)"), (7, "abc"), (9, "x")]), "1)     abc x");
        assert_eq!(starts("A  BB CCC", &["A", "BB", "CCC"]), vec![0, 3, 6]);
    }
}
