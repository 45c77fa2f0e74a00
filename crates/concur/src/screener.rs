//! The terminal screener (`concur screen --reviewer NAME`): one record at a time, ranked by the
//! model trained on the reviewer's own decisions, with the eligibility criteria, highlighted
//! terms and the stopping indicator. The screen's state and its keys are kept apart from the
//! terminal (`App`), so tests drive it with ratatui's test backend.

use crate::queue::{decided, highlight_terms, pool, CONFIDENCE, RECALL_TARGET};
use anyhow::Result;
use concur_evidence::Review;
use concur_screen::{highlight, Mark, Next, Pool, Stopping};
use concur_store::{NewDecision, Stage, StoredRecord, Verdict, Workspace};
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use std::collections::HashMap;

/// What the keys are doing.
#[derive(Debug, Clone, PartialEq)]
enum Mode {
    /// Deciding.
    Normal,
    /// Choosing an exclusion reason (a number) for an exclusion.
    Reason,
    /// Typing a note (kept with the next decision).
    Note(String),
}

/// The screener's state.
pub(crate) struct App<'a> {
    ws: &'a Workspace,
    review: &'a Review,
    reviewer: String,
    stage: Stage,
    pool: Pool,
    records: HashMap<i64, StoredRecord>,
    include_terms: Vec<String>,
    exclude_terms: Vec<String>,
    /// Records skipped this session (shown again next time).
    skipped: Vec<i64>,
    sample: bool,
    next: Option<Next>,
    stopping: Stopping,
    mode: Mode,
    note: Option<String>,
    message: String,
    scroll: u16,
    pub(crate) quit: bool,
}

