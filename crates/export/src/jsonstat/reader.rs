//! Streaming reader: serde visitors that read JSON-stat straight into the compact model.
//!
//! The whole response is read in one pass into a raw form that keeps only what the model needs (cell
//! values go straight into `Vec<f64>`, never through `serde_json::Value`). Keys may come in any order, so
//! everything is checked after the whole object has been read.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::io::{BufReader, Read};
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::error::JsonStatError;
use super::model::{
    Category, Collection, CollectionItem, Dataset, Dimension, Response, Roles, Statuses, Unit, Values, cell_statuses,
    checked_product,
};

/// The most cells reserved up front from a declared `size`; larger value arrays grow as they are read, so a
/// lying `size` cannot make the reader allocate more than the input really holds.
const MAX_RESERVED_CELLS: usize = 1 << 22;

/// Parses a whole response, streaming from `reader` (never reads the file into memory first).
pub fn read<R: Read>(reader: R) -> Result<Response, JsonStatError> {
    let ctx = Ctx::default();
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(64 * 1024, reader));
    let raw = ObjectSeed { ctx: &ctx, top: true }.deserialize(&mut de).map_err(|e| ctx.convert(e))?;
    de.end().map_err(|e| JsonStatError::new("", format!("unexpected text after the JSON object ({e})")))?;
    into_response(raw)
}

/// Every dataset in a response: the dataset itself, the embedded datasets of a collection, or a 1.x
/// bundle's datasets. A `dimension` response or a collection without embedded datasets is an error.
pub fn read_datasets<R: Read>(reader: R) -> Result<Vec<Dataset>, JsonStatError> {
    match read(reader)? {
        Response::Dataset(d) => Ok(vec![d]),
        Response::Bundle(ds) => Ok(ds),
        Response::Collection(c) => {
            let datasets: Vec<Dataset> = c.items.into_iter().filter_map(|i| i.dataset).collect();
            if datasets.is_empty() {
                Err(JsonStatError::new(
                    "link.item",
                    "the collection embeds no datasets (only links); fetch the items' href instead",
                ))
            } else {
                Ok(datasets)
            }
        }
        Response::Dimension(_) => {
            Err(JsonStatError::new("class", "this is a dimension response, which holds no data; a dataset is needed"))
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Parse context: the current JSON path and the first structured error.

#[derive(Default)]
struct Ctx {
    path: RefCell<Vec<String>>,
    error: RefCell<Option<JsonStatError>>,
    /// The text of a cell that held a string instead of a number, set by [`Cell`].
    text_value: RefCell<Option<String>>,
}

impl Ctx {
    fn push(&self, segment: impl Into<String>) {
        self.path.borrow_mut().push(segment.into());
    }

    fn pop(&self) {
        self.path.borrow_mut().pop();
    }

    fn path(&self) -> String {
        join_path(&self.path.borrow())
    }

    /// Records a problem at the current path and returns the serde error that unwinds the parse.
    fn fail<E: de::Error>(&self, problem: impl Into<String>) -> E {
        let problem = problem.into();
        let mut slot = self.error.borrow_mut();
        if slot.is_none() {
            *slot = Some(JsonStatError::new(self.path(), problem.clone()));
        }
        E::custom(problem)
    }

    /// The error to report for a failed parse: ours when we raised it, else serde_json's at the path reached.
    fn convert(&self, e: serde_json::Error) -> JsonStatError {
        if let Some(err) = self.error.borrow_mut().take() {
            return err;
        }
        use serde_json::error::Category as C;
        let problem = match e.classify() {
            C::Eof if e.line() == 1 && e.column() == 0 => "the input is empty".to_string(),
            C::Eof => format!("the input ends too early, the JSON is truncated ({e})"),
            C::Syntax => format!("not valid JSON ({e})"),
            C::Io => format!("could not read the input ({e})"),
            C::Data => e.to_string(),
        };
        let mut err = JsonStatError::new(self.path(), problem);
        if let Some(text) = self.text_value.borrow_mut().take() {
            err.problem = format!("the cell holds the text {text:?}, not a number");
            err.text_value = Some(text);
        }
        err
    }
}

fn join_path(segments: &[String]) -> String {
    let mut s = String::new();
    for seg in segments {
        if !s.is_empty() && !seg.starts_with('[') {
            s.push('.');
        }
        s.push_str(seg);
    }
    s
}

fn prefixed(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        path.to_string()
    } else if path.is_empty() {
        prefix.to_string()
    } else if path.starts_with('[') {
        format!("{prefix}{path}")
    } else {
        format!("{prefix}.{path}")
    }
}

/// Reads the value of `key` with `seed`, with `key` on the path while it is read.
fn value_at<'de, A: MapAccess<'de>, S: DeserializeSeed<'de>>(
    ctx: &Ctx,
    map: &mut A,
    key: &str,
    seed: S,
) -> Result<S::Value, A::Error> {
    ctx.push(key);
    let v = map.next_value_seed(seed)?;
    ctx.pop();
    Ok(v)
}

fn typed<'de, A: MapAccess<'de>, T: Deserialize<'de>>(ctx: &Ctx, map: &mut A, key: &str) -> Result<T, A::Error> {
    value_at(ctx, map, key, PhantomData::<T>)
}

