// Above the room's viewer: who presents, whether this page follows them ("Vous suivez Dr X",
// Détacher / Suivre à nouveau), and for the chair the hand-over of the presentation to a
// member or coordinator present in the room.
import { h, replace, uid } from '../dom.js';
import { t } from '../i18n.js';

const MAY_PRESENT = new Set(['member', 'coordinator']);

/** The presenter's name: named by id among those present, else from their last view, else the chair. */
export function presenterName(state, follow) {
  const s = follow.state;
  if (s.presenterId) {
    const p = state.participants.find((x) => x.user.id === s.presenterId);
    if (p) return p.user.name;
    if (s.latest && s.latest.by && s.latest.by.id === s.presenterId) return s.latest.by.name;
    return t('follow.presenter.chair');
  }
  if (s.latest && s.latest.by) return s.latest.by.name;
  const chair = state.participants.find((x) => x.role === 'coordinator');
  return chair ? chair.user.name : t('follow.presenter.chair');
}

/** `follow`: the room's followState; `present(userId, {onDone})` asks the room to hand over. */
export function presenterBar({ state, follow, present }) {
  const line = h('p', { class: 'follow-line', role: 'status', id: 'follow-status' });
  // Built once and shown or hidden: views arrive ten times a second, and a button rebuilt under
  // the pointer or the keyboard focus would lose the click.
  const detach = h('button', { type: 'button', class: 'secondary', id: 'detach-button', hidden: true, onclick: () => follow.detach() }, t('follow.detach'));
  const refollow = h('button', { type: 'button', id: 'refollow-button', hidden: true, onclick: () => follow.follow() }, t('follow.refollow'));
  const handover = h('div', { class: 'handover' });
  const selectId = uid('handover');

  function handoverForm() {
    const seen = new Set();
    const eligible = state.participants.filter((p) => {
      if (!MAY_PRESENT.has(p.role) || seen.has(p.user.id)) return false;
      seen.add(p.user.id);
      return follow.presenting() ? p.user.id !== state.you.id : p.user.id !== follow.state.presenterId;
    });
    if (!eligible.length) return h('p', { class: 'hint' }, t('follow.handover.none'));
    const select = h('select', { id: selectId, class: 'handover-select' },
      eligible.map((p) => h('option', { value: p.user.id }, p.user.id === state.you.id ? t('follow.you', { name: p.user.name }) : p.user.name)));
    const button = h('button', { type: 'button', class: 'secondary', id: 'handover-button' }, t('follow.handover'));
    button.addEventListener('click', () => {
      button.disabled = true;
      present(select.value, { onDone: () => { button.disabled = false; } });
    });
    return h('div', { class: 'actions' }, h('label', { for: selectId }, t('follow.handover.to')), select, button);
  }

  function render() {
    const name = presenterName(state, follow);
    const s = follow.state;
    const mode = follow.presenting() ? 'presenting' : s.following ? 'following' : 'detached';
    let text = t('follow.you.present');
    if (mode === 'following') text = t('follow.following', { name });
    if (mode === 'detached') text = [t('follow.detached', { name }), s.unseen ? t('follow.detached.moved', { name }) : ''].filter(Boolean).join(' ');
    if (line.textContent !== text) line.textContent = text;
    line.dataset.mode = mode;
    detach.hidden = mode !== 'following';
    refollow.hidden = mode !== 'detached';
    // Rebuilt only when what it offers changes, so that a choice in progress is not lost.
    const key = state.can.chair ? JSON.stringify([mode, s.presenterId, state.participants.map((p) => [p.user.id, p.role])]) : '';
    if (key !== handover.dataset.key) {
      handover.dataset.key = key;
      replace(handover, state.can.chair ? handoverForm() : null);
    }
  }

  return {
    el: h('div', { class: 'presenter-bar' },
      h('div', { class: 'follow-row' }, line, h('div', { class: 'actions follow-actions' }, detach, refollow)), handover),
    render,
  };
}
