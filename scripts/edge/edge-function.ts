/**
 * The viewer-request CloudFront Function for one site and environment: its
 * configuration (from site.yaml), its code (viewer-request.js with that
 * configuration written in), and a runner that executes the code the way the
 * cloudfront-js-2.0 runtime does, for the tests and the local edge.
 *
 * What viewer-request.js relies on from the runtime, all documented for 2.0
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-javascript-runtime-20.html):
 * var/const/let, async functions, strict mode by default, Object.keys,
 * Object.prototype.hasOwnProperty, String startsWith/endsWith/slice/indexOf,
 * decodeURIComponent; and no modules, no dynamic code evaluation. The event and
 * response shapes are those of
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { environmentOf, type SiteConfig } from '../config/sites.ts';
import { ConfigError } from '../errors.ts';

export interface EdgeConfig {
  /** Where the redirect hosts send viewers, e.g. 86from.com. */
  canonicalHost: string;
  /** Hosts answered with a 301 to the canonical host (www. or the apex). */
  redirectHosts: string[];
  /** Decoded site path (as in site.yaml, percent-escapes decoded) → target as written. */
  redirects: Record<string, string>;
  /** Versioned mode: paths map to content-addressed objects through the KeyValueStore (scripts/publish/versioned/path-map.ts). */
  versioned?: boolean;
}

/**
 * The runtime's module for the KeyValueStore associated with the function
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-custom-methods.html):
 * declared before the code only in versioned mode, so an in-place function
 * needs no store.
 */
export const KVS_PROLOGUE = "import cf from 'cloudfront';\nvar kvsHandle = cf.kvs();\n";

/**
 * "Maximum size of the function code and included libraries: 10 KB"
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-functions-choosing.html),
 * counted in bytes of the code as uploaded.
 */
export const MAX_FUNCTION_BYTES = 10 * 1024;

export const VIEWER_REQUEST_SOURCE = fileURLToPath(new URL('./viewer-request.js', import.meta.url));

/** The one place in viewer-request.js the configuration goes; `{}` there keeps the raw file runnable. */
const CONFIG_MARKER = '/*EDGE_CONFIG*/{}';

let source: string | undefined;

/** viewer-request.js, read once per process. */
function viewerRequestSource(): string {
  if (source === undefined) {
    const text = readFileSync(VIEWER_REQUEST_SOURCE, 'utf8');
    const markers = text.split(CONFIG_MARKER).length - 1;
    if (markers !== 1) throw new Error(`${VIEWER_REQUEST_SOURCE} must contain ${CONFIG_MARKER} exactly once (found ${markers})`);
    source = text;
  }
  return source;
}

export function edgeConfigFor(site: SiteConfig, environmentName: string): EdgeConfig {
  const url = new URL(environmentOf(site, environmentName).url);
  // Only the production pair (apex and www.) is redirected: a staging or local
  // host has no twin that people type.
  const redirectHosts =
    url.hostname === site.domain ? [`www.${site.domain}`] : url.hostname === `www.${site.domain}` ? [site.domain] : [];
  const redirects: Record<string, string> = {};
  const indexOfPath = new Map<string, number>();
  site.redirects.forEach((redirect, index) => {
    const path = decodeSafely(redirect.from);
    const earlier = indexOfPath.get(path);
    if (earlier !== undefined) {
      throw new ConfigError(
        `${site.configFile}: redirects.${index}.from: "${redirect.from}" is the same path as redirects.${earlier}.from once its percent-escapes are decoded; keep one of them.`,
      );
    }
    indexOfPath.set(path, index);
    redirects[path] = asciiUrl(redirect.to);
  });
  return { canonicalHost: url.host, redirectHosts, redirects };
}

/** The function's code with `config` written in; refused when CloudFront would refuse it. */
export function edgeFunctionCode(config: EdgeConfig, options: { configFile?: string } = {}): string {
  const code = assemble(config);
  const size = functionCodeSize(code);
  if (size > MAX_FUNCTION_BYTES) {
    const withoutRedirects = functionCodeSize(assemble({ ...config, redirects: {} }));
    const format = (bytes: number) => bytes.toLocaleString('en-US');
    throw new ConfigError(
      `${options.configFile ?? 'site.yaml'}: redirects: the viewer-request function would be ${format(size)} bytes, over CloudFront Functions' limit of ${format(MAX_FUNCTION_BYTES)} bytes (10 KB). ` +
        `Its ${Object.keys(config.redirects).length} redirects take ${format(size - withoutRedirects)} bytes; ${format(Math.max(MAX_FUNCTION_BYTES - withoutRedirects, 0))} fit. ` +
        'Remove redirects that no longer receive traffic.',
    );
  }
  return code;
}

