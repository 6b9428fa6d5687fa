// The board's weekly slot in the board page (issue 14): the coordinator sets Tuesday 17:30,
// sees a bad length refused next to its field, plans eight weeks and finds eight sessions on
// the page, each on a Tuesday at 17:30 Paris time; planning again adds none. A member reads
// the slot but has no form.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { buildWorld } from './lib/world.js';
import { launch, personPage, signIn, screenshot, assertNoProblems } from './lib/browser.js';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.remove();
});

test('the coordinator sets the weekly slot and plans the coming weeks', async () => {
  const world = await buildWorld(server);
  const page = await personPage(browser, server, { width: 900, height: 900 });
  await signIn(page, world.coordinator);
  await page.goto(`${server.url}/#/boards/${world.board.id}`);
  await page.locator('#schedule-summary').waitFor();
  assert.match(await page.locator('#schedule-summary').textContent(), /Aucun créneau/);
  assert.equal(await page.locator('#plan-button').isDisabled(), true, 'nothing to plan from yet');

  await page.locator('#sch-weekday').selectOption('tuesday');
  await page.locator('#sch-time').fill('17:30');
  await page.locator('#sch-duration').fill('5');
  await page.locator('#sch-save').click();
  // Refused in the page, next to the field, before anything is sent.
  await page.locator('#sch-duration[aria-invalid="true"]').waitFor();
  await page.locator('#sch-duration').fill('120');
  await page.locator('#sch-video').fill('https://visio.example.org/crioac');
  await page.locator('#sch-save').click();
  await page.getByText('Créneau enregistré.').waitFor();
  assert.match(await page.locator('#schedule-summary').textContent(), /mardi à 17:30 \(120 min/);

  await page.locator('#plan-weeks').fill('8');
  await page.locator('#plan-button').click();
  // The page reloads with the sessions.
  await page.locator('#sessions li').nth(7).waitFor();
  assert.equal(await page.locator('#sessions li').count(), 8);
  await screenshot(page, 'schedule-planned');

  const token = await world.rest.login(world.coordinator.email);
  const sessions = await world.rest.call('GET', `/api/boards/${world.board.id}/sessions`, token);
  assert.equal(sessions.items.length, 8);
  const paris = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Paris', weekday: 'long', hour: '2-digit', minute: '2-digit',
  });
  for (const s of sessions.items) {
    assert.equal(paris.format(new Date(s.scheduled_at)), 'Tuesday 17:30', s.scheduled_at);
    assert.equal(s.duration_minutes, 120);
    assert.equal(s.video_url, 'https://visio.example.org/crioac');
  }

  // Again: nothing new, and the page says so.
  await page.locator('#plan-weeks').fill('8');
  await page.locator('#plan-button').click();
  await page.getByText('aucune n’a été ajoutée').waitFor();
  const again = await world.rest.call('GET', `/api/boards/${world.board.id}/sessions`, token);
  assert.equal(again.items.length, 8);

  // A member reads the slot, without the forms.
  const member = await personPage(browser, server, { width: 900, height: 900 });
  await signIn(member, world.specialists[0]);
  await member.goto(`${server.url}/#/boards/${world.board.id}`);
  await member.locator('#schedule-summary').waitFor();
  assert.match(await member.locator('#schedule-summary').textContent(), /mardi à 17:30/);
  assert.equal(await member.locator('#sch-save').count(), 0);
  assert.equal(await member.locator('#plan-button').count(), 0);
  assertNoProblems(page);
  assertNoProblems(member);
});
