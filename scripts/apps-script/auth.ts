/**
 * Whether clasp can act for a Google account, read from clasp's own
 * credentials file without a network call: the preflight of `npm run
 * publish:apps-script`, and what a status listing can show.
 *
 * clasp 3.4.1 keeps credentials in `~/.clasprc.json` (or the file its
 * `--auth` option or `clasp_config_auth` names), under `tokens.<user>`
 * ("default" unless `--user`), as google-auth-library `authorized_user`
 * credentials: `access_token`, `refresh_token`, and `expiry_date` (epoch
 * milliseconds; `clasp login` writes none, the first renewal writes one).
 * Files from clasp 1 and 2 (a top-level `token` with
 * `oauth2ClientSettings`, or a top-level `access_token`) are still read for
 * the default user (build/src/auth/file_credential_store.js).
 *
 * clasp 3 hands the credentials to `GoogleAuth.fromJSON`, which refuses
 * any without a refresh token ("The incoming JSON object does not contain a
 * refresh_token field"): without one clasp does nothing at all, expired
 * access token or not. With one, an expired access token is normal — clasp
 * renews it — and only Google can say whether the refresh token still works
 * (a revoked one answers `invalid_grant`, see clasp.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export const CLASP_LOGIN = 'npx clasp login';

export interface ClaspTokenStatus {
  /** The credentials file read, absolute. */
  file: string;
  /** The key the credentials are stored under (clasp's `--user`). */
  user: string;
  /** When the stored access token expires, if the file says (clasp renews it with the refresh token). */
  expiresAt?: Date;
  hasRefreshToken: boolean;
  /** The command that logs clasp in again. */
  renew: typeof CLASP_LOGIN;
  /** Why clasp cannot act with these credentials; absent when it can, as far as the file shows. */
  problem?: string;
}

export interface ClaspTokenOptions {
  /** The home folder clasp looks in (`os.homedir()`). */
  home: string;
  /** clasp's `--auth`: a credentials file, or a folder holding `.clasprc.json`; relative to the working folder. */
  authFile?: string;
  /** clasp's `--user`; "default" unless told. */
  user?: string;
  now?: Date;
}

/** The credentials file clasp would read. */
export async function claspAuthFile(options: Pick<ClaspTokenOptions, 'home' | 'authFile'>): Promise<string> {
  if (!options.authFile) return path.join(options.home, '.clasprc.json');
  const file = path.resolve(options.authFile);
  const info = await stat(file).catch(() => undefined);
  return info?.isDirectory() ? path.join(file, '.clasprc.json') : file;
}

interface StoredCredential {
  access_token?: unknown;
  refresh_token?: unknown;
  expiry_date?: unknown;
  exprity_date?: unknown;
}

export async function claspTokenStatus(options: ClaspTokenOptions): Promise<ClaspTokenStatus> {
  const file = await claspAuthFile(options);
  const user = options.user ?? 'default';
  const shown = homeRelative(file, options.home);
  const status = (fields: Partial<ClaspTokenStatus>): ClaspTokenStatus => ({ file, user, hasRefreshToken: false, renew: CLASP_LOGIN, ...fields });

  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return status({ problem: `clasp is not logged in: there is no ${shown}. Run ${CLASP_LOGIN}.` });
    return status({ problem: `clasp's credentials file ${shown} cannot be read (${code ?? String(error)}). Fix its permissions or run ${CLASP_LOGIN}.` });
  }
  let store: unknown;
  try {
    store = JSON.parse(text);
  } catch {
    return status({ problem: `clasp's credentials file ${shown} is not valid JSON, so clasp cannot read it either. Run ${CLASP_LOGIN} to write it again.` });
  }
  const credentials = storedCredential(store, user);
  if (!credentials) {
    return status({ problem: `clasp is not logged in: ${shown} holds no credentials for the user "${user}" (npx clasp logout leaves it so). Run ${CLASP_LOGIN}.` });
  }
  const expiry = credentials.expiry_date ?? credentials.exprity_date;
  const expiresAt = typeof expiry === 'number' && Number.isFinite(expiry) ? new Date(expiry) : undefined;
  const hasRefreshToken = typeof credentials.refresh_token === 'string' && credentials.refresh_token !== '';
  const result = status({ hasRefreshToken, ...(expiresAt ? { expiresAt } : {}) });
  if (hasRefreshToken) return result;
  const now = options.now ?? new Date();
  if (expiresAt && expiresAt.getTime() <= now.getTime()) {
    result.problem = `clasp's Google login in ${shown} has expired (its access token expired ${expiresAt.toISOString()}, and there is no refresh token to renew it). Run ${CLASP_LOGIN}.`;
  } else {
    result.problem = `clasp's credentials in ${shown} have no refresh token, and clasp 3 refuses credentials without one ("does not contain a refresh_token field"). Run ${CLASP_LOGIN}.`;
  }
  return result;
}

/** What clasp's FileCredentialStore.load returns for `user`, or undefined. */
function storedCredential(store: unknown, user: string): StoredCredential | undefined {
  if (!isObject(store)) return undefined;
  const tokens = store['tokens'];
  const current = isObject(tokens) ? tokens[user] : undefined;
  if (isObject(current)) return current;
  if (user !== 'default') return undefined;
  // clasp 1 and 2 files, which clasp 3 still reads for the default user.
  if (isObject(store['token']) && store['oauth2ClientSettings']) return store['token'];
  if (store['access_token']) return store;
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `~/.clasprc.json` rather than the whole home path, as people write it. */
export function homeRelative(file: string, home: string): string {
  const relative = path.relative(home, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? `~/${relative.split(path.sep).join('/')}` : file;
}