impl<'a> App<'a> {
    pub(crate) fn new(
        ws: &'a Workspace,
        review: &'a Review,
        reviewer: &str,
        stage: Stage,
        seed: u64,
    ) -> Result<App<'a>> {
        let screening = ws.screening(stage)?;
        let (pool, records) = pool(ws, &screening, seed)?;
        let (include_terms, exclude_terms) = highlight_terms(review);
        let mut app = App {
            ws,
            review,
            reviewer: reviewer.to_string(),
            stage,
            pool,
            records,
            include_terms,
            exclude_terms,
            skipped: Vec::new(),
            sample: false,
            next: None,
            stopping: concur_screen::stopping(&[], 0, 0, RECALL_TARGET, CONFIDENCE),
            mode: Mode::Normal,
            note: None,
            message: String::new(),
            scroll: 0,
            quit: false,
        };
        // No random sample yet: start with one, as BUSCAR's estimate asks.
        app.refresh()?;
        if app.stopping.random_sample == 0 && app.stopping.screened == 0 {
            app.sample = true;
            app.message =
                "Starting with a random sample (press r to switch to the ranked order).".into();
            app.refresh()?;
        }
        Ok(app)
    }

    /// Re-reads the decisions, retrains and picks the next record.
    fn refresh(&mut self) -> Result<()> {
        let screening = self.ws.screening(self.stage)?;
        let mine = decided(&screening, &self.reviewer);
        let mut settled = screening.excluded_automatically();
        settled.extend(&self.skipped);
        self.next = self.pool.next(&mine, &settled, self.sample);
        if let Some(n) = &self.next {
            self.ws.mark_shown(
                &self.reviewer,
                self.stage,
                n.record,
                &n.model,
                n.rank as i64,
            )?;
        }
        self.stopping = self.pool.stopping(
            &mine,
            screening.excluded_automatically().len(),
            RECALL_TARGET,
            CONFIDENCE,
        );
        self.scroll = 0;
        Ok(())
    }

    fn decide(&mut self, verdict: Verdict, reason: Option<String>) -> Result<()> {
        let Some(n) = self.next.clone() else {
            return Ok(());
        };
        let reasons = self.review.meta.eligibility.reason_ids();
        let note = self.note.take();
        self.ws.decide(
            &NewDecision {
                record: n.record,
                reviewer: &self.reviewer,
                stage: self.stage,
                verdict,
                reason: reason.as_deref(),
                reason_text: None,
                note: note.as_deref(),
            },
            &reasons,
        )?;
        self.message = format!(
            "record {}: {}{}",
            n.record,
            verdict.as_str(),
            reason.map_or(String::new(), |r| format!(" ({r})"))
        );
        self.refresh()
    }

    /// Handles one key.
    pub(crate) fn key(&mut self, code: KeyCode) -> Result<()> {
        match self.mode.clone() {
            Mode::Note(mut text) => {
                match code {
                    KeyCode::Enter => {
                        self.note = (!text.trim().is_empty()).then_some(text);
                        self.message = "note kept for the next decision".into();
                        self.mode = Mode::Normal;
                    }
                    KeyCode::Esc => self.mode = Mode::Normal,
                    KeyCode::Backspace => {
                        text.pop();
                        self.mode = Mode::Note(text);
                    }
                    KeyCode::Char(c) => {
                        text.push(c);
                        self.mode = Mode::Note(text);
                    }
                    _ => {}
                }
                return Ok(());
            }
            Mode::Reason => {
                self.mode = Mode::Normal;
                let reasons = &self.review.meta.eligibility.reasons;
                match code {
                    KeyCode::Char(c) if c.is_ascii_digit() => {
                        let k = c.to_digit(10).unwrap_or(0) as usize;
                        match reasons.get(k.wrapping_sub(1)) {
                            Some(r) => {
                                let id = r.id.clone();
                                self.decide(Verdict::Exclude, Some(id))?;
                            }
                            None => self.message = format!("no reason {k}"),
                        }
                    }
                    KeyCode::Enter => self.decide(Verdict::Exclude, None)?,
                    _ => self.message = "exclusion cancelled".into(),
                }
                return Ok(());
            }
            Mode::Normal => {}
        }
        match code {
            KeyCode::Char('i') => self.decide(Verdict::Include, None)?,
            KeyCode::Char('m') => self.decide(Verdict::Maybe, None)?,
            KeyCode::Char('e') | KeyCode::Char('x') => {
                if self.review.meta.eligibility.reasons.is_empty() {
                    self.decide(Verdict::Exclude, None)?;
                } else {
                    self.mode = Mode::Reason;
                    self.message = "reason: press its number, Enter for none, Esc to cancel".into();
                }
            }
            KeyCode::Char('n') => self.mode = Mode::Note(self.note.clone().unwrap_or_default()),
            KeyCode::Char('u') => match self.ws.undo_decision(&self.reviewer, self.stage) {
                Ok(d) => {
                    self.message = format!(
                        "undid {} on record {}",
                        d.verdict.map_or("", Verdict::as_str),
                        d.record
                    );
                    self.skipped.retain(|r| *r != d.record);
                    self.refresh()?;
                }
                Err(e) => self.message = e.to_string(),
            },
            KeyCode::Char('s') => {
                if let Some(n) = &self.next {
                    self.skipped.push(n.record);
                    self.message = format!("skipped record {} for this session", n.record);
                    self.refresh()?;
                }
            }
            KeyCode::Char('r') => {
                self.sample = !self.sample;
                self.message = if self.sample {
                    "random sample: records in a random order".into()
                } else {
                    "ranked order: the model's likeliest relevant first".into()
                };
                self.refresh()?;
            }
            KeyCode::Down | KeyCode::PageDown | KeyCode::Char('j') => {
                self.scroll = self.scroll.saturating_add(3)
            }
            KeyCode::Up | KeyCode::PageUp | KeyCode::Char('k') => {
                self.scroll = self.scroll.saturating_sub(3)
            }
            KeyCode::Char('q') | KeyCode::Esc => self.quit = true,
            _ => {}
        }
        Ok(())
    }

    /// Text with the highlighted terms coloured: green for signs of a relevant record, red for
    /// signs of an irrelevant one.
    fn highlighted(&self, text: &str, base: Style) -> Line<'static> {
        let text = crate::print::clean(text);
        let spans = highlight(&text, &self.include_terms, &self.exclude_terms);
        let mut out: Vec<Span<'static>> = Vec::new();
        let mut at = 0;
        for s in spans {
            if s.start > at {
                out.push(Span::styled(text[at..s.start].to_string(), base));
            }
            let colour = match s.mark {
                Mark::Include => Color::Green,
                Mark::Exclude => Color::Red,
            };
            out.push(Span::styled(
                text[s.start..s.end].to_string(),
                base.fg(colour).add_modifier(Modifier::BOLD),
            ));
            at = s.end;
        }
        if at < text.len() {
            out.push(Span::styled(text[at..].to_string(), base));
        }
        Line::from(out)
    }

    pub(crate) fn draw(&self, f: &mut Frame) {
        let [head, body, stop, foot] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(8),
            Constraint::Length(6),
            Constraint::Length(2),
        ])
        .areas(f.area());
        let [record_area, side] =
            Layout::horizontal([Constraint::Percentage(68), Constraint::Percentage(32)])
                .areas(body);
        let position = match &self.next {
            Some(n) => format!(
                "record {} · rank {} of {} left · {}",
                n.record, n.rank, n.left, n.model
            ),
            None => "nothing left to screen".into(),
        };
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(
                    format!(
                        " concur screen · {} · {} · ",
                        crate::print::clean(&self.reviewer),
                        self.stage.as_str()
                    ),
                    Style::default().add_modifier(Modifier::BOLD),
                ),
                Span::raw(position),
            ])),
            head,
        );
        self.draw_record(f, record_area);
        self.draw_eligibility(f, side);
        let stopping: Vec<Line> = concur_report::stopping_lines(&self.stopping)
            .into_iter()
            .map(Line::from)
            .collect();
        f.render_widget(
            Paragraph::new(stopping)
                .wrap(Wrap { trim: true })
                .block(Block::default().borders(Borders::TOP).title(" stopping ")),
            stop,
        );
        let keys = match &self.mode {
            Mode::Normal => "i include · e exclude (with reason) · m maybe · n note · u undo · s skip · r random sample on/off · ↑↓ scroll · q quit".to_string(),
            Mode::Reason => "exclude: press a reason's number (right), Enter for none, Esc to cancel".to_string(),
            Mode::Note(t) => format!("note: {t}▏ (Enter keeps it for the next decision, Esc cancels)"),
        };
        f.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(
                    self.message.clone(),
                    Style::default().fg(Color::Yellow),
                )),
                Line::from(keys),
            ]),
            foot,
        );
    }

    fn draw_record(&self, f: &mut Frame, area: Rect) {
        let block = Block::default().borders(Borders::ALL).title(" record ");
        let Some(r) = self.next.as_ref().and_then(|n| self.records.get(&n.record)) else {
            f.render_widget(
                Paragraph::new(format!(
                    "{} has screened every record at {}. `concur screen conflicts` lists disagreements; `concur prisma` draws the flow.",
                    self.reviewer,
                    self.stage.as_str()
                ))
                .wrap(Wrap { trim: true })
                .block(block),
                area,
            );
            return;
        };
        let rec = &r.record;
        let mut lines: Vec<Line> = Vec::new();
        lines.push(self.highlighted(
            rec.title.as_deref().unwrap_or("(no title)"),
            Style::default().add_modifier(Modifier::BOLD),
        ));
        let authors: Vec<String> = rec.authors.iter().take(6).map(|a| a.display()).collect();
        let meta = [
            rec.journal.clone(),
            rec.year.map(|y| y.to_string()),
            (!authors.is_empty()).then(|| authors.join(", ")),
            rec.pmid.as_ref().map(|p| format!("PMID {p}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        lines.push(Line::from(Span::styled(
            crate::print::clean(&meta),
            Style::default().fg(Color::Cyan),
        )));
        lines.push(Line::from(""));
        for section in &rec.abstract_sections {
            let text = match &section.label {
                Some(l) => format!("{l}: {}", section.text),
                None => section.text.clone(),
            };
            lines.push(self.highlighted(&text, Style::default()));
        }
        if rec.abstract_sections.is_empty() {
            lines.push(Line::from("(no abstract)"));
        }
        if !rec.mesh.is_empty() {
            lines.push(Line::from(""));
            let mesh: Vec<String> = rec.mesh.iter().map(|m| m.descriptor.clone()).collect();
            lines.push(self.highlighted(
                &format!("MeSH: {}", mesh.join("; ")),
                Style::default().fg(Color::Gray),
            ));
        }
        if !rec.keywords.is_empty() {
            lines.push(self.highlighted(
                &format!("Keywords: {}", rec.keywords.join("; ")),
                Style::default().fg(Color::Gray),
            ));
        }
        if !rec.publication_types.is_empty() || !rec.languages.is_empty() {
            lines.push(Line::from(crate::print::clean(&format!(
                "Type: {} · language: {}",
                rec.publication_types.join("; "),
                rec.languages.join(", ")
            ))));
        }
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: true })
                .scroll((self.scroll, 0))
                .block(block),
            area,
        );
    }

    fn draw_eligibility(&self, f: &mut Frame, area: Rect) {
        let e = &self.review.meta.eligibility;
        let mut lines: Vec<Line> = Vec::new();
        let bold = Style::default().add_modifier(Modifier::BOLD);
        for (k, v) in [
            ("Population", &e.population),
            ("Intervention", &e.intervention),
            ("Timing", &e.timing),
        ] {
            if let Some(v) = v {
                lines.push(Line::from(vec![
                    Span::styled(format!("{k}: "), bold),
                    Span::raw(v.clone()),
                ]));
            }
        }
        if !e.designs.is_empty() {
            lines.push(Line::from(vec![
                Span::styled("Designs: ", bold),
                Span::raw(e.designs.join("; ")),
            ]));
        }
        for i in &e.include {
            lines.push(Line::from(format!("+ {i}")));
        }
        for x in &e.exclude {
            lines.push(Line::from(format!("− {x}")));
        }
        if !e.reasons.is_empty() {
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled("Exclusion reasons", bold)));
            for (k, r) in e.reasons.iter().enumerate().take(9) {
                lines.push(Line::from(format!("{} {}", k + 1, r.label)));
            }
        }
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: true }).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" eligibility "),
            ),
            area,
        );
    }
}

