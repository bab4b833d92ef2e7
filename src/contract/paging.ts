// Paging fields shared by the lists that grow (history, consent ledger, deliveries).
export const PAGE_DEFAULT_LIMIT = 100;
export const PAGE_MAX_LIMIT = 1000;

export const LIMIT = {
  name: 'Limit',
  type: 'int32',
  description: `максимальное число записей (по умолчанию ${PAGE_DEFAULT_LIMIT}, не более ${PAGE_MAX_LIMIT})`,
} as const;
export const OFFSET = { name: 'Offset', type: 'int32', description: 'сколько записей пропустить от начала списка (постраничный просмотр)' } as const;
