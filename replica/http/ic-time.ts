/** Time constants and formatting shared by the request checks. */

/** Nanoseconds per second. */
export const NANOS_PER_SECOND = 1_000_000_000n;

/**
 * Formats a time the way the IC's error messages print `ic_types::Time` (chrono's UTC
 * display): `2025-05-01 23:55:18.005285297 UTC`. The fraction has 0, 3, 6 or 9 digits,
 * the fewest that show it exactly.
 *
 * @param timeNanos Nanoseconds since the Unix epoch.
 */
export function formatIcTime(timeNanos: bigint): string {
  const seconds = timeNanos / NANOS_PER_SECOND;
  const fractionNanos = Number(timeNanos % NANOS_PER_SECOND);
  const [date, time] = new Date(Number(seconds) * 1000).toISOString().split(/[T.]/);
  return `${date} ${time}${fraction(fractionNanos)} UTC`;
}

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(nanos).padStart(9, '0');
  if (nanos % 1_000_000 === 0) return `.${digits.slice(0, 3)}`;
  if (nanos % 1_000 === 0) return `.${digits.slice(0, 6)}`;
  return `.${digits}`;
}
