//! Text in the printable records: Helvetica's widths (the standard font, not embedded), the
//! WinAnsi encoding it is shown in, and word wrapping within a width.

/// Widths of Helvetica's printable ASCII glyphs (from the font's metrics), in 1/1000 em.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

fn char_width(c: char, size: f32, bold: bool) -> f32 {
    let w = match c as u32 {
        32..=126 => HELVETICA[(c as u32 - 32) as usize],
        _ => 556,
    };
    let factor = if bold { 1.08 } else { 1.0 };
    f32::from(w) * size / 1000.0 * factor
}

fn text_width(s: &str, size: f32, bold: bool) -> f32 {
    s.chars().map(|c| char_width(c, size, bold)).sum()
}

/// Text as WinAnsi bytes; characters the encoding lacks become `?`.
pub fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .filter(|c| !c.is_control())
        .map(|c| match c as u32 {
            0x20..=0x7E | 0xA0..=0xFF => c as u32 as u8,
            _ => match c {
                '€' => 0x80,
                '‚' => 0x82,
                'ƒ' => 0x83,
                '„' => 0x84,
                '…' => 0x85,
                '†' => 0x86,
                '‡' => 0x87,
                'ˆ' => 0x88,
                '‰' => 0x89,
                'Š' => 0x8A,
                '‹' => 0x8B,
                'Œ' => 0x8C,
                'Ž' => 0x8E,
                '‘' => 0x91,
                '’' => 0x92,
                '“' => 0x93,
                '”' => 0x94,
                '•' => 0x95,
                '–' => 0x96,
                '—' => 0x97,
                '˜' => 0x98,
                '™' => 0x99,
                'š' => 0x9A,
                '›' => 0x9B,
                'œ' => 0x9C,
                'ž' => 0x9E,
                'Ÿ' => 0x9F,
                _ => b'?',
            },
        })
        .collect()
}

/// Splits text into lines that fit `width`, keeping the author's line breaks.
pub fn wrap(text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, size, bold) <= width || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::take(&mut line));
                line = word.to_string();
            }
            // A single word longer than the line is cut.
            while text_width(&line, size, bold) > width && line.chars().count() > 1 {
                let mut cut = String::new();
                let mut rest = String::new();
                for c in line.chars() {
                    if rest.is_empty() && text_width(&format!("{cut}{c}"), size, bold) <= width {
                        cut.push(c);
                    } else {
                        rest.push(c);
                    }
                }
                if cut.is_empty() {
                    break;
                }
                lines.push(cut);
                line = rest;
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_french_text() {
        assert_eq!(win_ansi("Hélène"), vec![b'H', 0xE9, b'l', 0xE8, b'n', b'e']);
        assert_eq!(win_ansi("€ œ"), vec![0x80, b' ', 0x9C]);
        assert_eq!(win_ansi("日"), vec![b'?']);
    }

    #[test]
    fn wraps_within_the_width() {
        let text = "word ".repeat(200);
        let lines = wrap(&text, 11.0, false, 300.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| text_width(l, 11.0, false) <= 300.0));
        let long = "x".repeat(500);
        assert!(
            wrap(&long, 11.0, false, 300.0)
                .iter()
                .all(|l| text_width(l, 11.0, false) <= 300.0)
        );
        assert_eq!(wrap("a\nb", 11.0, false, 300.0), vec!["a", "b"]);
    }
}