// ---------------------------------------------------------------------------------------------------------
// The raw form: what was read, not yet checked.

#[derive(Default)]
struct RawObject {
    class: Option<String>,
    label: Option<String>,
    source: Option<String>,
    updated: Option<String>,
    href: Option<String>,
    note: Vec<String>,
    extension: Option<serde_json::Value>,
    id: Option<Vec<String>>,
    size: Option<Vec<usize>>,
    role: Option<RawRoles>,
    dimension: Option<RawDimensions>,
    value: Option<RawValues>,
    status: Option<RawStatus>,
    category: Option<RawCategory>,
    items: Option<Vec<RawObject>>,
    /// Object-valued keys of a top-level object without `class`: the datasets of a 1.x bundle.
    bundle: Vec<(String, RawObject)>,
}

impl RawObject {
    fn declared_cells(&self) -> usize {
        let size = self.size.as_ref().or(self.dimension.as_ref().and_then(|d| d.size.as_ref()));
        size.and_then(|s| checked_product(s.iter().copied())).unwrap_or(0).min(MAX_RESERVED_CELLS)
    }

    fn is_dataset_like(&self) -> bool {
        self.value.is_some() || self.dimension.is_some()
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawRoles {
    time: Vec<String>,
    geo: Vec<String>,
    metric: Vec<String>,
}

#[derive(Default)]
struct RawDimensions {
    dims: Vec<(String, RawDimension)>,
    /// JSON-stat 1.x keeps `id`, `size` and `role` inside `dimension`.
    id: Option<Vec<String>>,
    size: Option<Vec<usize>>,
    role: Option<RawRoles>,
}

#[derive(Default)]
struct RawDimension {
    label: Option<String>,
    note: Vec<String>,
    category: Option<RawCategory>,
    extension: Option<serde_json::Value>,
    /// Set when this object is really a 1.x `role` (keys time/geo/metric).
    role: Option<RawRoles>,
}

#[derive(Default)]
struct RawCategory {
    index: Option<RawIndex>,
    label: Option<Vec<(String, String)>>,
    unit: Option<Vec<(String, RawUnit)>>,
    child: Option<Vec<(String, Vec<String>)>>,
    note: Option<Vec<(String, NoteList)>>,
}

enum RawIndex {
    List(Vec<String>),
    Positions(Vec<(String, usize)>),
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawUnit {
    label: Option<String>,
    symbol: Option<String>,
    position: Option<String>,
    decimals: Option<u32>,
    base: Option<String>,
}

enum RawValues {
    Dense(Vec<f64>),
    Sparse(Vec<(usize, f64)>),
}

enum RawStatus {
    All(String),
    List(usize, Vec<(usize, String)>),
    Cells(Vec<(usize, String)>),
}

/// Notes: a string, an array of strings, or (in 1.x) an object whose values are notes.
#[derive(Default)]
struct NoteList(Vec<String>);

// ---------------------------------------------------------------------------------------------------------
// Visitors.

struct ObjectSeed<'a> {
    ctx: &'a Ctx,
    top: bool,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = RawObject;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawObject, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_> {
    type Value = RawObject;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON-stat object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawObject, A::Error> {
        let ctx = self.ctx;
        let mut o = RawObject::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "class" => o.class = typed(ctx, &mut map, &key)?,
                "version" => {
                    typed::<_, IgnoredAny>(ctx, &mut map, &key)?;
                }
                "label" => o.label = typed(ctx, &mut map, &key)?,
                "source" => o.source = typed(ctx, &mut map, &key)?,
                "updated" => o.updated = typed(ctx, &mut map, &key)?,
                "href" => o.href = typed(ctx, &mut map, &key)?,
                "note" => o.note = typed::<_, NoteList>(ctx, &mut map, &key)?.0,
                "extension" => o.extension = typed(ctx, &mut map, &key)?,
                "id" => o.id = Some(value_at(ctx, &mut map, &key, IdSeed)?),
                "size" => o.size = typed(ctx, &mut map, &key)?,
                "role" => o.role = typed(ctx, &mut map, &key)?,
                "dimension" => o.dimension = Some(value_at(ctx, &mut map, &key, DimensionsSeed { ctx })?),
                "value" => {
                    let hint = o.declared_cells();
                    o.value = Some(value_at(ctx, &mut map, &key, ValuesSeed { ctx, hint })?);
                }
                "status" => o.status = Some(value_at(ctx, &mut map, &key, StatusSeed { ctx })?),
                "category" => o.category = Some(value_at(ctx, &mut map, &key, CategorySeed { ctx })?),
                "link" => {
                    if let Some(items) = value_at(ctx, &mut map, &key, LinkSeed { ctx })? {
                        o.items = Some(items);
                    }
                }
                _ if self.top && o.class.is_none() => {
                    if let Some(entry) = value_at(ctx, &mut map, &key, BundleEntrySeed { ctx })? {
                        o.bundle.push((key, entry));
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if o.class.is_some() {
            o.bundle = Vec::new();
        }
        Ok(o)
    }
}

/// A top-level key of an object without `class`: a 1.x dataset when it is an object, else ignored.
struct BundleEntrySeed<'a> {
    ctx: &'a Ctx,
}

impl<'de> DeserializeSeed<'de> for BundleEntrySeed<'_> {
    type Value = Option<RawObject>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<RawObject>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for BundleEntrySeed<'_> {
    type Value = Option<RawObject>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        ObjectSeed { ctx: self.ctx, top: false }.visit_map(map).map(Some)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// `id`: an array of strings (a single string is accepted too).
struct IdSeed;

impl<'de> DeserializeSeed<'de> for IdSeed {
    type Value = Vec<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IdSeed {
    type Value = Vec<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of dimension ids")
    }
    fn visit_str<E>(self, v: &str) -> Result<Vec<String>, E> {
        Ok(vec![v.to_string()])
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut out = Vec::new();
        while let Some(s) = seq.next_element::<String>()? {
            out.push(s);
        }
        Ok(out)
    }
}

impl<'de> Deserialize<'de> for NoteList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<NoteList, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NoteList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a note: a string, an array of strings or an object of strings")
            }
            fn visit_str<E>(self, v: &str) -> Result<NoteList, E> {
                Ok(NoteList(vec![v.to_string()]))
            }
            fn visit_unit<E>(self) -> Result<NoteList, E> {
                Ok(NoteList::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NoteList, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<Option<String>>()? {
                    out.extend(s);
                }
                Ok(NoteList(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NoteList, A::Error> {
                let mut out = Vec::new();
                while let Some((_, notes)) = map.next_entry::<IgnoredAny, NoteList>()? {
                    out.extend(notes.0);
                }
                Ok(NoteList(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// `dimension` of a dataset: dimension objects by id, and in 1.x also `id`, `size` and `role`.
struct DimensionsSeed<'a> {
    ctx: &'a Ctx,
}

impl<'de> DeserializeSeed<'de> for DimensionsSeed<'_> {
    type Value = RawDimensions;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawDimensions, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DimensionsSeed<'_> {
    type Value = RawDimensions;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of dimensions")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDimensions, A::Error> {
        let ctx = self.ctx;
        let mut out = RawDimensions::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                // An array here is 1.x metadata; an object is a dimension that happens to be called so.
                "id" => match value_at(ctx, &mut map, &key, ListOrDimension::<String> { ctx, item: PhantomData })? {
                    Ok(ids) => out.id = Some(ids),
                    Err(d) => out.dims.push((key, d)),
                },
                "size" => match value_at(ctx, &mut map, &key, ListOrDimension::<usize> { ctx, item: PhantomData })? {
                    Ok(sizes) => out.size = Some(sizes),
                    Err(d) => out.dims.push((key, d)),
                },
                _ => {
                    let mut d = value_at(ctx, &mut map, &key, DimensionSeed { ctx })?;
                    match d.role.take() {
                        Some(role) if key == "role" && d.category.is_none() => out.role = Some(role),
                        _ => out.dims.push((key, d)),
                    }
                }
            }
        }
        Ok(out)
    }
}

/// An array of `T` (Ok) or a dimension object (Err).
struct ListOrDimension<'a, T> {
    ctx: &'a Ctx,
    item: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ListOrDimension<'_, T> {
    type Value = Result<Vec<T>, RawDimension>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ListOrDimension<'_, T> {
    type Value = Result<Vec<T>, RawDimension>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array (JSON-stat 1.x) or a dimension object")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<T>()? {
            out.push(v);
        }
        Ok(Ok(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        DimensionSeed { ctx: self.ctx }.visit_map(map).map(Err)
    }
}

/// One dimension object (also a `dimension` response's top level, and a 1.x `role`).
struct DimensionSeed<'a> {
    ctx: &'a Ctx,
}

impl<'de> DeserializeSeed<'de> for DimensionSeed<'_> {
    type Value = RawDimension;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawDimension, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DimensionSeed<'_> {
    type Value = RawDimension;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a dimension object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawDimension, A::Error> {
        let ctx = self.ctx;
        let mut d = RawDimension::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "label" => d.label = typed(ctx, &mut map, &key)?,
                "note" => d.note = typed::<_, NoteList>(ctx, &mut map, &key)?.0,
                "category" => d.category = Some(value_at(ctx, &mut map, &key, CategorySeed { ctx })?),
                "extension" => d.extension = typed(ctx, &mut map, &key)?,
                "time" | "geo" | "metric" => {
                    let ids: Vec<String> = typed(ctx, &mut map, &key)?;
                    let role = d.role.get_or_insert_with(RawRoles::default);
                    match key.as_str() {
                        "time" => role.time = ids,
                        "geo" => role.geo = ids,
                        _ => role.metric = ids,
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(d)
    }
}

struct CategorySeed<'a> {
    ctx: &'a Ctx,
}

impl<'de> DeserializeSeed<'de> for CategorySeed<'_> {
    type Value = RawCategory;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawCategory, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for CategorySeed<'_> {
    type Value = RawCategory;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a category object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawCategory, A::Error> {
        let ctx = self.ctx;
        let mut c = RawCategory::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "index" => c.index = Some(value_at(ctx, &mut map, &key, IndexSeed { ctx })?),
                "label" => c.label = Some(value_at(ctx, &mut map, &key, Entries::new(ctx))?),
                "unit" => c.unit = Some(value_at(ctx, &mut map, &key, Entries::new(ctx))?),
                "child" => c.child = Some(value_at(ctx, &mut map, &key, Entries::new(ctx))?),
                "note" => c.note = Some(value_at(ctx, &mut map, &key, Entries::new(ctx))?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(c)
    }
}

/// An object read as (key, value) pairs in input order, with the key on the path of a bad value.
struct Entries<'a, T> {
    ctx: &'a Ctx,
    item: PhantomData<T>,
}

impl<'a, T> Entries<'a, T> {
    fn new(ctx: &'a Ctx) -> Self {
        Entries { ctx, item: PhantomData }
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Entries<'_, T> {
    type Value = Vec<(String, T)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Entries<'_, T> {
    type Value = Vec<(String, T)>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object keyed by category id")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let v = typed(self.ctx, &mut map, &key)?;
            out.push((key, v));
        }
        Ok(out)
    }
}

/// `category.index`: an array of ids or an object id -> position.
struct IndexSeed<'a> {
    ctx: &'a Ctx,
}

