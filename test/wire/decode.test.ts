// Decoding JSON, XML and form bodies into ClientUpdate's typed request, driven by its
// declaration (spec §3, §5).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientUpdate } from '../../src/contract/client-update.ts';
import { decodeMessage } from '../../src/wire/decode.ts';
import type { BodyFormat } from '../../src/wire/decode.ts';
import { DecodeError } from '../../src/wire/decode-error.ts';
import { ABSTRACTIONS, INSTANCE, MODELS, SEED_JSON, SEED_REQUEST, SEED_XML, xmlRequest } from './samples.ts';

const decode = (format: BodyFormat, body: string | Uint8Array) => decodeMessage(clientUpdate.request, format, typeof body === 'string' ? Buffer.from(body) : body);

/** Asserts an unreadable body whose message mentions `mention`. */
function assertUnreadable(format: BodyFormat, body: string | Uint8Array, mention: string | RegExp): void {
  assert.throws(
    () => decode(format, body),
    (err: unknown) => {
      assert.ok(err instanceof DecodeError, `expected DecodeError, got ${String(err)}`);
      if (typeof mention === 'string') assert.ok(err.what.includes(mention), `"${err.what}" should mention ${mention}`);
      else assert.match(err.what, mention);
      return true;
    },
  );
}

describe('the seed page samples', () => {
  it('the JSON sample decodes to every field, Birthdate as the date written', () => {
    assert.deepEqual(decode('json', SEED_JSON), SEED_REQUEST);
  });
  it('the XML sample decodes to the same request', () => {
    assert.deepEqual(decode('xml', SEED_XML), SEED_REQUEST);
  });
  it('a form with every field decodes to the same request', () => {
    const form = new URLSearchParams(Object.entries({ ...SEED_REQUEST, Birthdate: '2025-10-30T05:04:59.6543877+03:00' }).map(([k, v]) => [k, String(v)]));
    assert.deepEqual(decode('form', form.toString()), SEED_REQUEST);
  });
});

describe('JSON bodies', () => {
  it('names are case-insensitive, unknown names ignored, null and "" absent', () => {
    assert.deepEqual(decode('json', '{"client":5,"NAME":"Иван","Extra":{"x":[1,2]},"Email":null,"Surname":"","Birthdate":""}'), { Client: 5, Name: 'Иван' });
  });
  it('a duplicate key: the last one wins, whatever its letter case', () => {
    assert.deepEqual(decode('json', '{"Client":1,"Client":2}'), { Client: 2 });
    assert.deepEqual(decode('json', '{"Name":"a","name":"b"}'), { Name: 'b' });
  });
  for (const body of ['[]', '[{"Client":1}]', '1', '"x"', 'null', 'true', '{"Client":1', "{'Client':1}", '']) {
    it(`${JSON.stringify(body)} is unreadable`, () => assertUnreadable('json', body, /JSON|пустое/));
  }
  it('a nested object or array for a scalar field is unreadable, naming the field', () => {
    assertUnreadable('json', '{"Name":{"a":1}}', 'Name');
    assertUnreadable('json', '{"Client":[1]}', 'Client');
  });
  it('a string with an unpaired surrogate escape is unreadable, naming the field (found by the fuzzer: it was stored as U+FFFD)', () => {
    assertUnreadable('json', '{"Client":1,"Name":"\\ud800"}', 'Name');
    assertUnreadable('json', '{"Client":1,"Surname":"x\\udc00y"}', 'Surname');
    assertUnreadable('json', '{"Client":1,"Email":"a\\udbff@x.ru"}', 'Email');
    // A pair is a character; an unknown member is never looked at.
    assert.deepEqual(decode('json', '{"Client":1,"Name":"\\ud83d\\ude00","X":"\\ud800"}'), { Client: 1, Name: '😀' });
  });
  it('deep nesting in an unknown member costs nothing', () => {
    const deep = `{"x":${'['.repeat(20000)}${']'.repeat(20000)},"Client":3}`;
    assert.deepEqual(decode('json', deep), { Client: 3 });
  });
});

