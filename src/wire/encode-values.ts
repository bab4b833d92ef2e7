// Scalar renderings shared by the JSON and XML encoders.

/** A 'date' ('YYYY-MM-DD') as .NET wrote a DateTime of kind Unspecified. */
export function dateTimeText(date: string): string {
  return `${date.slice(0, 10)}T00:00:00`;
}
