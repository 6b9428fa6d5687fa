// The viewer's rules that need no browser, run by node on the page modules themselves: who
// follows whom and how often the presenter sends (web/viewer/follow.js), and how frames are
// fetched, prefetched, aborted and revoked (web/viewer/frames.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { followState } from '../../web/viewer/follow.js';
import { FrameLoader, framePath } from '../../web/viewer/frames.js';

function fakeTime() {
  let now = 0;
  let timers = [];
  return {
    clock: { now: () => now },
    timers: {
      setTimeout(fn, ms) { const t = { fn, at: now + ms }; timers.push(t); return t; },
      clearTimeout(t) { timers = timers.filter((x) => x !== t); },
    },
    advance(ms) {
      now += ms;
      for (const t of timers.filter((x) => x.at <= now)) {
        timers = timers.filter((x) => x !== t);
        t.fn();
      }
    },
  };
}

function harness({ youId = 'me', chair = false, presenterId = null } = {}) {
  const time = fakeTime();
  const sent = [];
  const shown = [];
  const follow = followState({
    send: (v) => sent.push(v),
    apply: (v, opts) => { shown.push({ v, opts }); return true; },
    clock: time.clock,
    timers: time.timers,
  });
  follow.welcome({ youId, chair, presenterId, view: null });
  return { follow, sent, shown, time };
}

const view = (frame, extra = {}) => ({ attachment_id: 'a', series_uid: '1.2', frame, zoom: 1, center: [32, 32], preset: 'default', ...extra });

test('the presenter sends at most one view per 100 ms, and always the last one', () => {
  const { follow, sent, time } = harness({ chair: true });
  assert.ok(follow.presenting(), 'the chair presents while nobody was named');
  for (let i = 0; i < 30; i += 1) {
    follow.local(view(i), 'frame');
    time.advance(10);
  }
  time.advance(200);
  assert.ok(sent.length <= 4 && sent.length >= 3, `about 10 a second: ${sent.length} in 300 ms`);
  assert.equal(sent[0].frame, 0, 'the first goes at once');
  assert.equal(sent[sent.length - 1].frame, 29, 'the last one is never dropped');
});

test('a follower shows views, detaches, keeps the latest, and jumps to it when following again', () => {
  const { follow, shown, sent } = harness({ youId: 'member', presenterId: 'chair' });
  assert.ok(!follow.presenting());
  follow.incoming({ ...view(3), by: { id: 'chair', name: 'Dr C' } });
  assert.equal(shown.at(-1).v.frame, 3);
  follow.detach();
  follow.incoming(view(7));
  follow.incoming(view(8));
  assert.equal(shown.at(-1).v.frame, 3, 'nothing shown while detached');
  assert.ok(follow.state.unseen);
  follow.follow();
  assert.equal(shown.at(-1).v.frame, 8, 'the latest view on following again');
  // Moving on one's own detaches; a window of one's own does not, and is kept.
  follow.local(view(2), 'window');
  assert.ok(follow.state.following && follow.state.ownWindow);
  follow.incoming(view(9, { preset: 'brain' }));
  assert.deepEqual(shown.at(-1).opts, { keepWindow: true });
  follow.local(view(4), 'frame');
  assert.ok(!follow.state.following, 'scrolling alone detaches');
  assert.equal(sent.length, 0, 'a follower never sends views');
});

test('the hand-over makes the new presenter lead and the old one follow', () => {
  const { follow, sent } = harness({ youId: 'chair', chair: true });
  follow.local(view(1), 'frame');
  assert.equal(sent.length, 1);
  assert.equal(follow.presenter('member'), false, 'the chair no longer presents');
  assert.ok(!follow.presenting() && follow.state.following);
  follow.local(view(2), 'frame');
  assert.equal(sent.length, 1);
  assert.equal(follow.presenter('chair'), true, 'named again: presents again');
});

test('frames: the one asked for first, neighbours within the radius, bounded in flight, far ones aborted', async () => {
  globalThis.sessionStorage = { getItem: () => 'token' };
  const requests = [];
  globalThis.fetch = (path, { signal }) => new Promise((resolve, reject) => {
    const r = { path, signal, resolve: () => resolve(new Response(new Uint8Array([1, 2, 3]))) };
    requests.push(r);
    signal.addEventListener('abort', () => { const e = new Error('aborted'); e.name = 'AbortError'; reject(e); });
  });
  const loader = new FrameLoader({ radius: 5, maxInFlight: 3, keep: 8 });
  loader.setSource({ attachmentId: 'a', seriesUid: '1.2', frames: 100, window: { preset: 'bone' }, size: 512 });
  const first = loader.load(0);
  loader.focus(0);
  assert.equal(requests[0].path, framePath('a', '1.2', 0, { window: { preset: 'bone' }, size: 512 }));
  assert.match(requests[0].path, /frames\/0\?preset=bone&size=512$/);
  assert.equal(requests.length, 4, 'the frame shown, and 3 prefetches in flight');
  requests[0].resolve();
  assert.match(await first, /^blob:/);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(requests.length, 4, 'the frame shown took no prefetch slot');
  requests[1].resolve();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(requests.length, 5, 'a finished prefetch lets the next one go');
  loader.focus(60);
  const aborted = requests.filter((r) => r.signal.aborted);
  assert.equal(aborted.length, 3, 'the requests near frame 0 are aborted');
  const near60 = requests.slice(5).map((r) => Number(/frames\/(\d+)/.exec(r.path)[1]));
  assert.deepEqual(near60, [61, 59, 62], 'then the neighbours of 60, nearest first, in the direction of travel');
  loader.destroy();
});
