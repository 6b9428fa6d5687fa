// The coordinator's pages (issue 15), in French by default: the queue of submitted dossiers
// (oldest first, urgency, referring organisation, the next session, scheduling from the queue),
// the activity report (figures, the monthly SVG chart and its table, the PDF fetched with the
// token), the board's settings (an admin shows named ballots to referrers; a bad quorum is
// refused field by field, all at once, before anything is sent), and the layouts at 900 and
// 390 px without sideways scrolling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startServer } from './lib/server.js';
import { buildWorld, submittedDossier, sessionWith } from './lib/world.js';
import { launch, personPage, screenshot, assertNoProblems, signIn } from './lib/browser.js';

let server;
let browser;
let world;
let oldest;
let urgent;
let nextSession;

before(async () => {
  server = await startServer();
  browser = await launch();
  world = await buildWorld(server);
  oldest = await submittedDossier(world, 'Relapsing MS, second line?');
  // A priority dossier from another organisation, submitted later.
  const adminToken = world.adminToken;
  const other = await world.rest.call('POST', '/api/users', adminToken, {
    email: `referrer2-${process.pid}@test.consilium`, name: 'Dr Rita Referrer', password: 'browser-test-password', organization: 'CH Chambéry',
  });
  const otherToken = await world.rest.login(other.email);
  const draft = await world.rest.call('POST', '/api/dossiers', otherToken, {
    board_id: world.board.id,
    title: 'Optic neuritis, MOG antibodies?',
    patient: { pseudonym: 'PSN-URG', birth_year: 1990, sex: 'male' },
    question: 'Treat as MOGAD?',
    urgency: 'priority',
    consent: true,
  });
  urgent = await world.rest.call('POST', `/api/dossiers/${draft.id}/submit`, otherToken);
  nextSession = await sessionWith(world, []);
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
});

/** How far the page and its main content reach past the viewport's width (0: no sideways scroll). */
async function overflow(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const main = document.getElementById('main');
    let widest = null;
    let right = 0;
    for (const el of main.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      // Content inside a box that clips it does not widen the page.
      let clipped = false;
      for (let p = el.parentElement; p && p !== main; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o !== 'visible') { clipped = true; break; }
      }
      if (!clipped && r.right > right) { right = r.right; widest = el; }
    }
    const scrollers = [...main.querySelectorAll('*')].filter((el) => {
      const o = getComputedStyle(el).overflowX;
      return (o === 'auto' || o === 'scroll') && el.scrollWidth > el.clientWidth + 1;
    }).map((el) => el.id || el.className || el.tagName);
    return {
      page: document.documentElement.scrollWidth - width,
      main: Math.max(0, Math.ceil(right - width)),
      widest: widest ? `${widest.tagName.toLowerCase()}#${widest.id}.${widest.className}` : null,
      scrollers,
      header: Math.max(0, Math.ceil(document.querySelector('header')?.scrollWidth - width)),
    };
  });
}

