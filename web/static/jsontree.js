// JSON detail view: a small parser that keeps key order, duplicate keys and the exact source
// text of numbers (the index stores numbers as written), a collapsible tree built with DOM
// nodes only, and the query clause for a leaf ("field=value", quoted when needed).

const MAX_DEPTH = 200;

class JsonSyntaxError extends Error {}

/**
 * Parses `text` when it is a JSON object or array; returns null otherwise.
 * Nodes: {t:'o', e:[[key, node]…]}, {t:'a', e:[node…]}, {t:'s', v}, {t:'n', v: source text},
 * {t:'b', v: 'true'|'false'}, {t:'z'} (null).
 */
export function parseJson(text) {
  const s = String(text);
  let i = 0;
  const ws = () => {
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const fail = (what) => {
    throw new JsonSyntaxError(`${what} at ${i}`);
  };
  const str = () => {
    i++; // opening quote
    let out = '';
    let run = i;
    for (;;) {
      if (i >= s.length) fail('unterminated string');
      const c = s.charCodeAt(i);
      if (c === 34) {
        out += s.slice(run, i);
        i++;
        return out;
      }
      if (c < 32) fail('control character in string');
      if (c === 92) {
        out += s.slice(run, i);
        const e = s[i + 1];
        i += 2;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const hex = s.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default: fail('bad escape');
        }
        run = i;
      } else {
        i++;
      }
    }
  };
  const value = (depth) => {
    if (depth > MAX_DEPTH) fail('too deep');
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      const e = [];
      ws();
      if (s[i] === '}') {
        i++;
        return { t: 'o', e };
      }
      for (;;) {
        ws();
        if (s[i] !== '"') fail('expected a key');
        const k = str();
        ws();
        if (s[i] !== ':') fail("expected ':'");
        i++;
        e.push([k, value(depth + 1)]);
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === '}') {
          i++;
          return { t: 'o', e };
        } else fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const e = [];
      ws();
      if (s[i] === ']') {
        i++;
        return { t: 'a', e };
      }
      for (;;) {
        e.push(value(depth + 1));
        ws();
        if (s[i] === ',') i++;
        else if (s[i] === ']') {
          i++;
          return { t: 'a', e };
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return { t: 's', v: str() };
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(s.slice(i, i + 400));
    if (m && m[0]) {
      i += m[0].length;
      return { t: 'n', v: m[0] };
    }
    for (const [word, node] of [['true', { t: 'b', v: 'true' }], ['false', { t: 'b', v: 'false' }], ['null', { t: 'z' }]]) {
      if (s.startsWith(word, i)) {
        i += word.length;
        return node;
      }
    }
    return fail('unexpected character');
  };
  ws();
  if (s[i] !== '{' && s[i] !== '[') return null;
  try {
    const root = value(0);
    ws();
    return i === s.length ? root : null;
  } catch (e) {
    if (e instanceof JsonSyntaxError || e instanceof RangeError) return null;
    throw e;
  }
}

/** True for a field name the query language accepts (core/src/query/word.rs is_field_name). */
export function isFieldName(name) {
  return /^[A-Za-z0-9_.@#$\p{L}-]+$/u.test(name) && !name.startsWith('-');
}

/** A value as the query language needs it: bare when simple, else quoted with \" and \\. */
export function quoteValue(value) {
  const v = String(value);
  if (/^[A-Za-z0-9._\-@:/]+$/.test(v)) return v;
  return `"${v.replace(/[\\"]/g, '\\$&')}"`;
}

/** The clause selecting `value` in `field` ("field=value"). */
export const fieldClause = (field, value) => `${field}=${quoteValue(value)}`;

/**
 * Adds `clause` (negated with `exclude`) to `query` with AND semantics: a query with a
 * top-level OR is wrapped in parentheses first.
 */
export function addClause(query, clause, exclude) {
  const q = String(query || '').trim();
  const c = exclude ? `-${clause}` : clause;
  if (!q) return c;
  return hasTopLevelOr(q) ? `(${q}) ${c}` : `${q} ${c}`;
}

function hasTopLevelOr(q) {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < q.length; i++) {
    const ch = q[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && q.startsWith('OR', i) && (i === 0 || /[\s)]/.test(q[i - 1])) && (i + 2 === q.length || /[\s(]/.test(q[i + 2]))) {
      return true;
    }
  }
  return false;
}

const MAX_FILTER_VALUE = 1000;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function leafText(node) {
  switch (node.t) {
    case 's': return `"${node.v}"`;
    case 'n':
    case 'b': return node.v;
    default: return 'null';
  }
}

/**
 * Builds the tree of `root`. `onFilter(clause, exclude)` is called by the "+" / "−" buttons of
 * leaves (the field is the dotted path of object keys; array indices are not part of it);
 * `highlight(parent, text)`, if given, appends a leaf's text with its matches marked.
 */
export function renderJsonTree(root, onFilter, highlight) {
  const box = el('div', 'jt');
  const build = (node, key, path, parent) => {
    if (node.t === 'o' || node.t === 'a') {
      const det = el('details', 'jt-branch');
      det.open = true;
      const sum = el('summary');
      if (key !== null) {
        sum.appendChild(el('span', key.index ? 'jt-idx' : 'jt-key', key.label));
        sum.appendChild(el('span', 'jt-punct', ': '));
      }
      const n = node.e.length;
      sum.appendChild(el('span', 'jt-meta', node.t === 'o' ? `{…} ${n} ${n === 1 ? 'key' : 'keys'}` : `[…] ${n} ${n === 1 ? 'item' : 'items'}`));
      det.appendChild(sum);
      const kids = el('div', 'jt-children');
      if (node.t === 'o') {
        for (const [k, v] of node.e) build(v, { label: k }, path.concat([k]), kids);
      } else {
        node.e.forEach((v, idx) => build(v, { label: `[${idx}]`, index: true }, path, kids));
      }
      if (!n) kids.appendChild(el('span', 'jt-meta', node.t === 'o' ? '(empty object)' : '(empty array)'));
      det.appendChild(kids);
      parent.appendChild(det);
      return;
    }
    const row = el('div', 'jt-leaf');
    if (key !== null) {
      row.appendChild(el('span', key.index ? 'jt-idx' : 'jt-key', key.label));
      row.appendChild(el('span', 'jt-punct', ': '));
    }
    const val = el('span', `jt-val jt-${node.t}`);
    if (highlight) highlight(val, leafText(node));
    else val.textContent = leafText(node);
    row.appendChild(val);
    const field = path.join('.');
    const value = node.t === 'z' ? '' : node.v;
    if (onFilter && field && value !== '' && value.length <= MAX_FILTER_VALUE && isFieldName(field) && /[\p{L}\p{N}]/u.test(value)) {
      const clause = fieldClause(field, value);
      const actions = el('span', 'jt-actions');
      const add = el('button', 'add-filter', '+');
      add.type = 'button';
      add.title = `Add ${clause} to the query`;
      add.dataset.field = field;
      add.addEventListener('click', (ev) => {
        ev.stopPropagation();
        onFilter(clause, false);
      });
      const ex = el('button', 'exclude-filter', '−');
      ex.type = 'button';
      ex.title = `Exclude -${clause}`;
      ex.dataset.field = field;
      ex.addEventListener('click', (ev) => {
        ev.stopPropagation();
        onFilter(clause, true);
      });
      actions.append(add, ex);
      row.appendChild(actions);
    }
    parent.appendChild(row);
  };
  build(root, null, [], box);
  return box;
}