/**
 * The code as uploaded: whole-line comments dropped (they count against the
 * 10 KB like code; the source keeps them), the configuration written in, and
 * the store's module declared in versioned mode.
 */
function assemble(config: EdgeConfig): string {
  const body = viewerRequestSource()
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line))
    .join('\n')
    .replace(CONFIG_MARKER, () => configLiteral(config));
  return config.versioned ? KVS_PROLOGUE + body : body;
}

/** Bytes as CloudFront counts them: the UTF-8 encoding of the code. */
export function functionCodeSize(code: string): number {
  return Buffer.byteLength(code, 'utf8');
}

/**
 * JSON is a JavaScript expression; non-ASCII characters are escaped so the
 * code is plain ASCII wherever it travels (CloudFormation template, API blob).
 */
function configLiteral(config: EdgeConfig): string {
  return JSON.stringify(config).replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function decodeSafely(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** A Location header is ASCII: a target written with é in site.yaml goes out as %C3%A9. */
function asciiUrl(target: string): string {
  return target.replace(/[^\x21-\x7e]/gu, (char) => encodeURIComponent(char));
}

// ---- The event and its answers, as cloudfront-js-2.0 passes and takes them.

export interface CloudFrontValue {
  value: string;
  /** Present when the name repeats; holds every value, the first included. */
  multiValue?: Array<{ value: string }>;
}

export type CloudFrontValues = Record<string, CloudFrontValue>;

export interface CloudFrontFunctionRequest {
  method: string;
  uri: string;
  querystring: CloudFrontValues;
  /** Lower-case names. */
  headers: CloudFrontValues;
  cookies: CloudFrontValues;
}

export interface CloudFrontFunctionEvent {
  version: '1.0';
  context: {
    distributionDomainName: string;
    distributionId: string;
    eventType: 'viewer-request';
    requestId: string;
  };
  viewer: { ip: string };
  request: CloudFrontFunctionRequest;
}

export interface CloudFrontFunctionResponse {
  statusCode: number;
  statusDescription?: string;
  headers?: CloudFrontValues;
  cookies?: Record<string, CloudFrontValue & { attributes?: string }>;
  body?: string | { encoding: 'text' | 'base64'; data: string };
}

/** A request goes on to the cache and origin; a response goes straight back to the viewer. */
export type CloudFrontFunctionResult = CloudFrontFunctionRequest | CloudFrontFunctionResponse;

export function isResponse(result: CloudFrontFunctionResult): result is CloudFrontFunctionResponse {
  return 'statusCode' in result;
}

/** Well past what a function this size needs; it only stops a runaway loop. */
const RUN_TIMEOUT_MS = 1000;

/**
 * Runs `code` as the runtime would: a fresh context with only the language's
 * built-ins (no require, process or Buffer; V8's own console, which prints
 * nothing, stands in for the runtime's), strict mode, no eval or new Function. The event goes in, and the result comes out, as JSON, so
 * neither side holds the other realm's objects.
 */
export async function runViewerRequest(code: string, event: CloudFrontFunctionEvent, options: FunctionRunOptions = {}): Promise<CloudFrontFunctionResult> {
  return runFunction(code, event, options) as Promise<CloudFrontFunctionResult>;
}

/** The viewer-response side of the same code (status of the 404 page, noindex on previews). */
export async function runViewerResponse(code: string, event: CloudFrontResponseEvent, options: FunctionRunOptions = {}): Promise<CloudFrontFunctionResponse> {
  return runFunction(code, event, options) as Promise<CloudFrontFunctionResponse>;
}

export interface FunctionRunOptions {
  /** The associated KeyValueStore, read as the runtime's kvsHandle.get(key) reads it: undefined for a missing key. */
  kvs?: (key: string) => Promise<string | undefined> | string | undefined;
}

export interface CloudFrontResponseEvent extends Omit<CloudFrontFunctionEvent, 'context'> {
  context: Omit<CloudFrontFunctionEvent['context'], 'eventType'> & { eventType: 'viewer-response' };
  response: { statusCode: number; statusDescription?: string; headers: CloudFrontValues; cookies: CloudFrontValues };
}

async function runFunction(code: string, event: CloudFrontFunctionEvent | CloudFrontResponseEvent, options: FunctionRunOptions): Promise<unknown> {
  // The runtime's module, as an object in the sandbox: get() rejects for a missing key, as documented.
  const kvs = options.kvs;
  const cf = {
    kvs: () => ({
      get: async (key: string) => {
        const value = kvs ? await kvs(String(key)) : undefined;
        if (value === undefined) throw new Error(`KeyValueStore: key ${key} not found`);
        return value;
      },
      exists: async (key: string) => (kvs ? (await kvs(String(key))) !== undefined : false),
    }),
  };
  const versioned = code.startsWith(KVS_PROLOGUE);
  const context = vm.createContext(versioned ? { cf } : {}, { codeGeneration: { strings: false, wasm: false } });
  const script = versioned ? `var kvsHandle = cf.kvs();\n${code.slice(KVS_PROLOGUE.length)}` : code;
  if (/^\s*import\s/m.test(script)) throw new Error('viewer-request.js imports a module other than the KeyValueStore prologue');
  new vm.Script(`'use strict';${script}`, { filename: 'viewer-request.js' }).runInContext(context, { timeout: RUN_TIMEOUT_MS });
  if (typeof context['handler'] !== 'function') throw new Error('viewer-request.js defines no top-level function handler(event)');
  const call = new vm.Script(`handler(JSON.parse(${JSON.stringify(JSON.stringify(event))}))`, { filename: 'event.js' });
  const result: unknown = await call.runInContext(context, { timeout: RUN_TIMEOUT_MS });
  if (result === null || typeof result !== 'object') throw new Error(`handler(event) returned ${String(result)}, not a request or a response`);
  return JSON.parse(JSON.stringify(result)) as CloudFrontFunctionResult;
}

export interface ViewerRequestOptions {
  /** As the viewer sent it: percent-escapes kept. */
  uri: string;
  host: string;
  /** The raw query string, without "?": names and values stay as sent. */
  query?: string;
  method?: string;
  /** Further headers, any case (the event's names are lower-case). */
  headers?: Record<string, string>;
  ip?: string;
  /** Cookies the viewer sent, by name (the event holds them apart from the headers). */
  cookies?: Record<string, string>;
}

let requestCount = 0;

/** The event CloudFront would pass for one viewer request (for the tests and the local edge). */
export function viewerRequestEvent(options: ViewerRequestOptions): CloudFrontFunctionEvent {
  const headers: CloudFrontValues = { host: { value: options.host } };
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = { value };
  requestCount += 1;
  return {
    version: '1.0',
    context: {
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      distributionId: 'EDFDVBD6EXAMPLE',
      eventType: 'viewer-request',
      requestId: `local-${process.pid}-${requestCount}`,
    },
    viewer: { ip: options.ip ?? '127.0.0.1' },
    request: {
      method: options.method ?? 'GET',
      uri: options.uri,
      querystring: parseQuery(options.query ?? ''),
      headers,
      cookies: Object.fromEntries(Object.entries(options.cookies ?? {}).map(([name, value]) => [name, { value }])),
    },
  };
}

/** `a=1&b&a=2` → { a: { value: '1', multiValue: [1, 2] }, b: { value: '' } }, as CloudFront collapses repeats. */
function parseQuery(query: string): CloudFrontValues {
  // A Map, not an object: a parameter named __proto__ is a parameter like any other.
  const params = new Map<string, CloudFrontValue>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = equals === -1 ? part : part.slice(0, equals);
    const value = equals === -1 ? '' : part.slice(equals + 1);
    const existing = params.get(name);
    if (!existing) params.set(name, { value });
    else (existing.multiValue ??= [{ value: existing.value }]).push({ value });
  }
  return Object.fromEntries(params);
}
