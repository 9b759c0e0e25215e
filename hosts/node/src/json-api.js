// The JSON API: service-task variables (snake_case JSON) onto the WIT calls and their results
// back, field for field as the Rust host's `json_api` does, so both hosts give the same JSON.

/** Every action, as the Rust host lists them. */
export const ACTIONS = ['send-for-signature', 'get-envelope-status', 'get-signed-documents', 'void-envelope',
  'generate-consent-url', 'auth-test', 'reset-access-token', 'get-events', 'fetch-events', 'fetch-envelope-changes', 'commit-fetch',
  'send-from-template', 'create-signing-url', 'get-envelope-recipients', 'verify-connect-message'];

/** Actions whose WIT call takes no `connection`. */
export const WITHOUT_CONNECTION = new Set(['verifyConnectMessage']);

import { InvokeError } from './errors.js';
import { clientUserIds, signerFields, signingViewRequest, templateSendRequest } from './sending.js';

export { InvokeError };

const invalid = (field, message) => new InvokeError({ kind: 'invalid-input', field, message });

/** `input` as an object whose keys are all in `allowed` (`null` is `{}`). */
function fields(input, allowed, at = '') {
  const value = input ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(at || 'input', 'expected a JSON object');
  for (const k of Object.keys(value)) {
    if (!allowed.includes(k)) throw invalid(at ? `${at}.${k}` : k, `unknown field \`${k}\`, expected one of ${allowed.map((a) => `\`${a}\``).join(', ')}`);
  }
  return value;
}

function required(obj, key, at = '') {
  if (obj[key] === undefined || obj[key] === null) throw invalid(at ? `${at}.${key}` : key, `missing field \`${key}\``);
  return obj[key];
}

function string(value, field) {
  if (typeof value !== 'string') throw invalid(field, `invalid type: expected a string`);
  return value;
}

function optString(value, field) {
  return value === undefined || value === null ? undefined : string(value, field);
}

function u32(value, field) {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw invalid(field, `invalid value: expected u32`);
  return value;
}

function optU32(value, field) {
  return value === undefined || value === null ? undefined : u32(value, field);
}

function strings(value, field) {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(field, 'invalid type: expected a sequence');
  return value.map((v, i) => string(v, `${field}[${i}]`));
}

function eventType(name, field) {
  const t = String(name).toLowerCase().replaceAll(/[_ ]/g, '-');
  if (t !== 'customer-events' && t !== 'audit-users' && t !== 'envelope-changes') {
    throw invalid(field, `unknown event type ${JSON.stringify(name)}; use customer-events, audit-users or envelope-changes`);
  }
  return t;
}

function schedule(value, at, days) {
  if (value === undefined || value === null) return undefined;
  const v = fields(value, ['enabled', ...days], at);
  const enabled = v.enabled === undefined ? true : v.enabled;
  if (typeof enabled !== 'boolean') throw invalid(`${at}.enabled`, 'invalid type: expected a boolean');
  return [enabled, ...days.map((d) => optU32(v[d], `${at}.${d}`))];
}

function expirationOf(value) {
  const e = schedule(value, 'expiration', ['validity_days', 'warning_days']);
  return e && { enabled: e[0], validityDays: e[1], warningDays: e[2] };
}

function remindersOf(value) {
  const r = schedule(value, 'reminders', ['first_reminder_days', 'interval_days']);
  return r && { enabled: r[0], firstReminderDays: r[1], intervalDays: r[2] };
}

function documents(value) {
  if (!Array.isArray(value)) throw invalid('documents', 'invalid type: expected a sequence');
  return value.map((d, n) => {
    const field = `documents[${n}]`;
    const doc = fields(d, ['name', 'content_base64', 'path'], field);
    if (doc.path !== undefined) throw invalid(`${field}.path`, 'file paths are not allowed here; use content_base64');
    if (doc.content_base64 === undefined) throw invalid(field, 'give exactly one of content_base64 and path');
    const b64 = string(doc.content_base64, `${field}.content_base64`).trim();
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) throw invalid(`${field}.content_base64`, 'not base64');
    const name = optString(doc.name, `${field}.name`);
    if (name === undefined) throw invalid(`${field}.name`, 'is required');
    return { name, content: new Uint8Array(Buffer.from(b64, 'base64')) };
  });
}

