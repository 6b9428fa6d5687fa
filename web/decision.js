// One decision record, as the dossier page, the live room and the decisions page show it.
import { h } from './dom.js';
import { download } from './api.js';
import { t, tn, currentLang, formatTime } from './i18n.js';
import { statusBadge } from './dossier/words.js';

function outcomeText(decision) {
  if (decision.outcome) return decision.outcome;
  if (['decided', 'no_quorum', 'tied'].includes(decision.status)) return t(`dossier.decision.outcome.${decision.status}`);
  return decision.status;
}

function quorumText(q) {
  const met = q.met ? t('dossier.decision.quorum.met') : t('dossier.decision.quorum.not_met');
  const voters = tn('dossier.decision.voters', q.voters ?? 0);
  return q.specialties && q.specialties.length
    ? t('dossier.decision.quorum.line_specialties', { met, voters, list: q.specialties.join(', ') })
    : t('dossier.decision.quorum.line', { met, voters });
}

function ballotsHidden(decision) {
  return Object.values(decision.tally || {}).some((n) => n > 0);
}

/** A heading level (2, 'h2') as a number from 1 to 6. */
function levelOf(headingLevel) {
  const n = Number(String(headingLevel).replace(/^h/i, ''));
  return Number.isInteger(n) ? Math.min(6, Math.max(1, n)) : 3;
}

/**
 * The decision as a section whose heading is at `headingLevel` (2 or 'h2': the level of the
 * context it sits in), its parts (tally, ballots) one level below.
 */
export function decisionPanel(decision, { headingLevel = 'h3', title = t('dossier.decision.title') } = {}) {
  const level = levelOf(headingLevel);
  const heading = `h${level}`;
  const subHeading = `h${Math.min(6, level + 1)}`;
  const q = decision.quorum || {};
  const tally = Object.entries(decision.tally || {});
  return h('section', { class: `card decision decision-${decision.status}`, lang: currentLang(), 'aria-label': title, 'data-decision-id': decision.id },
    h(heading, {}, title, ' ', statusBadge(decision.status)),
    h('dl', { class: 'facts' },
      h('dt', {}, t('dossier.decision.outcome')), h('dd', { class: 'decision-outcome' }, outcomeText(decision)),
      h('dt', {}, t('dossier.decision.proposal')), h('dd', {}, decision.proposal || '—'),
      h('dt', {}, t('dossier.decision.summary')), h('dd', { class: 'prewrap decision-summary' }, decision.summary || '—'),
      h('dt', {}, t('dossier.decision.quorum')), h('dd', { class: 'decision-quorum' }, quorumText(q)),
      h('dt', {}, t('dossier.decision.decided')), h('dd', {}, t('dossier.decision.decided_by', {
        when: formatTime(decision.decided_at), name: decision.decided_by ? decision.decided_by.name : '—',
      })),
      h('dt', {}, t('dossier.decision.present')), h('dd', {}, (decision.present || []).map((u) => u.name).join(', ') || '—'),
      decision.follow_up ? [
        h('dt', {}, t('dossier.decision.follow_up')),
        h('dd', { class: 'decision-follow-up' }, t('dossier.decision.follow_up_line', {
          applied: t(`followup.applied.${decision.follow_up.applied}`),
          when: formatTime(decision.follow_up.answered_at),
          reason: decision.follow_up.reason || '—',
        })),
      ] : null),
    h(subHeading, {}, t('dossier.decision.tally')),
    tally.length
      ? h('ul', { class: 'decision-tally' }, tally.map(([option, n]) => h('li', {}, t('dossier.decision.tally_line', { option, count: n }))))
      : h('p', { class: 'muted decision-tally' }, '—'),
    h(subHeading, {}, t('dossier.decision.ballots')),
    decision.ballots && decision.ballots.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'decision-ballots stackable' },
        h('thead', {}, h('tr', {}, ['voter', 'specialty', 'ballot', 'rationale'].map((c) => h('th', { scope: 'col' }, t(`dossier.decision.col.${c}`))))),
        h('tbody', {}, decision.ballots.map((b) => h('tr', {},
          h('td', { 'data-label': t('dossier.decision.col.voter') }, b.voter.name),
          h('td', { 'data-label': t('dossier.decision.col.specialty') }, b.voter.specialty || '—'),
          h('td', { 'data-label': t('dossier.decision.col.ballot') }, b.option),
          h('td', { 'data-label': t('dossier.decision.col.rationale'), class: 'prewrap' }, b.comment || '—'))))))
      : h('p', { class: 'muted' }, ballotsHidden(decision) ? t('dossier.decision.ballots_hidden') : t('dossier.decision.no_ballots')),
    h('p', { class: 'muted mono decision-hash' }, t('dossier.decision.hash', { hash: decision.hash })),
    printButton(decision));
}

function printButton(decision) {
  const status = h('span', { role: 'status', class: 'muted' });
  return h('div', { class: 'actions' }, h('button', {
    type: 'button', class: 'secondary',
    onclick: async () => {
      status.textContent = '';
      try { await download(`/api/decisions/${decision.id}/report.pdf`, `decision-${decision.id}.pdf`); } catch (err) { status.textContent = t('dossier.decision.print_failed', { detail: err.message }); }
    },
  }, t('dossier.decision.print')), status);
}
