//! A small flow layout on top of printpdf, which places text only where it
//! is told: measuring with the font's own advance widths, wrapping lines
//! (between any two Japanese characters, at spaces in other text), and
//! breaking paragraphs and tables across A4 pages, with table headers
//! repeated on each page. Page furniture (marking, page numbers, the draft
//! watermark) is added once the page count is known.

use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Op, PaintMode, ParsedFont, PdfFontHandle, Point, Pt, Rect, TextItem,
    TextMatrix,
};

pub const PAGE_W: f32 = 595.276;
pub const PAGE_H: f32 = 841.89;
pub const MARGIN_X: f32 = 56.0;
pub const MARGIN_TOP: f32 = 62.0;
pub const MARGIN_BOTTOM: f32 = 56.0;
pub const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

/// The font with what measuring needs.
pub struct Font {
    pub id: FontId,
    pub parsed: ParsedFont,
    units_per_em: f32,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font").field("id", &self.id).finish()
    }
}

impl Font {
    pub fn new(id: FontId, parsed: ParsedFont) -> Font {
        let units_per_em = f32::from(parsed.pdf_font_metrics.units_per_em.max(1));
        Font { id, parsed, units_per_em }
    }

    /// The width of `text` at `size`: printpdf neither shapes nor kerns, so
    /// the sum of the glyphs' advances is exactly what is drawn.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size / self.units_per_em
    }

    fn advance(&self, c: char) -> f32 {
        f32::from(self.parsed.get_horizontal_advance(self.parsed.lookup_glyph_index(c as u32).unwrap_or(0)))
    }

    /// Splits `text` into lines no wider than `width`. Hard line breaks are
    /// kept; a line breaks after a space or next to a CJK character, and a
    /// word wider than the line is broken where it must be.
    pub fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            let mut line_w = 0.0;
            // The last place the line may break: byte index in `line` and width up to it.
            let mut last_break: Option<(usize, f32)> = None;
            for c in paragraph.chars() {
                let w = self.advance(c) * size / self.units_per_em;
                if line_w + w > width && !line.is_empty() {
                    // Japanese closing punctuation stays with the line it ends (禁則).
                    let hanging = "、。，．）」』】〕！？".contains(c);
                    if !hanging {
                        match last_break.filter(|(at, _)| *at > 0 && *at < line.len()) {
                            Some((at, at_w)) => {
                                let rest = line.split_off(at);
                                lines.push(line.trim_end().to_string());
                                line = rest.trim_start().to_string();
                                line_w -= at_w;
                                if line.is_empty() {
                                    line_w = 0.0;
                                }
                            }
                            None => {
                                lines.push(std::mem::take(&mut line).trim_end().to_string());
                                line_w = 0.0;
                            }
                        }
                        last_break = None;
                    }
                }
                if is_cjk(c) && !line.is_empty() {
                    last_break = Some((line.len(), line_w));
                }
                line.push(c);
                line_w += w;
                if c == ' ' || is_cjk(c) {
                    last_break = Some((line.len(), line_w));
                }
            }
            lines.push(line.trim_end().to_string());
        }
        lines
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// A column of a table: its share of the content width.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub width: f32,
}

/// Pages being filled from the top down.
#[derive(Debug)]
pub struct Flow<'f> {
    pub font: &'f Font,
    pub pages: Vec<Vec<Op>>,
    /// Distance from the page's bottom edge to where the next line's top is.
    y: f32,
    /// Section bookmarks: (title, 1-based page).
    pub bookmarks: Vec<(String, usize)>,
}