/** `[interface, function, args]` for `action` with `input`, as the Rust host reads it. */
export function parseCall(action, input) {
  switch (action) {
    case 'auth-test':
    case 'reset-access-token': {
      const v = input ?? {};
      if (typeof v !== 'object' || Array.isArray(v)) throw invalid('input', 'expected a JSON object');
      const extra = Object.keys(v)[0];
      if (extra !== undefined) throw invalid(extra, 'this action takes no input');
      return ['commands', action === 'auth-test' ? 'authTest' : 'resetAccessToken', []];
    }
    case 'generate-consent-url': {
      const v = fields(input, ['kind', 'event_types', 'state']);
      const kind = optString(v.kind, 'kind') ?? 'individual';
      if (kind !== 'individual' && kind !== 'admin') throw invalid('kind', `${JSON.stringify(kind)} is not individual or admin`);
      return ['commands', 'generateConsentUrl', [{
        kind,
        eventTypes: strings(v.event_types, 'event_types').map((t) => eventType(t, 'event_types')),
        state: optString(v.state, 'state'),
      }]];
    }
    case 'get-events': {
      const v = fields(input, ['event_type', 'limit', 'since']);
      return ['commands', 'getEvents', [{
        eventType: eventType(string(required(v, 'event_type'), 'event_type'), 'event_type'),
        limit: optU32(v.limit, 'limit') ?? 10,
        since: optString(v.since, 'since'),
      }]];
    }
    case 'fetch-events': {
      const v = fields(input, ['event_types', 'max_customer_events', 'max_audit_users', 'max_envelope_changes', 'first_fetch']);
      required(v, 'event_types');
      return ['commands', 'fetchEvents', [{
        eventTypes: strings(v.event_types, 'event_types').map((t) => eventType(t, 'event_types')),
        maxCustomerEvents: optU32(v.max_customer_events, 'max_customer_events') ?? 2000,
        maxAuditUsers: optU32(v.max_audit_users, 'max_audit_users') ?? 1250,
        maxEnvelopeChanges: optU32(v.max_envelope_changes, 'max_envelope_changes') ?? 1000,
        firstFetch: optString(v.first_fetch, 'first_fetch'),
      }]];
    }
    case 'fetch-envelope-changes': {
      const v = fields(input, ['max_envelope_changes', 'first_fetch']);
      return ['commands', 'fetchEvents', [{
        eventTypes: ['envelope-changes'],
        maxCustomerEvents: 2000,
        maxAuditUsers: 1250,
        maxEnvelopeChanges: optU32(v.max_envelope_changes, 'max_envelope_changes') ?? 1000,
        firstFetch: optString(v.first_fetch, 'first_fetch'),
      }]];
    }
    case 'commit-fetch': {
      const v = fields(input, ['checkpoint']);
      return ['commands', 'commitFetch', [string(required(v, 'checkpoint'), 'checkpoint')]];
    }
    case 'get-envelope-status':
    case 'get-signed-documents': {
      const v = fields(input, ['envelope_id']);
      const fn = action === 'get-envelope-status' ? 'getEnvelopeStatus' : 'getSignedDocuments';
      return ['signing', fn, [string(required(v, 'envelope_id'), 'envelope_id')]];
    }
    case 'get-envelope-recipients': {
      const v = fields(input, ['envelope_id']);
      return ['signing', 'getEnvelopeRecipients', [string(required(v, 'envelope_id'), 'envelope_id')]];
    }
    case 'verify-connect-message': {
      const v = fields(input, ['headers', 'body', 'body_base64', 'hmac_keys']);
      const raw = required(v, 'headers');
      let headers;
      if (Array.isArray(raw)) {
        headers = raw.map((pair, i) => {
          if (!Array.isArray(pair) || pair.length !== 2) throw invalid(`headers[${i}]`, 'expected [name, value]');
          return [string(pair[0], `headers[${i}][0]`), string(pair[1], `headers[${i}][1]`)];
        });
      } else if (raw && typeof raw === 'object') {
        headers = Object.entries(raw).map(([name, value]) => {
          if (typeof value !== 'string') throw invalid(`headers.${name}`, 'a header value must be a string');
          return [name, value];
        });
      } else {
        throw invalid('headers', 'expected an object or a sequence of [name, value]');
      }
      const hasText = v.body !== undefined && v.body !== null;
      const hasB64 = v.body_base64 !== undefined && v.body_base64 !== null;
      if (hasText === hasB64) {
        throw invalid('body', 'give the exact request body as `body` (text) or `body_base64`, one of them');
      }
      let body;
      if (hasText) {
        body = new Uint8Array(Buffer.from(string(v.body, 'body'), 'utf8'));
      } else {
        const text = string(v.body_base64, 'body_base64').trim();
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw invalid('body_base64', 'not base64');
        body = new Uint8Array(Buffer.from(text, 'base64'));
      }
      return ['signing', 'verifyConnectMessage', [headers, body, strings(required(v, 'hmac_keys'), 'hmac_keys')]];
    }
    case 'void-envelope': {
      const v = fields(input, ['envelope_id', 'reason']);
      return ['signing', 'voidEnvelope', [string(required(v, 'envelope_id'), 'envelope_id'), string(required(v, 'reason'), 'reason')]];
    }
    case 'send-for-signature': {
      const v = fields(input, ['signer_emails', 'signer_names', 'documents', 'email_subject', 'email_body', 'cc_emails',
        'cc_names', 'signing_order', 'expiration', 'reminders', 'idempotency_key', 'signer_fields', 'signer_client_user_ids']);
      const order = v.signing_order ?? [];
      if (!Array.isArray(order)) throw invalid('signing_order', 'invalid type: expected a sequence');
      return ['signing', 'sendForSignature', [{
        signerEmails: strings(required(v, 'signer_emails'), 'signer_emails'),
        signerNames: strings(required(v, 'signer_names'), 'signer_names'),
        documents: documents(required(v, 'documents')),
        emailSubject: string(required(v, 'email_subject'), 'email_subject'),
        emailBody: optString(v.email_body, 'email_body'),
        ccEmails: strings(v.cc_emails, 'cc_emails'),
        ccNames: strings(v.cc_names, 'cc_names'),
        signingOrder: order.map((o, i) => optU32(o, `signing_order[${i}]`)),
        expiration: expirationOf(v.expiration),
        reminders: remindersOf(v.reminders),
        idempotencyKey: optString(v.idempotency_key, 'idempotency_key'),
        signerFields: signerFields(v.signer_fields),
        signerClientUserIds: clientUserIds(v.signer_client_user_ids),
      }]];
    }
    case 'send-from-template': {
      const v = fields(input, ['template_id', 'roles', 'documents', 'email_subject', 'email_body', 'expiration',
        'reminders', 'idempotency_key']);
      return ['signing', 'sendFromTemplate', [templateSendRequest(v, { documents, expiration: expirationOf, reminders: remindersOf })]];
    }
    case 'create-signing-url': {
      const v = fields(input, ['envelope_id', 'return_url', 'user_name', 'email', 'client_user_id', 'recipient_id',
        'authentication_method', 'frame_ancestors', 'message_origins']);
      return ['signing', 'createSigningUrl', signingViewRequest(v)];
    }
    default:
      throw invalid('action', `unknown action ${JSON.stringify(action)}; one of: ${ACTIONS.join(', ')}`);
  }
}

