// Response encoding from declarations: Json.NET's JSON and DataContractSerializer's XML.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientUpdate } from '../../src/contract/client-update.ts';
import { defineOperation } from '../../src/contract/types.ts';
import { encodeErrorMessage, encodeMessage } from '../../src/wire/encode.ts';
import { unreadableResponse } from '../../src/wire/unreadable.ts';
import { ABSTRACTIONS, INSTANCE, MODELS } from './samples.ts';

const ROOT = `xmlns:i="${INSTANCE}" xmlns="${MODELS}"`;

describe('ClientUpdate response', () => {
  it('JSON: exactly {"ErrorCode":0,"Message":""}', () => {
    assert.equal(encodeMessage('json', clientUpdate.response, { ErrorCode: 0, Message: '' }), '{"ErrorCode":0,"Message":""}');
  });
  it('XML: the DataContract form, no declaration', () => {
    assert.equal(
      encodeMessage('xml', clientUpdate.response, { ErrorCode: 0, Message: '' }),
      `<SetClientUpdateResponse ${ROOT}><ErrorCode>0</ErrorCode><Message></Message></SetClientUpdateResponse>`,
    );
  });
  it('text is escaped in both formats', () => {
    const message = 'a<b>&"c"\r\n\u0001Ж';
    assert.equal(encodeMessage('json', clientUpdate.response, { ErrorCode: 1, Message: message }), `{"ErrorCode":1,"Message":${JSON.stringify(message)}}`);
    assert.equal(
      encodeMessage('xml', clientUpdate.response, { ErrorCode: 1, Message: message }),
      `<SetClientUpdateResponse ${ROOT}><ErrorCode>1</ErrorCode><Message>a&lt;b&gt;&amp;"c"&#xD;\n\uFFFDЖ</Message></SetClientUpdateResponse>`,
    );
  });
  it('the 400 body: ErrorCode 100 and the message naming what was unreadable', () => {
    const body = unreadableResponse(clientUpdate.response, 'поле Client: «x» не является целым числом');
    assert.equal(encodeMessage('json', clientUpdate.response, body), '{"ErrorCode":100,"Message":"Некорректный запрос: поле Client: «x» не является целым числом"}');
  });
  it('HttpError bodies', () => {
    assert.equal(encodeErrorMessage('json', 'An error has occurred.'), '{"Message":"An error has occurred."}');
    assert.equal(encodeErrorMessage('xml', "No resource 'a<b'."), "<Error><Message>No resource 'a&lt;b'.</Message></Error>");
  });
});

// A response shaped like those of later operations: base-class members, nulls, a date, nested lists.
const item = { kind: 'object', typeName: 'HistoryItem', fields: [
  { name: 'Field', type: 'string', description: '' },
  { name: 'At', type: 'date', description: '' },
  { name: 'Changed', type: 'boolean', description: '', nullable: true },
] } as const;
const op = defineOperation({
  name: 'Sample', routes: ['/api/sample'], summary: '', errors: [],
  request: { typeName: 'SampleRequest', fields: [] },
  response: {
    typeName: 'SampleResponse',
    fields: [
      { name: 'Message', type: 'string', description: '', nullable: true },
      { name: 'ErrorCode', type: 'int32', description: '' },
      { name: 'Items', type: { kind: 'array', of: item }, description: '' },
      { name: 'Codes', type: { kind: 'array', of: 'int64' }, description: '' },
      { name: 'Birthdate', type: 'date', description: '', nullable: true },
      { name: 'Operator', type: 'int16', description: '', baseClass: true },
      { name: 'alpha', type: 'string', description: '', nullable: true },
    ],
  },
});
const value = {
  Message: null, ErrorCode: 0, Birthdate: '1990-05-15', Operator: 1, alpha: 'z', Codes: [1, 79160000001],
  Items: [{ Field: 'Name', At: '2024-01-02', Changed: null }, { Field: 'Phone', At: '2024-01-03', Changed: true }],
};

describe('nested responses', () => {
  it('JSON keeps declaration order, dates as YYYY-MM-DDT00:00:00', () => {
    assert.equal(
      encodeMessage('json', op.response, value),
      '{"Message":null,"ErrorCode":0,"Items":[{"Field":"Name","At":"2024-01-02T00:00:00","Changed":null},{"Field":"Phone","At":"2024-01-03T00:00:00","Changed":true}],"Codes":[1,79160000001],"Birthdate":"1990-05-15T00:00:00","Operator":1,"alpha":"z"}',
    );
  });
  it('XML: base-class members first, then ordinal order; nil; items named after their type', () => {
    assert.equal(
      encodeMessage('xml', op.response, value),
      `<SampleResponse ${ROOT}><Operator xmlns="${ABSTRACTIONS}">1</Operator><Birthdate>1990-05-15T00:00:00</Birthdate>` +
        `<Codes xmlns:d2p1="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><d2p1:long>1</d2p1:long><d2p1:long>79160000001</d2p1:long></Codes>` +
        `<ErrorCode>0</ErrorCode><Items><HistoryItem><At>2024-01-02T00:00:00</At><Changed i:nil="true"/><Field>Name</Field></HistoryItem>` +
        `<HistoryItem><At>2024-01-03T00:00:00</At><Changed>true</Changed><Field>Phone</Field></HistoryItem></Items>` +
        `<Message i:nil="true"/><alpha>z</alpha></SampleResponse>`,
    );
  });
});