impl<'f> Flow<'f> {
    pub fn new(font: &'f Font) -> Flow<'f> {
        Flow { font, pages: vec![Vec::new()], y: PAGE_H - MARGIN_TOP, bookmarks: Vec::new() }
    }

    pub fn page_number(&self) -> usize {
        self.pages.len()
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = PAGE_H - MARGIN_TOP;
    }

    /// Starts a new page unless `height` still fits on this one.
    pub fn ensure(&mut self, height: f32) {
        if self.y - height < MARGIN_BOTTOM {
            self.new_page();
        }
    }

    pub fn space(&mut self, height: f32) {
        self.y -= height;
        if self.y < MARGIN_BOTTOM {
            self.new_page();
        }
    }

    pub fn bookmark(&mut self, title: &str) {
        let page = self.page_number();
        self.bookmarks.push((title.to_string(), page));
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Draws one line of text with its top at the current position.
    fn line_at(&mut self, x: f32, text: &str, size: f32, grey: f32) {
        let baseline = self.y - size * 0.88;
        let id = self.font.id.clone();
        text_ops(self.ops(), &id, size, x, baseline, text, grey, 0.0);
    }

    /// A heading, kept with at least a few lines after it.
    pub fn heading(&mut self, text: &str, size: f32) {
        self.ensure(size * 1.4 + 40.0);
        self.space(size * 0.6);
        for line in self.font.wrap(text, size, CONTENT_W) {
            self.line_at(MARGIN_X, &line, size, 0.0);
            self.y -= size * 1.4;
        }
        self.y -= size * 0.3;
    }

    /// A wrapped paragraph, indented by `indent`, broken across pages.
    pub fn paragraph(&mut self, text: &str, size: f32, indent: f32) {
        let lead = size * 1.55;
        for line in self.font.wrap(text, size, CONTENT_W - indent) {
            self.ensure(lead);
            self.line_at(MARGIN_X + indent, &line, size, 0.0);
            self.y -= lead;
        }
        self.y -= size * 0.4;
    }

    /// Label and value pairs, the label in a fixed column.
    pub fn fields(&mut self, rows: &[(String, String)], size: f32, label_w: f32) {
        let lead = size * 1.6;
        for (label, value) in rows {
            let lines = self.font.wrap(value, size, CONTENT_W - label_w);
            self.ensure(lead * lines.len() as f32);
            self.line_at(MARGIN_X, label, size, 0.35);
            for line in lines {
                self.line_at(MARGIN_X + label_w, &line, size, 0.0);
                self.y -= lead;
            }
        }
        self.y -= size * 0.4;
    }

    /// A table with a header row repeated on every page it runs over. Rows
    /// never split: a row that does not fit goes to the next page whole
    /// (a row taller than a page is cut into page-sized parts).
    pub fn table(&mut self, columns: &[Column], header: &[String], rows: &[Vec<String>], size: f32) {
        let lead = size * 1.45;
        let pad = 3.0;
        let wrap_row = |row: &[String]| -> Vec<Vec<String>> {
            row.iter().zip(columns).map(|(cell, col)| self.font.wrap(cell, size, col.width - 2.0 * pad)).collect()
        };
        let header_cells = wrap_row(header);
        let header_h = header_cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * lead + 2.0 * pad;
        self.ensure(header_h + lead + 2.0 * pad);
        self.draw_row(columns, &header_cells, header_h, size, lead, pad, true);
        for row in rows {
            let cells = wrap_row(row);
            let mut lines = cells.iter().map(Vec::len).max().unwrap_or(1);
            let mut offset = 0;
            while lines > 0 {
                let room = ((self.y - MARGIN_BOTTOM - 2.0 * pad) / lead).floor().max(0.0) as usize;
                let max_on_page =
                    (((PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - header_h - 2.0 * pad) / lead) as usize).max(1);
                if room < lines.min(max_on_page) {
                    self.new_page();
                    self.draw_row(columns, &header_cells, header_h, size, lead, pad, true);
                    continue;
                }
                let take = lines.min(room);
                let part: Vec<Vec<String>> =
                    cells.iter().map(|c| c.iter().skip(offset).take(take).cloned().collect()).collect();
                let h = take as f32 * lead + 2.0 * pad;
                self.draw_row(columns, &part, h, size, lead, pad, false);
                offset += take;
                lines -= take;
            }
        }
        self.y -= size;
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_row(
        &mut self,
        columns: &[Column],
        cells: &[Vec<String>],
        h: f32,
        size: f32,
        lead: f32,
        pad: f32,
        header: bool,
    ) {
        let top = self.y;
        if header {
            let ops = self.ops();
            fill_rect(ops, MARGIN_X, top - h, CONTENT_W, h, 0.92);
        }
        let mut x = MARGIN_X;
        for (cell, col) in cells.iter().zip(columns) {
            self.y = top - pad;
            for line in cell {
                self.line_at(x + pad, line, size, 0.0);
                self.y -= lead;
            }
            x += col.width;
        }
        self.y = top - h;
        let ops = self.ops();
        rule(ops, MARGIN_X, MARGIN_X + CONTENT_W, top - h, if header { 0.6 } else { 0.3 });
        if header {
            rule(ops, MARGIN_X, MARGIN_X + CONTENT_W, top, 0.6);
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn text_ops(ops: &mut Vec<Op>, font: &FontId, size: f32, x: f32, y: f32, text: &str, grey: f32, rotate: f32) {
    ops.push(Op::StartTextSection);
    ops.push(Op::SetFont { font: PdfFontHandle::External(font.clone()), size: Pt(size) });
    ops.push(Op::SetFillColor { col: Color::Greyscale(Greyscale::new(grey, None)) });
    let matrix = if rotate == 0.0 {
        TextMatrix::Translate(Pt(x), Pt(y))
    } else {
        TextMatrix::TranslateRotate(Pt(x), Pt(y), rotate)
    };
    ops.push(Op::SetTextMatrix { matrix });
    ops.push(Op::ShowText { items: vec![TextItem::Text(text.to_string())] });
    ops.push(Op::EndTextSection);
}

pub fn rule(ops: &mut Vec<Op>, x1: f32, x2: f32, y: f32, width: f32) {
    ops.push(Op::SetOutlineColor { col: Color::Greyscale(Greyscale::new(0.45, None)) });
    ops.push(Op::SetOutlineThickness { pt: Pt(width) });
    ops.push(Op::DrawLine {
        line: Line {
            is_closed: false,
            points: vec![
                LinePoint { p: Point { x: Pt(x1), y: Pt(y) }, bezier: false },
                LinePoint { p: Point { x: Pt(x2), y: Pt(y) }, bezier: false },
            ],
        },
    });
}

pub fn fill_rect(ops: &mut Vec<Op>, x: f32, y: f32, w: f32, h: f32, grey: f32) {
    ops.push(Op::SetFillColor { col: Color::Greyscale(Greyscale::new(grey, None)) });
    ops.push(Op::DrawRectangle {
        rectangle: Rect { mode: Some(PaintMode::Fill), ..Rect::from_xywh(Pt(x), Pt(y), Pt(w), Pt(h)) },
    });
}