/** RFC 3339 in UTC, fractions without trailing zeros (as the Rust host's `time` crate writes). */
export function rfc3339(t) {
  if (t === undefined || t === null) return null;
  const base = new Date(Number(t.seconds) * 1000).toISOString().slice(0, 19);
  const fraction = t.nanoseconds === 0 ? '' : `.${String(t.nanoseconds).padStart(9, '0').replace(/0+$/, '')}`;
  return `${base}${fraction}Z`;
}

const nullable = (v) => (v === undefined ? null : v);
const number = (v) => (v === undefined || v === null ? null : Number(v));
const status = (s) => (s.tag === 'other' ? s.val : s.tag);

function account(a) {
  return { account_id: a.accountId, account_name: a.accountName, base_uri: a.baseUri, is_default: a.isDefault, organization_id: nullable(a.organizationId) };
}

function event(e) {
  let data;
  try {
    data = JSON.parse(e.json);
  } catch {
    data = e.json;
  }
  return { event_type: e.eventType, id: e.id, time: rfc3339(e.time), data };
}

function signedDocument(d) {
  return { document_id: d.documentId, name: d.name, size: d.content.length, sha256: d.sha256, content_base64: Buffer.from(d.content).toString('base64') };
}

/** A WIT `connector-error` as JSON, every field kept. */
export function connectorError(e) {
  const v = e.val;
  switch (e.tag) {
    case 'invalid-input': return { kind: e.tag, field: v.field, message: v.message };
    case 'consent-required': return { kind: e.tag, consent_url: v.consentUrl, scopes: v.scopes, message: v.message };
    case 'auth-failed': return { kind: e.tag, status: v.status, error: v.error, error_description: nullable(v.errorDescription), hint: v.hint };
    case 'api': return { kind: e.tag, status: v.status, error_code: nullable(v.errorCode), message: v.message, hint: nullable(v.hint), trace_token: nullable(v.traceToken) };
    case 'rate-limited': return { kind: e.tag, retry_after_secs: Number(v.retryAfterSecs), error_code: nullable(v.errorCode), message: v.message };
    case 'transport': return {
      kind: e.tag, reason: v.tag,
      message: v.tag === 'body-too-large' ? `reply body larger than the host allows (${v.val} bytes)` : v.val,
    };
    case 'invalid-response': return { kind: e.tag, status: v.status, message: v.message };
    case 'state': return { kind: e.tag, message: v };
    default: return { kind: e.tag, message: String(v) };
  }
}

