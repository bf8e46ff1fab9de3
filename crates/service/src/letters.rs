//! Assignment letters (*oppdragsbrev*): issuing them for every unit of a year from the adopted action
//! programme, acknowledging receipt, and the letter as a PDF.

use std::sync::OnceLock;

use crate::ServiceError;
use rodtrad_domain::Actor;
use rodtrad_domain::RuleError;
use rodtrad_domain::letters::{LetterContent, format_frame};
use rodtrad_export::pdf::{PRELUDE, PdfTemplate, markdown_blocks};
use rodtrad_store::letters::{IssueSummary, Letter, letter_content, letter_units};
use rodtrad_store::org::OrgTree;
use rodtrad_store::{Author, Db};

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