impl<'de> DeserializeSeed<'de> for IndexSeed<'_> {
    type Value = RawIndex;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawIndex, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IndexSeed<'_> {
    type Value = RawIndex;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of category ids or an object of category positions")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawIndex, A::Error> {
        let mut out = Vec::new();
        loop {
            match seq.next_element::<String>() {
                Ok(Some(s)) => out.push(s),
                Ok(None) => return Ok(RawIndex::List(out)),
                Err(e) => {
                    self.ctx.push(format!("[{}]", out.len()));
                    return Err(e);
                }
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawIndex, A::Error> {
        Entries::new(self.ctx).visit_map(map).map(RawIndex::Positions)
    }
}

/// `link`: relation -> array of items; only `item` is kept (the entries of a collection).
struct LinkSeed<'a> {
    ctx: &'a Ctx,
}

impl<'de> DeserializeSeed<'de> for LinkSeed<'_> {
    type Value = Option<Vec<RawObject>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LinkSeed<'_> {
    type Value = Option<Vec<RawObject>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of link relations")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "item" {
                items = Some(value_at(self.ctx, &mut map, &key, ItemsSeed { ctx: self.ctx })?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(items)
    }
}

struct ItemsSeed<'a> {
    ctx: &'a Ctx,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = Vec<RawObject>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = Vec<RawObject>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of items")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        loop {
            self.ctx.push(format!("[{}]", out.len()));
            match seq.next_element_seed(ObjectSeed { ctx: self.ctx, top: false })? {
                Some(o) => out.push(o),
                None => {
                    self.ctx.pop();
                    return Ok(out);
                }
            }
            self.ctx.pop();
        }
    }
}

