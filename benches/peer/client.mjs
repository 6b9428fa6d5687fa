// The load client of the side-by-side benchmark (benches/live_peer.rs): the same client logic
// against Consilium's live rooms (raw WebSocket, `ws`) or the Socket.IO peer (server.mjs,
// `socket.io-client`); only the small transport adapter differs.
//
//   node client.mjs --plan PLAN.json --out RESULT.json
//
// Writes the result JSON to --out and a one-line summary to stderr. Exit 0 when a result was
// written (even with errors counted in it); nonzero only when it could not run.

import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { io } from 'socket.io-client';

const CONNECT_TIMEOUT_MS = 30_000;
const SETTLE_MS = 5_000;
const VOTE_WAIT_MS = 10_000;
const DRAIN_MS = 3_000;
const LOOP_RESOLUTION_MS = 10;
const CHAT_BYTES = 120; // size of a chat command's JSON
const FILLER = ' Compare with the prior study; no enhancement seen on the T1 sequence today.';

// --- Arguments and plan ---------------------------------------------------------------------

function arg(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : undefined;
}

function fail(message) {
  process.stderr.write(`client: ${message}\n`);
  process.exit(2);
}

const planPath = arg('--plan');
const outPath = arg('--out');
if (!planPath || !outPath) fail('usage: node client.mjs --plan PLAN.json --out RESULT.json');
let plan;
try {
  plan = JSON.parse(readFileSync(planPath, 'utf8'));
} catch (e) {
  fail(`cannot read plan ${planPath}: ${e.message}`);
}
const target = plan.target;
if (target !== 'consilium' && target !== 'socketio') fail(`unknown target ${JSON.stringify(target)}`);
if (typeof plan.url !== 'string' || !/^https?:\/\//.test(plan.url)) fail('plan.url must be http(s)://HOST:PORT');
if (!Array.isArray(plan.rooms) || plan.rooms.length === 0) fail('plan.rooms must be a non-empty array');
const rate = Number(plan.rate ?? 100);
const duration = Number(plan.duration ?? 60);
const seed = Number(plan.seed ?? 42) >>> 0;
const handshakeConcurrency = Math.max(1, Number(plan.handshake_concurrency ?? 128) | 0);
if (!(rate > 0) || !(duration > 0)) fail('plan.rate and plan.duration must be positive');
const baseUrl = plan.url.replace(/\/+$/, '');
const serverPid = plan.server_pid;

// --- Small helpers --------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => process.hrtime.bigint();
const msSince = (t0, t1) => Number(t1 - t0) / 1e6;
const round = (x, d = 3) => (x == null || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function mulberry32(a) {
  return function next() {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The server's resident set in bytes (VmRSS), or null when it cannot be read. */
function serverRss() {
  if (!serverPid) return null;
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${serverPid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

let clockTicks = 100;
try {
  clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // Linux's usual value.
}
/** The server's CPU time (user + system) in seconds, or null. */
function serverCpu() {
  if (!serverPid) return null;
  try {
    const stat = readFileSync(`/proc/${serverPid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / clockTicks;
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine (all cores, from /proc/stat), or null. */
function machineBusy() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
    const busy = f.slice(0, 8).reduce((x, y) => x + y, 0) - f[3] - f[4];
    return busy / clockTicks;
  } catch {
    return null;
  }
}

const clientCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Nearest rank on a sorted array. */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

const mib = (b) => (b == null ? null : round(b / 1048576, 1));

// --- Accounting (shared by both targets) ----------------------------------------------------

let phase = 'setup'; // 'setup' until the load starts, then 'load'
const setupErrors = Object.create(null);
const loadErrors = Object.create(null);
function countError(code) {
  const book = phase === 'load' ? loadErrors : setupErrors;
  book[code] = (book[code] ?? 0) + 1;
}

let received = 0; // messages received during the load and the drain (acks included)
/** request_id -> send time (hrtime bigint) */
const pendingAcks = new Map();
/** chat id ("m<n>") -> { t0, remaining, author } */
const pendingBroadcasts = new Map();
const ackMs = [];
const broadcastMs = [];

/** room index -> vote id, from `vote_opened` */
const votes = [];

/**
 * Every message a connection gets (events, acks, errors) goes through here, as an object.
 * `conn` is the receiving connection; kept cheap: no logging, no awaits.
 */
function onMessage(conn, msg) {
  if (phase === 'load') received++;
  switch (msg.type) {
    case 'chat': {
      const text = msg.text;
      if (typeof text !== 'string') return;
      const sp = text.indexOf(' ');
      const id = sp > 0 ? text.slice(0, sp) : text;
      const track = pendingBroadcasts.get(id);
      // The author's own copy does not count: only the others'.
      if (track === undefined || track.author === conn) return;
      if (--track.remaining === 0) {
        broadcastMs.push(msSince(track.t0, now()));
        pendingBroadcasts.delete(id);
      }
      return;
    }
    case 'ack': {
      const t0 = pendingAcks.get(msg.request_id);
      if (t0 !== undefined) {
        ackMs.push(msSince(t0, now()));
        pendingAcks.delete(msg.request_id);
      }
      return;
    }
    case 'tally':
      return;
    case 'error': {
      countError(String(msg.code ?? '?'));
      const rid = msg.request_id;
      if (typeof rid === 'string') {
        pendingAcks.delete(rid);
        if (rid.charCodeAt(0) === 99 /* c */) pendingBroadcasts.delete(`m${rid.slice(1)}`);
      }
      return;
    }
    case 'vote_opened': {
      const id = msg.vote && msg.vote.id;
      if (typeof id === 'string' && votes[conn.room] === undefined) votes[conn.room] = id;
      return;
    }
    default:
  }
}

function onClose(conn, code) {
  if (!conn.open) return;
  conn.open = false;
  countError(`close:${code}`);
}

// --- Transport adapters ---------------------------------------------------------------------
// connect(room index, room, member) -> Promise<conn>; conn.send(obj); messages and closes go to
// onMessage / onClose above. A conn is { room, member, open, send }.

function withTimeout(reject, abort) {
  return setTimeout(() => {
    abort();
    reject(new Error('timeout'));
  }, CONNECT_TIMEOUT_MS);
}

function connectConsilium(r, room, member) {
  const url = `${baseUrl.replace(/^http/, 'ws')}/api/sessions/${encodeURIComponent(room.session_id)}/live`;
  return new Promise((resolve, reject) => {
    const conn = { room: r, member, open: false, send: null };
    // ws sets TCP no-delay on its sockets itself (lib/websocket.js, setSocket); done again
    // below after `open` to be explicit.
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS });
    let settled = false;
    const timer = withTimeout((e) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
    }, () => ws.terminate());
    const settle = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(conn);
    };
    conn.send = (obj) => ws.send(JSON.stringify(obj));
    ws.on('open', () => {
      if (ws._socket && ws._socket.setNoDelay) ws._socket.setNoDelay(true);
      ws.send(JSON.stringify({ type: 'hello', token: member.token }));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let msg;
      try {
        msg = JSON.parse(data);
      } catch {
        countError('bad_json');
        return;
      }
      if (!conn.open) {
        if (settled) return;
        if (msg.type === 'welcome') {
          conn.open = true;
          settle();
        } else if (msg.type === 'error') {
          countError(String(msg.code ?? '?'));
        }
        return;
      }
      onMessage(conn, msg);
    });
    ws.on('close', (code) => {
      if (conn.open) onClose(conn, code);
      else settle(new Error(`close:${code}`));
    });
    ws.on('error', (e) => {
      // A close follows; before the welcome, name the cause.
      if (!conn.open) settle(new Error(e.code ?? 'error'));
    });
    ws.on('unexpected-response', (req, res) => {
      settle(new Error(`http:${res.statusCode}`));
      ws.terminate();
    });
  });
}

function connectSocketIo(r, room, member) {
  return new Promise((resolve, reject) => {
    const conn = { room: r, member, open: false, send: null };
    // One Manager per connection (forceNew), as distinct browsers would have.
    const socket = io(baseUrl, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      perMessageDeflate: false,
      timeout: CONNECT_TIMEOUT_MS,
    });
    let settled = false;
    const timer = withTimeout((e) => {
      if (!settled) {
        settled = true;
        reject(e);
      }
    }, () => socket.disconnect());
    const settle = (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        socket.disconnect();
        reject(err);
      } else resolve(conn);
    };
    // Acks come back through the emit callback and go to the same handler as Consilium's.
    const ack = (res) => {
      if (res && typeof res === 'object') onMessage(conn, res);
    };
    conn.send = (obj) => socket.emit('cmd', obj, ack);
    socket.on('msg', (msg) => onMessage(conn, msg));
    socket.on('connect', () => {
      socket.emit('hello', { token: member.token, session_id: room.session_id }, (res) => {
        if (res && res.type === 'welcome') {
          conn.open = true;
          settle();
        } else {
          countError(String((res && res.code) ?? '?'));
          settle(new Error(`hello refused: ${res && res.code}`));
        }
      });
    });
    socket.on('connect_error', (e) => settle(new Error(`connect_error:${e.message}`)));
    socket.on('disconnect', (reason) => {
      if (conn.open) onClose(conn, reason.replace(/ /g, '_'));
      else settle(new Error(`close:${reason}`));
    });
  });
}

const connect = target === 'consilium' ? connectConsilium : connectSocketIo;

// --- The run --------------------------------------------------------------------------------

async function main() {
  const cpuStart = clientCpu();
  const idleRss = serverRss();

  // Open every connection, at most `handshakeConcurrency` handshakes in flight.
  const slots = [];
  plan.rooms.forEach((room, r) => room.members.forEach((member, k) => slots.push({ r, room, member, k })));
  /** room index -> established connections, in member order */
  const conns = plan.rooms.map(() => []);
  const byRoom = plan.rooms.map((room) => new Array(room.members.length).fill(null));
  let failed = 0;
  const failures = Object.create(null);
  let nextSlot = 0;
  const connectStarted = now();
  async function worker() {
    while (nextSlot < slots.length) {
      const s = slots[nextSlot++];
      try {
        byRoom[s.r][s.k] = await connect(s.r, s.room, s.member);
      } catch (e) {
        failed++;
        const why = String(e.message ?? e).slice(0, 60);
        failures[why] = (failures[why] ?? 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(handshakeConcurrency, slots.length) }, worker));
  const connectSecs = msSince(connectStarted, now()) / 1000;
  byRoom.forEach((list, r) => {
    for (const c of list) if (c) conns[r].push(c);
  });
  const established = conns.reduce((n, list) => n + list.length, 0);
  process.stderr.write(
    `client: ${target}: ${established}/${slots.length} connections in ${connectSecs.toFixed(1)} s` +
      (failed ? `, ${failed} failed ${JSON.stringify(failures)}` : '') +
      '\n',
  );

  await sleep(SETTLE_MS);
  const connectedRss = serverRss();

  // Each room's chair (member 0) opens a vote.
  let chairs = 0;
  plan.rooms.forEach((room, r) => {
    const chair = byRoom[r][0];
    if (!chair || !chair.open) return;
    chairs++;
    chair.send({
      type: 'open_vote',
      dossier_id: room.dossier_id,
      proposal: 'Escalate?',
      options: ['escalate', 'continue'],
      request_id: `open-${r}`,
    });
  });
  const voteDeadline = Date.now() + VOTE_WAIT_MS;
  const countVotes = () => votes.reduce((n, v) => n + (v !== undefined ? 1 : 0), 0);
  while (countVotes() < chairs && Date.now() < voteDeadline) await sleep(20);
  const votesOpened = countVotes();

  // --- Load: `rate` commands per second on a fixed schedule ----------------------------------
  const rand = mulberry32(seed);
  const eligible = [];
  conns.forEach((list, r) => {
    if (list.length >= 2) eligible.push(r);
  });
  const total = Math.round(rate * duration);
  const intervalNs = 1e9 / rate;
  let sent = 0;
  let skipped = 0;
  let maxBehindMs = 0;
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const serverCpuStart = serverCpu();
  const machineStart = machineBusy();
  const cpuLoadStart = clientCpu();
  const sysLoadStart = process.cpuUsage().system;
  phase = 'load';
  loop.enable();
  const loadStarted = now();
  const chatBase = '{"type":"chat","text":"","request_id":""}'.length;

  function sendOne(n) {
    const r = eligible[Math.floor(rand() * eligible.length)];
    const list = conns[r];
    const conn = list[Math.floor(rand() * list.length)];
    const asChat = rand() < 0.6 || votes[r] === undefined;
    const option = asChat ? null : rand() < 0.5 ? 'escalate' : 'continue';
    if (!conn.open) {
      skipped++;
      return;
    }
    const rid = `c${n}`;
    let cmd;
    const t0 = now();
    if (asChat) {
      const id = `m${n}`;
      let text = `${id} The MRI shows two new lesions.`;
      const pad = CHAT_BYTES - chatBase - text.length - rid.length;
      if (pad > 0) text += FILLER.slice(0, pad);
      cmd = { type: 'chat', text, request_id: rid };
      let others = 0;
      for (const c of list) if (c !== conn && c.open) others++;
      if (others > 0) pendingBroadcasts.set(id, { t0, remaining: others, author: conn });
    } else {
      cmd = { type: 'cast', vote_id: votes[r], option, request_id: rid };
    }
    pendingAcks.set(rid, t0);
    conn.send(cmd);
    sent++;
  }

  await new Promise((resolve) => {
    let n = 0;
    const startNs = loadStarted;
    function tick() {
      const t = now();
      const due = Math.min(total, Math.floor(Number(t - startNs) / intervalNs) + 1);
      if (n < due) {
        const behind = Number(t - startNs) / 1e6 - (n * intervalNs) / 1e6;
        if (behind > maxBehindMs) maxBehindMs = behind;
      }
      while (n < due) sendOne(n++);
      if (n >= total) {
        resolve();
        return;
      }
      // Next scheduled send, from the fixed schedule (no drift).
      const waitMs = (n * intervalNs - Number(now() - startNs)) / 1e6;
      setTimeout(tick, Math.max(0, waitMs));
    }
    if (eligible.length === 0) resolve();
    else tick();
  });
  const loadSecs = msSince(loadStarted, now()) / 1000;
  const cpuLoad = clientCpu() - cpuLoadStart;
  const sysLoad = (process.cpuUsage().system - sysLoadStart) / 1e6;
  const serverCpuEnd = serverCpu();
  const machineEnd = machineBusy();
  loop.disable();

  await sleep(DRAIN_MS);
  const afterLoadRss = serverRss();

  // --- Report -------------------------------------------------------------------------------
  const b = Float64Array.from(broadcastMs).sort();
  const a = Float64Array.from(ackMs).sort();
  const perConn =
    idleRss != null && connectedRss != null && established > 0
      ? (connectedRss - idleRss) / 1024 / established
      : null;
  const result = {
    target,
    connections: {
      wanted: slots.length,
      established,
      failed,
      seconds: round(connectSecs),
      per_sec: round(established / connectSecs, 1),
      failures,
    },
    rss: {
      idle_mib: mib(idleRss),
      connected_mib: mib(connectedRss),
      per_conn_kib: round(perConn, 2),
      after_load_mib: mib(afterLoadRss),
    },
    votes: { chairs, opened: votesOpened },
    load: {
      sent,
      skipped_closed: skipped,
      seconds: round(loadSecs),
      per_sec: round(sent / loadSecs, 1),
      max_behind_schedule_ms: round(maxBehindMs, 2),
    },
    broadcast_ms: {
      p50: round(percentile(b, 50)),
      p95: round(percentile(b, 95)),
      p99: round(percentile(b, 99)),
      max: round(percentile(b, 100)),
      count: b.length,
      undelivered: pendingBroadcasts.size,
    },
    ack_ms: {
      p50: round(percentile(a, 50)),
      p95: round(percentile(a, 95)),
      p99: round(percentile(a, 99)),
      count: a.length,
      unacked: pendingAcks.size,
    },
    received,
    received_per_sec: round(received / (loadSecs + DRAIN_MS / 1000), 1),
    errors: loadErrors,
    setup_errors: setupErrors,
    client_cpu_s: round(clientCpu() - cpuStart, 2),
    client_cpu_load_s: round(cpuLoad, 2),
    client_cpu_load_system_s: round(sysLoad, 2), // of which in the kernel (socket reads, writes)
    // How late the client's own event loop ran during the load (the histogram holds whole
    // timer intervals: the sampling resolution is taken off).
    client_event_loop_lag_ms: {
      p50: round(Math.max(0, loop.percentile(50) / 1e6 - LOOP_RESOLUTION_MS), 2),
      p99: round(Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS), 2),
      max: round(Math.max(0, loop.max / 1e6 - LOOP_RESOLUTION_MS), 2),
    },
    server_cpu_load_s: serverCpuStart != null && serverCpuEnd != null ? round(serverCpuEnd - serverCpuStart, 2) : null,
    // Busy CPU seconds of the whole machine during the load: well above client + server means
    // something else (a build?) was competing for the cores.
    machine_busy_load_s: machineStart != null && machineEnd != null ? round(machineEnd - machineStart, 2) : null,
    cores: availableParallelism(),
    client_heap_mib: mib(process.memoryUsage().heapUsed),
    client_rss_mib: mib(process.memoryUsage().rss),
  };
  writeFileSync(outPath, `${JSON.stringify(result, null, 2)}\n`);
  const f = (x) => (x == null ? '-' : x.toFixed(1));
  process.stderr.write(
    `client: ${target}: ${established}/${slots.length} conns in ${connectSecs.toFixed(1)} s, ` +
      `${result.rss.per_conn_kib ?? '-'} KiB/conn; ${sent} cmds in ${loadSecs.toFixed(1)} s; ` +
      `broadcast p50/p95/p99 ${f(result.broadcast_ms.p50)}/${f(result.broadcast_ms.p95)}/${f(result.broadcast_ms.p99)} ms ` +
      `(${result.broadcast_ms.undelivered} undelivered), ack p50/p99 ${f(result.ack_ms.p50)}/${f(result.ack_ms.p99)} ms ` +
      `(${result.ack_ms.unacked} unacked); errors ${JSON.stringify(loadErrors)}; client CPU ${result.client_cpu_s} s\n`,
  );
  // Leave without closing 10k sockets one by one: the server sees them go when we exit.
  process.exit(0);
}

main().catch((e) => fail(e.stack ?? String(e)));
