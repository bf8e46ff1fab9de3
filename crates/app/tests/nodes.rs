//! Two application nodes on one PostgreSQL database behind nginx, as a municipality (or a host of
//! many) runs Rødtråd for more capacity or no downtime: a session made on one node is good on the
//! other, a form's CSRF token from one node is accepted by the other, a change written through one
//! node is seen at once on the other although each keeps its own caches, and concurrent writes
//! spread over both by nginx all arrive.
//!
//! Needs PostgreSQL (`RODTRAD_TEST_POSTGRES_URL`, as the HTTP tests) and nginx (`scripts/test`
//! installs it). Locally only, `RODTRAD_TEST_SKIP_POSTGRES=1` skips it with the other PostgreSQL tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "to-noder-passord-123";
const EMAIL: &str = "admin@noder.test";

fn postgres_url() -> Option<String> {
    if std::env::var("RODTRAD_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        return None;
    }
    Some(
        std::env::var("RODTRAD_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port").local_addr().expect("address").port()
}

/// A database of its own on the PostgreSQL server, dropped at the end.
struct Database {
    admin: String,
    name: String,
    url: String,
}

impl Database {
    fn create(admin: &str) -> Self {
        let name = format!("rodtrad_nodes_{}_{}", std::process::id(), free_port());
        psql(admin, &format!("CREATE DATABASE {name}"));
        let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
        Database { admin: admin.to_owned(), url: format!("{base}/{name}"), name }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([&self.admin, "-qc", &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)])
            .output();
    }
}

