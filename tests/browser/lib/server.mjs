// Starts the real application on a fresh database (SQLite file or a new PostgreSQL database),
// waits for /healthz and stops it again. Every test file gets its own instance.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

/** Backends to run on: RODTRAD_BROWSER_BACKENDS=sqlite,postgres (default: both). */
export function backends() {
  return (process.env.RODTRAD_BROWSER_BACKENDS || 'sqlite,postgres')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function binary() {
  const bin = process.env.RODTRAD_BIN;
  if (!bin) throw new Error('RODTRAD_BIN must name the rodtrad binary (scripts/test sets it)');
  return bin;
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

function pgAdminUrl() {
  return process.env.RODTRAD_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
}

function psql(sql) {
  return execFileSync('psql', [pgAdminUrl(), '-qAt', '-v', 'ON_ERROR_STOP=1', '-c', sql], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** Drops databases of interrupted earlier runs: older than three hours by the time in their name. */
function dropStaleDatabases() {
  const cutoff = Math.floor(Date.now() / 1000) - 3 * 3600;
  for (const name of psql("SELECT datname FROM pg_database WHERE datname LIKE 'rt\\_browser\\_%'").split('\n')) {
    const m = /^rt_browser_(\d+)_[0-9a-f]+$/.exec(name.trim());
    if (m && Number(m[1]) < cutoff) psql(`DROP DATABASE IF EXISTS ${m[0]} WITH (FORCE)`);
  }
}

/** A database URL for the backend and a function that removes the database afterwards. */
function freshDatabase(backend, dir) {
  if (backend === 'sqlite') {
    return { url: `sqlite://${join(dir, 'rodtrad.db')}`, drop: () => {} };
  }
  if (backend === 'postgres') {
    dropStaleDatabases();
    const name = `rt_browser_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
    psql(`CREATE DATABASE ${name}`);
    const admin = new URL(pgAdminUrl());
    admin.pathname = `/${name}`;
    return {
      url: admin.toString(),
      drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }
  throw new Error(`unknown backend ${backend}`);
}

async function waitHealthy(base, child, logFile) {
  // The demo loads in about 15 s in a debug build; far longer when the machine is busy.
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`rodtrad exited with ${child.exitCode}; log: ${logFile}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return await res.text();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`rodtrad did not answer /healthz within 180 s; log: ${logFile}`);
}

/** Starts `rodtrad serve --demo` on a fresh database of the given backend. */
export async function startApp(backend) {
  const dir = mkdtempSync(join(tmpdir(), 'rodtrad-browser-'));
  const db = freshDatabase(backend, dir);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logFile = join(dir, 'rodtrad.log');
  const log = openSync(logFile, 'w');
  const child = spawn(binary(), ['serve', '--demo'], {
    cwd: dir,
    env: {
      ...process.env,
      RODTRAD_DATABASE_URL: db.url,
      RODTRAD_LISTEN: `127.0.0.1:${port}`,
      RODTRAD_CONFIG: join(dir, 'none.toml'),
      RUST_LOG: process.env.RUST_LOG || 'warn',
    },
    stdio: ['ignore', log, log],
  });
  try {
    const health = await waitHealthy(base, child, logFile);
    if (!health.includes(backend)) throw new Error(`/healthz says "${health.trim()}", expected ${backend}`);
  } catch (e) {
    child.kill('SIGKILL');
    db.drop();
    throw e;
  }
  return {
    base,
    backend,
    logFile,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const repoRoot = repo;
