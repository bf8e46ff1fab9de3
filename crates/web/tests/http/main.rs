//! Integration tests through HTTP. Every test in a `both!` block runs once on SQLite and once
//! on PostgreSQL, each on its own fresh database.

pub mod harness;
pub mod scene;

mod access;
mod agreements;
mod annual_cycle;
mod api;
mod audit;
mod audits;
mod auth;
mod backup;
mod control;
mod csrf;
mod dashboard;
mod dates;
mod demo;
mod deviations;
mod economy;
mod editing;
mod followup;
mod i18n;
mod indicators;
mod input;
mod letters;
mod lida;
mod matrix;
mod notifications;
mod org;
mod plan_access;
mod plans;
mod programme;
mod races;
mod reports;
mod risk;
mod sdg;
mod statistics;
mod thread;
mod u4ssc;
mod unitplans;
mod users;
mod xss;