test('the coordinator’s queue: oldest first, urgency, organisation, next session; scheduling from it', async () => {
  const page = await personPage(browser, server, { width: 1000, height: 900 });
  await signIn(page, world.coordinator, { enter: true });
  await page.goto(`${server.url}/#/queue`);
  await page.getByRole('heading', { level: 1, name: 'File d’attente' }).waitFor();
  const rows = page.locator('#coordinator-queue tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 2);
  // Oldest first.
  assert.equal(await rows.nth(0).getAttribute('data-dossier-id'), oldest.id);
  assert.equal(await rows.nth(1).getAttribute('data-dossier-id'), urgent.id);
  const first = rows.nth(0);
  assert.match(await first.innerText(), /CH Annecy/);
  assert.match(await first.innerText(), /habituelle/);
  assert.match(await rows.nth(1).innerText(), /prioritaire/);
  assert.match(await rows.nth(1).innerText(), /CH Chambéry/);
  assert.match(await page.locator('#queue-count').innerText(), /2 dossiers attendent une séance\.\s+Dont 1 prioritaire\./);
  // The submitted time in local time, worded in French, never raw UTC.
  const when = await first.locator('time').innerText();
  assert.doesNotMatch(when, /T\d\d:|Z$/);
  assert.match(when, /\d{4}/);
  assert.equal(await first.getByRole('link', { name: oldest.reference }).getAttribute('href'), `#/dossiers/${oldest.id}`);
  assert.equal(await first.getByRole('link', { name: /Weekly MS board, le / }).getAttribute('href'), `#/sessions/${nextSession.id}`);
  await screenshot(page, 'coordinator-01-queue');

  // Schedule the oldest dossier on the next session from the queue.
  await first.getByRole('button', { name: new RegExp(`^Inscrire ${oldest.reference} à la séance du`) }).click();
  await page.locator('#queue-message', { hasText: `${oldest.reference} est inscrit à la séance du` }).waitFor();
  assert.equal(await rows.count(), 1);
  assert.equal(await rows.nth(0).getAttribute('data-dossier-id'), urgent.id);
  const token = await world.rest.login(world.coordinator.email);
  const session = await world.rest.call('GET', `/api/sessions/${nextSession.id}`, token);
  assert.deepEqual(session.agenda.map((a) => a.dossier_id), [oldest.id]);
  assertNoProblems(page);

  // A member coordinates nothing: the page says so.
  const member = await personPage(browser, server);
  await signIn(member, world.specialists[0], { enter: true });
  await member.goto(`${server.url}/#/queue`);
  await member.locator('#queue-none').waitFor();
  await member.goto(`${server.url}/#/reports`);
  await member.locator('#reports-none').waitFor();
  assertNoProblems(member);
});

test('the activity report: figures, the monthly chart and its table, the PDF', async () => {
  const page = await personPage(browser, server, { width: 1000, height: 900 });
  await signIn(page, world.coordinator, { enter: true });
  await page.goto(`${server.url}/#/reports`);
  await page.getByRole('heading', { level: 1, name: 'Rapport d’activité' }).waitFor();
  await page.locator('#report-figures').waitFor();
  const year = new Date().getFullYear();
  assert.equal(await page.locator('#r-year').inputValue(), String(year));
  assert.equal(await page.locator('#r-board').inputValue(), world.board.id);
  assert.match(await page.locator('#fig-received').innerText(), /Dossiers reçus\s+2/);
  assert.match(await page.locator('#fig-decisions').innerText(), /Décisions rendues\s+0/);
  assert.match(await page.locator('#fig-no-quorum').innerText(), /sans quorum\s+0/);
  assert.match(await page.locator('#fig-median').innerText(), /Délai médian[^\n]*\s+—/);

  // The chart: an image with a name, twelve months, this month's bar at 2.
  const chart = page.locator('#report-chart svg');
  assert.equal(await chart.getAttribute('role'), 'img');
  const titleId = await chart.getAttribute('aria-labelledby');
  assert.match(await page.locator(`[id="${titleId}"]`).textContent(), new RegExp(`par mois en ${year}`));
  assert.equal(await chart.locator('g[data-month]').count(), 12);
  const month = `${year}-${String(new Date().getMonth() + 1).padStart(2, '0')}`;
  assert.equal(await chart.locator(`g[data-month="${month}"] rect.chart-received`).getAttribute('data-value'), '2');
  const height = Number(await chart.locator(`g[data-month="${month}"] rect.chart-received`).getAttribute('height'));
  assert.ok(height > 0, 'this month has a visible bar');
  // Its figures as a table, one row a month.
  await page.locator('#report-result details.chart-data > summary', { hasText: 'Données du graphique' }).click();
  assert.equal(await page.locator('#report-months tbody tr').count(), 12);
  assert.match(await page.locator(`#report-months tr[data-month="${month}"]`).innerText(), /2\s+0/);
  // The organisations.
  const orgs = await page.locator('#report-organizations tbody').innerText();
  assert.match(orgs, /CH Annecy\s+1/);
  assert.match(orgs, /CH Chambéry\s+1/);
  await screenshot(page, 'coordinator-02-report');

  // The PDF, fetched with the token and saved.
  const [response, download] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/reports/activity.pdf')),
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Télécharger le PDF' }).click(),
  ]);
  assert.equal(response.status(), 200);
  assert.match(response.url(), new RegExp(`board_id=${world.board.id}.*year=${year}.*locale=fr`));
  const bytes = await readFile(await download.path());
  assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.equal(download.suggestedFilename(), `activite-${year}.pdf`);
  await page.locator('#report-pdf-status', { hasText: 'Rapport téléchargé' }).waitFor();

  // Another year: nothing received.
  await page.locator('#r-year').selectOption(String(year - 1));
  await page.getByRole('button', { name: 'Afficher' }).click();
  await page.locator('#report-h', { hasText: String(year - 1) }).waitFor();
  assert.match(await page.locator('#fig-received').innerText(), /Dossiers reçus\s+0/);
  assert.match(await page.locator('#report-result').innerText(), /Aucun dossier reçu cette année/);
  assertNoProblems(page);
});

