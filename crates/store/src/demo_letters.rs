//! Demo assignment letters: the chief executive's guidance template, a letter issued to every unit
//! for the demo year from the adopted action programme with its economic frame, about half of them
//! acknowledged by the unit's leader, and one re-issued with a changed frame (version 2).

use crate::letters::{letter_content, letter_units};
use crate::org::OrgTree;
use crate::{Author, Db, Result};
use rust_decimal::Decimal;

/// The guidance every letter carries, in the kommunedirektør's words.
pub const GUIDANCE: &str = "\
## Kommunedirektørens føringer for året

Handlingsprogrammet er vedtatt, og dette brevet gir virksomheten de målene og oppdragene den har \
ansvar for i året som kommer. Virksomheten er bundet av målene, men står fritt i valget av tiltak: \
beskriv tiltakene i virksomhetsplanen, med frist og ansvarlig, innen utgangen av februar.

- **Økonomi:** Virksomheten skal drive innenfor tildelt ramme. Forventet avvik meldes i \
tertialrapporteringen, sammen med tiltakene som lukker det.
- **Medarbeidere:** Sykefraværet skal ned. Bruk medarbeiderundersøkelsen i dialogen med de ansatte.
- **Bærekraft:** Vis hvordan tiltakene bidrar til bærekraftsmålene kommunen har prioritert.
- **Rapportering:** Status på oppdrag og tiltak rapporteres månedlig i Rødtråd.

Kvitter for mottatt oppdragsbrev i Rødtråd. Ta kontakt med virksomhetsstyring ved spørsmål.
";

/// Issues the demo year's letters (the year the demo is loaded, as the demo plans are).
pub async fn load(db: &Db, a: &Author, tree: &OrgTree) -> Result<()> {
    use chrono::Datelike;
    let mid = a.municipality_id;
    let year = i64::from(chrono::Utc::now().year());
    db.letter_template_save(a, GUIDANCE, 0).await?;
    let Some((programme, elements, links)) = db.letter_programme(mid, year).await? else { return Ok(()) };
    let municipality = db.municipality(mid).await?.name;
    let units = letter_units(tree, chrono::Utc::now().date_naive());
    // Frames between 8 and 60 million kroner, deterministic per unit, in whole thousands.
    let frame = |i: usize, extra: i64| Decimal::new((8_000 + (i as i64 * 7_919) % 52_000 + extra) * 1_000, 0);
    for (i, unit) in units.iter().enumerate() {
        let id = db.letter_create(a, *unit, year).await?;
        let l = db.letter(mid, id).await?;
        db.letter_frame_set(a, id, Some(frame(i, 0)), l.version).await?;
    }
    let content = |u: i64| (u, letter_content(&municipality, &programme, year as i32, tree, u, &elements, &links));
    db.letters_issue(a, year, GUIDANCE, units.iter().map(|u| content(*u)).collect()).await?;
    // Every other unit's leader has acknowledged receipt.
    for (i, unit) in units.iter().enumerate() {
        let Some(leader) = tree.get(*unit).and_then(|u| u.leader_name.clone()) else { continue };
        if i % 2 == 0 {
            let letter = db.letters_of_year(mid, year).await?.into_iter().find(|l| l.unit_id == *unit);
            if let Some(l) = letter {
                let by = Author { municipality_id: mid, user_id: None, name: leader };
                db.letter_acknowledge(&by, l.id, l.latest).await?;
            }
        }
    }
    // The first unit's frame was raised after a budget amendment: its letter was issued again.
    if let Some(first) =
        units.iter().position(|u| tree.get(*u).is_some_and(|u| u.kind() == rodtrad_domain::org::OrgUnitKind::Unit))
    {
        let unit = units[first];
        if let Some(l) = db.letters_of_year(mid, year).await?.into_iter().find(|l| l.unit_id == unit) {
            db.letter_frame_set(a, l.id, Some(frame(first, 1_250)), l.version).await?;
            db.letters_issue(a, year, GUIDANCE, vec![content(unit)]).await?;
        }
    }
    Ok(())
}