fn psql(url: &str, sql: &str) {
    let out = Command::new("psql").args([url, "-qc", sql]).output().expect("psql (postgresql-client) runs");
    assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The `rodtrad` binary with the database and a directory of its own.
fn rodtrad(dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rodtrad"));
    c.args(args)
        .current_dir(dir)
        .env("RODTRAD_DATABASE_URL", url)
        .env("RODTRAD_CONFIG", dir.join("none.toml"))
        .env("RUST_LOG", "warn")
        .env_remove("RODTRAD_LISTEN");
    c
}

fn run(dir: &Path, url: &str, args: &[&str], stdin: &str) {
    let mut child = rodtrad(dir, url, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rodtrad");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let out = child.wait_with_output().expect("rodtrad finishes");
    assert!(out.status.success(), "rodtrad {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A child process ended when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `rodtrad serve` on a port of its own; returns the process and its base URL once `/healthz` answers.
async fn serve(dir: &Path, url: &str, log: &str) -> (Process, String) {
    let port = free_port();
    let log = std::fs::File::create(dir.join(log)).expect("log file");
    let child = rodtrad(dir, url, &["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("start rodtrad serve");
    let base = format!("http://127.0.0.1:{port}");
    wait_for(&format!("{base}/healthz")).await;
    (Process(child), base)
}

async fn wait_for(url: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if client.get(url).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        assert!(Instant::now() < deadline, "{url} did not answer within 120 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// nginx passing requests to `nodes` in turn over kept-alive connections.
fn balance(dir: &Path, nodes: &[&str]) -> (Process, String) {
    let nginx = dir.join("nginx");
    std::fs::create_dir_all(&nginx).expect("nginx directory");
    let port = free_port();
    let d = nginx.display();
    let servers: String = nodes.iter().map(|n| format!("server {};\n", n.trim_start_matches("http://"))).collect();
    let conf = format!(
        "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 512; }}\n\
         http {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n\
         upstream rodtrad {{\n{servers} keepalive 16;\n }}\n\
         server {{\n listen 127.0.0.1:{port};\n location / {{\n proxy_pass http://rodtrad;\n\
         proxy_http_version 1.1;\n proxy_set_header Connection \"\";\n proxy_set_header Host $host;\n }}\n }}\n}}\n"
    );
    std::fs::write(nginx.join("nginx.conf"), conf).expect("nginx.conf");
    let child = Command::new("nginx")
        .args(["-p", &d.to_string(), "-e", &format!("{d}/error.log"), "-c", &format!("{d}/nginx.conf")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect(
            "nginx must be installed to test two app nodes (scripts/test installs it: apt-get install nginx-light)",
        );
    (Process(child), format!("http://127.0.0.1:{port}"))
}

fn cookie_from(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_owned()))
}

fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let at = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[at..].split('"').next().unwrap_or_default().to_owned()
}

/// A signed-in session: its cookie header.
async fn login(client: &reqwest::Client, base: &str) -> String {
    let page = client.get(format!("{base}/login")).send().await.expect("login page");
    let anon = cookie_from(&page, "rodtrad_csrf").expect("the login page sets the CSRF cookie");
    let token = csrf_in(&page.text().await.expect("login page text"));
    let res = client
        .post(format!("{base}/login"))
        .header("cookie", format!("rodtrad_csrf={anon}"))
        .form(&[("email", EMAIL), ("password", PASSWORD), ("csrf_token", &token)])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303, "login answered {}", res.status());
    format!("rodtrad_session={}", cookie_from(&res, "rodtrad_session").expect("a session cookie"))
}

async fn page(client: &reqwest::Client, base: &str, path: &str, cookie: &str) -> String {
    let res = client.get(format!("{base}{path}")).header("cookie", cookie).send().await.expect("GET");
    assert_eq!(res.status(), 200, "GET {base}{path}");
    res.text().await.expect("page text")
}

async fn units(client: &reqwest::Client, base: &str, cookie: &str) -> Vec<serde_json::Value> {
    let body = page(client, base, "/api/v1/org-units", cookie).await;
    serde_json::from_str::<serde_json::Value>(&body).expect("JSON").as_array().cloned().expect("a list of units")
}

async fn add_unit(client: &reqwest::Client, base: &str, cookie: &str, csrf: &str, parent: i64, name: &str) -> u16 {
    client
        .post(format!("{base}/org/{parent}/units"))
        .header("cookie", cookie)
        .form(&[("kind", "service_area"), ("name", name), ("valid_from", "2026-01-01"), ("csrf_token", csrf)])
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_app_nodes_share_sessions_csrf_and_changes_behind_nginx() {
    let Some(admin) = postgres_url() else { return };
    let dir: PathBuf = std::env::temp_dir().join(format!("rodtrad-nodes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("work directory");
    let db = Database::create(&admin);
    run(&dir, &db.url, &["migrate"], "");
    run(&dir, &db.url, &["municipality", "add", "--number", "3203", "--name", "Asker kommune"], "");
    run(
        &dir,
        &db.url,
        &["user", "add", "--email", EMAIL, "--name", "Node Admin", "--municipality", "3203", "--role", "system_admin"],
        &format!("{PASSWORD}\n"),
    );
    let (a, node_a) = serve(&dir, &db.url, "node-a.log").await;
    let (b, node_b) = serve(&dir, &db.url, "node-b.log").await;
    let (nginx, front) = balance(&dir, &[&node_a, &node_b]);
    wait_for(&format!("{front}/healthz")).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");

    // Signed in through nginx: the session is good on either node.
    let cookie = login(&client, &front).await;
    for base in [&node_a, &node_b] {
        assert!(page(&client, base, "/", &cookie).await.contains("action=\"/logout\""), "{base} knows the session");
    }
    let root =
        units(&client, &node_a, &cookie).await.iter().find(|u| u["kind"] == "municipality").expect("the root")["id"]
            .as_i64()
            .expect("root id");

    // Both nodes have read (and cached) the organisation tree.
    for base in [&node_a, &node_b] {
        assert!(!page(&client, base, "/org", &cookie).await.contains("Helse og omsorg"));
    }
    // A form from node A, sent to node B: the CSRF token belongs to the session, not the node.
    let csrf = csrf_in(&page(&client, &node_a, "/org", &cookie).await);
    assert_eq!(add_unit(&client, &node_b, &cookie, &csrf, root, "Helse og omsorg").await, 303);
    // A wrong token is refused on either node and writes nothing.
    assert_eq!(add_unit(&client, &node_a, &cookie, "feil", root, "Ikke lagret").await, 403);
    // Node A sees B's change at once, although it had the tree cached.
    assert!(page(&client, &node_a, "/org", &cookie).await.contains("Helse og omsorg"));

    // Concurrent writes through nginx, which passes them to the nodes in turn: every one arrives.
    let writes: Vec<_> = (0..40)
        .map(|i| {
            let (client, front, cookie, csrf) = (client.clone(), front.clone(), cookie.clone(), csrf.clone());
            tokio::spawn(
                async move { add_unit(&client, &front, &cookie, &csrf, root, &format!("Område {i:02}")).await },
            )
        })
        .collect();
    for w in writes {
        assert_eq!(w.await.expect("write task"), 303);
    }
    for base in [&node_a, &node_b] {
        let names: Vec<String> =
            units(&client, base, &cookie).await.iter().filter_map(|u| u["name"].as_str().map(str::to_owned)).collect();
        for i in 0..40 {
            assert!(names.contains(&format!("Område {i:02}")), "{base} lacks Område {i:02}");
        }
        assert!(!names.iter().any(|n| n == "Ikke lagret"));
        assert_eq!(names.len(), 42, "{base}: the root, Helse og omsorg and the 40 areas");
    }
    // The processes end before their database is dropped (on a failure too: locals drop in reverse order).
    drop((nginx, b, a));
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}
