// « Depuis le PACS » on the dossier page, against a real PACS (Debian's Orthanc with its DICOMweb
// plugin, lib/orthanc.js): the referrer finds a study by patient ID (the patient's name shown,
// kept nowhere), imports one series then the whole study, the progress bar ending and the new
// imaging attachments listed; a search without a filter, and one the server refuses, told in
// French in an alert; axe-core on the panel with results and an import shown; no sideways
// scrolling at 390 px; and, through a proxy that slows or breaks the PACS, the bar moving, an
// import cancelled (nothing kept) and the PACS's failures in words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startServer } from './lib/server.js';
import { buildWorld } from './lib/world.js';
import { launch, personPage, screenshot, assertNoProblems, signInByApi, assertNoSidewaysScroll } from './lib/browser.js';
import { startOrthanc, pacsStudy, pacsProxy } from './lib/orthanc.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const PATIENT_ID = 'PID-7731904';

let pacs;
let study;
let server;
let world;
let browser;

before(async () => {
  pacs = await startOrthanc();
  study = await pacs.load(pacsStudy({ series: [{ description: 'T2 axial', instances: 24 }, { description: 'FLAIR', instances: 20 }] }));
  // Another patient's study, which a search by patient ID must not list.
  await pacs.load(pacsStudy({ patientName: 'MARTIN^LUC', patientId: 'PID-0000001', series: [{ description: 'T1', instances: 2 }] }));
  server = await startServer({ env: { CONSILIUM_DICOMWEB_URL: pacs.dicomWeb, CONSILIUM_DICOMWEB_AUTH: pacs.auth } });
  world = await buildWorld(server);
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
  if (pacs) await pacs.stop();
});

/** A draft of the referrer's (through the API), opened in a new page of theirs. */
async function draftPage(srv = server, wld = world, { width = 1000, height = 900, bypassCSP = false } = {}) {
  const token = await wld.rest.login(wld.referrer.email);
  const title = `IRM de suivi ${Math.random().toString(36).slice(2, 7)}`;
  const dossier = await wld.rest.call('POST', '/api/dossiers', token, {
    board_id: wld.board.id, title, patient: { pseudonym: `PSN-${Math.random().toString(36).slice(2, 8)}` }, question: '',
  });
  const page = bypassCSP
    ? await (await browser.newContext({ viewport: { width, height }, bypassCSP: true })).newPage()
    : await personPage(browser, srv, { width, height });
  await signInByApi(page, srv.url, wld.referrer, { landing: `#/dossiers/${dossier.id}`, heading: null });
  await page.getByRole('heading', { name: new RegExp(title) }).waitFor();
  await page.locator('#pacs-panel').waitFor();
  return { page, dossier, token, rest: wld.rest };
}

async function searchPatient(page, id = PATIENT_ID) {
  await page.getByLabel('Identifiant patient').fill(id);
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.locator('#pacs-found', { hasText: /examens? trouvés?/ }).waitFor();
}

/** Records the values the progress bar goes through. */
async function watchProgress(page) {
  await page.evaluate(() => {
    const bar = document.getElementById('pacs-progress');
    window.progressSeen = [];
    new MutationObserver(() => window.progressSeen.push({ value: bar.value, max: bar.max, set: bar.hasAttribute('value') }))
      .observe(bar, { attributes: true });
  });
}

const names = async (page) => page.locator('table.attachments .att-name').allInnerTexts();