/// `value`: an array (dense, null for missing) or an object "flat index" -> value (sparse).
struct ValuesSeed<'a> {
    ctx: &'a Ctx,
    hint: usize,
}

impl<'de> DeserializeSeed<'de> for ValuesSeed<'_> {
    type Value = RawValues;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawValues, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValuesSeed<'_> {
    type Value = RawValues;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of numbers or an object of numbers by cell index")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValues, A::Error> {
        let mut out = Vec::with_capacity(self.hint);
        loop {
            match seq.next_element_seed(Cell { ctx: self.ctx }) {
                Ok(Some(v)) => out.push(v),
                Ok(None) => break,
                Err(e) => {
                    self.ctx.push(format!("[{}]", out.len()));
                    return Err(e);
                }
            }
        }
        out.shrink_to_fit();
        Ok(RawValues::Dense(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValues, A::Error> {
        let mut out = Vec::new();
        while let Some(index) = map.next_key_seed(CellIndex { ctx: self.ctx })? {
            match map.next_value_seed(Cell { ctx: self.ctx }) {
                Ok(v) if v.is_nan() => {}
                Ok(v) => out.push((index, v)),
                Err(e) => {
                    self.ctx.push(index.to_string());
                    return Err(e);
                }
            }
        }
        out.shrink_to_fit();
        Ok(RawValues::Sparse(out))
    }
}

/// One cell value: a number, or null (missing, stored as NaN). Text is refused, and remembered so
/// the error can say which text in which cell.
struct Cell<'a> {
    ctx: &'a Ctx,
}

