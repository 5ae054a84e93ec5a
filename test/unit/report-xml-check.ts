import { expect } from 'chai';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

// fast-xml-parser (installed with allure) checks tags and text; it is lenient about attribute
// values, forbidden characters and several roots, so those are checked here by the spec's rules.
const REFERENCE = /^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/;

/** Index of the first character XML 1.0 forbids (C0 but tab/LF/CR, U+FFFE/FFFF, a lone surrogate), or -1. */
export function forbiddenAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return i;
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffe || c === 0xffff) return i;
  }
  return -1;
}

/** Fails unless `xml` is well-formed XML 1.0 with one root element. */
export function assertWellFormed(xml: string): void {
  const result = XMLValidator.validate(xml);
  expect(result, JSON.stringify(result)).to.equal(true);
  expect(forbiddenAt(xml), 'a character XML 1.0 forbids').to.equal(-1);
  for (const m of xml.matchAll(/\s[\w:-]+="([^"]*)"/g)) {
    const value = m[1] ?? '';
    expect(value, 'raw < in an attribute').not.to.include('<');
    for (let i = value.indexOf('&'); i >= 0; i = value.indexOf('&', i + 1)) {
      expect(REFERENCE.test(value.slice(i)), `bad reference in attribute: ${value}`).to.equal(true);
    }
  }
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const roots = Object.keys(new XMLParser({ ignoreAttributes: true }).parse(body));
  expect(roots, 'one root element').to.have.length(1);
}

/** A parser keeping attributes (as `@_name`) and always giving arrays for the listed tags. */
export function parseXml(xml: string, arrays: readonly string[]): Record<string, unknown> {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => arrays.includes(name),
  });
  return parser.parse(xml) as Record<string, unknown>;
}
