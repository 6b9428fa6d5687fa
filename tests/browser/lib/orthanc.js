// A real PACS for the tests: Debian's Orthanc with its DICOMweb plugin, started privately (a
// temporary storage directory, free loopback ports, no DICOM listener, HTTP basic auth), loaded
// with studies built by dicom.js's writers through its REST API (`POST /instances`).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { element, part10MrImage, randomUid } from './dicom.js';

export const ORTHANC = process.env.ORTHANC_BIN || '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = process.env.ORTHANC_DICOMWEB_PLUGIN || '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
export const PACS_USER = 'pacs';
export const PACS_PASSWORD = 'pacs-s3cret-Pw';

/** A loopback port nobody listens on (at the time of asking). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

function us(n) {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n, 0);
  return b;
}

/**
 * One MR instance (Part 10, explicit VR little endian, a small 16-bit image) of `study`'s
 * `series`; the elements in ascending tag order after the SOP class and instance UIDs.
 */
export function pacsInstance({ patientName, patientId, studyUid, studyDate, accession, studyDescription, seriesUid, modality, seriesDescription, number, size = 32 }) {
  const pixels = Buffer.alloc(size * size * 2);
  for (let i = 0; i < size * size; i += 1) pixels.writeUInt16LE((i * 7 + number * 50) % 4096, i * 2);
  return part10MrImage([
    element(0x0008, 0x0020, 'DA', studyDate),
    element(0x0008, 0x0030, 'TM', '101500'),
    element(0x0008, 0x0050, 'SH', accession),
    element(0x0008, 0x0060, 'CS', modality),
    element(0x0008, 0x1030, 'LO', studyDescription),
    element(0x0008, 0x103e, 'LO', seriesDescription),
    element(0x0010, 0x0010, 'PN', patientName),
    element(0x0010, 0x0020, 'LO', patientId),
    element(0x0020, 0x000d, 'UI', studyUid),
    element(0x0020, 0x000e, 'UI', seriesUid),
    element(0x0020, 0x0013, 'IS', String(number)),
    element(0x0028, 0x0002, 'US', us(1)),
    element(0x0028, 0x0004, 'CS', 'MONOCHROME2'),
    element(0x0028, 0x0010, 'US', us(size)),
    element(0x0028, 0x0011, 'US', us(size)),
    element(0x0028, 0x0100, 'US', us(16)),
    element(0x0028, 0x0101, 'US', us(12)),
    element(0x0028, 0x0102, 'US', us(11)),
    element(0x0028, 0x0103, 'US', us(0)),
    element(0x7fe0, 0x0010, 'OW', pixels),
  ]);
}

/**
 * A study's files: `series` = [{ description, instances, modality? }]. Returns the UIDs and,
 * per series, its files (Buffers).
 */
export function pacsStudy({
  patientName = 'DUPONT^MARIE', patientId = 'PID-7731904', studyDate = '20261115', accession = 'ACC-2026-4471',
  studyDescription = 'IRM encephalique', modality = 'MR', series,
}) {
  const studyUid = randomUid();
  return {
    studyUid,
    series: series.map((s) => {
      const seriesUid = randomUid();
      const files = [...Array(s.instances)].map((_, i) => pacsInstance({
        patientName, patientId, studyUid, studyDate, accession, studyDescription, seriesUid,
        modality: s.modality || modality, seriesDescription: s.description, number: i + 1,
      }));
      return { seriesUid, description: s.description, instances: s.instances, files };
    }),
  };
}

/**
 * Starts Orthanc; resolves once its DICOMweb root answers. `dicomWeb` is the root to give
 * consilium (CONSILIUM_DICOMWEB_URL), `auth` its CONSILIUM_DICOMWEB_AUTH.
 */