impl<'de> DeserializeSeed<'de> for Cell<'_> {
    type Value = f64;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<f64, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Cell<'_> {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or null")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        // At most a screenful of the text, cut on a character boundary.
        let shown: String = v.chars().take(80).collect();
        *self.ctx.text_value.borrow_mut() = Some(shown);
        Err(E::invalid_type(de::Unexpected::Str(v), &self))
    }
    fn visit_f64<E>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_i64<E>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_u64<E>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_unit<E>(self) -> Result<f64, E> {
        Ok(f64::NAN)
    }
    fn visit_none<E>(self) -> Result<f64, E> {
        Ok(f64::NAN)
    }
}

/// A key of a sparse `value` or `status` object: a flat cell index written as a string.
struct CellIndex<'a> {
    ctx: &'a Ctx,
}

impl<'de> DeserializeSeed<'de> for CellIndex<'_> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for CellIndex<'_> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a cell index")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        match v.parse::<usize>() {
            Ok(i) if v.bytes().all(|b| b.is_ascii_digit()) => Ok(i),
            _ => Err(self.ctx.fail(format!("key {v:?} is not a cell index (a whole number written as a string)"))),
        }
    }
}

/// `status`: a string for every cell, an array (one per cell, or one for all) or an object by cell index.
struct StatusSeed<'a> {
    ctx: &'a Ctx,
}

