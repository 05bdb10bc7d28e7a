/**
 * The companion's static pages: an index linking the chapters and one page per chapter (its
 * claim, checks, figures, numbers, code and the command that reruns it). Plain HTML and CSS, no
 * scripts; every piece of text is escaped.
 */
import type { ChapterResult } from './runner.js';

/** `s` with HTML's special characters escaped (text and attribute values). */
export function escapeHtml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 980px; margin: 0 auto; padding: 0 1rem 3rem; color: #222; }
nav { display: flex; gap: 1rem; padding: .8rem 0; border-bottom: 1px solid #ddd; margin-bottom: 1rem; font-size: .95rem; }
nav .spacer { flex: 1; }
a { color: #0060a0; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
.section { color: #666; margin-top: 0; }
blockquote { border-left: 4px solid #0072b2; margin: 1rem 0; padding: .3rem 1rem; background: #f4f8fb; }
ul.checks { list-style: none; padding: 0; }
ul.checks li { padding: .25rem .5rem; margin: .2rem 0; border-radius: 4px; }
li.pass { background: #eaf6ee; } li.fail { background: #fdecea; }
.mark { font-weight: bold; margin-right: .4rem; }
li.pass .mark { color: #137333; } li.fail .mark { color: #b3261e; }
.detail { color: #555; font-size: .9rem; }
figure { margin: 1.2rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: .95rem; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { border: 1px solid #ddd; padding: .25rem .6rem; text-align: left; }
td.value { font-family: ui-monospace, monospace; text-align: right; }
pre { background: #f6f6f6; padding: .8rem; overflow-x: auto; font-size: .85rem; line-height: 1.4; }
.status { font-weight: bold; } .status.pass { color: #137333; } .status.fail { color: #b3261e; } .status.none { color: #666; }
.error { color: #b3261e; }
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** A number as the page shows it: up to 6 significant digits, exponents for very large and small values. */
export function formatNumber(v: number | string): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-4)) return v.toExponential(4);
  return String(Number(v.toPrecision(6)));
}

/** The file a figure is written to, relative to the companion's folder. */
export function figurePath(chapterId: string, f: { name: string; kind: 'svg' | 'png' }): string {
  return `${chapterId}/${f.name}.${f.kind}`;
}

export interface ChapterPageOptions {
  /** The chapter module's source text, or null when it is not available. */
  source: string | null;
  /** Where the source lives in the package, e.g. `src/lectures/chapters/01-perceptrons.ts`. */
  sourcePath: string;
  /** The command that reruns the chapter. */
  command: string;
  prev?: { id: string; title: string } | undefined;
  next?: { id: string; title: string } | undefined;
  version: string;
}

/** One chapter's page. */
export function chapterPage(r: ChapterResult, o: ChapterPageOptions): string {
  const e = escapeHtml;
  const nav = [
    '<nav>',
    '<a href="index.html">All chapters</a>',
    '<span class="spacer"></span>',
    o.prev ? `<a rel="prev" href="${e(o.prev.id)}.html">← ${e(o.prev.title)}</a>` : '',
    o.next ? `<a rel="next" href="${e(o.next.id)}.html">${e(o.next.title)} →</a>` : '',
    '</nav>',
  ].filter(Boolean).join('\n');
  const checks = r.checks.map((c) => `<li class="${c.holds ? 'pass' : 'fail'}"><span class="mark">${c.holds ? '✓ holds' : '✗ fails'}</span>${e(c.claim)}${c.detail ? ` <span class="detail">(${e(c.detail)})</span>` : ''}</li>`);
  const status = r.passed ? '<span class="status pass">every claim reproduced</span>' : '<span class="status fail">not reproduced</span>';
  const figures = r.figures.map((f) => `<figure id="fig-${e(f.name)}">\n<a href="${e(figurePath(r.id, f))}"><img src="${e(figurePath(r.id, f))}" alt="${e(f.caption)}" loading="lazy"></a>\n<figcaption>${e(f.caption)}</figcaption>\n</figure>`);
  const numbers = r.numbers.map((n) => `<tr><td>${e(n.label)}</td><td class="value">${e(formatNumber(n.value))}</td><td>${e(n.unit ?? '')}</td></tr>`);
  const code = o.source === null
    ? `<p>The source (<code>${e(o.sourcePath)}</code>) is not part of this installation of nabla.</p>`
    : `<p><code>${e(o.sourcePath)}</code>, as it ran:</p>\n<pre><code>${e(o.source)}</code></pre>`;
  const body = [
    nav,
    `<h1>${r.order}. ${e(r.title)}</h1>`,
    `<p class="section">Lecture topics ${e(r.section)} · ${status}</p>`,
    `<h2>The claim</h2>\n<blockquote>${e(r.claim)}</blockquote>`,
    `<h2>Checks</h2>\n<ul class="checks">\n${checks.join('\n')}\n</ul>`,
    r.error !== undefined ? `<p class="error">The chapter stopped with an error: ${e(r.error)}</p>` : '',
    figures.length ? `<h2>Figures</h2>\n${figures.join('\n')}` : '',
    numbers.length ? `<h2>Measured</h2>\n<table>\n<tr><th>quantity</th><th>value</th><th>unit</th></tr>\n${numbers.join('\n')}\n</table>` : '',
    `<h2>Run it yourself</h2>\n<pre><code>${e(o.command)}</code></pre>\n<p>Seed ${r.seed}${r.short ? ', short mode (fewer samples and epochs, the same checks)' : ''}; nabla ${e(o.version)}.</p>`,
    `<h2>The code</h2>\n${code}`,
  ].filter(Boolean);
  return page(`${r.order}. ${r.title} — nabla lecture companion`, body.join('\n\n'));
}

/** A row of the index: a chapter and its latest result in the folder (null: not built yet). */
export interface IndexEntry {
  id: string;
  order: number;
  title: string;
  section: string;
  claim: string;
  result: { passed: boolean; checks: number; failed: number; short: boolean } | null;
}

/**
 * §9–§10 of the lectures are larger than a chapter: each has its guide, examples and commands
 * (links relative to the repository, where `npm run lectures` writes lectures-out/).
 */
const LATER_CHAPTERS = [
  '<h2>Beyond these chapters: §9 and §10</h2>',
  '<ul>',
  '<li>Recurrent networks and text — embeddings, RNN/LSTM/GRU, text generation, sequence-to-sequence with attention: ' +
    '<a href="../docs/sequences.md">docs/sequences.md</a> (<code>npx nabla train char-lstm</code>, <code>npx nabla train g2p</code>).</li>',
  '<li>Autoencoders and GANs — stacked, denoising and convolutional autoencoders, GAN, DCGAN, AC-GAN: ' +
    '<a href="../docs/generative.md">docs/generative.md</a> (<code>npx nabla train stacked-ae</code>, <code>npx nabla train acgan</code>).</li>',
  '<li>The TensorFlow-style graph engine — placeholders, Variables, <code>Session.run</code>, the lecture\'s MNIST programs line by line: ' +
    '<a href="../docs/graph.md">docs/graph.md</a> (<code>examples/tf1/</code>).</li>',
  '</ul>',
].join('\n');

/** The index page. */
export function indexPage(entries: readonly IndexEntry[], version: string): string {
  const e = escapeHtml;
  const rows = entries.map((c) => {
    const status = c.result === null
      ? `<span class="status none">not built: <code>npx nabla lectures ${e(c.id)}</code></span>`
      : c.result.passed
        ? `<span class="status pass">✓ ${c.result.checks} check${c.result.checks === 1 ? '' : 's'} hold${c.result.checks === 1 ? 's' : ''}</span>${c.result.short ? ' (short mode)' : ''}`
        : `<span class="status fail">✗ ${c.result.failed} of ${c.result.checks} checks fail</span>`;
    const title = c.result === null ? e(c.title) : `<a href="${e(c.id)}.html">${e(c.title)}</a>`;
    return `<li class="chapter"><h2>${c.order}. ${title}</h2>\n<p class="section">${e(c.section)} · ${status}</p>\n<p>${e(c.claim)}</p></li>`;
  });
  const body = [
    '<h1>nabla — the lectures, reproduced</h1>',
    '<p>Every chapter runs a claim of the lectures on neural networks with nabla, draws it and checks it. ' +
      'The pages are generated by <code>npx nabla lectures</code>; a claim that does not hold makes that command fail.</p>',
    `<ol style="list-style:none;padding:0">\n${rows.join('\n')}\n</ol>`,
    LATER_CHAPTERS,
    `<p class="section">nabla ${e(version)}</p>`,
  ];
  return page('nabla lecture companion', body.join('\n'));
}