describe('XML bodies', () => {
  const nil = `xmlns:i="${INSTANCE}" xmlns="${MODELS}"`;
  it('elements in any order', () => {
    const shuffled = xmlRequest(`<Surname>S</Surname><Client>7</Client><Token xmlns="${ABSTRACTIONS}">5</Token><AllowSms>false</AllowSms><Name>N</Name>`);
    assert.deepEqual(decode('xml', shuffled), { Client: 7, Name: 'N', Surname: 'S', AllowSms: false, Token: 5 });
  });
  it('i:nil="true" or "1" is absent; any prefix bound to the instance namespace works', () => {
    const body = xmlRequest(`<Client>1</Client><Name i:nil="true"/><Gender i:nil="1">1</Gender><Phone x:nil="true" xmlns:x="${INSTANCE}">5</Phone><Email i:nil="false">e@x.ru</Email>`, nil);
    assert.deepEqual(decode('xml', body), { Client: 1, Email: 'e@x.ru' });
  });
  it('a root without namespace is accepted, its children without namespace read', () => {
    assert.deepEqual(decode('xml', '<SetClientUpdateRequest><Client>2</Client><Operator>3</Operator></SetClientUpdateRequest>'), { Client: 2, Operator: 3 });
  });
  it('base-class fields are read from the Abstractions or the Models namespace, with any prefix', () => {
    const abstractions = xmlRequest(`<a:Operator xmlns:a="${ABSTRACTIONS}">4</a:Operator><SiteCode xmlns="${ABSTRACTIONS}">W-1</SiteCode><Token>9</Token>`);
    assert.deepEqual(decode('xml', abstractions), { Operator: 4, SiteCode: 'W-1', Token: 9 });
  });
  it('children in other namespaces are ignored; an ordinary field is not read from Abstractions', () => {
    const body = xmlRequest(`<Client>1</Client><Name xmlns="urn:other">X</Name><Surname xmlns="${ABSTRACTIONS}">Y</Surname><o:Email xmlns:o="urn:o">e</o:Email>`);
    assert.deepEqual(decode('xml', body), { Client: 1 });
  });
  it('a repeated element: the last wins; names are case-insensitive', () => {
    assert.deepEqual(decode('xml', xmlRequest('<Client>1</Client><client>2</client><NAME>a</NAME>')), { Client: 2, Name: 'a' });
  });
  it('predefined and numeric references, CDATA, a declaration, comments and a BOM', () => {
    const body = `\uFEFF<?xml version="1.0" encoding="utf-8"?><!-- c -->${xmlRequest('<Name>a &amp; b &lt;&gt;&quot;&apos; &#1048;&#x432;</Name><Surname><![CDATA[<&x>]]></Surname><Patronymic>line1\r\nline2</Patronymic>')}`;
    assert.deepEqual(decode('xml', body), { Name: 'a & b <>"\' Ив', Surname: '<&x>', Patronymic: 'line1\nline2' });
  });
  it('31 levels of unknown nesting are fine', () => {
    assert.deepEqual(decode('xml', xmlRequest(`${'<a>'.repeat(31)}${'</a>'.repeat(31)}<Client>1</Client>`)), { Client: 1 });
  });
  it('an empty element is absent', () => {
    assert.deepEqual(decode('xml', xmlRequest('<Client>1</Client><Name></Name><Birthdate/>')), { Client: 1 });
  });
  const unreadable: [string, string, string | RegExp][] = [
    ['empty body', '', 'пустое'],
    ['wrong root', `<SetClientInfoRequest xmlns="${MODELS}"/>`, 'SetClientUpdateRequest'],
    ['root in another namespace', '<SetClientUpdateRequest xmlns="urn:x"/>', 'SetClientUpdateRequest'],
    ['malformed', xmlRequest('<Client>1</Name>'), 'XML'],
    ['two roots', '<SetClientUpdateRequest/><SetClientUpdateRequest/>', 'XML'],
    ['unbound prefix', xmlRequest('<p:Client>1</p:Client>'), 'префикс'],
    ['an unknown entity', xmlRequest('<Name>&nbsp;</Name>'), 'сущност'],
    ['a bare ampersand', xmlRequest('<Name>a & b</Name>'), 'XML'],
    ['an invalid character reference', xmlRequest('<Name>&#0;</Name>'), 'символ'],
    ['a DOCTYPE', '<!DOCTYPE SetClientUpdateRequest><SetClientUpdateRequest/>', 'DOCTYPE'],
    ['an unreadable value', xmlRequest('<Client>abc</Client>'), 'Client'],
    ['10,000-deep well-formed nesting', xmlRequest(`${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}<Client>1</Client>`), 'вложенность'],
    ['33 levels of nesting', xmlRequest(`${'<a>'.repeat(32)}${'</a>'.repeat(32)}`), 'вложенность'],
    ['an element where a value belongs', xmlRequest('<Name><x>1</x></Name>'), 'Name'],
  ];
  for (const [what, body, mention] of unreadable) it(`${what} is unreadable`, () => assertUnreadable('xml', body, mention));
});

