/**
 * Nunjucks' `throwOnUndefined` only catches an undefined value printed as it
 * is: `{{ site.phoen }}` fails, but `{{ site.phoen | upper }}`,
 * `{{ contnet | safe }}` and `{{ "Fax " + site.fax }}` render "" or
 * "Fax undefined" and an empty or wrong page ships. Nunjucks has no hook for
 * this, so its compiler is taught, for environments with `throwOnUndefined`,
 * to check what reaches a filter or a `+`/`~` at the place it is written.
 * The check is compiled in (not a wrapper around each filter) because only
 * the compiler knows the line and column and what the expression was.
 */
import nunjucks from 'nunjucks';

/**
 * Filters whose job is a missing value: `default` (and its alias `d`) and
 * Eleventy's `log`, which prints whatever it gets. The project's own filters
 * (`absoluteUrl`, `jsonLd`, `asset`) all need a value, so none is listed.
 */
export const FILTERS_FOR_MISSING_VALUES: ReadonlySet<string> = new Set(['default', 'd', 'log']);

/** The operators that turn an undefined operand into the text "undefined" (or NaN). */
const JOINING_OPERATORS = { compileAdd: '+', compileConcat: '~' } as const;

interface TemplateNode {
  typename: string;
  lineno: number;
  colno: number;
  value?: unknown;
  target?: TemplateNode;
  val?: TemplateNode;
  name?: TemplateNode;
  args?: { children: TemplateNode[] };
  left?: TemplateNode;
  right?: TemplateNode;
}

interface CompilerInstance {
  throwOnUndefined: boolean;
  _emit(code: string): void;
  compile(node: TemplateNode, frame: unknown): void;
  _emitLine(code: string): void;
  _makeCallback(symbol: string): string;
  _addScopeLevel(): void;
}

type CompileMethod = (this: CompilerInstance, node: TemplateNode, frame: unknown) => void;

const HELPER = 'requireDefinedForTemplate';

/** What the editor wrote, rebuilt from the parsed expression, when it is a plain name or lookup. */
function expressionText(node: TemplateNode): string | undefined {
  switch (node.typename) {
    case 'Symbol':
      return String(node.value);
    case 'LookupVal': {
      const target = node.target && expressionText(node.target);
      const key = node.val;
      if (!target || !key) return undefined;
      if (key.typename === 'Literal' && typeof key.value === 'string' && /^[A-Za-z_$][\w$]*$/.test(key.value)) return `${target}.${key.value}`;
      const inner = key.typename === 'Literal' ? JSON.stringify(key.value) : expressionText(key);
      return inner === undefined ? undefined : `${target}[${inner}]`;
    }
    case 'Filter': {
      const input = node.args?.children[0];
      const text = input && expressionText(input);
      return text && `${text} | ${String(node.name?.value)}`;
    }
    case 'FunCall': {
      const name = node.name && expressionText(node.name);
      return name && `${name}(…)`;
    }
    default:
      return undefined;
  }
}

/** Where an expression starts (a lookup's own position is its dot). */
function startOf(node: TemplateNode): TemplateNode {
  if (node.typename === 'LookupVal' && node.target) return startOf(node.target);
  if (node.typename === 'Filter' && node.args?.children[0]) return startOf(node.args.children[0]);
  if (node.typename === 'FunCall' && node.name) return startOf(node.name);
  return node;
}

function missingFilterInput(node: TemplateNode, filter: string, piped: boolean): string {
  const text = expressionText(node);
  const where = piped ? `goes through the "${filter}" filter` : `is passed to the "${filter}" filter`;
  const fallback = `${text ?? 'value'} | default(…)${piped ? ` | ${filter}` : ''}`;
  return `${text ? `"${text}"` : 'a value'} is undefined or null where it ${where}. Set it in the front matter or site data, or write \`${fallback}\` if it may be missing`;
}

function missingOperand(node: TemplateNode, operator: string): string {
  const text = expressionText(node);
  return `${text ? `"${text}"` : 'a value'} is undefined or null in a "${operator}" expression, which would print "undefined". Set it in the front matter or site data, or write \`${text ?? 'value'} | default("…")\` if it is optional`;
}

/** Compiles `node` so that, at run time, undefined or null throws `message` at the node's position. */
function compileChecked(compiler: CompilerInstance, node: TemplateNode, frame: unknown, message: string): void {
  const start = startOf(node);
  compiler._emit(`runtime.${HELPER}(`);
  compiler.compile(node, frame);
  compiler._emit(`, ${JSON.stringify(message)}, ${start.lineno}, ${start.colno})`);
}

/** A filter call as Nunjucks compiles it, with each positional argument checked. */
function compileFilterArguments(compiler: CompilerInstance, node: TemplateNode, frame: unknown): void {
  const filter = String(node.name?.value);
  (node.args?.children ?? []).forEach((argument, index) => {
    if (index > 0) compiler._emit(',');
    if (argument.typename === 'KeywordArgs') compiler.compile(argument, frame);
    else compileChecked(compiler, argument, frame, missingFilterInput(argument, filter, index === 0));
  });
}

let installed = false;

/** Teaches Nunjucks' compiler the checks above; only `throwOnUndefined` environments compile them in. */
export function installStrictUndefined(): void {
  if (installed) return;
  installed = true;
  const { TemplateError } = (nunjucks as unknown as { lib: { TemplateError: new (message: string, lineno: number, colno: number) => Error } }).lib;
  // Same convention as Nunjucks' own ensureDefined: positions are 0-based in the AST.
  (nunjucks.runtime as unknown as Record<string, unknown>)[HELPER] = (value: unknown, message: string, lineno: number, colno: number) => {
    if (value === undefined || value === null) throw new TemplateError(message, lineno + 1, colno + 1);
    return value;
  };

  const prototype = (nunjucks as unknown as { compiler: { Compiler: { prototype: Record<string, CompileMethod> } } }).compiler.Compiler.prototype;
  const originalFilter = prototype['compileFilter']!;
  const originalFilterAsync = prototype['compileFilterAsync']!;
  prototype['compileFilter'] = function (node, frame) {
    const filter = String(node.name?.value);
    if (!this.throwOnUndefined || FILTERS_FOR_MISSING_VALUES.has(filter)) return originalFilter.call(this, node, frame);
    this._emit(`env.getFilter(${JSON.stringify(filter)}).call(context, `);
    compileFilterArguments(this, node, frame);
    this._emit(')');
  };
  prototype['compileFilterAsync'] = function (node, frame) {
    const filter = String(node.name?.value);
    if (!this.throwOnUndefined || FILTERS_FOR_MISSING_VALUES.has(filter)) return originalFilterAsync.call(this, node, frame);
    const symbol = String((node as TemplateNode & { symbol: TemplateNode }).symbol.value);
    (frame as { set(name: string, value: string): void }).set(symbol, symbol);
    this._emit(`env.getFilter(${JSON.stringify(filter)}).call(context, `);
    compileFilterArguments(this, node, frame);
    this._emitLine(', ' + this._makeCallback(symbol));
    this._addScopeLevel();
  };
  for (const [method, operator] of Object.entries(JOINING_OPERATORS)) {
    const original = prototype[method]!;
    const joiner = method === 'compileConcat' ? ' + "" + ' : ' + ';
    prototype[method] = function (node, frame) {
      if (!this.throwOnUndefined || !node.left || !node.right) return original.call(this, node, frame);
      compileChecked(this, node.left, frame, missingOperand(node.left, operator));
      this._emit(joiner);
      compileChecked(this, node.right, frame, missingOperand(node.right, operator));
    };
  }
}