test('the referrer finds the study by patient ID, imports one series, then the whole study', { timeout: 120000 }, async () => {
  const { page, dossier, token, rest } = await draftPage();
  const panel = page.getByRole('region', { name: 'Depuis le PACS' });
  assert.ok((await panel.locator('#pacs-intro').innerText()).includes(`(${pacs.url})`), 'the PACS is named');
  await searchPatient(page);
  assert.equal(await page.locator('#pacs-found').innerText(), '1 examen trouvé.');
  const item = page.locator('.pacs-study');
  assert.equal(await item.count(), 1);
  assert.match(await item.locator('h4').innerText(), /^15 novembre 2026 — IRM encephalique$/);
  assert.equal(await item.locator('.pacs-patient').innerText(), `DUPONT MARIE — ID ${PATIENT_ID}`);
  const t2 = page.getByRole('checkbox', { name: 'MR — T2 axial — 24 images' });
  const flair = page.getByRole('checkbox', { name: 'MR — FLAIR — 20 images' });
  const all = page.getByRole('checkbox', { name: 'Tout sélectionner' });
  const ticked = (box) => box.evaluate((el) => el.checked);
  for (const box of [t2, flair, all]) assert.equal(await ticked(box), true);
  await screenshot(page, 'pacs-01-results');

  // The patient's identity is on screen only: not in the address, nor in the browser's storage.
  const kept = await page.evaluate(() => JSON.stringify([location.href, { ...localStorage }, { ...sessionStorage }]));
  for (const secret of [PATIENT_ID, 'DUPONT']) assert.ok(!kept.includes(secret), `${secret} is kept by the page`);

  // One series: FLAIR unticked, « Tout sélectionner » half-ticked.
  await flair.uncheck();
  assert.equal(await ticked(all), false);
  assert.equal(await all.evaluate((el) => el.indeterminate), true);
  await watchProgress(page);
  const [first] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/dossiers/${dossier.id}/imports`)),
    page.getByRole('button', { name: 'Importer la sélection' }).click(),
  ]);
  assert.deepEqual(first.postDataJSON(), { study_uid: study.studyUid, series_uids: [study.series[0].seriesUid] });
  const status = page.locator('#pacs-import-status');
  await status.filter({ hasText: 'Import terminé : 1 pièce jointe ajoutée au dossier.' }).waitFor({ timeout: 60000 });
  const bar = page.getByRole('progressbar', { name: 'Progression de l’import' });
  assert.equal(await bar.evaluate((el) => [el.value, el.max].join('/')), '24/24');
  assert.match(await page.locator('#pacs-progress-text').innerText(), /^24 images sur 24 \(\d+(,\d)?\sko\)$/);
  const seen = await page.evaluate(() => window.progressSeen);
  assert.ok(seen.length > 0 && seen.at(-1).value === 24, `the bar ends full: ${JSON.stringify(seen)}`);
  assert.equal(await page.locator('#pacs-cancel').isVisible(), false, '« Annuler » goes once it has ended');
  await page.locator('table.attachments .att-name', { hasText: 'pacs-MR-series-1.zip' }).waitFor();
  assert.deepEqual(await names(page), ['pacs-MR-series-1.zip']);
  let saved = (await rest.dossier(dossier.id, token)).attachments;
  assert.equal(saved.length, 1);
  assert.equal(saved[0].kind, 'imaging');
  assert.equal(saved[0].dicom && saved[0].dicom.instances, 24);
  assert.doesNotMatch(await page.locator('table.attachments').innerText(), /DUPONT|PID-7731904/, 'de-identified on import');
  await screenshot(page, 'pacs-02-series-imported');

  // The whole study: no series named, two more attachments.
  const [second] = await Promise.all([
    page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/api/dossiers/${dossier.id}/imports`)),
    page.getByRole('button', { name: 'Importer l’examen entier' }).click(),
  ]);
  assert.deepEqual(second.postDataJSON(), { study_uid: study.studyUid });
  await status.filter({ hasText: 'Import terminé : 2 pièces jointes ajoutées au dossier.' }).waitFor({ timeout: 60000 });
  assert.equal(await bar.evaluate((el) => [el.value, el.max].join('/')), '44/44');
  await page.locator('table.attachments tbody tr').nth(2).waitFor();
  assert.deepEqual((await names(page)).sort(), ['pacs-MR-series-1.zip', 'pacs-MR-series-1.zip', 'pacs-MR-series-2.zip']);
  saved = (await rest.dossier(dossier.id, token)).attachments;
  assert.deepEqual(saved.map((a) => a.dicom && a.dicom.instances).sort(), [20, 24, 24]);
  await screenshot(page, 'pacs-03-study-imported');
  assertNoProblems(page);
  await page.context().close();
});

