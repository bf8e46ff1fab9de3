//! JSON-stat (<https://json-stat.org/format/>): reading 2.0 `dataset`, `collection` and `dimension`
//! responses and 1.x bundles, as Statistics Norway's PxWebApi returns them, and writing 2.0 datasets.
//!
//! Reading streams from any `Read`: cell values go straight into a compact store (8 bytes per dense cell),
//! and every problem comes back as a [`JsonStatError`] naming the JSON path, never as a panic.

mod error;
mod model;
mod reader;
mod writer;

pub use error::JsonStatError;
pub use model::{Category, Collection, CollectionItem, Dataset, Dimension, Response, Roles, Unit};
pub use reader::{read, read_datasets};
pub use writer::write_dataset;

#[cfg(test)]
mod tests;