export async function startOrthanc() {
  const dir = await mkdtemp(path.join(tmpdir(), 'consilium-orthanc-'));
  const [httpPort, dicomPort] = [await freePort(), await freePort()];
  const config = {
    Name: 'consilium-browser-pacs',
    StorageDirectory: dir,
    IndexDirectory: dir,
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomServerEnabled: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [PACS_USER]: PACS_PASSWORD },
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false },
    SaveJobs: false,
  };
  const configPath = path.join(dir, 'orthanc.json');
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const child = spawn(ORTHANC, [configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d) => { log = (log + d).slice(-8000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => { child.on('exit', resolve); child.on('error', resolve); });

  const url = `http://127.0.0.1:${httpPort}`;
  const authorization = `Basic ${Buffer.from(`${PACS_USER}:${PACS_PASSWORD}`).toString('base64')}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
  };
  const pacs = {
    url,
    dicomWeb: `${url}/dicom-web`,
    auth: `basic:${PACS_USER}:${PACS_PASSWORD}`,
    get log() { return log; },
    /** Stores one DICOM file (`POST /instances`); its Orthanc answer. */
    async store(bytes) {
      const res = await fetch(`${url}/instances`, {
        method: 'POST', headers: { Authorization: authorization, 'Content-Type': 'application/dicom' }, body: bytes,
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`Orthanc POST /instances → ${res.status}: ${text}`);
      return JSON.parse(text);
    },
    /** Stores every file of a study made by pacsStudy(). */
    async load(study) {
      for (const s of study.series) for (const f of s.files) await this.store(f);
      return study;
    },
    /** Kills Orthanc, waits for its exit, removes its storage. */
    async stop() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`Orthanc exited (${child.exitCode ?? child.signalCode}):\n${log}`);
    }
    try {
      const res = await fetch(`${url}/dicom-web/studies`, { headers: { Authorization: authorization, Accept: 'application/dicom+json' } });
      await res.arrayBuffer();
      if (res.status === 200) return pacs;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await pacs.stop();
      throw new Error(`Orthanc did not answer in 30 s:\n${log}`);
    }
    await sleep(200);
  }
}

const RETRIEVE = /\/studies\/[\d.]+\/series\/[\d.]+$/;

/**
 * A loopback HTTP proxy in front of the PACS, for what a real one does now and then: `mode` is
 * 'pass' (as is), 'slow' (a series' retrieval trickles, `slowBytes` every `slowMs`), 'fail-search'
 * (QIDO-RS answers 503) or 'fail-retrieve' (WADO-RS answers 503). `dicomWeb` is its root.
 */
export async function pacsProxy(pacs, { slowBytes = 2048, slowMs = 250 } = {}) {
  const target = new URL(pacs.url);
  const sockets = new Set();
  const proxy = {
    mode: 'pass',
    server: http.createServer((req, res) => {
      const { pathname } = new URL(req.url, 'http://proxy');
      const retrieve = RETRIEVE.test(pathname);
      if ((proxy.mode === 'fail-search' && !retrieve) || (proxy.mode === 'fail-retrieve' && retrieve)) {
        res.writeHead(503, { 'Content-Type': 'text/plain' }).end('unavailable');
        return;
      }
      const slow = proxy.mode === 'slow' && retrieve;
      const upstream = http.request({
        host: target.hostname, port: target.port, method: req.method, path: req.url,
        headers: { ...req.headers, host: target.host },
      }, (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        if (!slow) { answer.pipe(res); return; }
        const chunks = [];
        answer.on('data', (c) => chunks.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          let at = 0;
          const step = () => {
            if (res.destroyed) return;
            res.write(body.subarray(at, at + slowBytes));
            at += slowBytes;
            if (at < body.length) setTimeout(step, slowMs); else res.end();
          };
          step();
        });
      });
      upstream.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
      req.pipe(upstream);
    }),
  };
  proxy.server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve) => { proxy.server.listen(0, '127.0.0.1', resolve); });
  proxy.dicomWeb = `http://127.0.0.1:${proxy.server.address().port}/dicom-web`;
  proxy.close = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    proxy.server.close(() => resolve());
  });
  return proxy;
}
