import { deflateSync, Inflate } from 'fflate';
import { z } from 'zod';
import { tacticSchema } from '../tactics/schedule.ts';
import type { Tactic } from '../tactics/tactic.ts';

/**
 * Share links: the whole workbench state (model, mesh, hardware, topology, schedule, view) in the
 * URL fragment as `s=<version>.<base64url(deflate(JSON))>`. The fragment never reaches a server.
 * A link is untrusted input: its length and its inflated size are capped (a deflate bomb stops
 * at the cap), its JSON is validated field by field, and every way it can be bad raises a
 * ShareLinkError whose `kind` says which and whose message names the field.
 */
export const SHARE_LINK_VERSION = 1;
/** Longest encoded state accepted (characters after `s=`): browsers keep URLs of 2 MB, but a
 *  share link that long is an attack or a mistake. */
export const MAX_LINK_CHARS = 64 * 1024;
/** Largest inflated JSON accepted (bytes). */
export const MAX_STATE_BYTES = 1024 * 1024;

export type ShareLinkErrorKind =
  'format' | 'size' | 'base64' | 'deflate' | 'json' | 'version' | 'schema';

export class ShareLinkError extends Error {
  constructor(
    readonly kind: ShareLinkErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ShareLinkError';
  }
}

const selectionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('group'), id: z.string().max(4096) }).strict(),
  z.object({ kind: z.literal('op'), id: z.number().int().nonnegative() }).strict(),
  z.object({ kind: z.literal('value'), id: z.number().int().nonnegative() }).strict(),
  z.object({ kind: z.literal('collective'), index: z.number().int().nonnegative() }).strict(),
]);

const modelSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('preset'), spec: z.string().min(1).max(4096) }).strict(),
  z
    .object({
      kind: z.literal('file'),
      name: z.string().max(1024),
      text: z.string().max(MAX_STATE_BYTES),
    })
    .strict(),
]);

/** The shared state; the workbench's Workspace has exactly this shape. */
export const sharedStateSchema = z
  .object({
    version: z.literal(1),
    model: modelSchema,
    mesh: z.string().min(1).max(1024),
    hardware: z.string().min(1).max(1024),
    topology: z.string().max(4096).nullable(),
    schedule: z.array(tacticSchema).max(256),
    after: z.number().int().nonnegative().nullable(),
    view: z
      .object({
        expanded: z.array(z.string().max(4096)).max(10_000),
        selected: selectionSchema.nullable(),
        search: z.string().max(1024),
      })
      .strict(),
  })
  .strict();

export type SharedSelection = z.infer<typeof selectionSchema>;

export interface SharedState {
  readonly version: 1;
  readonly model:
    | { readonly kind: 'preset'; readonly spec: string }
    | { readonly kind: 'file'; readonly name: string; readonly text: string };
  readonly mesh: string;
  readonly hardware: string;
  readonly topology: string | null;
  readonly schedule: readonly Tactic[];
  readonly after: number | null;
  readonly view: {
    readonly expanded: readonly string[];
    readonly selected: SharedSelection | null;
    readonly search: string;
  };
}

/** The fragment's payload (`1.eJy…`, without `#s=`). */
export function encodeShareState(state: SharedState): string {
  const json = new TextEncoder().encode(JSON.stringify(state));
  return `${SHARE_LINK_VERSION}.${toBase64Url(deflateSync(json, { level: 9 }))}`;
}

/** A URL fragment (`#s=…`) for the state. */
export function shareFragment(state: SharedState): string {
  return `#s=${encodeShareState(state)}`;
}

/** The state of a fragment (`#s=…`, `s=…` or the bare payload); null when it holds no state. */
export function decodeShareFragment(fragment: string): SharedState | null {
  const f = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (f === '') return null;
  const param = f.split('&').find((p) => p.startsWith('s='));
  if (param === undefined) return null;
  return decodeShareState(param.slice(2));
}

/** Decodes and validates a payload; throws ShareLinkError. */
export function decodeShareState(payload: string): SharedState {
  if (payload.length > MAX_LINK_CHARS)
    throw new ShareLinkError(
      'size',
      `the link's state is ${payload.length} characters long; at most ${MAX_LINK_CHARS} are accepted`,
    );
  const dot = payload.indexOf('.');
  if (dot < 0)
    throw new ShareLinkError(
      'format',
      `the link's state must be '<version>.<data>' (e.g. '1.eJy…'), found no '.'`,
    );
  const version = payload.slice(0, dot);
  if (!/^\d+$/.test(version))
    throw new ShareLinkError('format', `the link's version '${version}' is not a number`);
  if (Number(version) !== SHARE_LINK_VERSION)
    throw new ShareLinkError(
      'version',
      `the link is version ${version}; this workbench reads version ${SHARE_LINK_VERSION}`,
    );
  const bytes = fromBase64Url(payload.slice(dot + 1));
  const text = inflateCapped(bytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ShareLinkError('json', `the link's state is not valid JSON: ${(e as Error).message}`);
  }
  return validateSharedState(json, 'the link');
}

/** Validates a parsed state (a link's, local storage's, an imported file's). */
export function validateSharedState(json: unknown, source: string): SharedState {
  if (typeof json === 'object' && json !== null && 'version' in json && json.version !== 1)
    throw new ShareLinkError(
      'version',
      `${source} holds state version ${JSON.stringify(json.version)}; this workbench reads version 1`,
    );
  const r = sharedStateSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new ShareLinkError('schema', `${source}: invalid field '${where}': ${issue.message}`);
  }
  return r.data as SharedState;
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const bad = /[^A-Za-z0-9_-]/.exec(text);
  if (bad)
    throw new ShareLinkError(
      'base64',
      `the link's data is not base64url: character ${JSON.stringify(bad[0])} at position ${bad.index + 1}`,
    );
  if (text.length % 4 === 1)
    throw new ShareLinkError('base64', `the link's data is not base64url: it is cut short`);
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Inflates at most MAX_STATE_BYTES, then UTF-8 decodes strictly. */
function inflateCapped(bytes: Uint8Array): string {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  const inflate = new Inflate((chunk, final) => {
    size += chunk.length;
    if (size > MAX_STATE_BYTES)
      throw new ShareLinkError(
        'size',
        `the link's state inflates to more than ${MAX_STATE_BYTES} bytes; it is not accepted`,
      );
    chunks.push(chunk);
    if (final) ended = true;
  });
  try {
    for (let i = 0; i < bytes.length; i += 1024)
      inflate.push(bytes.subarray(i, i + 1024), i + 1024 >= bytes.length);
    if (bytes.length === 0) inflate.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof ShareLinkError) throw e;
    throw new ShareLinkError(
      'deflate',
      `the link's data does not inflate (not deflate data, or cut short): ${(e as Error).message}`,
    );
  }
  if (!ended)
    throw new ShareLinkError('deflate', `the link's data does not inflate: it is cut short`);
  const all = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(all);
  } catch {
    throw new ShareLinkError('json', `the link's state is not UTF-8 text`);
  }
}
