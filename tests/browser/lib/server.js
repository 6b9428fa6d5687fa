// Starts and stops the real `consilium` binary for a test: a fresh data dir (SQLite and local
// objects), a free loopback port, and the CLI for the first admin.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..', '..', '..');
export const BIN = process.env.CONSILIUM_BIN
  || path.join(process.env.CARGO_TARGET_DIR || path.join(REPO, 'target'), 'debug', 'consilium');

const run = promisify(execFile);

function envFor(dataDir, port, extra = {}) {
  return {
    ...process.env,
    ...extra,
    CONSILIUM_DATA_DIR: dataDir,
    CONSILIUM_BIND: `127.0.0.1:${port}`,
    RUST_LOG: process.env.RUST_LOG || 'warn',
  };
}

/** Runs a CLI command against the data dir. */
export async function cli(dataDir, args) {
  const { stdout } = await run(BIN, args, { env: envFor(dataDir, 0), timeout: 60000 });
  return stdout;
}

/**
 * Starts `consilium serve`; resolves once it prints its address. `port` 0 picks one; a given
 * port (and data dir) restarts a server where a stopped one was. `remove()` deletes the data
 * dir it made, or a given one when `ownsDataDir` is set. `env` adds settings (e.g. a short
 * token lifetime).
 */
export async function startServer({ dataDir, port = 0, ownsDataDir = !dataDir, env = {} } = {}) {
  const dir = dataDir || await mkdtemp(path.join(tmpdir(), 'consilium-web-'));
  const child = spawn(BIN, ['serve'], { env: envFor(dir, port, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-8000); });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start in 60 s:\n${stderr}`)), 60000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the server exited (${code}):\n${stderr}`)); });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  return {
    url,
    port: Number(new URL(url).port),
    dataDir: dir,
    /** SIGTERM (live rooms close with 1001), and wait for the exit. Keeps the data dir. */
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
      await exited;
      clearTimeout(timer);
    },
    async remove() {
      await this.stop();
      if (ownsDataDir) await rm(dir, { recursive: true, force: true });
    },
    get log() { return stderr; },
  };
}
