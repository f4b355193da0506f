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

async function handler(event) {
  var request = event.request;
  var answer = respond(request);
  if (answer) return answer;
  request.uri = objectUri(request.uri);
  // A versioned deploy will prefix request.uri with the live version read
  // from a KeyValueStore here, after every decision made on the public path.
  return request;
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
