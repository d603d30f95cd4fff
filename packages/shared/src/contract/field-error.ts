/** A validation failure that names the field at fault; the API turns it into a 400 (or 413) JSON error. */
export interface FieldError {
  readonly kind: 'field_error';
  readonly field: string;
  readonly message: string;
  /** 400 for a wrong value, 413 for one that is too large. */
  readonly status: 400 | 413;
}

export function fieldError(field: string, message: string, status: 400 | 413 = 400): FieldError {
  return { kind: 'field_error', field, message, status };
}

export function isFieldError(value: unknown): value is FieldError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'field_error';
}

const ECHO_MAX_CHARS = 100;

/**
 * A client's value as it may appear in an error message: JSON-quoted and cut to about 100 characters, so a
 * 10 MiB field never comes back in a 10 MiB error (or a log line).
 */
export function echoValue(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const cut = text.length > ECHO_MAX_CHARS ? `${text.slice(0, ECHO_MAX_CHARS)}…` : text;
  return JSON.stringify(cut);
}
