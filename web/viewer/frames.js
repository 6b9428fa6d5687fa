// Rendered frames of a series as object URLs (API.md section 11): the frame asked for first,
// then its neighbours, with a bounded number of requests in flight; requests that the reader has
// scrolled far away from are aborted, and the URLs of frames far from the current one revoked.
import { fetchBlob } from '../api.js';

/** The path of a frame's PNG. `window` is `{preset}` or `{wc, ww}`; `size` the longest edge. */
export function framePath(attachmentId, seriesUid, n, { window = {}, size } = {}) {
  const q = new URLSearchParams();
  if (window.wc !== undefined && window.ww !== undefined) {
    q.set('wc', String(window.wc));
    q.set('ww', String(window.ww));
  } else if (window.preset && window.preset !== 'default') {
    q.set('preset', window.preset);
  }
  if (size) q.set('size', String(size));
  const s = q.toString();
  return `/api/attachments/${encodeURIComponent(attachmentId)}/series/${encodeURIComponent(seriesUid)}/frames/${n}${s ? `?${s}` : ''}`;
}

/** A thumbnail (or any single frame) as an object URL; the caller revokes it. */
export async function frameUrl(path, signal) {
  return URL.createObjectURL(await fetchBlob(path, { signal }));
}

function abortError() {
  const err = new Error('aborted');
  err.name = 'AbortError';
  return err;
}

export class FrameLoader {
  /**
   * `radius`: neighbours prefetched each side; `maxInFlight`: concurrent prefetches (the frame
   * shown may go one over); `keep`: object URLs kept at most.
   */
  constructor({ radius = 5, maxInFlight = 3, keep = 32 } = {}) {
    this.radius = radius;
    this.maxInFlight = maxInFlight;
    this.keep = keep;
    this.source = null; // { attachmentId, seriesUid, frames, window, size }
    this.sourceKey = '';
    this.current = 0;
    this.direction = 1;
    this.ready = new Map(); // key → { url, sourceKey, n }
    this.inFlight = new Map(); // key → { n, controller, promise }
    this.wanted = []; // frame numbers of the current source still to fetch
    this.pinned = null; // the URL on screen: never revoked while shown
  }

  /** Switches series, window or size; requests for the old source are aborted. */
  setSource(source) {
    const key = JSON.stringify([source.attachmentId, source.seriesUid, source.window || {}, source.size || 0]);
    if (key === this.sourceKey) return;
    this.source = source;
    this.sourceKey = key;
    for (const entry of this.inFlight.values()) entry.controller.abort();
    this.inFlight.clear();
    this.wanted = [];
  }

  keyOf(n) { return `${this.sourceKey}#${n}`; }

  /** The frame `n` of the current source: resolves with its object URL. */
  load(n) {
    const key = this.keyOf(n);
    const hit = this.ready.get(key);
    if (hit) return Promise.resolve(hit.url);
    const running = this.inFlight.get(key);
    if (running) {
      running.prefetch = false; // now wanted on screen: it no longer holds a prefetch slot
      return running.promise;
    }
    this.wanted = this.wanted.filter((k) => k !== n);
    return this.start(n, false).promise;
  }

  /** Makes `n` the current frame: aborts far requests, queues its neighbours, nearest first. */
  focus(n) {
    if (!this.source) return;
    if (n !== this.current) this.direction = n > this.current ? 1 : -1;
    this.current = n;
    const far = this.radius * 2;
    for (const [key, entry] of this.inFlight) {
      if (Math.abs(entry.n - n) > far) {
        entry.controller.abort();
        this.inFlight.delete(key);
      }
    }
    const order = [];
    for (let d = 1; d <= this.radius; d += 1) {
      order.push(n + d * this.direction, n - d * this.direction);
    }
    this.wanted = order.filter((k) => k >= 0 && k < this.source.frames
      && !this.ready.has(this.keyOf(k)) && !this.inFlight.has(this.keyOf(k)));
    this.pump();
  }

  prefetching() {
    let count = 0;
    for (const entry of this.inFlight.values()) if (entry.prefetch) count += 1;
    return count;
  }

  pump() {
    while (this.wanted.length && this.prefetching() < this.maxInFlight) {
      const n = this.wanted.shift();
      this.start(n, true).promise.catch(() => { /* a failed prefetch is fetched again when shown */ });
    }
  }

  start(n, prefetch) {
    const key = this.keyOf(n);
    const sourceKey = this.sourceKey;
    const { attachmentId, seriesUid, window, size } = this.source;
    const controller = new AbortController();
    const entry = { n, controller, prefetch, promise: null };
    entry.promise = frameUrl(framePath(attachmentId, seriesUid, n, { window, size }), controller.signal)
      .then((url) => {
        if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
        if (controller.signal.aborted) {
          URL.revokeObjectURL(url);
          throw abortError();
        }
        this.ready.set(key, { url, sourceKey, n });
        this.evict();
        return url;
      }, (err) => {
        if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
        throw err;
      })
      .finally(() => this.pump());
    this.inFlight.set(key, entry);
    return entry;
  }

  /** The URL on screen; the one before it may now be revoked. */
  pin(url) {
    this.pinned = url;
    this.evict();
  }

  /** Keeps at most `keep` URLs: those of other sources go first, then the farthest frames. */
  evict() {
    if (this.ready.size <= this.keep) return;
    const score = (e) => (e.sourceKey === this.sourceKey ? Math.abs(e.n - this.current) : Infinity);
    const victims = [...this.ready.entries()]
      .filter(([, e]) => e.url !== this.pinned)
      .sort((a, b) => score(b[1]) - score(a[1]));
    for (const [key, e] of victims) {
      if (this.ready.size <= this.keep) break;
      URL.revokeObjectURL(e.url);
      this.ready.delete(key);
    }
  }

  /** Aborts everything and revokes every URL. */
  destroy() {
    for (const entry of this.inFlight.values()) entry.controller.abort();
    this.inFlight.clear();
    for (const e of this.ready.values()) URL.revokeObjectURL(e.url);
    this.ready.clear();
    this.wanted = [];
    this.source = null;
    this.sourceKey = '';
  }
}
