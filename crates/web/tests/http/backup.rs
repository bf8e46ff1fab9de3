//! Backup and restore of the embedded database.

use crate::harness::{Backend, TestApp, run};
use rodtrad_store::Db;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_restores_the_same_data() {
    run(Backend::Sqlite, |t: TestApp| async move {
        let dir = std::env::temp_dir().join(format!("rodtrad-backup-{}", rodtrad_store::random_token(4)));
        std::fs::create_dir_all(&dir).unwrap();
        let backup = dir.join("kopi.db");
        // A write after the backup must not be in it.
        let mut m = t.login("styring").await;
        t.db.backup_to(&backup).await.unwrap();
        m.post("/people", &[("name", "Etter Kopien"), ("active", "1")]).await.expect(303);
        assert_eq!(t.db.backup_to(&backup).await.unwrap_err().to_string(), "rule: err-backup-exists");

        let target = dir.join("gjenopprettet.db");
        std::fs::write(&target, b"old file").unwrap();
        rodtrad_store::backup::restore_sqlite(&backup, &target).await.unwrap();
        assert!(dir.join("gjenopprettet.db.before-restore").exists(), "the old file is kept");
        let restored = Db::connect(&format!("sqlite://{}", target.display())).await.unwrap();
        assert_eq!(restored.integrity_check().await.unwrap(), "ok");
        let count = |db: Db| async move { db.org_units(t.fx.municipality).await.unwrap().len() };
        assert_eq!(count(restored.clone()).await, count(t.db.clone()).await);
        let names: Vec<String> = restored
            .people(t.fx.municipality, &Default::default(), 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert!(names.contains(&"Erik Ansatt".to_owned()) && !names.contains(&"Etter Kopien".to_owned()));
        restored.close().await;

        // A damaged backup is refused and the target is left alone.
        let damaged = dir.join("skadet.db");
        std::fs::write(&damaged, b"this is not a database").unwrap();
        assert!(rodtrad_store::backup::restore_sqlite(&damaged, &target).await.is_err());
        let still = Db::connect(&format!("sqlite://{}", target.display())).await.unwrap();
        assert_eq!(still.integrity_check().await.unwrap(), "ok");
        still.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backup_points_to_pg_dump() {
    run(Backend::Postgres, |t: TestApp| async move {
        let err = t.db.backup_to(std::path::Path::new("/tmp/never-written.db")).await.unwrap_err();
        assert_eq!(err.to_string(), "rule: err-backup-postgres");
    })
    .await;
}
