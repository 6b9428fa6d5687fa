// The dossier's case as read-only facts, and the line under its title.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { statusBadge, urgencyText, sexText, when } from './words.js';

export function patientText(p) {
  const sex = sexText(p.sex);
  if (p.birth_year && sex) return t('dossier.patient.full', { pseudonym: p.pseudonym, year: p.birth_year, sex });
  if (p.birth_year) return t('dossier.patient.year', { pseudonym: p.pseudonym, year: p.birth_year });
  if (sex) return t('dossier.patient.sex', { pseudonym: p.pseudonym, sex });
  return p.pseudonym;
}

/** « Statut : Brouillon · Groupe : … · Adressé par … » */
export function metaLine(dossier, board) {
  const r = dossier.referrer;
  return h('p', { class: 'dossier-meta' },
    h('span', {}, t('dossier.page.status'), ' ', h('span', { id: 'dossier-status' }, statusBadge(dossier.status))),
    h('span', {}, t('dossier.page.board', { board: board ? board.name : '—' })),
    h('span', {}, r.organization
      ? t('dossier.page.referrer_org', { name: r.name, organization: r.organization })
      : t('dossier.page.referrer', { name: r.name })));
}

export function caseFacts(dossier) {
  const missing = (text) => text || h('span', { class: 'muted' }, t('dossier.page.not_given'));
  return h('dl', { class: 'facts case-facts' },
    h('dt', {}, t('dossier.field.patient_short')), h('dd', {}, patientText(dossier.patient)),
    h('dt', {}, t('dossier.field.urgency')), h('dd', {}, urgencyText(dossier.urgency)),
    h('dt', {}, t('dossier.field.consent_short')), h('dd', { id: 'dossier-consent' },
      dossier.consent ? t('dossier.consent.recorded') : h('span', { class: 'warning-text' }, t('dossier.consent.missing'))),
    h('dt', {}, t('dossier.field.question')), h('dd', { class: 'prewrap', id: 'dossier-question' }, missing(dossier.question)),
    h('dt', {}, t('dossier.field.history')), h('dd', { class: 'prewrap' }, missing(dossier.history)),
    h('dt', {}, t('dossier.page.created')), h('dd', {}, when(dossier.created_at)),
    h('dt', {}, t('dossier.page.submitted')), h('dd', {}, when(dossier.submitted_at)));
}
