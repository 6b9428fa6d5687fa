// The referrer's pages: my dossiers, a new dossier, one dossier with its attachments. Each lives
// in web/dossier/; this module keeps the names the router imports.
export { dossierListPage } from '../dossier/list.js';
export { newDossierPage } from '../dossier/new.js';
export { dossierPage } from '../dossier/page.js';
