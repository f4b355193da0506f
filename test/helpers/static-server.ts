/** Serves a built site folder on 127.0.0.1 for the browser tests, like a static host: `/x/` is `/x/index.html`. */
import { serveWithHeaders } from '../../scripts/audit/headers-server.ts';

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** The audit's server with no response headers of its own. */
export function serveDirectory(root: string): Promise<StaticServer> {
  return serveWithHeaders(root, {});
}
