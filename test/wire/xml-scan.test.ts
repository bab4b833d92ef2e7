// The one-pass reader of common XML bodies (src/wire/xml-scan.ts) against the full reader
// (validator + fast-xml-parser): whatever the one-pass reader accepts, the full reader must
// accept too, with the same tree; everything else falls through to the full reader.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseXmlRoot } from '../../src/wire/xml.ts';
import { scanXml } from '../../src/wire/xml-scan.ts';
import { ABSTRACTIONS, INSTANCE, MODELS, SEED_XML, xmlRequest } from './samples.ts';
import { rng as random } from '../helpers/random.ts';

const MAX_DEPTH = 32;

function full(text: string): unknown {
  try {
    return parseXmlRoot(text);
  } catch (err) {
    return { refused: err instanceof Error ? err.message : String(err) };
  }
}

/** The one-pass reader's tree, checked against the full reader's; undefined when it passed the body on. */
function agree(text: string): unknown {
  const quick = scanXml(text, MAX_DEPTH);
  if (quick !== undefined) assert.deepEqual(quick, full(text), `the readers disagree on ${JSON.stringify(text)}`);
  return quick;
}

const COMMON = [
  SEED_XML,
  `<?xml version="1.0" encoding="utf-8"?>\r\n${SEED_XML}\r\n`,
  `<?xml version='1.0' standalone='yes' ?>${SEED_XML}`,
  xmlRequest('<Client>1</Client><Name>a &amp; b &lt;&gt;&quot;&apos; &#1048;&#x432;</Name><Patronymic>line1\r\nline2\rline3</Patronymic>'),
  xmlRequest(`<Client>1</Client><Name i:nil="true"/><Gender i:nil="1">1</Gender><Phone x:nil=" true " xmlns:x="${INSTANCE}">5</Phone><Email i:nil="false">e@x.ru</Email>`),
  xmlRequest(`<a:Operator xmlns:a="${ABSTRACTIONS}">4</a:Operator><SiteCode xmlns="${ABSTRACTIONS}">W-1</SiteCode><Token>9</Token>`),
  xmlRequest('<Client>1</Client><client>2</client><NAME>a</NAME><Name></Name><Birthdate/><Surname >x</Surname ><Email\n/>'),
  xmlRequest(`${'<a>'.repeat(31)}${'</a>'.repeat(31)}<Client>1</Client>`),
  `<SetClientUpdateRequest\n\txmlns:i = "${INSTANCE}"\r\n xmlns='${MODELS}' other="a\tb\r\nc &amp; &#x41;" xml:lang="ru"><Name attr='it"s'>x&gt;y</Name></SetClientUpdateRequest>`,
  `  <r><p:x xmlns:p="urn:p" p:a="1"><y xmlns=""/>t</p:x></r>  `,
];

// Tokens the mutations insert: markup, references, names and characters both readers treat specially.
const TOKENS = [
  ' ', '\n', '\r\n', '\r', '\t', '\u00a0', '\uFEFF', '<', '>', '/', '/>', '</', '"', "'", '=', ':', '&', ';', '&amp;', '&lt;', '&#x41;', '&#65;', '&#0;', '&#x;', '&#X41;',
  '&nbsp;', '&#xD800;', '&#x110000;', 'a', 'Z', '_', '-', '.', '1', '\u00e9', 'p:', 'xmlns', 'xmlns:p="urn:p"', 'xmlns=""', ' i:nil="true"', ' q:nil="true"', ' a="1"', " a='1'", ' a=1', ' a',
  '<!-- c -->', '<![CDATA[x]]>', '<?pi x?>', '<?xml version="1.0"?>', '<!DOCTYPE r>', 'constructor', 'toString', '__proto__', '<x>', '</x>', '<x/>', '<Name>v</Name>',
];

function mutate(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  const kind = next();
  if (kind < 0.6) return text.slice(0, at) + TOKENS[Math.floor(next() * TOKENS.length)]! + text.slice(at);
  const to = Math.min(text.length, at + 1 + Math.floor(next() * 12));
  if (kind < 0.85) return text.slice(0, at) + text.slice(to);
  return text.slice(0, to) + text.slice(at, to) + text.slice(to);
}

describe('the one-pass XML reader', () => {
  it('reads the common shapes itself, to the full reader’s tree', () => {
    for (const text of COMMON) assert.ok(agree(text) !== undefined, `not read in one pass: ${JSON.stringify(text)}`);
  });

  it('passes on what it does not read itself', () => {
    const passed = [
      '<!-- c --><r/>',
      '<r><![CDATA[x]]></r>',
      '<r><?pi?></r>',
      ' <?xml version="1.0"?><r/>',
      '<?xml version="1.1"?><r/>',
      '<r a="1" a="2"/>',
      '<r a="1"b="2"/>',
      '<r a/>',
      '<r a=1/>',
      '<r a="<"/>',
      '<r>&nbsp;</r>',
      '<r>&#0;</r>',
      '<r>a & b</r>',
      '<p:r/>',
      '<r><x></r>',
      '<r></x>',
      '<r/><r/>',
      '<r/>x',
      'x<r/>',
      '<constructor/>',
      '<r toString="1"/>',
      '<r\u00a0a="1"/>',
      '<é/>',
      `<r ${Array.from({ length: 33 }, (_, i) => `a${i}="1"`).join(' ')}/>`,
      `${'<a>'.repeat(33)}${'</a>'.repeat(33)}`,
    ];
    for (const text of passed) assert.equal(scanXml(text, MAX_DEPTH), undefined, JSON.stringify(text));
  });

  it('agrees with the full reader on 30,000 mutated bodies', () => {
    const next = random(20261203);
    let read = 0;
    for (let n = 0; n < 30_000; n++) {
      let text = COMMON[Math.floor(next() * COMMON.length)]!;
      const mutations = 1 + Math.floor(next() * 3);
      for (let m = 0; m < mutations; m++) text = mutate(text, next);
      if (agree(text) !== undefined) read++;
    }
    // Enough of them still read in one pass for the comparison to mean something.
    assert.ok(read > 3_000, `only ${read} read in one pass`);
  });
});
