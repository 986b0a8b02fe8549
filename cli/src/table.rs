//! Tables for people.
//!
//! On a terminal, columns are sized to its width and text wraps at word boundaries (a word
//! is split only when it is wider than the whole line); long text that belongs to a row
//! (reasons, an alert's checklist, a file name) goes on its own lines below the row, where
//! it has the whole width, instead of squeezing every column into a sliver. Piped, every
//! record is one line: the columns padded, the row's notes after them, so `grep` and `sort`
//! see whole records.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthStr;

/// How a cell is coloured on a colour terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    /// Accepted, paid: green.
    Good,
    /// Rejected, denied, failed, an alert: red.
    Bad,
    /// Pending, a notice, waiting too long: yellow.
    Warn,
    /// Secondary detail: dim.
    Dim,
}

impl Tone {
    fn ansi(self) -> Option<&'static str> {
        match self {
            Tone::Plain => None,
            Tone::Good => Some("32"),
            Tone::Bad => Some("31"),
            Tone::Warn => Some("33"),
            Tone::Dim => Some("2"),
        }
    }
}

/// `text` in `tone` when `color` (ANSI SGR), else as is.
pub fn paint(text: &str, tone: Tone, color: bool) -> String {
    match tone.ansi() {
        Some(code) if color && !text.is_empty() => format!("\x1b[{code}m{text}\x1b[0m"),
        _ => text.to_string(),
    }
}

/// One cell: its text (lines separated by `\n`) and colour.
#[derive(Debug, Clone)]
pub struct Cell {
    text: String,
    tone: Tone,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), tone: Tone::Plain }
    }

    pub fn tone(mut self, tone: Tone) -> Cell {
        self.tone = tone;
        self
    }
}

impl<T: Into<String>> From<T> for Cell {
    fn from(t: T) -> Cell {
        Cell::new(t)
    }
}

/// Which side a column's text keeps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    /// Numbers and money.
    Right,
}

struct Row {
    cells: Vec<Cell>,
    /// Lines printed below the row, across the table's width.
    notes: Vec<(String, Tone)>,
}

/// Where a table is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A terminal this many columns wide.
    Terminal { width: usize, color: bool },
    /// A pipe or file: one line per record, no colour.
    Piped,
}

/// A table of rows with optional notes below each row.
pub struct Table {
    headers: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Row>,
    /// A blank line between rows that have notes, so each record reads as a block.
    spaced: bool,
    /// Columns that move into the row's notes, in this order, when the terminal is too
    /// narrow for all of them side by side (a patient's name rather than every column
    /// squeezed into slivers).
    fold: Vec<usize>,
    /// Columns kept whole (a time, an id) while others can still wrap.
    keep: Vec<usize>,
}

const GAP: usize = 2;
/// Notes never start further right than this, however wide the first column is.
const MAX_NOTE_INDENT: usize = 12;

fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            align: vec![Align::Left; headers.len()],
            rows: Vec::new(),
            spaced: true,
            fold: Vec::new(),
            keep: Vec::new(),
        }
    }

    /// Columns that wrap only when nothing else can give room.
    pub fn keep(mut self, columns: &[usize]) -> Table {
        self.keep = columns.to_vec();
        self
    }

    /// Columns that fold into the notes, first first, when the terminal is too narrow.
    pub fn fold(mut self, columns: &[usize]) -> Table {
        self.fold = columns.iter().copied().filter(|&c| c > 0 && c < self.headers.len()).collect();
        self
    }

    /// Right-align these columns (by index).
    pub fn right(mut self, columns: &[usize]) -> Table {
        for &c in columns {
            if let Some(a) = self.align.get_mut(c) {
                *a = Align::Right;
            }
        }
        self
    }

    /// No blank line between rows with notes.
    pub fn compact(mut self) -> Table {
        self.spaced = false;
        self
    }

    /// Add a row; missing cells are empty, extra ones are ignored.
    pub fn row(&mut self, cells: Vec<Cell>) -> &mut Self {
        let mut cells = cells;
        cells.resize(self.headers.len(), Cell::new(""));
        self.rows.push(Row { cells, notes: Vec::new() });
        self
    }

    /// A note below the last row (its own line or lines).
    pub fn note(&mut self, text: impl Into<String>) -> &mut Self {
        self.note_toned(text, Tone::Plain)
    }

    /// A coloured note below the last row.
    pub fn note_toned(&mut self, text: impl Into<String>, tone: Tone) -> &mut Self {
        let text = text.into();
        if let Some(r) = self.rows.last_mut()
            && !text.is_empty()
        {
            r.notes.push((text, tone));
        }
        self
    }

    /// The table as text, ending with a newline.
    pub fn render(&self, layout: Layout) -> String {
        match layout {
            Layout::Terminal { width, color } => self.render_terminal(width.max(20), color),
            Layout::Piped => self.render_piped(),
        }
    }

    /// Widest line of each column, and its longest word (below which it cannot shrink
    /// without splitting words).
    fn measure(&self) -> (Vec<usize>, Vec<usize>) {
        let n = self.headers.len();
        let mut natural = vec![0; n];
        let mut floor = vec![0; n];
        let texts = std::iter::once(self.headers.iter().map(String::as_str).collect::<Vec<_>>())
            .chain(self.rows.iter().map(|r| r.cells.iter().map(|c| c.text.as_str()).collect()));
        for cells in texts {
            for (i, text) in cells.into_iter().enumerate() {
                for line in text.lines() {
                    natural[i] = natural[i].max(width(line));
                    for word in line.split(' ') {
                        floor[i] = floor[i].max(width(word));
                    }
                }
            }
        }
        (natural, floor)
    }

    fn render_terminal(&self, total: usize, color: bool) -> String {
        let (natural, _) = self.measure();
        let fits = |hidden: &[usize]| {
            let shown: Vec<usize> = (0..natural.len()).filter(|i| !hidden.contains(i)).map(|i| natural[i]).collect();
            shown.iter().sum::<usize>() + GAP * shown.len().saturating_sub(1) <= total
        };
        let mut hidden: Vec<usize> = Vec::new();
        for &c in &self.fold {
            if fits(&hidden) {
                break;
            }
            hidden.push(c);
        }
        if hidden.is_empty() {
            return self.render_columns(total, color);
        }
        // The same table without the folded columns, their values leading each row's notes.
        let keep: Vec<usize> = (0..self.headers.len()).filter(|i| !hidden.contains(i)).collect();
        let mut t = Table {
            headers: keep.iter().map(|&i| self.headers[i].clone()).collect(),
            align: keep.iter().map(|&i| self.align[i]).collect(),
            rows: Vec::new(),
            spaced: self.spaced,
            fold: Vec::new(),
            keep: keep.iter().enumerate().filter(|(_, i)| self.keep.contains(i)).map(|(k, _)| k).collect(),
        };
        for r in &self.rows {
            let mut folded: Vec<String> = Vec::new();
            let mut order = hidden.clone();
            order.sort_unstable();
            for i in order {
                let text = r.cells[i].text.lines().collect::<Vec<_>>().join(", ");
                if !text.is_empty() {
                    folded.push(text);
                }
            }
            let mut notes = Vec::new();
            if !folded.is_empty() {
                notes.push((folded.join(" · "), Tone::Plain));
            }
            notes.extend(r.notes.iter().cloned());
            t.rows.push(Row { cells: keep.iter().map(|&i| r.cells[i].clone()).collect(), notes });
        }
        t.render_columns(total, color)
    }

    fn render_columns(&self, total: usize, color: bool) -> String {
        let (natural, floor) = self.measure();
        let mut widths = natural.clone();
        let gaps = GAP * widths.len().saturating_sub(1);
        // Take a column at a time from the one with the most room to give, until it fits or
        // every column is down to its longest word; kept columns give last.
        while widths.iter().sum::<usize>() + gaps > total {
            let can_give = |i: &usize| widths[*i] > floor[*i];
            let give = (0..widths.len())
                .filter(|i| can_give(i) && !self.keep.contains(i))
                .max_by_key(|&i| widths[i] - floor[i])
                .or_else(|| (0..widths.len()).filter(can_give).max_by_key(|&i| widths[i] - floor[i]));
            match give {
                Some(i) => widths[i] -= 1,
                None => break,
            }
        }
        // Words still wider than their column (a column cannot be wider than the screen)
        // are split: only when the whole line cannot hold them.
        let room = total.saturating_sub(gaps).max(1);
        for w in &mut widths {
            *w = (*w).min(room).max(1);
        }
        let indent = (widths.first().copied().unwrap_or(0) + GAP).min(MAX_NOTE_INDENT).min(total / 3);
        let mut out = String::new();
        let header: Vec<Cell> = self.headers.iter().map(|h| Cell::new(h.clone())).collect();
        self.write_row(&mut out, &header, &widths, color, true);
        let mut previous_had_notes = false;
        for (k, row) in self.rows.iter().enumerate() {
            if self.spaced && k > 0 && (previous_had_notes || !row.notes.is_empty()) {
                out.push('\n');
            }
            self.write_row(&mut out, &row.cells, &widths, color, false);
            for (note, tone) in &row.notes {
                for raw in note.lines() {
                    // Keep a list item's hanging indent ("- …") on its wrapped lines.
                    let hang = if raw.starts_with("- ") { 2 } else { 0 };
                    for (j, line) in wrap(raw, total.saturating_sub(indent + hang).max(10)).iter().enumerate() {
                        let extra = if j > 0 { hang } else { 0 };
                        let _ = writeln!(out, "{}{}", " ".repeat(indent + extra), paint(line, *tone, color));
                    }
                }
            }
            previous_had_notes = !row.notes.is_empty();
        }
        out
    }

    fn write_row(&self, out: &mut String, cells: &[Cell], widths: &[usize], color: bool, header: bool) {
        let wrapped: Vec<Vec<String>> =
            cells.iter().zip(widths).map(|(c, &w)| c.text.lines().flat_map(|l| wrap(l, w)).collect()).collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let last = cells.len().saturating_sub(1);
        for line in 0..height {
            let mut text = String::new();
            for (i, lines) in wrapped.iter().enumerate() {
                let piece = lines.get(line).map(String::as_str).unwrap_or("");
                let pad = widths[i].saturating_sub(width(piece));
                let tone = if header { Tone::Plain } else { cells[i].tone };
                let shown = if header && color && !piece.is_empty() {
                    format!("\x1b[1m{piece}\x1b[0m")
                } else {
                    paint(piece, tone, color)
                };
                match self.align[i] {
                    Align::Right => {
                        text.push_str(&" ".repeat(pad));
                        text.push_str(&shown);
                    }
                    Align::Left => {
                        text.push_str(&shown);
                        if i != last {
                            text.push_str(&" ".repeat(pad));
                        }
                    }
                }
                if i != last {
                    text.push_str(&" ".repeat(GAP));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        }
    }

    fn render_piped(&self) -> String {
        let flat = |c: &Cell| c.text.lines().collect::<Vec<_>>().join(", ");
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for r in &self.rows {
            for (i, c) in r.cells.iter().enumerate() {
                widths[i] = widths[i].max(width(&flat(c)));
            }
        }
        let line = |cells: Vec<String>, notes: &[(String, Tone)]| -> String {
            let mut s = String::new();
            let last = cells.len().saturating_sub(1);
            for (i, c) in cells.iter().enumerate() {
                let pad = widths[i].saturating_sub(width(c));
                match self.align[i] {
                    Align::Right => {
                        s.push_str(&" ".repeat(pad));
                        s.push_str(c);
                    }
                    Align::Left => {
                        s.push_str(c);
                        if i != last || !notes.is_empty() {
                            s.push_str(&" ".repeat(pad));
                        }
                    }
                }
                if i != last {
                    s.push_str(&" ".repeat(GAP));
                }
            }
            if !notes.is_empty() {
                let joined: Vec<String> = notes.iter().map(|(n, _)| n.lines().collect::<Vec<_>>().join(" ")).collect();
                s.push_str(&" ".repeat(GAP));
                s.push_str(&joined.join(" | "));
            }
            let mut s = s.trim_end().to_string();
            s.push('\n');
            s
        };
        let mut out = line(self.headers.clone(), &[]);
        for r in &self.rows {
            out.push_str(&line(r.cells.iter().map(flat).collect(), &r.notes));
        }
        out
    }
}

/// `text` wrapped at spaces into lines at most `max` wide; a word wider than `max` is split.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    if width(text) <= max {
        return vec![text.to_string()];
    }
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let needed = if current.is_empty() { width(word) } else { width(&current) + 1 + width(word) };
        if needed <= max {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        if width(word) <= max {
            current.push_str(word);
            continue;
        }
        // Only a word wider than the whole line is split.
        let mut piece = String::new();
        for ch in word.chars() {
            if width(&piece) + unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0) > max {
                lines.push(std::mem::take(&mut piece));
            }
            piece.push(ch);
        }
        current = piece;
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_fold_columns_into_the_notes() {
        let mut t = Table::new(&["Claim", "Patient", "Status"]).fold(&[1]);
        t.row(vec!["MSB00001".into(), "EXAMPLE, JESSE MIDDLENAME".into(), "PAID".into()]);
        let wide = t.render(Layout::Terminal { width: 80, color: false });
        assert_eq!(wide.lines().nth(1), Some("MSB00001  EXAMPLE, JESSE MIDDLENAME  PAID"));
        let narrow = t.render(Layout::Terminal { width: 24, color: false });
        let lines: Vec<&str> = narrow.lines().collect();
        assert_eq!(lines[0], "Claim     Status");
        assert_eq!(lines[1], "MSB00001  PAID");
        assert!(lines[2].trim_start().starts_with("EXAMPLE, JESSE"), "{narrow}");
    }

    fn sample() -> Table {
        let mut t = Table::new(&["Claim", "Status", "Charged"]).right(&[2]);
        t.row(vec!["MSB00002".into(), Cell::new("OA REJECTED").tone(Tone::Bad), "50.00".into()]);
        t.note("FE69 Patient Street Address Required: add the patient's street address (2010CA N3) and refile.");
        t.row(vec!["MSB00001".into(), "PAID".into(), "1215.00".into()]);
        t
    }

    fn words(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    #[test]
    fn words_are_never_split_when_the_line_can_hold_them() {
        for total in [40, 80, 120] {
            let text = sample().render(Layout::Terminal { width: total, color: false });
            for line in text.lines() {
                assert!(width(line) <= total, "{line:?} is wider than {total}");
            }
            for w in ["REJECTED", "Address", "Required:", "street", "refile."] {
                assert!(words(&text).contains(&w), "{w} split at width {total}:\n{text}");
            }
        }
    }

    #[test]
    fn notes_go_below_their_row_and_numbers_align_right() {
        let text = sample().render(Layout::Terminal { width: 80, color: false });
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Claim     Status       Charged");
        assert_eq!(lines[1], "MSB00002  OA REJECTED    50.00");
        assert!(lines[2].starts_with("          FE69 Patient Street"), "{:?}", lines[2]);
        assert_eq!(lines[3], "          (2010CA N3) and refile.", "a wrapped note keeps its indent");
        assert_eq!(lines[4], "", "a blank line ends a record with notes");
        assert_eq!(lines[5], "MSB00001  PAID         1215.00");
    }

    #[test]
    fn piped_output_is_one_record_per_line() {
        let text = sample().render(Layout::Piped);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("MSB00002  OA REJECTED    50.00  FE69 Patient"));
        assert!(lines[1].ends_with("and refile."));
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn colour_only_when_asked() {
        let plain = sample().render(Layout::Terminal { width: 80, color: false });
        let coloured = sample().render(Layout::Terminal { width: 80, color: true });
        assert!(!plain.contains('\x1b'));
        assert!(coloured.contains("\x1b[31mOA REJECTED\x1b[0m"));
    }

    #[test]
    fn wrap_splits_only_words_wider_than_the_line() {
        assert_eq!(wrap("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10), vec![""]);
    }
}
