//! A release `rodtrad serve` started as a child process, and signed-in HTTP sessions against it.

use anyhow::{Context, Result, anyhow, bail};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Log filter for the children: warnings only, and not sqlx's slow-statement notes, which the bulk
/// statements of an import trigger by design.
pub const LOG_FILTER: &str = "warn,sqlx=error";

/// Where the `rodtrad` binary and scratch files are.
#[derive(Clone)]
pub struct Env {
    /// The `rodtrad` binary.
    pub rodtrad: PathBuf,
    /// Scratch directory for databases, logs and generated files.
    pub work: PathBuf,
    /// An existing PostgreSQL database the benchmark may connect to in order to create its own.
    pub postgres: String,
}

impl Env {
    /// Runs `rodtrad` with `args` against `database_url` and waits for it; fails on a non-zero exit.
    pub fn rodtrad(&self, database_url: &str, args: &[&str]) -> Result<String> {
        let out = Command::new(&self.rodtrad)
            .args(args)
            .current_dir(&self.work)
            .env("RODTRAD_DATABASE_URL", database_url)
            .env("RUST_LOG", LOG_FILTER)
            .output()
            .with_context(|| format!("cannot run {}", self.rodtrad.display()))?;
        if !out.status.success() {
            bail!("rodtrad {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// A fresh SQLite URL in the scratch directory (any old file of that name is removed).
    pub fn sqlite(&self, name: &str) -> Result<(String, PathBuf)> {
        let path = self.work.join(format!("{name}.db"));
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", path.display()));
            if p.exists() {
                std::fs::remove_file(&p)?;
            }
        }
        Ok((format!("sqlite://{}", path.display()), path))
    }
}

/// A running server.
pub struct Server {
    child: Child,
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub base: String,
}

impl Server {
    /// Starts `rodtrad serve --demo` on `database_url` and waits until `/healthz` answers.
    pub async fn start(env: &Env, database_url: &str, log_name: &str) -> Result<Server> {
        let port = free_port()?;
        let log = std::fs::File::create(env.work.join(format!("{log_name}.log")))?;
        let child = Command::new(&env.rodtrad)
            .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
            .current_dir(&env.work)
            .env("RODTRAD_DATABASE_URL", database_url)
            // Request logging would cost more than some of the requests measured.
            .env("RUST_LOG", LOG_FILTER)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", env.rodtrad.display()))?;
        let mut server = Server { child, base: format!("http://127.0.0.1:{port}") };
        let client = client(4)?;
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!("rodtrad serve exited with {status}; see {log_name}.log in the work directory");
            }
            if let Ok(r) = client.get(format!("{}/healthz", server.base)).send().await
                && r.status().is_success()
            {
                return Ok(server);
            }
            if Instant::now() > deadline {
                server.kill();
                bail!("rodtrad serve did not answer /healthz within 180 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Ends the server with SIGKILL: no shutdown, no flushing, as in a power cut of the process.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the server with SIGTERM (graceful shutdown) and waits for it.
    pub fn stop(mut self) {
        // SAFETY: kill(2) on our own child's pid, which is not yet reaped, has no memory effects.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// An HTTP client that follows no redirects and keeps up to `connections` connections per host.
pub fn client(connections: usize) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(60))
        .build()?)
}

/// A signed-in session: the cookie to send and the CSRF token for writes.
#[derive(Clone)]
pub struct Session {
    /// `Cookie` header value.
    pub cookie: String,
    /// CSRF token of the session.
    pub csrf: String,
}

/// Demo password shared by every demo login.
pub const DEMO_PASSWORD: &str = "rodtrad-demo";

/// Signs in through the login form, as a browser does.
pub async fn login(client: &reqwest::Client, base: &str, email: &str) -> Result<Session> {
    let page = client.get(format!("{base}/login")).send().await?;
    let anon = set_cookie(&page, "rodtrad_csrf").ok_or_else(|| anyhow!("login page set no CSRF cookie"))?;
    let token = csrf_in(&page.text().await?).ok_or_else(|| anyhow!("login page has no CSRF field"))?;
    let answer = client
        .post(format!("{base}/login"))
        .header("cookie", format!("rodtrad_csrf={anon}"))
        .form(&[("email", email), ("password", DEMO_PASSWORD), ("csrf_token", token.as_str())])
        .send()
        .await?;
    let status = answer.status();
    let session =
        set_cookie(&answer, "rodtrad_session").ok_or_else(|| anyhow!("login as {email} failed with {status}"))?;
    let cookie = format!("rodtrad_session={session}");
    let home = client.get(format!("{base}/")).header("cookie", &cookie).send().await?;
    let csrf = csrf_in(&home.text().await?).ok_or_else(|| anyhow!("start page has no CSRF field"))?;
    Ok(Session { cookie, csrf })
}

fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let (pair, _) = v.split_once(';').unwrap_or((v, ""));
        let (k, value) = pair.split_once('=')?;
        (k.trim() == name && !value.is_empty()).then(|| value.to_owned())
    })
}

