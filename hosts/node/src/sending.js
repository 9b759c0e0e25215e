// The sending additions of contract 0.5.0 as service-task JSON, as the Rust host's
// `json_api::sending` reads them: signature placement fields of a send, `send-from-template`,
// `create-signing-url` and its result.

import { InvokeError } from './errors.js';

const invalid = (field, message) => new InvokeError({ kind: 'invalid-input', field, message });

const isSet = (v) => v !== undefined && v !== null;

function object(value, allowed, at) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalid(at, 'expected a JSON object');
  for (const k of Object.keys(value)) {
    if (!allowed.includes(k)) throw invalid(`${at}.${k}`, `unknown field \`${k}\`, expected one of ${allowed.map((a) => `\`${a}\``).join(', ')}`);
  }
  return value;
}

function typed(value, type, field, fallback) {
  if (!isSet(value)) return fallback;
  if (typeof value !== type) throw invalid(field, `invalid type: expected a ${type}`);
  return value;
}

function u32(value, field) {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw invalid(field, 'invalid value: expected u32');
  return value;
}

const dashed = (name) => String(name).toLowerCase().replaceAll(/[_ ]/g, '-');

const FIELD_KINDS = ['sign-here', 'initial-here', 'date-signed', 'text'];
const UNITS = { pixels: 'pixels', px: 'pixels', inches: 'inches', in: 'inches', millimeters: 'millimeters', mms: 'millimeters', mm: 'millimeters', centimeters: 'centimeters', cms: 'centimeters', cm: 'centimeters' };
export const RECIPIENT_KINDS = ['signer', 'carbon-copy', 'certified-delivery', 'agent', 'editor', 'intermediary', 'in-person-signer', 'witness', 'notary', 'seal'];

function field(value, at) {
  const f = object(value, ['kind', 'anchor', 'position', 'label', 'value', 'optional', 'locked'], at);
  if (!isSet(f.kind)) throw invalid(`${at}.kind`, 'missing field `kind`');
  const kind = dashed(typed(f.kind, 'string', `${at}.kind`));
  if (!FIELD_KINDS.includes(kind)) {
    throw invalid(`${at}.kind`, `unknown field kind ${JSON.stringify(f.kind)}; use sign-here, initial-here, date-signed or text`);
  }
  let placement;
  if (isSet(f.anchor) && !isSet(f.position)) {
    const a = object(f.anchor, ['text', 'x_offset', 'y_offset', 'units', 'ignore_if_not_present', 'case_sensitive', 'match_whole_word'], `${at}.anchor`);
    if (!isSet(a.text)) throw invalid(`${at}.anchor.text`, 'missing field `text`');
    const units = typed(a.units, 'string', `${at}.anchor.units`, 'pixels');
    if (!UNITS[units.toLowerCase()]) {
      throw invalid(`${at}.anchor.units`, `unknown units ${JSON.stringify(units)}; use pixels, inches, millimeters or centimeters`);
    }
    placement = {
      tag: 'anchor',
      val: {
        text: typed(a.text, 'string', `${at}.anchor.text`),
        xOffset: typed(a.x_offset, 'number', `${at}.anchor.x_offset`, 0),
        yOffset: typed(a.y_offset, 'number', `${at}.anchor.y_offset`, 0),
        units: UNITS[units.toLowerCase()],
        ignoreIfNotPresent: typed(a.ignore_if_not_present, 'boolean', `${at}.anchor.ignore_if_not_present`, false),
        caseSensitive: typed(a.case_sensitive, 'boolean', `${at}.anchor.case_sensitive`, false),
        matchWholeWord: typed(a.match_whole_word, 'boolean', `${at}.anchor.match_whole_word`, false),
      },
    };
  } else if (isSet(f.position) && !isSet(f.anchor)) {
    const p = object(f.position, ['document', 'page', 'x', 'y'], `${at}.position`);
    placement = {
      tag: 'position',
      val: Object.fromEntries(['document', 'page', 'x', 'y'].map((k) => {
        if (!isSet(p[k])) throw invalid(`${at}.position.${k}`, `missing field \`${k}\``);
        return [k, u32(p[k], `${at}.position.${k}`)];
      })),
    };
  } else {
    throw invalid(at, 'give exactly one of anchor and position');
  }
  return {
    kind,
    placement,
    label: typed(f.label, 'string', `${at}.label`, undefined),
    value: typed(f.value, 'string', `${at}.value`, undefined),
    optional: typed(f.optional, 'boolean', `${at}.optional`, false),
    locked: typed(f.locked, 'boolean', `${at}.locked`, false),
  };
}

