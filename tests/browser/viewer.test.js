// The image viewer (issue 13) in two browsers at 900 × 700, as beside a video call: the chair
// presents a DICOM series in the live room and the member's viewer follows within a second;
// the member detaches (the chair's scrolling no longer moves their picture), follows again and
// jumps to the chair's frame; marks a key image; keeps their own window while following; the
// chair hands the presentation over. Also the dossier page's "Voir".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { buildWorld, submittedDossier, sessionWith } from './lib/world.js';
import { launch, personPage, signIn, screenshot, assertNoProblems } from './lib/browser.js';
import { dicomSeriesZip, markerX, MARKER, MARKER_Y } from './lib/dicom-series.js';

const SLICES = 10;
const FOLLOW_MS = 1000;

let server;
let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
});

async function uploadSeries(world, dossierId) {
  const token = await world.rest.login(world.referrer.email);
  const { zip } = dicomSeriesZip({ slices: SLICES });
  const form = new FormData();
  form.append('file', new Blob([zip], { type: 'application/zip' }), 'irm-flair.zip');
  const res = await fetch(`${server.url}/api/dossiers/${dossierId}/attachments`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form,
  });
  assert.equal(res.status, 201, await res.clone().text());
  return { attachment: await res.json(), token };
}

async function person(user) {
  const page = await personPage(browser, server, { width: 900, height: 700 });
  await signIn(page, user);
  return page;
}

/** The frame number the viewer says is on screen (set once the picture has loaded). */
async function frameOf(page) {
  return Number(await page.locator('.viewer-image').getAttribute('data-frame'));
}

async function waitFrame(page, n, timeout = 10000) {
  await page.locator(`.viewer-image[data-frame="${n}"]`).waitFor({ timeout });
}

/**
 * What the pixels on screen say: the slice whose bright square they show, and a checksum. The
 * picture is drawn on a canvas (its blob URL is this origin's, so the canvas can be read).
 */
async function pixels(page) {
  return page.locator('.viewer-image').evaluate((img, { markerY, side }) => {
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    for (let i = 0; i < data.length; i += 4) sum = (sum * 31 + data[i]) % 1000000007;
    const row = Math.floor((markerY + side / 2) * (height / 64));
    let first = -1;
    for (let x = 0; x < width; x += 1) {
      if (data[(row * width + x) * 4] > 200) { first = x; break; }
    }
    return { sum, markerColumn: first < 0 ? -1 : Math.round(first * (64 / width)) };
  }, { markerY: MARKER_Y, side: MARKER });
}

async function assertShowsSlice(page, n) {
  const { markerColumn } = await pixels(page);
  assert.equal(markerColumn, markerX(n), `the picture shows slice ${n}'s marker`);
}

async function noHorizontalScroll(page) {
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `no horizontal scroll at 900 px (${scroll} > ${client})`);
}

