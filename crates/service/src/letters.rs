//! Assignment letters (*oppdragsbrev*): issuing them for every unit of a year from the adopted action
//! programme, acknowledging receipt, and the letter as a PDF.

use std::sync::OnceLock;

use crate::ServiceError;
use crate::jobs::JobError;
use rodtrad_domain::Actor;
use rodtrad_domain::RuleError;
use rodtrad_domain::letters::{LetterContent, format_frame};
use rodtrad_export::pdf::{PRELUDE, PdfTemplate, markdown_blocks};
use rodtrad_store::jobs::Job;
use rodtrad_store::letters::{IssueSummary, Letter, letter_content, letter_units};
use rodtrad_store::org::OrgTree;
use rodtrad_store::{Author, Db, StoreError};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How many units one step of the issue job issues in one transaction before it records its
/// progress.
pub const ISSUE_STEP: usize = 20;

/// Issues the letters of `year` for every unit (service areas, staff units, units) from the action
/// programme adopted for that year: a first version where a unit has none, a new version where
/// anything changed, nothing where the letter would say the same. Management staff only.
pub async fn issue_all(db: &Db, (actor, author): (&Actor, &Author), year: i64) -> Result<IssueSummary, ServiceError> {
    if !actor.can_manage_letters() {
        return Err(ServiceError::Forbidden);
    }
    let mid = author.municipality_id;
    let tree = db.org_tree(mid).await?;
    let units = letter_units(&tree, chrono::Utc::now().date_naive());
    issue(db, author, &tree, year, &units).await
}

/// Issues (again) the letter of one unit, as [`issue_all`] does for every unit.
pub async fn issue_one(
    db: &Db,
    (actor, author): (&Actor, &Author),
    unit_id: i64,
    year: i64,
) -> Result<IssueSummary, ServiceError> {
    if !actor.can_manage_letters() {
        return Err(ServiceError::Forbidden);
    }
    let tree = db.org_tree(author.municipality_id).await?;
    if tree.get(unit_id).is_none() {
        return Err(rodtrad_store::StoreError::NotFound.into());
    }
    issue(db, author, &tree, year, &[unit_id]).await
}

async fn issue(
    db: &Db,
    author: &Author,
    tree: &OrgTree,
    year: i64,
    units: &[i64],
) -> Result<IssueSummary, ServiceError> {
    let mid = author.municipality_id;
    let Some((programme, elements, links)) = db.letter_programme(mid, year).await? else {
        return Err(ServiceError::Rule(RuleError::new("err-letter-no-programme").with("year", year.to_string())));
    };
    let municipality = db.municipality(mid).await?.name;
    let (guidance, _) = db.letter_template(mid).await?;
    let contents: Vec<(i64, LetterContent)> = units
        .iter()
        .map(|u| (*u, letter_content(&municipality, &programme, year as i32, tree, *u, &elements, &links)))
        .collect();
    Ok(db.letters_issue(author, year, &guidance, contents).await?)
}

/// A queued "issue every unit's letter" job.
#[derive(Debug, Clone, Copy)]
pub struct QueuedIssue {
    /// The job.
    pub job_id: i64,
    /// How many units will get a letter.
    pub units: usize,
}

/// The arguments of an issue job.
#[derive(Debug, Serialize, Deserialize)]
struct IssueJob {
    year: i64,
    /// Units that get a letter, as counted when the job was queued.
    #[serde(default)]
    units: usize,
    user_id: Option<i64>,
    by: String,
}

/// What an issue job has done so far, kept on the job row ([`Db::job_set_result`]) after every
/// step: the units done out of all, and what each got.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct IssueProgress {
    /// The letters' year.
    pub year: i64,
    /// Units that get a letter.
    pub total: usize,
    /// Units handled so far.
    pub done: usize,
    /// Units whose first version was issued.
    pub first: Vec<String>,
    /// Units that got a new version.
    pub reissued: Vec<String>,
    /// Units whose letter was unchanged.
    pub unchanged: Vec<String>,
}

impl IssueProgress {
    /// The progress recorded on `job` (before its first step: none of the units counted when it
    /// was queued).
    pub fn of(job: &Job) -> Self {
        job.result.as_deref().and_then(|r| serde_json::from_str(r).ok()).unwrap_or_else(|| {
            let args = serde_json::from_str::<IssueJob>(&job.payload).ok();
            Self { year: args.as_ref().map_or(0, |a| a.year), total: args.map_or(0, |a| a.units), ..Self::default() }
        })
    }

    /// The year the job issues for, from its arguments.
    pub fn year_of(job: &Job) -> Option<i64> {
        serde_json::from_str::<IssueJob>(&job.payload).ok().map(|j| j.year)
    }
}

