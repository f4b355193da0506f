/**
 * clasp's Google login, as one of `npm run status`'s credentials: the token
 * `npm run publish:apps-script` deploys the booking backend with. Listed for
 * the selected sites whose site.yaml names a real Apps Script project (a
 * placeholder scriptId means the backend is not set up, and nothing signs
 * in yet). It reads clasp's credentials file only: a login Google has
 * revoked shows up at the next publish (clasp's first request), not here.
 */
import os from 'node:os';
import { isPlaceholder } from '../config/schema.ts';
import { CLASP_LOGIN, claspAuthFile, claspTokenStatus, homeRelative } from '../apps-script/auth.ts';
import { appsScriptSites } from '../apps-script/config.ts';
import type { CredentialCheck, CredentialCheckSource } from './credentials.ts';

export function claspCredentialSource(options: { home?: string; authFile?: string } = {}): CredentialCheckSource {
  return async ({ sites }) => {
    const deployed = appsScriptSites(sites).filter((site) => !isPlaceholder(site.booking.appsScript!.scriptId));
    if (deployed.length === 0) return [];
    const home = options.home ?? os.homedir();
    const authFile = options.authFile ?? process.env['clasp_config_auth'];
    const file = await claspAuthFile({ home, ...(authFile ? { authFile } : {}) });
    const check: CredentialCheck = {
      source: `clasp's Google login (${homeRelative(file, home)})`,
      usedBy: deployed.map((site) => `${site.domain} booking backend`),
      renew: CLASP_LOGIN,
      async check(now) {
        const status = await claspTokenStatus({ home, ...(authFile ? { authFile } : {}), now });
        if (status.problem) {
          const state = /not logged in|no credentials/.test(status.problem) ? 'missing' : /expired/.test(status.problem) ? 'expired' : 'error';
          return { problem: { state, message: status.problem } };
        }
        // With a refresh token, clasp renews the access token itself: its
        // expiry is not the login's, and Google does not say when that ends.
        return {};
      },
    };
    return [check];
  };
}