impl<'de> DeserializeSeed<'de> for StatusSeed<'_> {
    type Value = RawStatus;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawStatus, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StatusSeed<'_> {
    type Value = RawStatus;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a status string, an array of statuses or an object of statuses by cell index")
    }
    fn visit_str<E>(self, v: &str) -> Result<RawStatus, E> {
        Ok(RawStatus::All(v.to_string()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawStatus, A::Error> {
        let mut out = Vec::new();
        let mut len = 0;
        loop {
            match seq.next_element::<Option<String>>() {
                Ok(Some(s)) => {
                    if let Some(s) = s {
                        out.push((len, s));
                    }
                    len += 1;
                }
                Ok(None) => return Ok(RawStatus::List(len, out)),
                Err(e) => {
                    self.ctx.push(format!("[{len}]"));
                    return Err(e);
                }
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStatus, A::Error> {
        let mut out = Vec::new();
        while let Some(index) = map.next_key_seed(CellIndex { ctx: self.ctx })? {
            match map.next_value::<Option<String>>() {
                Ok(s) => out.extend(s.map(|s| (index, s))),
                Err(e) => {
                    self.ctx.push(index.to_string());
                    return Err(e);
                }
            }
        }
        Ok(RawStatus::Cells(out))
    }
}

// ---------------------------------------------------------------------------------------------------------
// Checking the raw form and building the model.

fn into_response(raw: RawObject) -> Result<Response, JsonStatError> {
    match raw.class.as_deref() {
        Some("dataset") => Ok(Response::Dataset(build_dataset(raw, None, "")?)),
        Some("collection") => build_collection(raw).map(Response::Collection),
        Some("dimension") => {
            let id = raw.id.as_ref().and_then(|ids| ids.first().cloned()).unwrap_or_default();
            let dim = RawDimension {
                label: raw.label,
                note: raw.note,
                category: raw.category,
                extension: raw.extension,
                role: None,
            };
            Ok(Response::Dimension(build_dimension(id, dim, "")?))
        }
        Some(other) => Err(JsonStatError::new(
            "class",
            format!("class {other:?} is not one of \"dataset\", \"collection\" or \"dimension\""),
        )),
        None if raw.is_dataset_like() => Ok(Response::Dataset(build_dataset(raw, None, "")?)),
        None if !raw.bundle.is_empty() => {
            let mut datasets = Vec::with_capacity(raw.bundle.len());
            for (key, entry) in raw.bundle {
                let path = key.clone();
                datasets.push(build_dataset(entry, Some(key), &path)?);
            }
            Ok(Response::Bundle(datasets))
        }
        None => Err(JsonStatError::new(
            "",
            "not a JSON-stat response: no \"class\", no dataset fields and no bundle of datasets",
        )),
    }
}

fn build_collection(raw: RawObject) -> Result<Collection, JsonStatError> {
    let mut items = Vec::new();
    for (i, item) in raw.items.unwrap_or_default().into_iter().enumerate() {
        let path = format!("link.item[{i}]");
        let class =
            item.class.clone().unwrap_or_else(|| if item.is_dataset_like() { "dataset".into() } else { String::new() });
        let (href, label) = (item.href.clone(), item.label.clone());
        let dataset =
            if class == "dataset" && item.is_dataset_like() { Some(build_dataset(item, None, &path)?) } else { None };
        items.push(CollectionItem { class, href, label, dataset });
    }
    Ok(Collection { label: raw.label, href: raw.href, updated: raw.updated, items })
}

fn build_dataset(raw: RawObject, key: Option<String>, prefix: &str) -> Result<Dataset, JsonStatError> {
    let at = |path: &str| prefixed(prefix, path);
    let Some(mut dims) = raw.dimension else {
        return Err(JsonStatError::new(at("dimension"), "the dataset has no \"dimension\""));
    };
    let (ids, id_path) = match (raw.id, dims.id.take()) {
        (Some(ids), _) => (ids, at("id")),
        (None, Some(ids)) => (ids, at("dimension.id")),
        (None, None) => return Err(JsonStatError::new(at("id"), "the dataset has no \"id\" (the dimension order)")),
    };
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(JsonStatError::new(format!("{id_path}[{i}]"), format!("dimension id {id:?} appears twice")));
        }
    }
    let (sizes, size_path) = match (raw.size, dims.size.take()) {
        (Some(s), _) => (Some(s), at("size")),
        (None, Some(s)) => (Some(s), at("dimension.size")),
        (None, None) => (None, at("size")),
    };
    if let Some(sizes) = &sizes {
        if sizes.len() != ids.len() {
            return Err(JsonStatError::new(
                size_path,
                format!("{} sizes for {} dimension ids; they must pair up", sizes.len(), ids.len()),
            ));
        }
        if checked_product(sizes.iter().copied()).is_none() {
            return Err(JsonStatError::new(
                size_path,
                format!("the sizes {sizes:?} multiply to more cells than fit in memory"),
            ));
        }
    }
    if let Some((extra, _)) = dims.dims.iter().find(|(k, _)| !ids.contains(k)) {
        return Err(JsonStatError::new(
            at(&format!("dimension.{extra}")),
            format!("dimension {extra:?} is not listed in {id_path}"),
        ));
    }
    let mut by_id: HashMap<String, RawDimension> = dims.dims.drain(..).collect();
    let mut dimensions = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let path = at(&format!("dimension.{id}"));
        let Some(raw_dim) = by_id.remove(id) else {
            return Err(JsonStatError::new(path, format!("dimension {id:?} is listed in {id_path} but not described")));
        };
        let dim = build_dimension(id.clone(), raw_dim, &path)?;
        if let Some(sizes) = &sizes
            && sizes[i] != dim.len()
        {
            return Err(JsonStatError::new(
                format!("{size_path}[{i}]"),
                format!("size of {id:?} is {}, but it has {} categories", sizes[i], dim.len()),
            ));
        }
        dimensions.push(dim);
    }
    let size_list: Vec<usize> = dimensions.iter().map(Dimension::len).collect();
    let cells = checked_product(size_list.iter().copied()).ok_or_else(|| {
        JsonStatError::new(
            size_path.clone(),
            format!("the sizes {size_list:?} multiply to more cells than fit in memory"),
        )
    })?;

    let role_path = if raw.role.is_some() { at("role") } else { at("dimension.role") };
    let raw_role = raw.role.or(dims.role).unwrap_or_default();
    for (name, list) in [("time", &raw_role.time), ("geo", &raw_role.geo), ("metric", &raw_role.metric)] {
        if let Some(unknown) = list.iter().find(|r| !ids.contains(r)) {
            return Err(JsonStatError::new(
                format!("{role_path}.{name}"),
                format!("role {name} names dimension {unknown:?}, which is not in {id_path}"),
            ));
        }
    }
    let role = Roles { time: raw_role.time, geo: raw_role.geo, metric: raw_role.metric };

    let value_path = at("value");
    let values = match raw.value {
        None => return Err(JsonStatError::new(value_path, "the dataset has no \"value\"")),
        Some(RawValues::Dense(v)) => {
            if v.len() != cells {
                return Err(JsonStatError::new(
                    value_path,
                    format!("{} values, but the sizes {size_list:?} multiply to {cells} cells", v.len()),
                ));
            }
            Values::Dense(v)
        }
        Some(RawValues::Sparse(mut v)) => {
            v.sort_unstable_by_key(|(i, _)| *i);
            if let Some(w) = v.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(JsonStatError::new(format!("{value_path}.{}", w[0].0), "the cell is given twice"));
            }
            if let Some((i, _)) = v.last().filter(|(i, _)| *i >= cells) {
                return Err(JsonStatError::new(
                    format!("{value_path}.{i}"),
                    format!("cell index {i} is out of range: the dataset has {cells} cells"),
                ));
            }
            // Dense is smaller once at least half the cells have values.
            if v.len() >= cells / 2 {
                let mut dense = vec![f64::NAN; cells];
                for (i, x) in v {
                    dense[i] = x;
                }
                Values::Dense(dense)
            } else {
                Values::Sparse(v)
            }
        }
    };

    let status_path = at("status");
    let statuses = match raw.status {
        None => Statuses::None,
        Some(RawStatus::All(s)) => Statuses::All(s),
        Some(RawStatus::List(1, mut v)) if cells != 1 => match v.pop() {
            Some((_, s)) => Statuses::All(s),
            None => Statuses::None,
        },
        Some(RawStatus::List(len, v)) => {
            if len != cells {
                return Err(JsonStatError::new(
                    status_path,
                    format!("{len} statuses, but the dataset has {cells} cells (give one per cell, or one for all)"),
                ));
            }
            cell_statuses(v, cells, &status_path)?
        }
        Some(RawStatus::Cells(v)) => cell_statuses(v, cells, &status_path)?,
    };

    let id = key.or_else(|| {
        raw.extension.as_ref().and_then(|e| e.pointer("/px/tableid")).and_then(|t| t.as_str()).map(str::to_string)
    });
    Ok(Dataset {
        id,
        label: raw.label,
        source: raw.source,
        updated: raw.updated,
        href: raw.href,
        note: raw.note,
        extension: raw.extension,
        dimensions,
        role,
        values,
        statuses,
    })
}

fn build_dimension(id: String, raw: RawDimension, path: &str) -> Result<Dimension, JsonStatError> {
    let at = |p: &str| prefixed(path, p);
    let Some(cat) = raw.category else {
        return Err(JsonStatError::new(at("category"), "the dimension has no \"category\""));
    };
    let labels = cat.label.unwrap_or_default();
    let ids: Vec<String> = match cat.index {
        Some(RawIndex::List(ids)) => ids,
        Some(RawIndex::Positions(positions)) => {
            let n = positions.len();
            let mut slots: Vec<Option<String>> = vec![None; n];
            for (cid, pos) in positions {
                if pos >= n {
                    return Err(JsonStatError::new(
                        at(&format!("category.index.{cid}")),
                        format!("position {pos} is out of range: {n} categories have positions 0 to {}", n - 1),
                    ));
                }
                if let Some(other) = &slots[pos] {
                    return Err(JsonStatError::new(
                        at(&format!("category.index.{cid}")),
                        format!("position {pos} is given to both {other:?} and {cid:?}"),
                    ));
                }
                slots[pos] = Some(cid);
            }
            // n distinct positions below n leave no gaps.
            slots.into_iter().flatten().collect()
        }
        None if labels.len() == 1 => vec![labels[0].0.clone()],
        None if labels.is_empty() => {
            return Err(JsonStatError::new(at("category"), "the category has neither \"index\" nor \"label\""));
        }
        None => {
            return Err(JsonStatError::new(
                at("category.index"),
                format!("\"index\" is missing; it is required when there is more than one category ({})", labels.len()),
            ));
        }
    };
    let mut position: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
    for (i, cid) in ids.iter().enumerate() {
        if position.insert(cid.as_str(), i).is_some() {
            return Err(JsonStatError::new(at("category.index"), format!("category {cid:?} appears twice")));
        }
    }
    let lookup = |part: &str, cid: &str| {
        position.get(cid).copied().ok_or_else(|| {
            JsonStatError::new(at(&format!("category.{part}.{cid}")), format!("{cid:?} is not a category in the index"))
        })
    };
    let mut categories: Vec<Category> = ids.iter().map(|cid| Category::new(cid.clone(), cid.clone())).collect();
    for (cid, label) in labels {
        categories[lookup("label", &cid)?].label = label;
    }
    for (cid, u) in cat.unit.unwrap_or_default() {
        categories[lookup("unit", &cid)?].unit =
            Some(Unit { label: u.label, symbol: u.symbol, position: u.position, decimals: u.decimals, base: u.base });
    }
    for (cid, notes) in cat.note.unwrap_or_default() {
        categories[lookup("note", &cid)?].note = notes.0;
    }
    for (parent, children) in cat.child.unwrap_or_default() {
        let p = lookup("child", &parent)?;
        for child in &children {
            let c = position.get(child.as_str()).copied().ok_or_else(|| {
                JsonStatError::new(
                    at(&format!("category.child.{parent}")),
                    format!("child {child:?} is not a category in the index"),
                )
            })?;
            if c == p {
                return Err(JsonStatError::new(
                    at(&format!("category.child.{parent}")),
                    format!("{child:?} is its own child"),
                ));
            }
            if categories[c].parents.contains(&parent) {
                return Err(JsonStatError::new(
                    at(&format!("category.child.{parent}")),
                    format!("{child:?} is listed twice as a child of {parent:?}"),
                ));
            }
            categories[c].parents.push(parent.clone());
        }
        categories[p].children = children;
    }
    if let Some(looped) = first_in_cycle(&categories) {
        return Err(JsonStatError::new(
            at("category.child"),
            format!("{:?} is its own ancestor: the hierarchy goes round in a circle", categories[looped].id),
        ));
    }
    Ok(Dimension { id, label: raw.label, note: raw.note, categories, extension: raw.extension })
}

/// A category that is its own ancestor through `child`, if any (iterative depth-first search with
/// three colours, so a deep or wide hierarchy neither recurses nor revisits a node).
fn first_in_cycle(categories: &[Category]) -> Option<usize> {
    let index: HashMap<&str, usize> = categories.iter().enumerate().map(|(i, c)| (c.id.as_str(), i)).collect();
    // 0 = unvisited, 1 = on the current path, 2 = done.
    let mut colour = vec![0u8; categories.len()];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in 0..categories.len() {
        if colour[root] != 0 {
            continue;
        }
        colour[root] = 1;
        stack.push((root, 0));
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            match categories[node].children.get(*next) {
                Some(child) => {
                    *next += 1;
                    let c = index[child.as_str()];
                    match colour[c] {
                        0 => {
                            colour[c] = 1;
                            stack.push((c, 0));
                        }
                        1 => return Some(c),
                        _ => {}
                    }
                }
                None => {
                    colour[node] = 2;
                    stack.pop();
                }
            }
        }
    }
    None
}
