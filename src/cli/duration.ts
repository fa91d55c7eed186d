// Durations given on the command line, e.g. --expires-in 90d: a whole number and a unit.
import { InputError } from "../errors.js";

const DAYS_PER_UNIT: Record<string, number> = { h: 1 / 24, d: 1, w: 7, y: 365 };

/** Days in `text` ("720h", "90d", "12w", "1y"), or an InputError naming `flag`. */
export function parseDurationDays(text: string, flag: string): number {
  const match = /^([1-9][0-9]{0,5})([hdwy])$/.exec(text.trim());
  const unit = match?.[2];
  if (match?.[1] === undefined || unit === undefined) {
    throw new InputError(`${flag}: ${JSON.stringify(text)} is not a duration`, "write a number and a unit h, d, w or y, e.g. 90d or 1y");
  }
  return Number(match[1]) * (DAYS_PER_UNIT[unit] ?? 1);
}