/// Queues the job that issues the letters of `year` for every unit ([`issue_all`] in steps of
/// [`ISSUE_STEP`] units, its progress recorded after each). Management staff only; refused with
/// `err-letter-no-programme` (nothing queued) when no adopted action programme covers the year.
pub async fn queue_issue_all(
    db: &Db,
    (actor, author): (&Actor, &Author),
    year: i64,
) -> Result<QueuedIssue, ServiceError> {
    if !actor.can_manage_letters() {
        return Err(ServiceError::Forbidden);
    }
    let mid = author.municipality_id;
    if db.letter_programme(mid, year).await?.is_none() {
        return Err(ServiceError::Rule(RuleError::new("err-letter-no-programme").with("year", year.to_string())));
    }
    let tree = db.org_tree(mid).await?;
    let units = letter_units(&tree, chrono::Utc::now().date_naive()).len();
    let payload =
        serde_json::json!({"year": year, "units": units, "user_id": author.user_id, "by": author.name}).to_string();
    let job_id = db.job_enqueue(mid, crate::jobs::kind::LETTERS_ISSUE, &payload, 3).await?;
    Ok(QueuedIssue { job_id, units })
}

/// Runs an issue job: the units not yet handled by an earlier attempt, [`ISSUE_STEP`] at a time,
/// each step one transaction followed by the progress on the job row. Issuing is idempotent (an
/// unchanged letter gets no new version), so an attempt after a crash repeats at most one step.
pub(crate) async fn run_issue_job(db: &Db, job: &Job) -> Result<(), JobError> {
    let args: IssueJob = serde_json::from_str(&job.payload).map_err(|e| JobError::Permanent(e.to_string()))?;
    let mid = job.municipality_id;
    let author = Author { municipality_id: mid, user_id: args.user_id, name: args.by };
    let tree = db.org_tree(mid).await?;
    let units = letter_units(&tree, chrono::Utc::now().date_naive());
    let Some((programme, elements, links)) = db.letter_programme(mid, args.year).await? else {
        return Err(JobError::Permanent(format!("no adopted action programme covers {}", args.year)));
    };
    let municipality = db.municipality(mid).await?.name;
    let (guidance, _) = db.letter_template(mid).await?;
    let mut progress = IssueProgress::of(job);
    if progress.total != units.len() || progress.year != args.year {
        progress = IssueProgress { year: args.year, total: units.len(), ..IssueProgress::default() };
    }
    db.job_set_result(job.id, &serde_json::to_string(&progress).unwrap_or_default()).await?;
    for step in units[progress.done.min(units.len())..].chunks(ISSUE_STEP) {
        let contents: Vec<(i64, LetterContent)> = step
            .iter()
            .map(|u| (*u, letter_content(&municipality, &programme, args.year as i32, &tree, *u, &elements, &links)))
            .collect();
        let summary = db.letters_issue(&author, args.year, &guidance, contents).await?;
        progress.done += step.len();
        progress.first.extend(summary.first);
        progress.reissued.extend(summary.reissued);
        progress.unchanged.extend(summary.unchanged);
        db.job_set_result(job.id, &serde_json::to_string(&progress).unwrap_or_default()).await?;
    }
    Ok(())
}

/// Sets the economic frame of `unit_id`'s letter of `year` for its next version, creating the
/// letter (without a version) when it has none. `expected_version` is the letter's version as read
/// (0 for a letter that did not exist yet): stale → conflict. Management staff only; a unit not in
/// the municipality is not found.
pub async fn set_frame(
    db: &Db,
    (actor, author): (&Actor, &Author),
    unit_id: i64,
    year: i64,
    frame: Option<Decimal>,
    expected_version: i64,
) -> Result<i64, ServiceError> {
    if !actor.can_manage_letters() {
        return Err(ServiceError::Forbidden);
    }
    let mid = author.municipality_id;
    let tree = db.org_tree(mid).await?;
    if tree.get(unit_id).is_none() {
        return Err(StoreError::NotFound.into());
    }
    if !(2000..=2100).contains(&year) {
        return Err(ServiceError::Rule(RuleError::new("err-letter-year").on("year")));
    }
    let existed = db.letter_of_unit(mid, unit_id, year).await?;
    let id = match &existed {
        Some(l) => l.id,
        None => db.letter_create(author, unit_id, year).await?,
    };
    let version = match existed {
        Some(_) => expected_version,
        // The letter was created just now with version 1; someone who saw it before (or created
        // it at the same moment and saved first) has a different version.
        None if expected_version == 0 => db.letter(mid, id).await?.version.min(1),
        None => expected_version,
    };
    db.letter_frame_set(author, id, frame, version).await?;
    Ok(id)
}

