// The viewer-request CloudFront Function (runtime cloudfront-js-2.0) in front
// of a site's bucket. One source, three readers: the CDK stack deploys it, the
// local edge runs it, the tests run it; all get it from edgeFunctionCode() in
// edge-function.ts, which writes the site's EdgeConfig over the marker below.
// A plain script, strict by default: the runtime has no import, export or
// require (see edge-function.ts for the documented features relied on).

// Left as {}, the function only maps paths to objects: no host or path redirects.
var CONFIG = /*EDGE_CONFIG*/{};

// Browsers keep a 301 for as long as they are told: an hour spares repeat hops
// yet lets a redirect taken out of site.yaml stop within the hour.
var REDIRECT_CACHE_CONTROL = 'public, max-age=3600';

// The publisher's deploy records and lock (RESERVED_PREFIX in
// scripts/publish/local-files.ts) are never served.
var RESERVED_PATH = '/.publish';

// Versioned mode (CONFIG.versioned) reads the KeyValueStore through kvsHandle,
// which edge-function.ts declares above this file's text; the map's format is
// scripts/publish/versioned/path-map.ts.
var OBJECTS = '/.objects/';
var PREVIEW_COOKIE = 'deploy_preview';
// The same test as isFingerprinted() in scripts/publish/local-files.ts (a test compares them).
var FINGERPRINT = /(?:\.(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{8,64}|-(?=[A-Z2-7]*[2-7])(?=[A-Z2-7]*[A-Z])[A-Z2-7]{8})\.[A-Za-z0-9]+$/;

async function handler(event) {
  if (event.context.eventType === 'viewer-response') return viewerResponse(event);
  var request = event.request;
  var answer = respond(request);
  if (answer) return answer;
  request.uri = objectUri(request.uri);
  if (!CONFIG.versioned) return request;
  return versioned(request);
}

// Maps the path to the object that serves it in the live deploy, or in the
// previewed one; a path the deploy lacks gets that deploy's 404 page.
async function versioned(request) {
  var asked = request.querystring.deploy;
  if (asked) return previewCookie(asked.value, request.uri);
  var live = (await read('live') || '').split(' ');
  var seq = Number(live[0]);
  var preview = request.cookies[PREVIEW_COOKIE];
  if (preview) {
    var previewSeq = await read('d:' + preview.value);
    if (previewSeq === undefined) return previewCookie('', request.uri);
    seq = Number(previewSeq);
  }
  var path = decodePath(request.uri);
  var id = resolve(await read('p:' + path), seq, FINGERPRINT.test(path.slice(path.lastIndexOf('/') + 1)));
  if (id === undefined) id = resolve(await read('p:/404.html'), seq, false);
  if (id === undefined) return notFound();
  request.uri = OBJECTS + id;
  return request;
}

async function read(key) {
  try {
    return await kvsHandle.get(key);
  } catch (error) {
    return undefined;
  }
}

// The last entry at or below seq ("-": gone); a fingerprinted file gone from
// the deploy is served from the newest deploy that has it (same bytes).
function resolve(value, seq, fingerprinted) {
  if (value === undefined) return undefined;
  var entries = value.split(',');
  var found;
  var newest;
  for (var i = 0; i < entries.length; i++) {
    var at = entries[i].indexOf('=');
    var id = entries[i].slice(at + 1);
    if (id !== '-') newest = id;
    if (Number(entries[i].slice(0, at)) <= seq) found = id;
  }
  if (found !== undefined && found !== '-') return found;
  return fingerprinted ? newest : undefined;
}

// ?deploy=<id> starts previewing a kept deploy (the cookie keeps it while
// following links); ?deploy=live, or an id no longer kept, ends it.
function previewCookie(id, uri) {
  var keep = id !== 'live' && /^[A-Za-z0-9_-]{1,64}$/.test(id);
  return {
    statusCode: 302,
    statusDescription: 'Found',
    headers: { location: { value: uri.endsWith('/index.html') ? uri.slice(0, -'index.html'.length) : uri }, 'cache-control': { value: 'no-store' } },
    cookies: { deploy_preview: { value: keep ? id : '', attributes: 'Path=/; Secure; HttpOnly; SameSite=Lax' + (keep ? '' : '; Max-Age=0') } },
  };
}

// The 404 page keeps its status (its object says so), and a previewed deploy
// is never indexed.
function viewerResponse(event) {
  var response = event.response;
  var status = response.headers['x-amz-meta-status'];
  if (status) {
    delete response.headers['x-amz-meta-status'];
    response.statusCode = Number(status.value);
    response.statusDescription = 'Not Found';
  }
  if (event.request.cookies[PREVIEW_COOKIE]) response.headers['x-robots-tag'] = { value: 'noindex' };
  return response;
}

// A response made here (redirect or refusal), or undefined to forward the request.
function respond(request) {
  var query = queryString(request.querystring);
  var host = request.headers.host ? request.headers.host.value.toLowerCase() : '';
  if (CONFIG.redirectHosts && CONFIG.redirectHosts.indexOf(host) !== -1) {
    return redirect('https://' + CONFIG.canonicalHost + request.uri, query);
  }
  // S3 decodes the key it is asked for, so decisions are made on the decoded path.
  var path = decodePath(request.uri);
  if (path === RESERVED_PATH || path.startsWith(RESERVED_PATH + '/')) return notFound();
  var target = redirectTarget(path);
  if (target !== undefined) return redirect(target, query);
  var lastSegment = request.uri.slice(request.uri.lastIndexOf('/') + 1);
  // A folder asked for without its slash: send the browser to the folder
  // (as an S3 website endpoint and Netlify do), so its relative links resolve.
  if (lastSegment !== '' && lastSegment.indexOf('.') === -1) return redirect(request.uri + '/', query);
  return undefined;
}

// The bucket's REST endpoint has no index documents: a folder is its index.html.
function objectUri(uri) {
  return uri.endsWith('/') ? uri + 'index.html' : uri;
}

// A redirect from a folder also answers for its index.html and for the
// folder without its trailing slash.
function redirectTarget(path) {
  var redirects = CONFIG.redirects || {};
  var candidates = [path];
  if (path.endsWith('/index.html')) candidates.push(path.slice(0, -'index.html'.length));
  else if (!path.endsWith('/')) candidates.push(path + '/');
  for (var i = 0; i < candidates.length; i++) {
    if (Object.prototype.hasOwnProperty.call(redirects, candidates[i])) return redirects[candidates[i]];
  }
  return undefined;
}

// A malformed escape (say %E0%A4%A) is no reason to fail the request: such a
// path is matched, and forwarded, as it was sent.
function decodePath(uri) {
  try {
    return decodeURIComponent(uri);
  } catch (error) {
    return uri;
  }
}

// The query string as the viewer sent it (the event holds names and values
// undecoded), repeated names included; only the order across names is lost.
function queryString(params) {
  var parts = [];
  var names = Object.keys(params || {});
  for (var i = 0; i < names.length; i++) {
    var param = params[names[i]];
    var values = param.multiValue ? param.multiValue : [param];
    for (var j = 0; j < values.length; j++) {
      parts.push(values[j].value === '' ? names[i] : names[i] + '=' + values[j].value);
    }
  }
  return parts.join('&');
}

// The viewer's query goes before any #fragment, after any query of the target's own.
function withQuery(target, query) {
  if (query === '') return target;
  var hash = target.indexOf('#');
  var base = hash === -1 ? target : target.slice(0, hash);
  var fragment = hash === -1 ? '' : target.slice(hash);
  return base + (base.indexOf('?') === -1 ? '?' : '&') + query + fragment;
}

function redirect(target, query) {
  return {
    statusCode: 301,
    statusDescription: 'Moved Permanently',
    headers: {
      location: { value: withQuery(target, query) },
      'cache-control': { value: REDIRECT_CACHE_CONTROL },
    },
  };
}

function notFound() {
  return {
    statusCode: 404,
    statusDescription: 'Not Found',
    headers: {
      'content-type': { value: 'text/plain; charset=utf-8' },
      'cache-control': { value: 'no-store' },
    },
    body: { encoding: 'text', data: 'Not Found\n' },
  };
}