test('a search without a filter, and one the server refuses, are told in French; the page stays usable', { timeout: 90000 }, async () => {
  const { page } = await draftPage();
  const searches = [];
  page.on('request', (r) => { if (r.url().includes('/api/pacs/studies')) searches.push(r.url()); });
  const alert = page.locator('#pacs-error[role="alert"]'); // the search's alert
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await alert.filter({ hasText: 'Indiquez au moins un critère de recherche' }).waitFor();
  assert.equal(searches.length, 0, 'nothing asked of the PACS without a filter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'pacs-patient-id');

  // A wildcard: the server's 400, at its field, in French.
  await page.getByLabel('Identifiant patient').fill('DUP*');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await alert.filter({ hasText: 'Identifiant patient : Sans joker' }).waitFor();
  assert.equal(searches.length, 1);
  assert.equal(await page.locator('#pacs-patient-id').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#pacs-patient-id-error').innerText(), /Sans joker \(\* ou \?\)/);
  // A period the wrong way round, caught in the page.
  await page.getByLabel('Du', { exact: true }).fill('2026-12-01');
  await page.getByLabel('Au', { exact: true }).fill('2026-11-01');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await alert.filter({ hasText: 'Date de l’examen : La date de début est postérieure à la date de fin.' }).waitFor();
  assert.equal(searches.length, 1);
  await screenshot(page, 'pacs-04-bad-search');

  // Still usable: a good search clears the errors and lists the study.
  await page.getByLabel('Du', { exact: true }).fill('2026-11-15');
  await page.getByLabel('Au', { exact: true }).fill('2026-11-15');
  await page.getByLabel('Modalité', { exact: true }).selectOption('MR');
  await searchPatient(page);
  assert.equal(await alert.isVisible(), false);
  assert.equal(await page.locator('#pacs-patient-id').getAttribute('aria-invalid'), null);
  assert.match(searches.at(-1), /study_date=20261115(&|$)/);
  assert.match(searches.at(-1), /modality=MR/);
  assert.equal(await page.locator('.pacs-study').count(), 1);
  assertNoProblems(page);
  await page.context().close();
});

/** axe-core on the panel; every violation fails (the panel is new: no known debt). */
async function axePanel(page, name) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => (await window.axe.run({ include: ['#pacs-panel'] }, { resultTypes: ['violations'] }))
    .violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
  assert.deepEqual(violations, [], `axe on the PACS panel (${name})`);
}

test('axe-core finds nothing on the panel with results and an import shown; it works from the keyboard', { timeout: 90000 }, async () => {
  const { page } = await draftPage(server, world, { bypassCSP: true });
  // From the keyboard: the patient ID, Enter to search, Space on « Tout sélectionner ».
  await page.locator('#pacs-patient-id').focus();
  await page.keyboard.type(PATIENT_ID);
  await page.keyboard.press('Enter');
  await page.locator('.pacs-study').waitFor();
  await axePanel(page, 'results');
  await page.getByRole('checkbox', { name: 'Tout sélectionner' }).focus();
  await page.keyboard.press('Space');
  assert.equal(await page.locator('.pacs-series input[type="checkbox"]:checked').count(), 0);
  await page.getByRole('button', { name: 'Importer la sélection' }).press('Enter');
  await page.locator('#pacs-error', { hasText: 'Cochez au moins une série' }).waitFor();
  await page.getByRole('checkbox', { name: 'MR — FLAIR — 20 images' }).press('Space');
  await page.getByRole('button', { name: 'Importer la sélection' }).press('Enter');
  await page.locator('#pacs-import-status', { hasText: 'Import terminé' }).waitFor({ timeout: 60000 });
  await axePanel(page, 'import done');
  await screenshot(page, 'pacs-05-axe');
  await page.context().close();
});

test('no sideways scrolling at 390 px, with results and an import shown', { timeout: 90000 }, async () => {
  const { page } = await draftPage(server, world, { width: 390, height: 844 });
  await assertNoSidewaysScroll(page, 'the dossier page with the PACS panel at 390 px');
  await searchPatient(page);
  await assertNoSidewaysScroll(page, 'the studies found at 390 px');
  await page.getByRole('button', { name: 'Importer l’examen entier' }).click();
  await page.locator('#pacs-import-status', { hasText: 'Import terminé' }).waitFor({ timeout: 60000 });
  await assertNoSidewaysScroll(page, 'the import done at 390 px');
  await screenshot(page, 'pacs-06-390px');
  assertNoProblems(page);
  await page.context().close();
});

test('through a slow then failing PACS: the bar moves, « Annuler » keeps nothing, failures in words', { timeout: 150000 }, async () => {
  const proxy = await pacsProxy(pacs);
  const srv = await startServer({ env: { CONSILIUM_DICOMWEB_URL: proxy.dicomWeb, CONSILIUM_DICOMWEB_AUTH: pacs.auth } });
  try {
    const wld = await buildWorld(srv);
    const { page, dossier, token, rest } = await draftPage(srv, wld);
    const alert = page.locator('#pacs-error[role="alert"]'); // the search's alert
    proxy.mode = 'fail-search';
    await page.getByLabel('Identifiant patient').fill(PATIENT_ID);
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await alert.filter({ hasText: /^Le PACS \(http:\/\/127\.0\.0\.1:\d+\) a répondu par une erreur \(503\)\. Réessayez dans un moment\.$/ }).waitFor();

    proxy.mode = 'slow';
    await searchPatient(page);
    await page.getByRole('checkbox', { name: 'MR — FLAIR — 20 images' }).uncheck();
    await watchProgress(page);
    await page.getByRole('button', { name: 'Importer la sélection' }).click();
    const cancel = page.getByRole('button', { name: 'Annuler', exact: true });
    await cancel.waitFor();
    await page.waitForFunction(() => window.progressSeen.some((p) => p.set && p.value > 0 && p.value < p.max), null, { timeout: 30000 });
    assert.match(await page.locator('#pacs-progress-text').innerText(), /^\d+ images? sur 24 \(/);
    await screenshot(page, 'pacs-07-slow-import');
    // A reload finds the import still under way and follows it again.
    await page.reload();
    await cancel.waitFor();
    await page.locator('#pacs-progress-text', { hasText: / sur 24 / }).waitFor();
    await cancel.click();
    await page.locator('#pacs-import-status', { hasText: 'Import annulé : rien n’a été conservé.' }).waitFor();
    assert.equal(await cancel.isVisible(), false);
    await page.waitForTimeout(3000); // the runner notices, and removes what it made
    assert.deepEqual((await rest.dossier(dossier.id, token)).attachments, []);
    assert.equal(await page.locator('table.attachments').count(), 0);

    proxy.mode = 'fail-retrieve';
    await searchPatient(page); // the reload emptied the results
    await page.getByRole('button', { name: 'Importer l’examen entier' }).click();
    // Told where the import is shown, in the alert of the progress area.
    await page.locator('#pacs-import [role="alert"]').filter({ hasText: /^L’import a échoué : le PACS \(http:\/\/127\.0\.0\.1:\d+\) a répondu par une erreur \(503\)\. Rien n’a été conservé de cet import\.$/ }).waitFor({ timeout: 60000 });
    await screenshot(page, 'pacs-08-import-failed');
    assert.deepEqual((await rest.dossier(dossier.id, token)).attachments, []);
    // The search's 502 is what this test asked for; the browser logs it.
    page.problems.splice(0, page.problems.length, ...page.problems.filter((p) => !/status of 502/.test(p)));
    assertNoProblems(page);
    await page.context().close();
  } finally {
    await srv.remove();
    await proxy.close();
  }
});
