import { escapeHtml } from './html-text';

/**
 * The frame of every HTML page the simulator serves (the OAuth consent page and the simulator page
 * under `/_sim/ui`): a banner saying it is the simulator, a skip link, one `main` landmark, and a
 * plain style with visible focus and text contrast of at least 4.5:1.
 */

const STYLE = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1a1a1a;background:#fff;line-height:1.45}
.banner{background:#2b1a5e;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap}
.banner strong{font-size:1.05rem}.banner a{color:#fff}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;color:#1a1a1a;padding:.3rem .6rem;z-index:1}
main{max-width:64rem;margin:0 auto;padding:1rem 1.25rem 3rem}
main.narrow{max-width:36rem}
h1{font-size:1.6rem;margin:.8rem 0}h2{font-size:1.25rem;margin:1.8rem 0 .6rem;border-bottom:1px solid #d0d0d0;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1rem 0 .4rem}
a{color:#0b4fa8}
:focus-visible{outline:3px solid #b45309;outline-offset:2px}
label{display:block;margin:.5rem 0 .2rem;font-weight:600}
label.inline,fieldset label{display:inline-flex;gap:.35rem;align-items:center;font-weight:400;margin:.15rem 1rem .15rem 0}
input[type=text],input[type=url],input[type=email],select,textarea{font:inherit;padding:.4rem .5rem;border:1px solid #6b6b6b;border-radius:4px;max-width:100%}
input[type=url],input[type=text],input[type=email]{width:28rem}textarea{width:100%;min-height:4.5rem}
fieldset{border:1px solid #bdbdbd;border-radius:6px;padding:.6rem 1rem;margin:.6rem 0}
legend{font-weight:600;padding:0 .3rem}
button{font:inherit;padding:.4rem 1rem;margin:.5rem .5rem 0 0;border-radius:5px;border:1px solid #0b4fa8;background:#0b4fa8;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b4fa8}
button.danger{background:#fff;color:#a11b1b;border-color:#a11b1b}
button.small{padding:.15rem .6rem;font-size:.9rem;margin:0}
table{border-collapse:collapse;width:100%;margin:.4rem 0;font-size:.95rem}
th,td{text-align:left;border-bottom:1px solid #d9d9d9;padding:.35rem .5rem;vertical-align:top}
caption{text-align:left;font-weight:600;padding:.3rem 0}
.notice{border:2px solid #1b6e2e;background:#eef8f0;color:#124d20;padding:.6rem .8rem;border-radius:6px}
.error{border:2px solid #a11b1b;background:#fdf0f0;color:#7a1010;padding:.6rem .8rem;border-radius:6px}
.muted{color:#555}
.part{border:1px solid #d0d0d0;border-radius:6px;padding:.6rem .8rem;margin:.6rem 0}
.part.note{background:#fff8e1;border-color:#c9a227}
.part .body{white-space:pre-wrap;margin:.4rem 0}
.part.redacted .body{font-style:italic;color:#555}
.tag{display:inline-block;border:1px solid #6b6b6b;border-radius:999px;padding:0 .55rem;margin:0 .3rem .2rem 0;font-size:.9rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

export interface PageOptions {
  /** The document title; " · Intercom simulator" is appended. */
  title: string;
  /** HTML of the page's content, inside `main`. */
  content: string;
  /** A narrow column, for the consent page. */
  narrow?: boolean;
}

/** A whole HTML document in the simulator's frame. */
export function simulatorPage({ title, content, narrow }: PageOptions): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Intercom simulator</title><style>${STYLE}</style></head>
<body><a class="skip" href="#main">Skip to content</a>
<header class="banner" role="banner"><strong>Intercom simulator</strong><span>A local stand-in for Intercom, not the real service.</span></header>
<main id="main"${narrow ? ' class="narrow"' : ''}>
${content}
</main></body></html>`;
}