/// The value of the first `csrf_token` hidden field in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    let rest = &html[at..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// GETs a path with the session and returns status and body.
pub async fn get(client: &reqwest::Client, base: &str, s: &Session, path: &str) -> Result<(u16, Vec<u8>)> {
    let r = client.get(format!("{base}{path}")).header("cookie", &s.cookie).send().await?;
    let status = r.status().as_u16();
    Ok((status, r.bytes().await?.to_vec()))
}

/// GETs JSON with the session; fails unless the answer is 200.
pub async fn get_json(client: &reqwest::Client, base: &str, s: &Session, path: &str) -> Result<serde_json::Value> {
    let (status, body) = get(client, base, s, path).await?;
    if status != 200 {
        bail!("GET {path} answered {status}");
    }
    Ok(serde_json::from_slice(&body)?)
}

/// A scratch directory, emptied first.
pub fn fresh_dir(path: &Path) -> Result<()> {
    if path.exists() {
        std::fs::remove_dir_all(path)?;
    }
    std::fs::create_dir_all(path)?;
    Ok(())
}

/// POSTs `body` as JSON and returns the created id (201 expected).
pub async fn post_created(
    client: &reqwest::Client,
    base: &str,
    s: &Session,
    path: &str,
    body: serde_json::Value,
) -> Result<i64> {
    let answer = client
        .post(format!("{base}{path}"))
        .header("cookie", &s.cookie)
        .header("x-csrf-token", &s.csrf)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await?;
    let status = answer.status();
    let text = answer.text().await?;
    if status != 201 {
        bail!("POST {path} answered {status}: {text}");
    }
    let created: serde_json::Value = serde_json::from_str(&text)?;
    created["id"].as_i64().ok_or_else(|| anyhow::anyhow!("no id in {text}"))
}

/// nginx in the foreground with a throw-away configuration (installed by `scripts/bench`).
pub struct Nginx {
    child: Child,
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub base: String,
}

impl Nginx {
    /// Serves the files of one directory.
    pub fn serve_dir(env: &Env, root: &Path) -> Result<Nginx> {
        Self::start(env, "pages-nginx", &format!("root {};\n    default_type text/html;", root.display()), "")
    }

    /// Passes every request to the application nodes at `upstreams` in turn, over kept-alive
    /// connections, as a load balancer in front of several `rodtrad serve` processes does.
    pub fn balance(env: &Env, upstreams: &[&str]) -> Result<Nginx> {
        let servers: String =
            upstreams.iter().map(|u| format!("    server {};\n", u.trim_start_matches("http://"))).collect();
        let upstream = format!("upstream rodtrad {{\n{servers}    keepalive 128;\n  }}\n  ");
        let location = "location / {\n      proxy_pass http://rodtrad;\n      proxy_http_version 1.1;\n      \
                        proxy_set_header Connection \"\";\n      proxy_set_header Host $host;\n      \
                        proxy_set_header X-Forwarded-For $remote_addr;\n    }";
        Self::start(env, "nodes-nginx", location, &upstream)
    }

    fn start(env: &Env, name: &str, server_body: &str, http_extra: &str) -> Result<Nginx> {
        let dir = env.work.join(name);
        fresh_dir(&dir)?;
        let port = free_port()?;
        let d = dir.display();
        let conf = format!(
            "daemon off;\nworker_processes auto;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  \
             fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
             keepalive_requests 1000000;\n  {http_extra}\
             server {{\n    listen 127.0.0.1:{port};\n    {server_body}\n  }}\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), conf)?;
        let child = Command::new("nginx")
            .args(["-p", &d.to_string(), "-e", &format!("{d}/error.log"), "-c", &format!("{d}/nginx.conf")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start nginx (scripts/bench installs it)")?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("nginx did not listen on port {port}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Nginx { child, base: format!("http://127.0.0.1:{port}") })
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGQUIT is nginx's graceful shutdown; its workers exit with the master.
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGQUIT);
        }
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::csrf_in;

    #[test]
    fn finds_the_csrf_field() {
        let html = r#"<form><input type="hidden" name="csrf_token" value="ab12"></form>"#;
        assert_eq!(csrf_in(html).as_deref(), Some("ab12"));
        assert_eq!(csrf_in("<form></form>"), None);
    }
}
