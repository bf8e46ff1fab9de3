//! `sqlx::migrate!` embeds the migration files when the crate compiles; without this a new
//! migration file would not rebuild the crate, and a warm target would run the old set.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
