//! Writes JSON-stat 2.0 datasets, streaming to any `Write`.

use std::io::{self, BufWriter, Write};

use super::model::{Category, Dataset, Dimension, Statuses};

/// Writes a JSON-stat 2.0 dataset (class "dataset", version "2.0", id, size, role, dimension with category
/// index/label/unit/child/note, value dense, status as one string or a sparse object).
pub fn write_dataset<W: Write>(writer: W, dataset: &Dataset) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(64 * 1024, writer);
    w.write_all(br#"{"version":"2.0","class":"dataset""#)?;
    for (key, text) in
        [("label", &dataset.label), ("source", &dataset.source), ("updated", &dataset.updated), ("href", &dataset.href)]
    {
        if let Some(text) = text {
            write!(w, ",\"{key}\":")?;
            json(&mut w, text)?;
        }
    }
    if !dataset.note.is_empty() {
        w.write_all(b",\"note\":")?;
        json(&mut w, &dataset.note)?;
    }
    w.write_all(b",\"id\":")?;
    json(&mut w, &dataset.dimensions.iter().map(|d| d.id.as_str()).collect::<Vec<_>>())?;
    w.write_all(b",\"size\":")?;
    json(&mut w, &dataset.dimensions.iter().map(Dimension::len).collect::<Vec<_>>())?;
    let roles = [("time", &dataset.role.time), ("geo", &dataset.role.geo), ("metric", &dataset.role.metric)];
    if roles.iter().any(|(_, ids)| !ids.is_empty()) {
        w.write_all(b",\"role\":{")?;
        let mut first = true;
        for (name, ids) in roles.iter().filter(|(_, ids)| !ids.is_empty()) {
            comma(&mut w, &mut first)?;
            write!(w, "\"{name}\":")?;
            json(&mut w, ids)?;
        }
        w.write_all(b"}")?;
    }
    w.write_all(b",\"dimension\":{")?;
    let mut first = true;
    for d in &dataset.dimensions {
        comma(&mut w, &mut first)?;
        json(&mut w, &d.id)?;
        w.write_all(b":")?;
        write_dimension(&mut w, d)?;
    }
    w.write_all(b"}")?;
    if let Some(ext) = &dataset.extension {
        w.write_all(b",\"extension\":")?;
        json(&mut w, ext)?;
    }
    w.write_all(b",\"value\":[")?;
    for (i, v) in dataset.values().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        write_number(&mut w, v)?;
    }
    w.write_all(b"]")?;
    match &dataset.statuses {
        Statuses::None => {}
        Statuses::All(s) => {
            w.write_all(b",\"status\":")?;
            json(&mut w, s)?;
        }
        Statuses::Cells(cells) => {
            w.write_all(b",\"status\":{")?;
            let mut first = true;
            for (i, s) in cells {
                comma(&mut w, &mut first)?;
                write!(w, "\"{i}\":")?;
                json(&mut w, s)?;
            }
            w.write_all(b"}")?;
        }
    }
    w.write_all(b"}")?;
    w.flush()
}

fn write_dimension<W: Write>(w: &mut W, d: &Dimension) -> io::Result<()> {
    w.write_all(b"{")?;
    if let Some(label) = &d.label {
        w.write_all(b"\"label\":")?;
        json(w, label)?;
        w.write_all(b",")?;
    }
    if !d.note.is_empty() {
        w.write_all(b"\"note\":")?;
        json(w, &d.note)?;
        w.write_all(b",")?;
    }
    if let Some(ext) = &d.extension {
        w.write_all(b"\"extension\":")?;
        json(w, ext)?;
        w.write_all(b",")?;
    }
    w.write_all(b"\"category\":{\"index\":")?;
    json(w, &d.categories.iter().map(|c| c.id.as_str()).collect::<Vec<_>>())?;
    w.write_all(b",\"label\":{")?;
    let mut first = true;
    for c in &d.categories {
        comma(w, &mut first)?;
        json(w, &c.id)?;
        w.write_all(b":")?;
        json(w, &c.label)?;
    }
    w.write_all(b"}")?;
    write_category_map(w, "unit", &d.categories, |w, c| match &c.unit {
        None => Ok(false),
        Some(u) => {
            w.write_all(b"{")?;
            let mut first = true;
            for (key, text) in
                [("label", &u.label), ("symbol", &u.symbol), ("position", &u.position), ("base", &u.base)]
            {
                if let Some(text) = text {
                    comma(w, &mut first)?;
                    write!(w, "\"{key}\":")?;
                    json(w, text)?;
                }
            }
            if let Some(decimals) = u.decimals {
                comma(w, &mut first)?;
                write!(w, "\"decimals\":{decimals}")?;
            }
            w.write_all(b"}")?;
            Ok(true)
        }
    })?;
    write_category_map(w, "child", &d.categories, |w, c| {
        if c.children.is_empty() {
            return Ok(false);
        }
        json(w, &c.children)?;
        Ok(true)
    })?;
    write_category_map(w, "note", &d.categories, |w, c| {
        if c.note.is_empty() {
            return Ok(false);
        }
        json(w, &c.note)?;
        Ok(true)
    })?;
    w.write_all(b"}}")
}

/// Writes `,"key":{id: …}` for the categories that have something to write, nothing when none has.
fn write_category_map<W: Write>(
    w: &mut W,
    key: &str,
    categories: &[Category],
    mut entry: impl FnMut(&mut Vec<u8>, &Category) -> io::Result<bool>,
) -> io::Result<()> {
    let mut out = Vec::new();
    let mut first = true;
    for c in categories {
        let mut one = Vec::new();
        if entry(&mut one, c)? {
            comma(&mut out, &mut first)?;
            json(&mut out, &c.id)?;
            out.push(b':');
            out.extend(one);
        }
    }
    if !out.is_empty() {
        write!(w, ",\"{key}\":{{")?;
        w.write_all(&out)?;
        w.write_all(b"}")?;
    }
    Ok(())
}

fn comma<W: Write>(w: &mut W, first: &mut bool) -> io::Result<()> {
    if !std::mem::take(first) {
        w.write_all(b",")?;
    }
    Ok(())
}

fn json<W: Write, T: serde::Serialize + ?Sized>(w: &mut W, value: &T) -> io::Result<()> {
    serde_json::to_writer(w, value).map_err(io::Error::other)
}

/// Whole numbers without a fraction (as SSB writes counts), others in shortest round-trip form;
/// missing and non-finite values as null.
fn write_number<W: Write>(w: &mut W, v: Option<f64>) -> io::Result<()> {
    match v {
        Some(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 => {
            if x == 0.0 && x.is_sign_negative() { w.write_all(b"-0.0") } else { write!(w, "{}", x as i64) }
        }
        Some(x) if x.is_finite() => json(w, &x),
        _ => w.write_all(b"null"),
    }
}