/// Runs the screener in the terminal until the reviewer quits.
pub fn run(ws: &Workspace, review: &Review, reviewer: &str, stage: Stage, seed: u64) -> Result<u8> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the screener needs a terminal; scripts use `concur screen next --json` and `concur screen decide`"
        );
    }
    let mut app = App::new(ws, review, reviewer, stage, seed)?;
    let mut terminal = ratatui::init();
    let result = (|| -> Result<()> {
        while !app.quit {
            terminal.draw(|f| app.draw(f))?;
            if let Event::Key(k) = event::read()? {
                if k.kind == KeyEventKind::Press {
                    if let Err(e) = app.key(k.code) {
                        app.message = format!("{e:#}");
                    }
                }
            }
        }
        Ok(())
    })();
    ratatui::restore();
    result?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use concur_lit::{Item, Record};
    use concur_store::{Config, FileInfo};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    fn workspace(dir: &std::path::Path) -> Workspace {
        let mut ws = Workspace::init(dir, Config::default()).unwrap();
        let mut import = ws
            .begin_import(
                &FileInfo {
                    file_name: "a.ris".into(),
                    hash: "h".into(),
                    bytes: 1,
                },
                "test",
                "ris",
            )
            .unwrap();
        for (k, t) in [
            "Radionecrosis after radiosurgery with trastuzumab emtansine",
            "Knee cartilage repair",
            "Breast cancer radiotherapy with T-DM1: skin toxicity",
        ]
        .iter()
        .enumerate()
        {
            import
                .add(Item::Record(Box::new(Record {
                    title: Some((*t).into()),
                    pmid: Some(format!("{}", k + 1)),
                    ..Record::default()
                })))
                .unwrap();
        }
        import.commit().unwrap();
        ws.finish_imports();
        ws
    }

    fn screen_text(app: &App<'_>) -> String {
        let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
        t.draw(|f| app.draw(f)).unwrap();
        let buf = t.backend().buffer().clone();
        let mut s = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                s.push_str(buf[(x, y)].symbol());
            }
            s.push('\n');
        }
        s
    }

    #[test]
    fn keys_decide_undo_and_skip_and_the_screen_shows_the_record_and_the_criteria() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workspace(dir.path());
        let review = crate::load(None).unwrap();
        let mut app = App::new(&ws, &review, "ana", Stage::TitleAbstract, 1).unwrap();
        // A first session starts with a random sample and says so.
        assert!(app.sample);
        let first = app.next.clone().unwrap();
        let text = screen_text(&app);
        assert!(text.contains("Exclusion reasons"), "{text}");
        assert!(text.contains("BUSCAR"), "{text}");
        assert!(text.contains(&format!("record {}", first.record)), "{text}");
        app.key(KeyCode::Char('i')).unwrap();
        let second = app.next.clone().unwrap();
        assert_ne!(first.record, second.record);
        // Exclude asks for a reason; 1 picks the first.
        app.key(KeyCode::Char('e')).unwrap();
        assert_eq!(app.mode, Mode::Reason);
        app.key(KeyCode::Char('1')).unwrap();
        let s = ws.screening(Stage::TitleAbstract).unwrap();
        let reason = &review.meta.eligibility.reasons[0].id;
        assert_eq!(
            s.states[&second.record].reviewers["ana"].reason.as_ref(),
            Some(reason)
        );
        assert_eq!(
            s.states[&first.record].reviewers["ana"].verdict,
            Verdict::Include
        );
        // Undo brings the excluded record back.
        app.key(KeyCode::Char('u')).unwrap();
        assert_eq!(app.next.as_ref().map(|n| n.left), Some(2));
        // A note goes with the next decision.
        app.key(KeyCode::Char('n')).unwrap();
        for c in "dose?".chars() {
            app.key(KeyCode::Char(c)).unwrap();
        }
        app.key(KeyCode::Enter).unwrap();
        let shown = app.next.clone().unwrap();
        app.key(KeyCode::Char('m')).unwrap();
        let s = ws.screening(Stage::TitleAbstract).unwrap();
        assert_eq!(
            s.states[&shown.record].reviewers["ana"].note.as_deref(),
            Some("dose?")
        );
        // Skip, then nothing left.
        app.key(KeyCode::Char('s')).unwrap();
        assert!(app.next.is_none());
        assert!(screen_text(&app).contains("has screened every record"));
        app.key(KeyCode::Char('q')).unwrap();
        assert!(app.quit);
    }
}