/** `signer_fields`: one list of fields per signer. */
export function signerFields(value) {
  if (!isSet(value)) return [];
  if (!Array.isArray(value)) throw invalid('signer_fields', 'invalid type: expected a sequence');
  return value.map((list, i) => {
    if (!Array.isArray(list)) throw invalid(`signer_fields[${i}]`, 'invalid type: expected a sequence');
    return list.map((f, j) => field(f, `signer_fields[${i}][${j}]`));
  });
}

/** `signer_client_user_ids`: per signer, a client user id or null. */
export function clientUserIds(value) {
  if (!isSet(value)) return [];
  if (!Array.isArray(value)) throw invalid('signer_client_user_ids', 'invalid type: expected a sequence');
  return value.map((id, i) => typed(id, 'string', `signer_client_user_ids[${i}]`, undefined));
}

/** Label → value pairs, sorted by label as the Rust host's map reads them. */
function pairs(value, type, at) {
  if (!isSet(value)) return [];
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(at, 'invalid type: expected a map');
  return Object.keys(value).sort().map((k) => [k, typed(value[k], type, `${at}.${k}`)]);
}

function role(value, i) {
  const at = `roles[${i}]`;
  const r = object(value, ['role_name', 'name', 'email', 'routing_order', 'client_user_id', 'text_values', 'checkbox_values', 'kind'], at);
  for (const k of ['role_name', 'name', 'email']) if (!isSet(r[k])) throw invalid(`${at}.${k}`, `missing field \`${k}\``);
  let kind;
  if (isSet(r.kind)) {
    kind = dashed(typed(r.kind, 'string', `${at}.kind`));
    if (!RECIPIENT_KINDS.includes(kind)) throw invalid(`${at}.kind`, `unknown recipient kind ${JSON.stringify(r.kind)}; use signer, carbon-copy, …`);
  }
  return {
    roleName: typed(r.role_name, 'string', `${at}.role_name`),
    name: typed(r.name, 'string', `${at}.name`),
    email: typed(r.email, 'string', `${at}.email`),
    routingOrder: isSet(r.routing_order) ? u32(r.routing_order, `${at}.routing_order`) : undefined,
    clientUserId: typed(r.client_user_id, 'string', `${at}.client_user_id`, undefined),
    textValues: pairs(r.text_values, 'string', `${at}.text_values`),
    checkboxValues: pairs(r.checkbox_values, 'boolean', `${at}.checkbox_values`),
    kind,
  };
}

/** The WIT `template-send-request`; `common` reads documents, expiration and reminders. */
export function templateSendRequest(v, common) {
  if (!isSet(v.template_id)) throw invalid('template_id', 'missing field `template_id`');
  if (!Array.isArray(v.roles)) throw invalid('roles', isSet(v.roles) ? 'invalid type: expected a sequence' : 'missing field `roles`');
  return {
    templateId: typed(v.template_id, 'string', 'template_id'),
    roles: v.roles.map(role),
    documents: isSet(v.documents) ? common.documents(v.documents) : [],
    emailSubject: typed(v.email_subject, 'string', 'email_subject', undefined),
    emailBody: typed(v.email_body, 'string', 'email_body', undefined),
    expiration: common.expiration(v.expiration),
    reminders: common.reminders(v.reminders),
    idempotencyKey: typed(v.idempotency_key, 'string', 'idempotency_key', undefined),
  };
}

/** `[envelope id, WIT signing-view-request]`. */
export function signingViewRequest(v) {
  for (const k of ['envelope_id', 'return_url', 'user_name', 'email', 'client_user_id']) {
    if (!isSet(v[k])) throw invalid(k, `missing field \`${k}\``);
  }
  const list = (name) => {
    if (!isSet(v[name])) return [];
    if (!Array.isArray(v[name])) throw invalid(name, 'invalid type: expected a sequence');
    return v[name].map((s, i) => typed(s, 'string', `${name}[${i}]`));
  };
  return [typed(v.envelope_id, 'string', 'envelope_id'), {
    returnUrl: typed(v.return_url, 'string', 'return_url'),
    userName: typed(v.user_name, 'string', 'user_name'),
    email: typed(v.email, 'string', 'email'),
    clientUserId: typed(v.client_user_id, 'string', 'client_user_id'),
    recipientId: typed(v.recipient_id, 'string', 'recipient_id', undefined),
    authenticationMethod: typed(v.authentication_method, 'string', 'authentication_method', undefined),
    frameAncestors: list('frame_ancestors'),
    messageOrigins: list('message_origins'),
  }];
}
