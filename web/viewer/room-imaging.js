// The imaging of the dossier under review, in the live room: the viewer over the focused
// dossier's DICOM attachments, led by the presenter (`view` messages), with the follow bar, the
// chair's hand-over and the key images. The room page hands it the room's messages.
import { h, replace } from '../dom.js';
import { t, currentLang } from '../i18n.js';
import { createViewer } from './viewer.js';
import { followState } from './follow.js';
import { presenterBar, presenterName } from './presenter-bar.js';
import { keyImages } from './key-images.js';
import { timeOf } from '../room/store.js';

const MARKERS = new Set(['member', 'coordinator']);

/**
 * `send(cmd, handlers)`: a room command (acknowledged); `sendView(view)`: a `view` message
 * (ephemeral, not acknowledged); `notice(text)`: a line in the room's discussion.
 */
export function roomImaging({ state, send, sendView, notice }) {
  let viewer = null;
  let dossierId = null;
  let welcomeSeq = 0; // presenter events up to it are already in the welcome's presenter_id

  const follow = followState({
    send: (v) => sendView(v),
    apply: (v, opts) => (viewer ? viewer.applyView(v, opts) : false),
    changed: () => {
      bar.render();
      if (viewer) viewer.offerPresenterWindow(follow.state.ownWindow && !follow.presenting());
    },
  });
  const bar = presenterBar({
    state,
    follow,
    present: (userId, { onDone }) => send({ type: 'present', user_id: userId }, { onAck: onDone, onError: onDone }),
  });
  const keys = keyImages({
    mark: (cmd, handlers) => send(cmd, handlers),
    show: (attachmentId, seriesUid, frame) => { if (viewer) viewer.show(attachmentId, seriesUid, frame); },
  });
  const slot = h('div', { class: 'viewer-slot' });
  const el = h('section', { class: 'room-imaging', lang: currentLang(), 'aria-labelledby': 'imaging-h', hidden: true },
    h('h4', { id: 'imaging-h' }, t('viewer.title')), bar.el, slot, keys.el);

  /** Members and coordinators mark key images: as the server says in `can`, else by room role. */
  function mayMark() {
    if (state.can && Object.hasOwn(state.can, 'mark')) return state.can.mark;
    const me = state.you && state.participants.find((p) => p.user.id === state.you.id);
    return Boolean(me && MARKERS.has(me.role));
  }

  /** The presenter tells the room what they look at now (after a focus, a reconnection, a hand-over). */
  function announce() {
    if (follow.presenting() && viewer && viewer.getView()) follow.queue(viewer.getView());
  }

  function drop() {
    if (viewer) viewer.destroy();
    viewer = null;
  }

  return {
    el,

    /** Shows the imaging of `dossier` (null: none); the same dossier keeps its viewer. */
    show(dossier) {
      const id = dossier ? dossier.id : null;
      if (id === dossierId && (viewer || !id)) return;
      dossierId = id;
      drop();
      el.hidden = !dossier;
      if (!dossier) { replace(slot); keys.attach(null, false); return; }
      if (!dossier.attachments.some((a) => a.dicom)) {
        replace(slot, h('p', { class: 'muted' }, t('viewer.none')));
        keys.attach(null, false);
        return;
      }
      const v = createViewer({ attachments: dossier.attachments, onChange: (view, kind) => follow.local(view, kind) });
      viewer = v;
      replace(slot, v.el);
      keys.attach(v, mayMark());
      v.offerPresenterWindow(follow.state.ownWindow && !follow.presenting());
      v.ready.then(() => {
        if (viewer !== v) return;
        keys.render();
        if (follow.presenting()) announce();
        else follow.viewerReady();
      });
    },

    /** A "Voir" of the attachments table: that attachment's first series. */
    open(attachmentId) {
      if (viewer) viewer.openAttachment(attachmentId);
    },

    welcome(msg) {
      welcomeSeq = msg.seq || 0;
      follow.welcome({ youId: msg.you.id, chair: state.can.chair, presenterId: msg.presenter_id, view: msg.view || null });
      if (viewer) keys.attach(viewer, mayMark());
      announce();
    },

    presenter(msg) {
      const by = msg.by ? msg.by.name : t('follow.presenter.chair');
      const named = state.participants.find((p) => p.user.id === msg.user_id);
      notice(`${timeOf(msg.at)} ${msg.by && msg.by.id === msg.user_id
        ? t('follow.presenter.took', { by })
        : t('follow.presenter.changed', { by, name: named ? named.user.name : t('follow.presenter.someone') })}`);
      // A replayed event is already counted in the welcome's presenter_id.
      if (typeof msg.seq === 'number' && msg.seq <= welcomeSeq) return;
      if (follow.presenter(msg.user_id)) announce();
    },

    view(msg) { follow.incoming(msg); },

    keyImage(msg) {
      keys.add(msg);
      if (msg.by) notice(t('key.chat', { time: timeOf(msg.at), name: msg.by.name, n: Number(msg.frame) + 1 }));
    },

    /** Who is present changed: the bar's names and the hand-over list. */
    participants() {
      bar.render();
      if (viewer) keys.attach(viewer, mayMark());
    },

    stop() {
      follow.stop();
      drop();
      keys.destroy();
    },
  };
}
