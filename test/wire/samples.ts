// The request samples of the original help page (seeds/000_8df80edbed3af399.txt).
export const SEED_JSON = `{
"Client": 1,
"Name": "sample string 2",
"Surname": "sample string 3",
"Patronymic": "sample string 4",
"AllowSms": true,
"AllowEmail": true,
"Birthdate": "2025-10-30T05:04:59.6543877+03:00",
"Phone": 1,
"Email": "sample string 5",
"Gender": 1,
"PosCode": "sample string 6",
"AllowEmailOnlineCheque": true,
"ContragentId": "sample string 7",
"Operator": 1,
"Token": 1,
"SiteCode": "sample string 8"
}`;

export const MODELS = 'http://schemas.datacontract.org/2004/07/LCManagerPartner.Models';
export const ABSTRACTIONS = 'http://schemas.datacontract.org/2004/07/LCManagerPartner.Implementation.Abstractions';
export const INSTANCE = 'http://www.w3.org/2001/XMLSchema-instance';

export const SEED_XML = `<SetClientUpdateRequest xmlns:i="${INSTANCE}" xmlns="${MODELS}"> <Operator xmlns="${ABSTRACTIONS}">1</Operator> <SiteCode xmlns="${ABSTRACTIONS}">sample string 8</SiteCode> <Token xmlns="${ABSTRACTIONS}">1</Token> <AllowEmail>true</AllowEmail> <AllowEmailOnlineCheque>true</AllowEmailOnlineCheque> <AllowSms>true</AllowSms> <Birthdate>2025-10-30T05:04:59.6543877+03:00</Birthdate> <Client>1</Client> <ContragentId>sample string 7</ContragentId> <Email>sample string 5</Email> <Gender>1</Gender> <Name>sample string 2</Name> <Patronymic>sample string 4</Patronymic> <Phone>1</Phone> <PosCode>sample string 6</PosCode> <Surname>sample string 3</Surname> </SetClientUpdateRequest>`;

/** What both samples decode to. */
export const SEED_REQUEST = {
  Client: 1,
  Name: 'sample string 2',
  Surname: 'sample string 3',
  Patronymic: 'sample string 4',
  AllowSms: true,
  AllowEmail: true,
  Birthdate: '2025-10-30',
  Phone: 1,
  Email: 'sample string 5',
  Gender: 1,
  PosCode: 'sample string 6',
  AllowEmailOnlineCheque: true,
  ContragentId: 'sample string 7',
  Operator: 1,
  Token: 1,
  SiteCode: 'sample string 8',
};

/** A ClientUpdate XML request around `inner`. */
export function xmlRequest(inner: string, rootAttrs = `xmlns:i="${INSTANCE}" xmlns="${MODELS}"`): string {
  return `<SetClientUpdateRequest ${rootAttrs}>${inner}</SetClientUpdateRequest>`;
}