test('the member follows the presenter, detaches, follows again; key images; hand-over', { timeout: 240000 }, async () => {
  server = await startServer();
  const world = await buildWorld(server);
  const dossier = await submittedDossier(world, 'Suspicion de SEP, IRM de suivi');
  const { attachment, token } = await uploadSeries(world, dossier.id);
  const session = await sessionWith(world, [dossier.id]);
  const roomUrl = `${server.url}/#/sessions/${session.id}/live`;

  // The series as the API gives it: every slice, ordered by position.
  const series = await world.rest.call('GET', `/api/attachments/${attachment.id}/series`, token);
  assert.equal(series.items.length, 1);
  assert.equal(series.items[0].frames, SLICES);
  assert.equal(series.items[0].modality, 'MR');

  // --- The chair focuses the dossier: the viewer shows the series' first frame.
  const chair = await person(world.coordinator);
  await chair.goto(roomUrl);
  await chair.locator('#room-status[data-state="open"]', { hasText: 'Connecté' }).waitFor();
  await chair.getByRole('button', { name: /^Examiner RCP-/ }).click();
  await waitFrame(chair, 0);
  await chair.locator('#follow-status', { hasText: 'Vous présentez' }).waitFor();
  await chair.locator('.viewer-counter', { hasText: `Image 1 / ${SLICES}` }).waitFor();
  await assertShowsSlice(chair, 0);

  // --- The member joins and follows the chair.
  const member = await person(world.specialists[0]);
  await member.goto(roomUrl);
  await member.locator('#room-status[data-state="open"]', { hasText: 'Connecté' }).waitFor();
  await waitFrame(member, 0);
  await member.locator('#follow-status', { hasText: `Vous suivez ${world.coordinator.name}` }).waitFor();
  const before0 = await pixels(member);

  // --- The chair scrolls with the keys and the wheel; the member's picture follows within a second.
  await chair.locator('.viewer-stage').focus();
  for (let i = 0; i < 3; i += 1) await chair.keyboard.press('ArrowDown');
  const stage = await chair.locator('.viewer-stage').boundingBox();
  await chair.mouse.move(stage.x + stage.width / 2, stage.y + stage.height / 2);
  await chair.mouse.wheel(0, 100);
  await chair.mouse.wheel(0, 100);
  await waitFrame(chair, 5);
  await waitFrame(member, 5, FOLLOW_MS);
  const after5 = await pixels(member);
  assert.notEqual(after5.sum, before0.sum, 'the member\'s pixels changed');
  await assertShowsSlice(member, 5);
  await member.locator('.viewer-counter', { hasText: `Image 6 / ${SLICES}` }).waitFor();

  // --- The member detaches: the chair goes on, the member's frame stays.
  await member.getByRole('button', { name: 'Détacher' }).click();
  await member.locator('#follow-status[data-mode="detached"]').waitFor();
  assert.equal(await member.getByRole('button', { name: 'Détacher' }).count(), 0, 'only the way back is offered');
  await chair.keyboard.press('End');
  await waitFrame(chair, SLICES - 1);
  await member.locator('#follow-status', { hasText: 'a changé d’image depuis' }).waitFor({ timeout: 5000 });
  await member.waitForTimeout(500);
  assert.equal(await frameOf(member), 5, 'a detached member stays where they were');
  await assertShowsSlice(member, 5);
  await screenshot(chair, '20-viewer-chair-presenting');
  await screenshot(member, '21-viewer-member-detached');

  // --- Following again jumps to the chair's frame.
  await member.getByRole('button', { name: 'Suivre à nouveau' }).click();
  await waitFrame(member, SLICES - 1, FOLLOW_MS);
  await assertShowsSlice(member, SLICES - 1);
  await member.locator('#follow-status', { hasText: `Vous suivez ${world.coordinator.name}` }).waitFor();
  assert.equal(await member.getByRole('slider', { name: 'Position dans la série' }).getAttribute('aria-valuetext'), `Image ${SLICES} / ${SLICES}`);
  for (const page of [chair, member]) await noHorizontalScroll(page);

  // --- A key image: the member marks the frame on screen with a note; everyone sees it.
  await member.getByRole('button', { name: 'Image clé' }).click();
  await member.getByLabel('Note (facultative, 500 caractères au plus)').fill('Nouvelle lésion T2 périventriculaire');
  await member.getByRole('button', { name: 'Enregistrer l’image clé' }).click();
  for (const page of [chair, member]) {
    await page.locator(`#key-images li[data-frame="${SLICES - 1}"]`, { hasText: 'Nouvelle lésion T2 périventriculaire' }).waitFor();
  }

  // --- The member chooses their own window and still follows the frames.
  const boneFrame = member.waitForRequest((r) => /\/frames\/\d+\?(.*&)?preset=bone/.test(r.url()));
  await member.getByRole('combobox', { name: 'Fenêtrage' }).selectOption({ label: 'Os' });
  await boneFrame;
  await member.locator('#follow-status[data-mode="following"]').waitFor();
  await chair.keyboard.press('ArrowUp');
  await waitFrame(member, SLICES - 2, FOLLOW_MS);
  assert.equal(await member.getByRole('combobox', { name: 'Fenêtrage' }).inputValue(), 'bone', 'the member keeps their window');

  // --- The chair hands the presentation to the member, who now leads.
  await chair.getByLabel('Présentateur').selectOption({ label: world.specialists[0].name });
  await chair.getByRole('button', { name: 'Passer la présentation' }).click();
  await member.locator('#follow-status', { hasText: 'Vous présentez' }).waitFor();
  await chair.locator('#follow-status', { hasText: `Vous suivez ${world.specialists[0].name}` }).waitFor();
  assert.equal(await member.getByRole('button', { name: /^(Détacher|Suivre à nouveau)$/ }).count(), 0, 'the presenter follows nobody');
  await chair.getByRole('button', { name: 'Détacher' }).waitFor();
  await member.locator('.viewer-stage').focus();
  await member.keyboard.press('Home');
  await waitFrame(chair, 0, FOLLOW_MS);
  await assertShowsSlice(chair, 0);
  await member.getByRole('button', { name: 'Zoom avant' }).click();
  await chair.locator('.viewer-zoom-level', { hasText: 'Zoom 125 %' }).waitFor({ timeout: FOLLOW_MS });
  for (const page of [chair, member]) await noHorizontalScroll(page);
  await screenshot(member, '22-viewer-member-presenting');
  await screenshot(chair, '23-viewer-chair-following');

  for (const page of [chair, member]) assertNoProblems(page);
});

test('the dossier page opens the viewer from a DICOM attachment', { timeout: 120000 }, async () => {
  if (!server) server = await startServer();
  const world = await buildWorld(server);
  const dossier = await submittedDossier(world, 'IRM médullaire');
  await uploadSeries(world, dossier.id);

  const referrer = await person(world.referrer);
  await referrer.goto(`${server.url}/#/dossiers/${dossier.id}`);
  await referrer.getByRole('button', { name: 'Voir les images de irm-flair.zip' }).click();
  await waitFrame(referrer, 0);
  await assertShowsSlice(referrer, 0);
  await referrer.locator('.viewer-stage').focus();
  await referrer.keyboard.press('PageDown');
  await waitFrame(referrer, 1);
  await referrer.getByRole('button', { name: 'Image suivante' }).click();
  await waitFrame(referrer, 2);
  await assertShowsSlice(referrer, 2);
  await noHorizontalScroll(referrer);
  await screenshot(referrer, '24-viewer-dossier-page');
  await referrer.getByRole('button', { name: 'Fermer la visionneuse' }).click();
  await referrer.locator('#viewer-section').waitFor({ state: 'detached' });
  assertNoProblems(referrer);
});
