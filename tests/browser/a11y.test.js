// Accessibility of every main page, checked by axe-core (node_modules/axe-core, injected into
// the page): sign-in, the dossier list, a new dossier, a dossier with its decision, boards, a
// board, a session, the live room, decisions, notifications, preferences, the coordinator's
// queue and the activity report. A violation of impact "serious" or "critical" fails the page's
// test and is printed (rule, impact, the elements, axe's advice); lesser ones are printed only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startServer } from './lib/server.js';
import { buildWorld, submittedDossier, sessionWith } from './lib/world.js';
import { launch, screenshot, signIn } from './lib/browser.js';
import { decideInRoom } from './lib/room.js';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const FAILING = new Set(['serious', 'critical']);

let server;
let browser;
let world;
let dossier;
let session;
let coordinator;

/**
 * A page for one person. The service's Content-Security-Policy (script-src 'self') refuses the
 * injected axe script, as it should: the audit's context bypasses it, and only it.
 */
async function auditPage() {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  page.baseUrl = server.url;
  return page;
}

before(async () => {
  server = await startServer();
  browser = await launch();
  world = await buildWorld(server);
  dossier = await submittedDossier(world);
  session = await sessionWith(world, [dossier.id], 'https://visio.example.org/ms-board');
  // A second dossier waits in the queue.
  await submittedDossier(world, 'Optic neuritis, MOG antibodies?');
  coordinator = await auditPage();
  await signIn(coordinator, world.coordinator, { enter: true });
  const decision = await decideInRoom(coordinator, {
    sessionId: session.id,
    dossierId: dossier.id,
    chairToken: await world.rest.login(world.coordinator.email),
    voterTokens: await Promise.all(world.specialists.map((s) => world.rest.login(s.email))),
    proposal: 'Escalate to natalizumab',
    options: ['Approve', 'Reject'],
    option: 'Approve',
    comment: 'Two relapses in a year.',
    summary: 'Escalate to natalizumab; JCV serology first.',
  });
  assert.equal(decision.status, 'decided');
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
});

/** Runs axe on the page as it stands; returns its violations. */
async function axe(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 200), summary: n.failureSummary })),
    }));
  });
}

function describe(name, violations) {
  return violations.map((v) => [
    `[${name}] ${v.id} (${v.impact}): ${v.help} — ${v.helpUrl}`,
    ...v.nodes.map((n) => `    ${n.target}\n      ${n.html}\n      ${(n.summary || '').replace(/\n/g, '\n      ')}`),
  ].join('\n')).join('\n');
}

/** Opens `hash` (null: stays), waits for `ready`, runs axe; fails on serious or critical violations. */
async function check(t, page, name, hash, ready) {
  if (hash !== null) await page.goto(`${server.url}/${hash}`);
  await page.locator(ready).first().waitFor({ timeout: 15000 });
  await page.locator('main h1').first().waitFor();
  // Let the page settle (focus, live regions, fonts) before the audit.
  await page.waitForTimeout(300);
  const violations = await axe(page);
  await screenshot(page, `a11y-${name}`);
  const failing = violations.filter((v) => FAILING.has(v.impact));
  const minor = violations.filter((v) => !FAILING.has(v.impact));
  for (const line of minor.length ? describe(name, minor).split('\n') : []) t.diagnostic(line);
  if (failing.length) console.log(describe(name, failing));
  assert.deepEqual(failing.map((v) => `${v.id} (${v.impact}) ×${v.nodes.length}`), [], `axe on ${name}:\n${describe(name, failing)}`);
}

test('sign-in page', async (t) => {
  const page = await auditPage();
  await check(t, page, 'login', '#/login', '#login-email');
  await page.context().close();
});

const PAGES = () => [
  ['dossier-list', '#/dossiers', 'main h1'],
  ['new-dossier', '#/dossiers/new', 'main form select'],
  ['dossier', `#/dossiers/${dossier.id}`, `main [data-decision-id]`],
  ['boards', '#/boards', '#board-list'],
  ['board', `#/boards/${world.board.id}`, '#board-settings'],
  ['session', `#/sessions/${session.id}`, '#agenda'],
  ['room', `#/sessions/${session.id}/live`, '#room-status[data-state="open"]'],
  ['decisions', '#/decisions', '#decisions-table'],
  ['notifications', '#/notifications', 'main h1'],
  ['preferences', '#/preferences', 'main h1'],
  ['queue', '#/queue', '#coordinator-queue'],
  ['reports', '#/reports', '#report-chart'],
];

// One test per page, so that each page's violations are told apart (the pages' addresses
// are known once the world is built, hence the lookup by name).
const NAMES = ['dossier-list', 'new-dossier', 'dossier', 'boards', 'board', 'session', 'room',
  'decisions', 'notifications', 'preferences', 'queue', 'reports'];
for (const name of NAMES) {
  test(`${name} page`, async (t) => {
    const [, hash, ready] = PAGES().find(([n]) => n === name);
    await check(t, coordinator, name, hash, ready);
  });
}

// States a first look does not show: the board's settings with their field errors, the
// report's chart data opened.
test('board settings with field errors, report with its chart data', async (t) => {
  await coordinator.goto(`${server.url}/#/boards/${world.board.id}`);
  await coordinator.locator('#board-settings').waitFor();
  await coordinator.locator('#bs-min-voters').fill('0');
  await coordinator.locator('#bs-required').fill('infectiologie\northopédie');
  await coordinator.locator('#bs-save').click();
  await coordinator.locator('#bs-summary:not([hidden])').waitFor();
  await check(t, coordinator, 'board-errors', null, '#bs-summary');
  await coordinator.goto(`${server.url}/#/reports`);
  await coordinator.locator('#report-chart').waitFor();
  await coordinator.locator('details.chart-data > summary').click();
  await check(t, coordinator, 'report-data', null, '#report-months');
});