/// Saves the guidance template (management staff only); `expected_version` as read (0 before the
/// first save), stale → conflict.
pub async fn save_template(
    db: &Db,
    (actor, author): (&Actor, &Author),
    body: &str,
    expected_version: i64,
) -> Result<(), ServiceError> {
    if !actor.can_manage_letters() {
        return Err(ServiceError::Forbidden);
    }
    db.letter_template_save(author, body, expected_version).await?;
    Ok(())
}

/// Whether `actor` may read `letter`: the administration and the unit (see
/// [`Actor::can_read_letter`]).
pub fn may_read(actor: &Actor, tree: &OrgTree, letter: &Letter) -> bool {
    actor.can_read_letter(&tree.ancestry(letter.unit_id))
}

/// The unit's leader acknowledges receipt of version `number`. Anyone else is refused with
/// `err-letter-ack-not-leader` and nothing changes.
pub async fn acknowledge(
    db: &Db,
    (actor, author): (&Actor, &Author),
    letter: &Letter,
    number: i64,
) -> Result<(), ServiceError> {
    if !actor.can_acknowledge_letter(letter.unit_id) {
        return Err(ServiceError::Rule(RuleError::new("err-letter-ack-not-leader")));
    }
    db.letter_acknowledge(author, letter.id, number).await?;
    Ok(())
}

/// The words of the PDF that are not content, in the reader's language.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PdfLabels {
    /// "Oppdragsbrev".
    pub title: String,
    /// "Side".
    pub page: String,
    /// "av".
    pub of: String,
    /// "Økonomisk ramme".
    pub frame: String,
    /// "Ikke fastsatt".
    pub no_frame: String,
    /// "Mål".
    pub goals: String,
    /// "Oppdrag".
    pub assignments: String,
    /// "Forventet resultat".
    pub expected: String,
    /// "Frist".
    pub deadline: String,
    /// "Gitt til".
    pub given_to: String,
    /// "Føringer".
    pub guidance: String,
    /// "Versjon".
    pub version: String,
}

const LETTER_TEMPLATE: &str = r#"#import sys: inputs
#set document(title: inputs.labels.title + " " + inputs.letter.unit)
#set page(paper: "a4", margin: (x: 2.4cm, y: 2.4cm), footer: page-footer(inputs.labels.page, inputs.labels.of))
#set text(lang: "nb", size: 11pt)
#set par(justify: false)
#text(size: 10pt, inputs.letter.municipality) #h(1fr) #text(size: 10pt, inputs.date)
#v(1.2em)
#text(size: 18pt, weight: "bold", inputs.labels.title + " " + str(inputs.letter.year) + " – " + inputs.letter.unit)
#v(0.2em)
#text(size: 10pt, inputs.letter.programme + " · " + inputs.labels.version + " " + str(inputs.number))
#v(1em)
#text(weight: "bold", inputs.labels.frame): #inputs.frame
#heading(level: 2, inputs.labels.goals)
#for g in inputs.letter.goals [
  - #g.text#if g.sdg.len() > 0 [ (#g.sdg.map(n => "SDG " + str(n)).join(", "))]
]
#heading(level: 2, inputs.labels.assignments)
#for a in inputs.letter.assignments [
  #block(above: 0.9em, below: 0.4em, text(weight: "bold", a.text))
  #if a.expected_result != none [#inputs.labels.expected: #a.expected_result \ ]
  #if a.deadline != none [#inputs.labels.deadline: #a.deadline \ ]
  #inputs.labels.given_to: #a.given_to
]
#heading(level: 2, inputs.labels.guidance)
#blocks(inputs.guidance)
"#;

/// The letter's version `number` with `content` as a PDF; `date` is the issue date as the reader
/// writes it.
pub fn letter_pdf(content: &LetterContent, number: i64, date: &str, labels: &PdfLabels) -> Result<Vec<u8>, String> {
    static TEMPLATE: OnceLock<PdfTemplate> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        let source: &'static str = Box::leak(format!("{PRELUDE}\n{LETTER_TEMPLATE}").into_boxed_str());
        PdfTemplate::new(source)
    });
    let mut letter = serde_json::to_value(content).map_err(|e| e.to_string())?;
    for a in letter["assignments"].as_array_mut().into_iter().flatten() {
        if let Some(d) = a["deadline"].as_str().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
            a["deadline"] = d.format("%d.%m.%Y").to_string().into();
        }
    }
    let data = serde_json::json!({
        "letter": letter,
        "number": number,
        "date": date,
        "frame": content.frame.map(|f| format!("{} kr", format_frame(f))).unwrap_or_else(|| labels.no_frame.clone()),
        "guidance": markdown_blocks(&content.guidance),
        "labels": labels,
    });
    template.render(&data).map_err(|e| e.to_string())
}