/** A WIT `connect-error` as JSON (the Rust host's `signature` / `invalid-message`). */
export function connectError(e) {
  switch (e.tag) {
    case 'unsigned': return {
      kind: 'signature', reason: 'unsigned',
      message: 'the message carries no X-DocuSign-Signature-1 header: turn on "Include HMAC signature" in the Connect configuration (includeHMAC)',
    };
    case 'no-keys': return {
      kind: 'signature', reason: 'no-keys',
      message: "no HMAC key to check the signature with: give the account's active Connect keys",
    };
    case 'mismatch': return {
      kind: 'signature', reason: 'mismatch',
      message: `the signature matches none of the ${e.val.keys} HMAC key(s) (${e.val.signatures} signature header(s)): the body was altered on the way, or it was signed with a key not given here`,
    };
    default: return { kind: 'invalid-message', message: `signed, but not a Connect JSON message: ${e.val}` };
  }
}

const kinds = {
  signer: 'signer', 'carbon-copy': 'carbon-copy', 'certified-delivery': 'certified-delivery', agent: 'agent',
  editor: 'editor', intermediary: 'intermediary', 'in-person-signer': 'in-person-signer', witness: 'witness',
  notary: 'notary', seal: 'seal',
};
const recipientStatus = (s) => ({ 'auto-responded': 'autoresponded', 'fax-pending': 'faxpending' }[s.tag] ?? status(s));