test('board settings: an admin shows named ballots to referrers; a bad quorum is refused field by field', async () => {
  const page = await personPage(browser, server, { width: 1000, height: 900 });
  await signIn(page, { email: (await world.rest.call('GET', '/api/me', world.adminToken)).email, password: 'browser-test-password' }, { enter: true });
  await page.goto(`${server.url}/#/boards/${world.board.id}`);
  await page.getByRole('heading', { level: 2, name: 'Paramètres du groupe' }).waitFor();
  const ballots = page.getByLabel('Afficher les votes nominatifs au médecin demandeur');
  assert.equal(await ballots.isChecked(), false, 'off by default');
  assert.match(await page.locator('#board-ballots').innerText(), /réservés aux membres/);
  // The explanation is tied to the box.
  const described = await ballots.getAttribute('aria-describedby');
  assert.match(await page.locator(`[id="${described.split(' ')[0]}"]`).innerText(), /pas qui a voté quoi/);

  await ballots.check();
  await page.getByRole('button', { name: 'Enregistrer les paramètres' }).click();
  await page.locator('#bs-status', { hasText: 'Paramètres enregistrés.' }).waitFor();
  const token = world.adminToken;
  assert.equal((await world.rest.call('GET', `/api/boards/${world.board.id}`, token)).show_ballots_to_referrer, true);
  await page.reload();
  await page.getByRole('heading', { level: 2, name: 'Paramètres du groupe' }).waitFor();
  assert.equal(await page.getByLabel('Afficher les votes nominatifs au médecin demandeur').isChecked(), true);
  assert.match(await page.locator('#board-ballots').innerText(), /visibles par le médecin demandeur/);
  await screenshot(page, 'coordinator-03-board-settings');

  // A bad quorum: every faulty field at once, nothing sent.
  let patches = 0;
  page.on('request', (r) => { if (r.method() === 'PATCH') patches += 1; });
  await page.getByLabel('Nombre minimal de votants').fill('0');
  await page.getByLabel('Nombre minimal de spécialités distinctes').fill('5');
  await page.getByLabel('Spécialités requises').fill('infectiologie\northopédie');
  await page.getByRole('button', { name: 'Enregistrer les paramètres' }).click();
  await page.locator('#bs-summary:not([hidden])').waitFor();
  for (const id of ['bs-min-voters', 'bs-min-specialties', 'bs-required']) {
    assert.equal(await page.locator(`#${id}`).getAttribute('aria-invalid'), 'true', id);
    assert.equal(await page.locator(`#${id}-error`).isVisible(), true, `${id} has its message`);
  }
  assert.match(await page.locator('#bs-min-voters-error').innerText(), /de 1 à 100/);
  assert.match(await page.locator('#bs-min-specialties-error').innerText(), /Pas plus que le nombre minimal de votants/);
  assert.match(await page.locator('#bs-required-error').innerText(), /Plus de spécialités requises que de votants/);
  assert.match(await page.locator('#bs-summary').innerText(), /3 champs sont à corriger/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'bs-min-voters', 'the first faulty field has the focus');
  assert.equal(await page.locator('#bs-name').getAttribute('aria-invalid'), null);
  await screenshot(page, 'coordinator-04-bad-quorum');

  // More required specialties than voters, alone.
  await page.getByLabel('Nombre minimal de votants').fill('1');
  await page.getByLabel('Nombre minimal de spécialités distinctes').fill('1');
  await page.getByRole('button', { name: 'Enregistrer les paramètres' }).click();
  await page.locator('#bs-summary', { hasText: 'Un champ est à corriger' }).waitFor();
  assert.equal(await page.locator('#bs-required').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#bs-min-voters').getAttribute('aria-invalid'), null);
  assert.equal(patches, 0, 'nothing was sent');
  const board = await world.rest.call('GET', `/api/boards/${world.board.id}`, token);
  assert.deepEqual(board.quorum, { min_voters: 3, min_specialties: 3, required_specialties: [] });

  // A good one is saved, and the rule on the page follows.
  await page.getByLabel('Nombre minimal de votants').fill('3');
  await page.getByLabel('Nombre minimal de spécialités distinctes').fill('2');
  await page.getByRole('button', { name: 'Enregistrer les paramètres' }).click();
  await page.locator('#bs-status', { hasText: 'Paramètres enregistrés.' }).waitFor();
  assert.match(await page.locator('#board-rule').innerText(), /infectiologie, orthopédie/);
  const saved = await world.rest.call('GET', `/api/boards/${world.board.id}`, token);
  assert.deepEqual(saved.quorum, { min_voters: 3, min_specialties: 2, required_specialties: ['infectiologie', 'orthopédie'] });
  assertNoProblems(page);

  // A member reads the rule but has no settings.
  const member = await personPage(browser, server);
  await signIn(member, world.specialists[1], { enter: true });
  await member.goto(`${server.url}/#/boards/${world.board.id}`);
  await member.locator('#board-rule').waitFor();
  assert.equal(await member.locator('#board-settings').count(), 0);
  assertNoProblems(member);
});

const LAYOUT_PAGES = () => [
  ['queue', '#/queue', '#coordinator-queue, #queue-count'],
  ['report', '#/reports', '#report-chart'],
  ['board', `#/boards/${world.board.id}`, '#board-settings'],
  ['session', `#/sessions/${nextSession.id}`, '#agenda'],
  ['decisions', '#/decisions', '#decision-results p, #decisions-table'],
  ['boards', '#/boards', '#board-list'],
];

test('queue, report, board, session, decisions and boards pages fit 900 and 390 px without sideways scrolling', { timeout: 120000 }, async () => {
  const page = await personPage(browser, server, { width: 900, height: 900 });
  await signIn(page, world.coordinator, { enter: true });
  for (const width of [900, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const [name, hash, ready] of LAYOUT_PAGES()) {
      await page.goto(`${server.url}/${hash}`);
      await page.locator(ready).first().waitFor();
      const o = await overflow(page);
      assert.equal(o.main, 0, `${name} at ${width} px: main content reaches ${o.main} px past the edge (${o.widest})`);
      assert.deepEqual(o.scrollers, [], `${name} at ${width} px: boxes that scroll sideways`);
      await screenshot(page, `coordinator-05-${name}-${width}`);
    }
  }
  assertNoProblems(page);
});

// The whole page, the app shell's header included (web/app.js, web/style.css, not these pages).
test('the same pages, header included, do not scroll sideways at 900 and 390 px', { timeout: 120000 }, async () => {
  const page = await personPage(browser, server, { width: 900, height: 900 });
  await signIn(page, world.coordinator, { enter: true });
  const problems = [];
  for (const width of [900, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const [name, hash, ready] of LAYOUT_PAGES()) {
      await page.goto(`${server.url}/${hash}`);
      await page.locator(ready).first().waitFor();
      const o = await overflow(page);
      if (o.page > 0) problems.push(`${name} at ${width} px: the page scrolls ${o.page} px sideways (header ${o.header} px, main ${o.main} px)`);
    }
  }
  assert.deepEqual(problems, []);
});
