/** XML 1.0 escaping shared by the JUnit and SVG reporters, and a console-safe form. Pure. */

/** Shows a character as `\xNN` / `\uNNNN`, so a reader still sees it was there. */
function visible(code: number): string {
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** `s` with every character `bad` rejects, and every lone surrogate, made visible. */
function showing(s: string, bad: (code: number) => boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isHigh(c) && isLow(s.charCodeAt(i + 1))) {
      out += s.slice(i, i + 2);
      i++;
    } else if (isHigh(c) || isLow(c) || bad(c)) out += visible(c);
    else out += s[i];
  }
  return out;
}

// XML 1.0 cannot hold these at all, even as references: C0 controls but tab/LF/CR, U+FFFE,
// U+FFFF (and lone surrogates). Serial noise and odd ids bring them in.
const xmlForbidden = (c: number) =>
  (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffe || c === 0xffff;

// Everything a terminal would act on: C0 (tab and line breaks included), DEL and C1.
const terminalUnsafe = (c: number) => c < 0x20 || (c >= 0x7f && c <= 0x9f);

/** Text content: `&`, `<`, `>` escaped, characters XML forbids made visible. */
export function xmlText(s: string): string {
  return showing(s, xmlForbidden).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value for double quotes; tab, CR and LF as references so parsers keep them. */
export function xmlAttr(s: string): string {
  return xmlText(s)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/** One console line: no escape sequences, no line breaks (a reason from serial noise cannot repaint the log). */
export function printable(s: string): string {
  return showing(s, terminalUnsafe);
}