describe('form bodies', () => {
  it('a repeated key takes its first value; names are case-insensitive; + and %XX decode as UTF-8', () => {
    assert.deepEqual(decode('form', 'client=1&Client=2&Name=%D0%98%D0%B2%D0%B0%D0%BD+%2B&SURNAME=a%zz&AllowSms=TRUE&x=1'), { Client: 1, Name: 'Иван +', Surname: 'a%zz', AllowSms: true });
  });
  it('an empty body is a request without fields; empty values are absent', () => {
    assert.deepEqual(decode('form', ''), {});
    assert.deepEqual(decode('form', 'Client=&Name=&Phone'), {});
  });
  it('percent-encoded bytes that are not UTF-8 are unreadable', () => assertUnreadable('form', 'Name=%FF', 'UTF-8'));
});

describe('UTF-8', () => {
  for (const format of ['json', 'xml', 'form'] as const) {
    it(`invalid UTF-8 in a ${format} body is unreadable`, () => assertUnreadable(format, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'UTF-8'));
  }
});

// [field, JSON value as written, expected value, or an Error when unreadable]
const UNREADABLE = new Error('unreadable');
const CONVERSIONS: [string, string, unknown][] = [
  // int32
  ['Client', '42', 42],
  ['Client', '"42"', 42],
  ['Client', '" 42 "', 42],
  ['Client', '1.0', 1],
  ['Client', '"1.0"', 1],
  ['Client', '"+7"', 7],
  ['Client', '-5', -5],
  ['Client', '2147483647', 2147483647],
  ['Client', '-2147483648', -2147483648],
  ['Client', '2147483648', UNREADABLE],
  ['Client', '"-2147483649"', UNREADABLE],
  ['Client', '1.5', UNREADABLE],
  ['Client', '"1.5"', UNREADABLE],
  ['Client', '"1e3"', UNREADABLE],
  ['Client', '"abc"', UNREADABLE],
  ['Client', 'true', UNREADABLE],
  ['Client', '""', undefined],
  ['Client', '"  "', undefined],
  ['Client', 'null', undefined],
  // int16
  ['Operator', '32767', 32767],
  ['Operator', '32768', UNREADABLE],
  ['Operator', '-32769', UNREADABLE],
  // int64
  ['Phone', '79161234567', 79161234567],
  ['Phone', '"79161234567"', 79161234567],
  ['Phone', '9007199254740991', 9007199254740991],
  ['Phone', '9007199254740992', UNREADABLE],
  ['Phone', '"9223372036854775807"', UNREADABLE],
  ['Phone', '1e300', UNREADABLE],
  // boolean
  ['AllowSms', 'true', true],
  ['AllowSms', 'false', false],
  ['AllowSms', '"TRUE"', true],
  ['AllowSms', '"False"', false],
  ['AllowSms', '1', true],
  ['AllowSms', '0', false],
  ['AllowSms', '"1"', true],
  ['AllowSms', '"0"', false],
  ['AllowSms', '13', UNREADABLE],
  ['AllowSms', '"yes"', UNREADABLE],
  ['AllowSms', '""', undefined],
  // date: the calendar date as written, in the value's own offset
  ['Birthdate', '"1990-05-15"', '1990-05-15'],
  ['Birthdate', '"1990-05-15T00:00:00+03:00"', '1990-05-15'],
  ['Birthdate', '"1990-05-15T23:59:59-12:00"', '1990-05-15'],
  ['Birthdate', '"1990-05-15T00:00:00Z"', '1990-05-15'],
  ['Birthdate', '"1990-05-15T10:20"', '1990-05-15'],
  ['Birthdate', '"2025-10-30T05:04:59.6543877+03:00"', '2025-10-30'],
  ['Birthdate', '"2000-02-29"', '2000-02-29'],
  ['Birthdate', '"1990-05-15T00:00:00+14:00"', '1990-05-15'],
  ['Birthdate', '"1990-05-15T00:00:00+14:01"', UNREADABLE],
  ['Birthdate', '"1990-05-15T00:00:00-15:00"', UNREADABLE],
  ['Birthdate', '"1990-02-31"', UNREADABLE],
  ['Birthdate', '"1900-02-29"', UNREADABLE],
  ['Birthdate', '"1990-13-01"', UNREADABLE],
  ['Birthdate', '"1990-05-15T24:00:00"', UNREADABLE],
  ['Birthdate', '"1990-05-15T00:00:00.12345678"', UNREADABLE],
  ['Birthdate', '"31.02.1990"', UNREADABLE],
  ['Birthdate', '"15.05.1990"', UNREADABLE],
  ['Birthdate', '"1990/05/15"', UNREADABLE],
  ['Birthdate', '19900515', UNREADABLE],
  ['Birthdate', '""', undefined],
  // string: numbers and booleans become their text
  ['Name', '"Иван"', 'Иван'],
  ['Name', '"  "', '  '],
  ['Name', '123', '123'],
  ['Name', '1.5', '1.5'],
  ['Name', 'true', 'true'],
  ['Name', '""', undefined],
];

