/** How output files and site paths map onto each other (a folder's index.html is the folder's URL). */

/** `about/index.html` → `/about/`; `index.html` → `/`; `404.html` → `/404.html`. */
export function pathOfFile(file: string): string {
  if (file === 'index.html') return '/';
  if (file.endsWith('/index.html')) return `/${file.slice(0, -'index.html'.length)}`;
  return `/${file}`;
}

/** `/about/` → `about/index.html`; `/assets/site.css` → `assets/site.css`. */
export function fileOfPath(sitePath: string): string {
  const relative = sitePath.replace(/^\/+/, '');
  return relative === '' || relative.endsWith('/') ? `${relative}index.html` : relative;
}
