/**
 * CSV per RFC 4180: fields separated by commas, records by CRLF; a field holding a comma, a
 * double quote, CR or LF is quoted, and a quote inside it is doubled.
 *
 * Review files are opened in spreadsheets, and the cells hold model output — text an
 * attacker may have steered. A cell starting with `=`, `+`, `-`, `@`, tab or CR is a formula
 * (or becomes one) in Excel, LibreOffice and Sheets (OWASP "CSV injection"), so such cells get
 * a leading `'`, which spreadsheets show as text. Cells already starting with one or more `'`
 * before such a character get one more, so `unguardCell` strips exactly one and every cell
 * round-trips.
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;

export function guardCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function unguardCell(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text) ? text.slice(1) : text;
}

export function quoteField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map((cell) => quoteField(guardCell(cell))).join(',')).join('\r\n') + '\r\n';
}

export interface CsvRecord {
  /** 1-based line where the record starts (a quoted field may span lines). */
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  override readonly name = 'CsvError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/**
 * Parses RFC 4180 text: quoted fields may hold commas, CR/LF and doubled quotes; records end
 * at CRLF or a bare LF (files saved on Unix). A UTF-8 BOM (Excel writes one) is skipped.
 * Cells are returned unguarded. Blank lines are skipped.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let fields: string[] = [];
  let field = '';
  let start = line;
  let quotedAny = false;
  const endField = () => {
    fields.push(unguardCell(field));
    field = '';
  };
  const endRecord = () => {
    endField();
    if (!(fields.length === 1 && fields[0] === '' && !quotedAny)) records.push({ line: start, fields });
    fields = [];
    quotedAny = false;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"' && field === '') {
      // A quoted field: runs to the next quote not followed by another quote.
      quotedAny = true;
      const open = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new CsvError('unterminated quoted field', open);
        const c = text[i]!;
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n') line++;
        field += c;
        i++;
      }
      const after = text[i];
      if (after !== undefined && after !== ',' && after !== '\r' && after !== '\n') {
        throw new CsvError(
          'unexpected text after a closing quote (a quote inside a field must be doubled)',
          line,
        );
      }
      continue;
    }
    if (ch === ',') {
      endField();
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      endRecord();
      i += 2;
      start = ++line;
    } else if (ch === '\n') {
      endRecord();
      i++;
      start = ++line;
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== '' || fields.length > 0 || quotedAny) endRecord();
  return records;
}