describe('conversions (JSON values; the same readers serve XML and form text)', () => {
  for (const [field, json, expected] of CONVERSIONS) {
    const label = expected === UNREADABLE ? 'unreadable' : JSON.stringify(expected) ?? 'absent';
    it(`${field}: ${json} → ${label}`, () => {
      const body = `{"${field}":${json}}`;
      if (expected === UNREADABLE) {
        assertUnreadable('json', body, field);
        return;
      }
      assert.deepEqual(decode('json', body), expected === undefined ? {} : { [field]: expected });
      // Strings reach XML and form as text: the same value reads the same way.
      if (json.startsWith('"')) {
        const text = JSON.parse(json) as string;
        const xmlText = text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
        assert.deepEqual(decode('xml', xmlRequest(`<${field}>${xmlText}</${field}>`)), expected === undefined ? {} : { [field]: expected });
        assert.deepEqual(decode('form', `${field}=${encodeURIComponent(text)}`), expected === undefined ? {} : { [field]: expected });
      }
    });
  }
  it('unreadable values in XML and form name the field too', () => {
    assertUnreadable('xml', xmlRequest('<AllowSms>13</AllowSms>'), 'AllowSms');
    assertUnreadable('form', 'Birthdate=31.02.1990', 'Birthdate');
    assertUnreadable('form', 'Client=99999999999', 'Client');
  });
});
