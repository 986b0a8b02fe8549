//! Terminal output: tables, colour only on a terminal (and never with NO_COLOR).

use std::io::IsTerminal;

use comfy_table::{presets, Cell, Color, ContentArrangement, Table};

use crate::model::{Severity, StatusClass};

fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn stdout_color() -> bool {
    color_allowed() && std::io::stdout().is_terminal()
}

pub fn stderr_color() -> bool {
    color_allowed() && std::io::stderr().is_terminal()
}

/// A table in the house style; plain ASCII when not on a terminal so it survives pipes.
pub fn table(headers: &[&str]) -> Table {
    let mut t = Table::new();
    if std::io::stdout().is_terminal() {
        t.load_preset(presets::UTF8_FULL_CONDENSED);
    } else {
        t.load_preset(presets::ASCII_MARKDOWN);
        t.force_no_tty();
    }
    t.set_content_arrangement(ContentArrangement::Dynamic);
    t.set_header(headers.iter().map(Cell::new));
    t
}

/// A status cell, coloured by what it means for the billing office.
pub fn status_cell(s: StatusClass) -> Cell {
    let cell = Cell::new(s.as_str().replace('_', " "));
    if !stdout_color() {
        return cell;
    }
    match s {
        StatusClass::Rejected | StatusClass::Denied | StatusClass::Reversed => cell.fg(Color::Red),
        StatusClass::AcceptedWithErrors | StatusClass::Pending => cell.fg(Color::Yellow),
        StatusClass::Accepted | StatusClass::Paid => cell.fg(Color::Green),
        StatusClass::Received | StatusClass::Informational => cell,
    }
}

/// "warning" / "error" prefixes, coloured on a terminal.
pub fn severity_label(s: Severity) -> String {
    let text = s.as_str();
    if !stdout_color() {
        return text.to_string();
    }
    let code = match s {
        Severity::Error => "31",
        Severity::Warning => "33",
        Severity::Info => "36",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Integer cents as dollars: 12550 → "125.50", -4507 → "-45.07".
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dollars() {
        assert_eq!(super::dollars(12550), "125.50");
        assert_eq!(super::dollars(-4507), "-45.07");
        assert_eq!(super::dollars(5), "0.05");
        assert_eq!(super::dollars(i64::MIN), "-92233720368547758.08");
    }
}
