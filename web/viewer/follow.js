// Who leads the imaging in the room, and whether this page follows (API.md section 11). No DOM
// here, so that the rules can be tested on their own:
// - the presenter (the one the chair named, else the chair) sends what they look at, at most
//   one `view` per `intervalMs`, and always the last one;
// - everyone else follows, unless they detach (or move on their own); while detached the
//   latest view is kept and shown when they follow again;
// - a follower may keep their own window (preset) and still follow the presenter's frames.

/** Changes that move away from the presenter's picture (a window change does not). */
const WANDERING = new Set(['series', 'frame', 'zoom', 'pan']);

/**
 * `send(view)`: sends a view to the room; `apply(view, {keepWindow})`: shows a view, returns
 * false when it cannot be shown yet; `changed()`: the follow state changed (for the bar).
 */
export function followState({ send, apply, changed = () => {}, intervalMs = 100, clock = Date, timers = globalThis }) {
  const s = {
    youId: null,
    chair: false, // whether this user chairs: the chair presents while nobody else was named
    presenterId: null,
    following: true,
    ownWindow: false,
    latest: null, // the latest view from the presenter
    unseen: false, // a view came while detached
    pendingApply: null, // a view that could not be shown yet (its series not loaded)
  };
  let lastSent = -Infinity;
  let queued = null;
  let timer = null;

  function flush() {
    timer = null;
    if (!queued) return;
    const v = queued;
    queued = null;
    lastSent = clock.now();
    send(v);
  }

  function show(view) {
    if (apply(view, { keepWindow: s.ownWindow }) === false) s.pendingApply = view;
    else s.pendingApply = null;
  }

  const api = {
    state: s,

    /** Whether this page leads. */
    presenting() {
      return s.presenterId ? s.presenterId === s.youId : s.chair;
    },

    /** From `welcome`: who this user is, whether they chair, the presenter and the latest view. */
    welcome({ youId, chair, presenterId, view }) {
      s.youId = youId;
      s.chair = Boolean(chair);
      s.presenterId = presenterId || null;
      if (view) s.latest = view;
      if (!api.presenting() && s.following && s.latest) show(s.latest);
      changed();
    },

    /** A `presenter` event. Returns true when this user has just become the presenter. */
    presenter(userId) {
      const was = api.presenting();
      s.presenterId = userId || null;
      const now = api.presenting();
      if (!now) {
        s.following = true;
        s.unseen = false;
        api.stop();
      }
      changed();
      return now && !was;
    },

    /** A `view` from the room. */
    incoming(view) {
      if (api.presenting()) return;
      s.latest = view;
      if (s.following) show(view);
      else s.unseen = true;
      changed();
    },

    /** The viewer's series are known: shows what could not be shown before. */
    viewerReady() {
      if (!api.presenting() && s.following && (s.pendingApply || s.latest)) show(s.pendingApply || s.latest);
    },

    /** A change made by this user in the viewer. */
    local(view, kind) {
      if (api.presenting()) {
        api.queue(view);
        return;
      }
      if (kind === 'window') {
        s.ownWindow = true;
        changed();
      } else if (kind === 'presenter-window') {
        s.ownWindow = false;
        if (s.following && s.latest) show(s.latest);
        changed();
      } else if (WANDERING.has(kind) && s.following) {
        api.detach();
      }
    },

    /** Sends `view` now, or once `intervalMs` has passed since the last one: the last always goes. */
    queue(view) {
      queued = view;
      if (timer) return;
      const wait = lastSent + intervalMs - clock.now();
      if (wait <= 0) flush();
      else timer = timers.setTimeout(flush, wait);
    },

    detach() {
      if (!s.following) return;
      s.following = false;
      s.unseen = false;
      changed();
    },

    follow() {
      s.following = true;
      s.unseen = false;
      if (s.latest) show(s.latest);
      changed();
    },

    stop() {
      if (timer) timers.clearTimeout(timer);
      timer = null;
      queued = null;
    },
  };
  return api;
}
