/** The headers server lives with the page audits, which serve built sites the same way; the tests import it from here. */
export { serveWithHeaders, type HeadersServer } from '../../scripts/audit/headers-server.ts';