function recipient(r) {
  return {
    recipient_id: r.recipientId, kind: kinds[r.kind] ?? r.kind, routing_order: nullable(r.routingOrder),
    name: nullable(r.name), email: nullable(r.email), status: recipientStatus(r.status),
    sent_at: rfc3339(r.sentAt), delivered_at: rfc3339(r.deliveredAt), signed_at: rfc3339(r.signedAt),
    declined_at: rfc3339(r.declinedAt), declined_reason: nullable(r.declinedReason), client_user_id: nullable(r.clientUserId),
  };
}

/** The JSON result of `fn`'s WIT result. */
export function render(fn, r) {
  switch (fn) {
    case 'authTest': return {
      user_id: r.userId, user_name: r.userName, email: r.email, account: account(r.account),
      accounts: r.accounts.map(account), scopes: r.scopes, token_expires_at: rfc3339(r.tokenExpiresAt), token_reused: r.tokenReused,
    };
    case 'resetAccessToken': return { token_removed: r.tokenRemoved };
    case 'generateConsentUrl': return { url: r.url, scopes: r.scopes };
    case 'getEvents': return { events: r.map(event) };
    case 'fetchEvents': return {
      events: r.events.map(event),
      checkpoint: r.checkpoint,
      streams: r.streams.map((s) => ({ event_type: s.eventType, fetched: s.fetched, more_available: s.moreAvailable, error: s.error ? connectorError(s.error) : null })),
      retry_after_secs: number(r.retryAfterSecs),
    };
    case 'commitFetch': return { committed: true };
    case 'sendFromTemplate':
    case 'sendForSignature': return { envelope_id: r.envelopeId, status: status(r.status), status_changed_at: rfc3339(r.statusChangedAt), reused: r.reused };
    case 'getEnvelopeStatus': return {
      envelope_id: r.envelopeId, status: status(r.status), status_changed_at: rfc3339(r.statusChangedAt),
      sent_at: rfc3339(r.sentAt), delivered_at: rfc3339(r.deliveredAt), completed_at: rfc3339(r.completedAt),
      declined_at: rfc3339(r.declinedAt), voided_at: rfc3339(r.voidedAt), voided_reason: nullable(r.voidedReason),
      expires_at: rfc3339(r.expiresAt), email_subject: nullable(r.emailSubject),
    };
    case 'getSignedDocuments': return { envelope_id: r.envelopeId, documents: r.documents.map(signedDocument), summary: signedDocument(r.summary) };
    case 'voidEnvelope': return { envelope_id: r.envelopeId, already_voided: r.alreadyVoided };
    case 'createSigningUrl': return { url: r.url, expires_at: rfc3339(r.expiresAt) };
    case 'getEnvelopeRecipients': return {
      envelope_id: r.envelopeId, current_routing_order: nullable(r.currentRoutingOrder), recipients: r.recipients.map(recipient),
    };
    case 'verifyConnectMessage': return {
      event: r.event, api_version: nullable(r.apiVersion), generated_at: rfc3339(r.generatedAt),
      account_id: nullable(r.accountId), user_id: nullable(r.userId), envelope_id: r.envelopeId,
      recipient_id: nullable(r.recipientId), envelope_status: r.envelopeStatus ? status(r.envelopeStatus) : null,
      email_subject: nullable(r.emailSubject), recipients: r.recipients.map(recipient), event_id: r.eventId, key_index: r.keyIndex,
    };
    default: throw new Error(`no rendering for ${fn}`);
  }
}

/** The WIT `connection` from settings in snake_case (the Rust settings file's names). */
export function connection(settings) {
  return {
    authServer: settings.auth_server,
    integrationKey: settings.integration_key,
    userId: settings.user_id,
    privateKeyPem: settings.private_key_pem ?? '',
    accountId: settings.account_id ?? undefined,
    organizationId: settings.organization_id ?? undefined,
    redirectUri: settings.redirect_uri ?? undefined,
    scopes: settings.scopes ?? [],
    monitorEndpoint: settings.monitor_endpoint ?? undefined,
  };
}
