// The REST API from the test process: building users, boards and sessions as any client would.
export const PASSWORD = 'browser-test-password';

export class Rest {
  constructor(url) { this.url = url; }

  async call(method, path, token, body) {
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(this.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return json;
  }

  /** The dossier as `token`'s holder reads it. */
  async dossier(id, token) {
    return this.call('GET', `/api/dossiers/${id}`, token);
  }

  /** Attaches a file to the dossier (multipart upload); 201 and the attachment, or it throws. */
  async attach(dossierId, filename, bytes, token, type) {
    const form = new FormData();
    form.append('file', new Blob([bytes], type ? { type } : {}), filename);
    const res = await fetch(`${this.url}/api/dossiers/${dossierId}/attachments`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form,
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`POST /api/dossiers/${dossierId}/attachments → ${res.status}: ${text}`);
    return JSON.parse(text);
  }

  async login(email, password = PASSWORD) {
    return (await this.call('POST', '/api/auth/login', null, { email, password })).token;
  }
}
